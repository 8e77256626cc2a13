package wire

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// fuzzFormats are the formats FuzzReadCommand decodes with; the first
// input byte picks one.
var fuzzFormats = []Format{
	testFormat(12, true, true),
	testFormat(12, false, true),
	testFormat(1, true, true),
	testFormat(1, false, true),
}

// captureSeeds returns the captured client→broker and broker→client
// streams of the formats matching fuzzFormats, without their first
// (WireFormatInfo) frame, keyed by fuzzFormats index.
func captureSeeds(tb testing.TB) map[int][][]byte {
	dirs := map[string]int{"v12-tight-cache": 0, "v12-loose-cache": 1, "v1-tight-cache": 2}
	seeds := map[int][][]byte{}
	for dir, i := range dirs {
		paths, _ := filepath.Glob(filepath.Join("testdata/captures", dir, "*", "conn-*.?2?"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			if _, n, err := NewCodec(DefaultPreferences()).Unmarshal(b); err == nil {
				seeds[i] = append(seeds[i], b[n:])
			}
		}
	}
	return seeds
}

// FuzzReadCommand feeds arbitrary streams to ReadCommand. Whatever decodes
// must re-encode (unless a string is too long for the tight encoding) and
// decode again to an equal command. The stream is also read through a
// small bufio.Reader, where message frames get buffers of their own, and
// must decode to the same commands.
func FuzzReadCommand(f *testing.F) {
	for i, streams := range captureSeeds(f) {
		for _, s := range streams {
			f.Add(append([]byte{byte(i)}, s...))
		}
	}
	f.Add([]byte{0, 0, 0, 0, 7, 10, 1, 0, 0, 0, 0, 0})
	for i, format := range fuzzFormats {
		f.Add(append([]byte{byte(i)}, largeMessageStream(f, format)...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		format := fuzzFormats[int(data[0])%len(fuzzFormats)]
		r := NewCodec(DefaultPreferences())
		rb := NewCodec(DefaultPreferences())
		w := NewCodec(DefaultPreferences())
		r2 := NewCodec(DefaultPreferences())
		for _, c := range []*Codec{r, rb, w, r2} {
			if err := c.SetFormat(format); err != nil {
				t.Fatal(err)
			}
		}
		in := bytes.NewReader(data[1:])
		buffered := bufio.NewReaderSize(bytes.NewReader(data[1:]), 16)
		for {
			cmd, err := r.ReadCommand(in)
			viaBuffer, errBuffered := rb.ReadCommand(buffered)
			if (err == nil) != (errBuffered == nil) {
				t.Fatalf("plain reader: %v; buffered reader: %v", err, errBuffered)
			}
			if err != nil {
				return
			}
			if !reflect.DeepEqual(viaBuffer, cmd) {
				t.Fatalf("buffered reader decoded %T differently:\n%#v\n%#v", cmd, cmd, viaBuffer)
			}
			frame, err := w.AppendCommand(nil, cmd)
			if err != nil {
				if !errors.Is(err, ErrStringTooLong) {
					t.Fatalf("re-encode %T: %v", cmd, err)
				}
				return
			}
			again, n, err := r2.Unmarshal(frame)
			if err != nil || n != len(frame) {
				t.Fatalf("decode re-encoded %T: n=%d/%d %v", cmd, n, len(frame), err)
			}
			if !reflect.DeepEqual(again, cmd) {
				t.Fatalf("round trip changed %T:\n%#v\n%#v", cmd, cmd, again)
			}
		}
	})
}

// largeMessageStream is a seed with message frames big enough to be read
// into buffers of their own (ownedFrameMin) next to a small one.
func largeMessageStream(tb testing.TB, f Format) []byte {
	w := NewCodec(DefaultPreferences())
	if err := w.SetFormat(f); err != nil {
		tb.Fatal(err)
	}
	pid := &ProducerId{ConnectionId: "ID:p", SessionId: 1, Value: 1}
	big := &ActiveMQBytesMessage{Message: Message{ProducerId: pid, Destination: &Destination{Kind: Queue, PhysicalName: "q"},
		MessageId: &MessageId{ProducerId: pid, ProducerSequenceId: 1}, Content: bytes.Repeat([]byte("b"), 1500)}}
	if err := big.SetProperties(map[string]any{"k": "v"}); err != nil {
		tb.Fatal(err)
	}
	text := &ActiveMQTextMessage{Message: big.Message}
	text.SetText(string(bytes.Repeat([]byte("t"), 1500)))
	small := &ActiveMQBytesMessage{Message: Message{ProducerId: pid, Content: []byte("s")}}
	var stream []byte
	for _, cmd := range []Command{big, &MessageDispatch{ConsumerId: &ConsumerId{ConnectionId: "ID:c", Value: 1}, Message: text}, small} {
		var err error
		if stream, err = w.AppendCommand(stream, cmd); err != nil {
			tb.Fatal(err)
		}
	}
	return stream
}

// mapSeeds returns every property map and map body in the v12 captures.
func mapSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	for _, streams := range captureSeeds(tb) {
		for _, s := range streams {
			c := NewCodec(DefaultPreferences())
			if err := c.SetFormat(fuzzFormats[0]); err != nil {
				tb.Fatal(err)
			}
			for len(s) > 0 {
				cmd, n, err := c.Unmarshal(s)
				if err != nil {
					break
				}
				s = s[n:]
				if m, ok := cmd.(MessageCommand); ok {
					seeds = append(seeds, m.GetMessage().MarshalledProperties)
					if cmd.DataStructureType() == TypeActiveMQMapMessage {
						seeds = append(seeds, m.GetMessage().Content)
					}
				}
			}
		}
	}
	return seeds
}

// FuzzDecodeMap: a map that decodes re-encodes to bytes that decode and
// re-encode to the same bytes.
func FuzzDecodeMap(f *testing.F) {
	for _, s := range mapSeeds(f) {
		f.Add(s)
	}
	f.Add(unhex(f, "00000003 0001 64 07 3ff0000000000000 0001 66 08 3f800000 0001 6b 09 0001 76"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeMap(data)
		if err != nil {
			return
		}
		once, err := AppendMap(nil, m)
		if err != nil {
			t.Fatalf("re-encode %#v: %v", m, err)
		}
		m2, err := DecodeMap(once)
		if err != nil {
			t.Fatalf("decode re-encoded: %v", err)
		}
		twice, _ := AppendMap(nil, m2)
		if !bytes.Equal(once, twice) {
			t.Fatalf("unstable encoding:\n% x\n% x", once, twice)
		}
	})
}

// FuzzDecodeStream: stream bodies behave like maps.
func FuzzDecodeStream(f *testing.F) {
	f.Add(unhex(f, "05 00000001 09 0001 73 01 01"))
	f.Add(unhex(f, "0c 00000002 09 0001 61 06 0000000000000002 00 03 00e9"))
	f.Fuzz(func(t *testing.T, data []byte) {
		vals, err := DecodeStream(data)
		if err != nil {
			return
		}
		once, err := AppendStream(nil, vals)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		vals2, err := DecodeStream(once)
		if err != nil {
			t.Fatalf("decode re-encoded: %v", err)
		}
		if twice, _ := AppendStream(nil, vals2); !bytes.Equal(once, twice) {
			t.Fatalf("unstable encoding")
		}
	})
}

// FuzzDecodeText: text bodies and the modified UTF-8 decoder. Whatever
// decodes is valid UTF-8 and survives AppendText.
func FuzzDecodeText(f *testing.F) {
	f.Add(unhex(f, "0000000a c3a9 c080 eda0bdedb880"))
	f.Add(unhex(f, "ffffffff"))
	f.Add(unhex(f, "00000004 f09f9880"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeText(data)
		if err != nil || !s.Valid {
			return
		}
		back, err := DecodeText(AppendText(nil, s.Value))
		if err != nil || back != s {
			t.Fatalf("%q came back as %q (%v)", s.Value, back.Value, err)
		}
	})
}

// FuzzInflateContent: compressed bodies never exceed the limit or panic.
func FuzzInflateContent(f *testing.F) {
	f.Add(byte(TypeActiveMQBytesMessage), DeflateContent(TypeActiveMQBytesMessage, []byte("abc")))
	f.Add(byte(TypeActiveMQTextMessage), DeflateContent(TypeActiveMQTextMessage, AppendText(nil, "hello")))
	f.Fuzz(func(t *testing.T, typ byte, data []byte) {
		out, err := InflateContent(typ, data, 1<<16)
		if err == nil && len(out) > 1<<16 {
			t.Fatalf("inflated %d bytes past the limit", len(out))
		}
	})
}
