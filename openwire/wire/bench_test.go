package wire

import (
	"bufio"
	"bytes"
	"testing"
)

// benchMessage is a persistent TextMessage with a 1 KB body and three
// properties, as a Java producer sends it.
func benchMessage(b *testing.B) *ActiveMQTextMessage {
	prod := &ProducerId{ConnectionId: "ID:bench-host-40000-1700000000000-1:1", SessionId: 1, Value: 1}
	m := &ActiveMQTextMessage{Message: Message{
		BaseCommand: BaseCommand{CommandId: 42, ResponseRequired: true},
		ProducerId:  prod,
		Destination: &Destination{Kind: Queue, PhysicalName: "orders.incoming"},
		MessageId:   &MessageId{ProducerId: prod, ProducerSequenceId: 1234, BrokerSequenceId: 99},
		Persistent:  true, Priority: 4, Timestamp: 1700000000123,
	}}
	m.SetText(string(bytes.Repeat([]byte("0123456789abcdef"), 64)))
	if err := m.SetProperties(map[string]any{"customer": "acme", "amount": int64(1000), "express": true}); err != nil {
		b.Fatal(err)
	}
	return m
}

func benchCommands(b *testing.B) map[string]Command {
	m := benchMessage(b)
	cons := &ConsumerId{ConnectionId: "ID:bench-host-40000-1700000000000-1:2", SessionId: 1, Value: 1}
	return map[string]Command{
		"TextMessage":     m,
		"MessageDispatch": &MessageDispatch{ConsumerId: cons, Destination: m.Destination, Message: m},
		"MessageAck": &MessageAck{Destination: m.Destination, ConsumerId: cons, AckType: AckStandard,
			FirstMessageId: m.MessageId, LastMessageId: m.MessageId, MessageCount: 1},
	}
}

// BenchmarkMarshal measures AppendCommand in the default negotiated format
// (v12, tight, cache), in the steady state where IDs are cache hits.
func BenchmarkMarshal(b *testing.B) {
	for name, cmd := range benchCommands(b) {
		b.Run(name, func(b *testing.B) {
			c := newTestCodec(b, testFormat(12, true, true))
			buf := mustAppend(b, c, cmd)
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			b.ResetTimer()
			for range b.N {
				var err error
				if buf, err = c.AppendCommand(buf[:0], cmd); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUnmarshal measures ReadCommand on the same frames, read through
// a bufio.Reader as connections read them.
func BenchmarkUnmarshal(b *testing.B) {
	for name, cmd := range benchCommands(b) {
		b.Run(name, func(b *testing.B) {
			w := newTestCodec(b, testFormat(12, true, true))
			r := newTestCodec(b, testFormat(12, true, true))
			first := mustAppend(b, w, cmd)
			steady := mustAppend(b, w, cmd)
			if _, _, err := r.Unmarshal(first); err != nil {
				b.Fatal(err)
			}
			in := bytes.NewReader(steady)
			br := bufio.NewReader(in)
			b.ReportAllocs()
			b.SetBytes(int64(len(steady)))
			b.ResetTimer()
			for range b.N {
				in.Reset(steady)
				br.Reset(in)
				if _, err := r.ReadCommand(br); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
