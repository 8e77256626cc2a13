package openwire

import (
	"fmt"
	"testing"

	"github.com/junctionmq/junction/openwire/wire"
)

// fuzzFormat is the format the fuzzed frames are decoded with: Java's
// default (v12, tight) without the cache, so that every frame stands alone.
var fuzzFormat = wire.Format{Version: 12, TightEncoding: true, StackTraceEnabled: true}

func fuzzCodec(t testing.TB) *wire.Codec {
	c := wire.NewCodec(wire.DefaultPreferences())
	if err := c.SetFormat(fuzzFormat); err != nil {
		t.Fatal(err)
	}
	return c
}

// FuzzReceivedMessage feeds arbitrary frames through the receive path: the
// codec decodes them, and any message (alone or in a MessageDispatch) is
// converted as a consumer would, decoding properties and body. Malformed
// content must end up in BodyErr, never in a panic.
func FuzzReceivedMessage(f *testing.F) {
	seeds := []*Message{
		NewMessage(), NewTextMessage("hé\u0000😀"), NewBytesMessage([]byte{1, 2, 3}),
		NewMapMessage(map[string]any{"a": int32(1), "n": map[string]any{"x": []any{"y", int64(2)}}}),
		NewStreamMessage(true, int8(1), int16(2), uint16('c'), float32(1), 2.5, "s", []byte{9}, nil),
		NewObjectMessage([]byte{0xac, 0xed, 0, 5}),
	}
	enc := fuzzCodec(f)
	for i, m := range seeds {
		m.Properties = map[string]any{"i": int32(i), "s": "v"}
		m.ReplyTo = Queue("r")
		cmd, w, err := m.toWire()
		if err != nil {
			f.Fatal(err)
		}
		w.Destination = Queue("q").toWire()
		w.MessageId = &wire.MessageId{ProducerId: &wire.ProducerId{ConnectionId: "ID:c:1", SessionId: 1, Value: 1}, ProducerSequenceId: int64(i)}
		md := &wire.MessageDispatch{ConsumerId: &wire.ConsumerId{ConnectionId: "ID:c:1", SessionId: 1, Value: 1}, Destination: w.Destination, Message: cmd, RedeliveryCounter: 1}
		frame, err := enc.AppendCommand(nil, md)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(frame)
		if i == 3 {
			w.Compressed = true
			w.Content = wire.DeflateContent(wire.TypeActiveMQMapMessage, w.Content)
			frame, _ = enc.AppendCommand(nil, md)
			f.Add(frame)
		}
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		c := fuzzCodec(t)
		cmd, _, err := c.Unmarshal(frame)
		if err != nil {
			return
		}
		var mc wire.MessageCommand
		var redelivered int32
		switch v := cmd.(type) {
		case *wire.MessageDispatch:
			mc, redelivered = v.Message, v.RedeliveryCounter
		case wire.MessageCommand:
			mc = v
		}
		if mc == nil {
			return
		}
		m := fromWire(mc, redelivered)
		if m.BodyErr() != nil {
			return
		}
		// What decoded cleanly can be sent again and reads back the same.
		again, _, err := m.toWire()
		if err != nil {
			t.Fatalf("received %v message cannot be re-sent: %v", m.Kind(), err)
		}
		m2 := fromWire(again, 0)
		if m2.BodyErr() != nil {
			t.Fatalf("re-encoded message does not decode: %v", m2.BodyErr())
		}
		a := fmt.Sprintf("%v|%v|%v|%v|%v|%v", m.Kind(), m.Text(), m.Bytes(), m.Map(), m.Stream(), m.Properties)
		b := fmt.Sprintf("%v|%v|%v|%v|%v|%v", m2.Kind(), m2.Text(), m2.Bytes(), m2.Map(), m2.Stream(), m2.Properties)
		if a != b {
			t.Fatalf("round trip changed the message:\n%s\n%s", a, b)
		}
	})
}
