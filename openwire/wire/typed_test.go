package wire

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestMapMatchesReferenceBytes(t *testing.T) {
	// openwire.md §6.1: d=1.0 (double), f=1.0f (float), k="v"; tag 7 is double.
	ref := unhex(t, "00000003 0001 64 07 3ff0000000000000 0001 66 08 3f800000 0001 6b 09 0001 76")
	m := map[string]any{"d": 1.0, "f": float32(1), "k": "v"}
	got, err := AppendMap(nil, m)
	if err != nil || !bytes.Equal(got, ref) {
		t.Errorf("AppendMap = % x, %v", got, err)
	}
	back, err := DecodeMap(ref)
	if err != nil || !reflect.DeepEqual(back, m) {
		t.Errorf("DecodeMap = %#v, %v", back, err)
	}
}

func TestMapValueTypesRoundTrip(t *testing.T) {
	m := map[string]any{
		"nil": nil, "bool": false, "byte": int8(-1), "char": uint16(0xE9), "short": int16(-300),
		"int": int32(-70000), "long": int64(-1 << 40), "double": 2.5, "float": float32(-0.5),
		"string": "a\x00é😀", "big": strings.Repeat("é", bigStringUnits), "bytes": []byte{0, 1},
		"map": map[string]any{"x": []any{int32(1), map[string]any{}}}, "list": []any{}, "": "empty key",
	}
	b, err := AppendMap(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeMap(b)
	if err != nil || !reflect.DeepEqual(back, m) {
		t.Errorf("round trip: %v\n%#v", err, back)
	}
	// Java writes strings of 8191 UTF-16 units and more with tag 13.
	if i := bytes.Index(b, []byte("\x00\x03big")); b[i+5] != tagBigString {
		t.Errorf("tag of an 8191-unit string is %d, want %d", b[i+5], tagBigString)
	}
}

func TestNullMapIsCountMinusOne(t *testing.T) {
	b, _ := AppendMap(nil, nil)
	if !bytes.Equal(b, unhex(t, "ffffffff")) {
		t.Errorf("nil map encodes as % x", b)
	}
	m, err := DecodeMap(b)
	if err != nil || m != nil {
		t.Errorf("DecodeMap(-1) = %v, %v", m, err)
	}
}

func TestAppendMapRejectsGoTypesWithoutJavaCounterpart(t *testing.T) {
	for _, v := range []any{1, uint32(1), []string{"a"}, struct{}{}} {
		if _, err := AppendMap(nil, map[string]any{"k": v}); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%T: err = %v", v, err)
		}
	}
}

