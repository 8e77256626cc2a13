package message

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

func TestEncodeDecodeRoundTripsAnInternalMessage(t *testing.T) {
	p := &Properties{
		ContentType: "text/plain", CorrelationID: "c-1", ReplyTo: "queue://r", MessageID: "m-1",
		Type: "t", UserID: "u", AppID: "a", Timestamp: 1700000000123, GroupSeq: 7, Expiration: "500",
		Headers: Table{
			"b": true, "i8": int8(-8), "u8": uint8(8), "i16": int16(-16), "u16": uint16(16),
			"i32": int32(-32), "u32": uint32(32), "i64": int64(-64), "f32": float32(1.5), "f64": 2.25,
			"dec": Decimal{Scale: 2, Value: 314}, "s": "str", "x": []byte{0, 1}, "nil": nil,
			"time":  time.Unix(1700000000, 0).UTC(),
			"table": Table{"nested": "yes"}, "list": []any{int32(1), "two", Table{"three": int64(3)}},
		},
	}
	m := NewInternal(p)
	m.Exchange, m.RoutingKey, m.GroupID = "ex", "rk", "g"
	m.Persistent, m.Priority, m.HasPriority, m.ExpiresAt = true, 5, true, 1700000009999
	m.Body = []byte("body\x00bytes")
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Exchange != "ex" || got.RoutingKey != "rk" || got.GroupID != "g" || !got.Persistent ||
		got.Priority != 5 || !got.HasPriority || got.ExpiresAt != 1700000009999 || !bytes.Equal(got.Body, m.Body) || got.Origin != Internal {
		t.Fatalf("fields: %+v", got)
	}
	if !reflect.DeepEqual(got.Props(), p) {
		t.Fatalf("properties:\n got %#v\nwant %#v", got.Props(), p)
	}
}

func TestDecodeUsesTheOriginsCodecForRawForms(t *testing.T) {
	RegisterCodec(AMQP, NativeCodec{Props: func(m *Message) (*Properties, error) {
		return &Properties{MessageID: string(m.Raw)}, nil
	}})
	m := New(AMQP, []byte("raw-props"), nil)
	m.Body = []byte("x")
	b, _ := Encode(m)
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Raw) != "raw-props" || got.Props().MessageID != "raw-props" {
		t.Fatalf("raw %q props %+v", got.Raw, got.Props())
	}
}

func TestDecodeMetaAgreesWithDecodeWithoutBuildingTheMessage(t *testing.T) {
	internal := NewInternal(&Properties{MessageID: "m-9", Headers: Table{"k": "v"}})
	internal.GroupID, internal.Priority, internal.ExpiresAt = "orders", 7, 1700000001234
	internal.Body = bytes.Repeat([]byte("i"), 300)
	raw := New(AMQP, []byte("raw-props"), nil)
	raw.Exchange, raw.RoutingKey, raw.GroupID, raw.Priority, raw.ExpiresAt = "ex", "rk", "g-2", 3, -1
	raw.Body = []byte("a body of 24 bytes here!")
	empty := New(STOMP, nil, nil)
	for name, m := range map[string]*Message{"internal": internal, "raw": raw, "empty": empty} {
		b, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeMeta(b)
		want := Meta{Priority: m.Priority, ExpiresAt: m.ExpiresAt, GroupID: m.GroupID, BodySize: len(m.Body)}
		if err != nil || got != want {
			t.Fatalf("%s: DecodeMeta = %+v, %v; want %+v", name, got, err, want)
		}
		for cut := range len(b) {
			if _, err := DecodeMeta(b[:cut]); err == nil {
				t.Fatalf("%s: DecodeMeta accepted the first %d of %d bytes", name, cut, len(b))
			}
		}
	}
}

func TestEncodeArrivedKeepsWhenTheBrokerTookTheMessageIn(t *testing.T) {
	m := New(AMQP, []byte("raw-props"), nil)
	m.Exchange, m.RoutingKey, m.GroupID, m.Priority, m.ExpiresAt = "ex", "rk", "g", 5, 1700000009000
	m.Body = []byte("body")
	const at = 1700000001234
	b, err := EncodeArrived(m, at)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 2 {
		t.Fatalf("encoding version %d with an arrival time, want 2", b[0])
	}
	meta, err := DecodeMeta(b)
	want := Meta{Priority: 5, ExpiresAt: 1700000009000, ArrivedAt: at, GroupID: "g", BodySize: 4}
	if err != nil || meta != want {
		t.Fatalf("DecodeMeta = %+v, %v; want %+v", meta, err, want)
	}
	got, err := Decode(b)
	if err != nil || got.Exchange != "ex" || got.RoutingKey != "rk" || got.GroupID != "g" || got.Priority != 5 ||
		got.ExpiresAt != 1700000009000 || string(got.Raw) != "raw-props" || string(got.Body) != "body" {
		t.Fatalf("Decode = %+v, %v", got, err)
	}
	for cut := range len(b) {
		if _, err := DecodeMeta(b[:cut]); err == nil {
			t.Fatalf("DecodeMeta accepted the first %d of %d bytes", cut, len(b))
		}
	}
	// Without an arrival time the record stays version 1, readable by
	// every earlier Junction.
	plain, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if meta, err := DecodeMeta(plain); err != nil || plain[0] != 1 || meta.ArrivedAt != 0 {
		t.Fatalf("plain encoding: version %d, meta %+v, %v; want version 1 and no arrival", plain[0], meta, err)
	}
	if len(b) <= len(plain) {
		t.Fatalf("arrival added %d bytes", len(b)-len(plain))
	}
	future := append([]byte{3}, b[1:]...)
	if _, err := Decode(future); err == nil {
		t.Fatal("a version 3 record decoded")
	}
}

func FuzzDecode(f *testing.F) {
	m := NewInternal(&Properties{Headers: Table{"k": "v", "n": int32(1)}})
	m.Body = []byte("hello")
	b, _ := Encode(m)
	f.Add(b)
	b, _ = EncodeArrived(m, 1700000001234)
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			return
		}
		meta, err := DecodeMeta(data)
		// The arrival time is only in the encoding and Meta.
		if want := (Meta{Priority: m.Priority, ExpiresAt: m.ExpiresAt, ArrivedAt: meta.ArrivedAt, GroupID: m.GroupID, BodySize: len(m.Body)}); err != nil || meta != want {
			t.Fatalf("DecodeMeta = %+v, %v; Decode gave %+v", meta, err, want)
		}
		if _, err := Encode(m); err != nil && m.Origin == Internal {
			t.Fatalf("decoded message does not re-encode: %v", err)
		}
	})
}
