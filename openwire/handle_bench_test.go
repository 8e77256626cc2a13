package openwire

import (
	"runtime"
	"testing"

	"github.com/junctionmq/junction/openwire/wire"
)

// decodedMessage allocates a message the way the decoder does: the
// command and its MessageId together.
func decodedMessage(pid *wire.ProducerId, dest *wire.Destination, seq int64, content []byte) *wire.ActiveMQBytesMessage {
	box := new(struct {
		m  wire.ActiveMQBytesMessage
		id wire.MessageId
	})
	box.id = wire.MessageId{ProducerId: pid, ProducerSequenceId: seq}
	box.m.Message = wire.Message{
		BaseCommand: wire.BaseCommand{CommandId: int32(seq)},
		ProducerId:  pid, Destination: dest, MessageId: &box.id, Priority: 4,
		Timestamp: 1700000000000 + seq, Content: content, MarshalledProperties: []byte{},
	}
	return &box.m
}

// BenchmarkHandleSendDispatchAck measures the broker's own work per message
// without sockets or decoding: conn.handle gets a 1 KiB non-persistent
// BytesMessage from a producer connection, the queue dispatches it to a
// consumer connection with prefetch 1000 (the MessageDispatch is encoded
// and handed to the connection's writer), and conn.handle gets the
// consumer's standard ack for it, as the Java client sends in
// AUTO_ACKNOWLEDGE mode. allocs/op include the two allocations the decoder
// makes for the message and the ack (message bodies are shared here).
func BenchmarkHandleSendDispatchAck(b *testing.B) {
	s := newTestServer(b)
	pc := handleConn(b, s, "ID:bench-producer", &clientSocket{})
	cc := handleConn(b, s, "ID:bench-consumer", &clientSocket{})
	dest := &wire.Destination{Kind: wire.Queue, PhysicalName: "bench.handle"}
	pid := &wire.ProducerId{ConnectionId: "ID:bench-producer", SessionId: 1, Value: 1}
	cid := &wire.ConsumerId{ConnectionId: "ID:bench-consumer", SessionId: 1, Value: 1}
	pc.handle(&wire.ProducerInfo{ProducerId: pid, Destination: dest})
	cc.handle(&wire.ConsumerInfo{ConsumerId: cid, Destination: dest, PrefetchSize: 1000})
	cs := cc.consumers[consumerKey{1, 1}]
	if cs == nil {
		b.Fatal("consumer not registered")
	}
	content := make([]byte, 1024)
	seq := int64(0)
	oneMessage := func() {
		seq++
		pc.handle(decodedMessage(pid, dest, seq, content))
		// A reader waits for its next command here; let the writer run.
		runtime.Gosched()
		// The queue dispatches in the sender's goroutine.
		cs.mu.Lock()
		n := len(cs.dispatched)
		var brokerSeq int64
		if n > 0 {
			brokerSeq = cs.dispatched[n-1].brokerSeq
		}
		cs.mu.Unlock()
		if n != 1 {
			b.Fatalf("message %d: %d messages dispatched and unsettled, want 1", seq, n)
		}
		box := new(struct {
			a   wire.MessageAck
			ids [2]wire.MessageId
		})
		box.ids[0] = wire.MessageId{ProducerId: pid, ProducerSequenceId: seq, BrokerSequenceId: brokerSeq}
		box.ids[1] = box.ids[0]
		box.a = wire.MessageAck{Destination: dest, ConsumerId: cid, AckType: wire.AckStandard,
			FirstMessageId: &box.ids[0], LastMessageId: &box.ids[1], MessageCount: 1}
		cc.handle(&box.a)
	}
	for range 1000 {
		oneMessage()
	}
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		oneMessage()
	}
	b.StopTimer()
	cs.mu.Lock()
	left := len(cs.dispatched)
	cs.mu.Unlock()
	q, _ := cc.vhost.Queue("bench.handle")
	if ready, unacked, _ := q.Counts(); left != 0 || ready != 0 || unacked != 0 {
		b.Fatalf("after the run: %d dispatched unsettled, queue ready %d unacked %d; want all settled", left, ready, unacked)
	}
}