func TestDecodeMapRejectsImpossibleCountsBeforeAllocating(t *testing.T) {
	for name, b := range map[string]string{
		"huge map":         "7fffffff 0001 61 00",
		"negative map":     "fffffffe",
		"huge list":        "00000001 0001 61 0c 7fffffff",
		"huge byte array":  "00000001 0001 61 0a 7fffffff",
		"huge big string":  "00000001 0001 61 0d 7ffffff0",
		"unknown tag":      "00000001 0001 61 0e",
		"truncated double": "00000001 0001 61 07 3ff0",
	} {
		if _, err := DecodeMap(unhex(t, b)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	deep := unhex(t, "00000001 0001 61")
	for range maxValueDepth + 1 {
		deep = append(deep, unhex(t, "0c 00000001")...)
	}
	if _, err := DecodeMap(append(deep, 0)); !errors.Is(err, ErrTooDeep) {
		t.Errorf("deep nesting: %v", err)
	}
}

func TestStreamMatchesReferenceBytes(t *testing.T) {
	ref := unhex(t, "05 00000001 09 0001 73 01 01") // writeInt(1), writeString("s"), writeBoolean(true)
	vals, err := DecodeStream(ref)
	if err != nil || !reflect.DeepEqual(vals, []any{int32(1), "s", true}) {
		t.Errorf("DecodeStream = %#v, %v", vals, err)
	}
	if b, _ := AppendStream(nil, vals); !bytes.Equal(b, ref) {
		t.Errorf("AppendStream = % x", b)
	}
}

func TestTextBodyUsesModifiedUTF8(t *testing.T) {
	ref := unhex(t, "0000000a c3a9 c080 eda0bdedb880") // "é", U+0000, U+1F600
	if got := AppendText(nil, "é\x00😀"); !bytes.Equal(got, ref) {
		t.Errorf("AppendText = % x", got)
	}
	s, err := DecodeText(ref)
	if err != nil || s != Str("é\x00😀") {
		t.Errorf("DecodeText = %q, %v", s.Value, err)
	}
	if s, err := DecodeText(unhex(t, "ffffffff")); err != nil || s.Valid {
		t.Errorf("length -1: %v %v, want null", s, err)
	}
	for _, bad := range []string{"00000002 c3", "00000001 80", "00000003 e0 80", "7fffffff 00"} {
		if _, err := DecodeText(unhex(t, bad)); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}

func TestModifiedUTF8DecoderEdgeCases(t *testing.T) {
	for in, want := range map[string]string{
		"eda0bd":         "\uFFFD",       // lone high surrogate
		"edb880":         "\uFFFD",       // lone low surrogate
		"eda0bd41":       "\uFFFDA",      // high surrogate followed by a letter
		"f09f9880":       "😀",            // standard 4-byte UTF-8, accepted leniently
		"00":             "\x00",         // raw NUL, as readUTF accepts
		"c1bf":           "\u007f",       // overlong forms are decoded, as Java does
		"eda0bdeda0bd":   "\uFFFD\uFFFD", // two high surrogates
		"eda0bdedb88041": "😀A",
	} {
		got, err := decodeMUTF8(unhex(t, in))
		if err != nil || got != want {
			t.Errorf("% s: %q, %v; want %q", in, got, err, want)
		}
	}
	if s := decodeLatin1([]byte{'a', 0xE9}); s != "aé" {
		t.Errorf("latin-1: %q", s)
	}
}

func TestBytesMessageCompressionKeepsOnlyTheDeclaredLength(t *testing.T) {
	// The Java client deflates its whole buffer, trailing zeros included,
	// and prefixes the real length.
	content := DeflateContent(TypeActiveMQBytesMessage, []byte("abc\x00\x00\x00\x00"))
	copy(content, unhex(t, "00000003"))
	got, err := InflateContent(TypeActiveMQBytesMessage, content, 100)
	if err != nil || string(got) != "abc" {
		t.Errorf("inflated %q, %v", got, err)
	}
	if _, err := InflateContent(TypeActiveMQBytesMessage, unhex(t, "7fffffff 789c"), 100); !errors.Is(err, ErrCount) {
		t.Errorf("absurd length: %v", err)
	}
	text := DeflateContent(TypeActiveMQTextMessage, AppendText(nil, strings.Repeat("x", 200)))
	if _, err := InflateContent(TypeActiveMQTextMessage, text, 100); !errors.Is(err, ErrCount) {
		t.Errorf("text over the limit: %v", err)
	}
	m := &ActiveMQTextMessage{Message: Message{Content: text, Compressed: true}}
	if s, err := m.Text(); err != nil || s.Value != strings.Repeat("x", 200) {
		t.Errorf("Text() = %q, %v", s.Value, err)
	}
}

func TestDefaultWireFormatInfoAdvertisesJavaTypes(t *testing.T) {
	w := DefaultPreferences().WireFormatInfo()
	props, err := DecodeMap(w.MarshalledProperties)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"TightEncodingEnabled": true, "CacheEnabled": true, "CacheSize": int32(1024), "StackTraceEnabled": true,
		"TcpNoDelayEnabled": true, "SizePrefixDisabled": false, "MaxInactivityDuration": int64(30000),
		"MaxInactivityDurationInitalDelay": int64(10000), "MaxFrameSize": int64(100 << 20),
		"MaxFrameSizeEnabled": true, "ProviderName": "Junction", "PlatformDetails": "Go",
	}
	if !reflect.DeepEqual(props, want) || w.Version != 12 || w.Magic != Magic {
		t.Errorf("WireFormatInfo v%d %q\n%#v", w.Version, w.Magic, props)
	}
	p, err := w.Preferences()
	if err != nil || !reflect.DeepEqual(p, DefaultPreferences()) {
		t.Errorf("Preferences() = %+v, %v", p, err)
	}
}

func TestNegotiateFollowsJavasRules(t *testing.T) {
	ours := DefaultPreferences()
	nms := Preferences{Version: 10, TcpNoDelay: true, MaxInactivityDuration: 30 * time.Second,
		MaxInactivityDurationInitialDelay: 10 * time.Second}
	f, err := Negotiate(ours.WireFormatInfo(), nms.WireFormatInfo())
	want := Format{Version: 10, TcpNoDelay: true, MaxFrameSize: 100 << 20, MaxFrameSizeEnabled: true,
		MaxInactivityDuration: 30 * time.Second, MaxInactivityDurationInitialDelay: 10 * time.Second}
	if err != nil || f != want {
		t.Errorf("with NMS:\n got %+v, %v\nwant %+v", f, err, want)
	}

	java := DefaultPreferences()
	java.CacheSize = 0
	java.MaxFrameSize = 1 << 62
	java.MaxInactivityDuration = 0
	f, err = Negotiate(ours.WireFormatInfo(), java.WireFormatInfo())
	// Java takes the plain minimum of the cache sizes, so a peer's 0 wins
	// and means 16383; frame sizes ignore values ≤ 0; inactivity 0 turns
	// the monitor off.
	if err != nil || !f.TightEncoding || !f.CacheEnabled || f.CacheSize != 16383 || f.MaxFrameSize != 100<<20 || f.MaxInactivityDuration != 0 {
		t.Errorf("with Java: %+v, %v", f, err)
	}

	bad := ours.WireFormatInfo()
	bad.Magic[0] = 'X'
	if _, err := Negotiate(ours.WireFormatInfo(), bad); !errors.Is(err, ErrBadMagic) {
		t.Errorf("bad magic: %v", err)
	}
	old := ours
	old.Version = 0
	if _, err := Negotiate(ours.WireFormatInfo(), old.WireFormatInfo()); !errors.Is(err, ErrNegotiation) {
		t.Errorf("version 0: %v", err)
	}
}
