package openwire

import (
	"testing"

	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/openwire/wire"
)

func TestStoredOpenWireMessageKeepsTypeTextAndProperties(t *testing.T) {
	tm := &wire.ActiveMQTextMessage{}
	tm.SetText("héllo")
	tm.Destination = &wire.Destination{Kind: wire.Queue, PhysicalName: "q"}
	tm.MessageId = &wire.MessageId{ProducerId: &wire.ProducerId{ConnectionId: "ID:c", SessionId: 1, Value: 2}, ProducerSequenceId: 3}
	tm.CorrelationId = wire.Str("corr")
	tm.Persistent = true
	if err := tm.SetProperties(map[string]any{"n": int32(7), "s": "v"}); err != nil {
		t.Fatal(err)
	}
	m := message.New(message.OpenWire, nil, decodeWireProps)
	m.Native = tm
	m.Body = neutralBody(tm)
	b, err := message.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := message.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	back, ok := got.Native.(*wire.ActiveMQTextMessage)
	if !ok {
		t.Fatalf("native form came back as %T", got.Native)
	}
	text, _ := back.Text()
	if text.Value != "héllo" || string(got.Body) != "héllo" {
		t.Fatalf("text %q body %q", text.Value, got.Body)
	}
	p := got.Props()
	if p.CorrelationID != "corr" || p.Headers["n"] != int32(7) || p.Headers["s"] != "v" || p.MessageID != "ID:c:1:2:3" {
		t.Fatalf("properties %+v", p)
	}
}
