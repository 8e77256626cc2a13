package openwire

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/openwire/wire"
)

// clientSocket stands in for the client's TCP connection of a conn that a
// test drives through conn.handle: nothing is read from it, and what the
// broker writes is kept for the test to decode (or dropped).
type clientSocket struct {
	mu   sync.Mutex
	keep bool
	out  bytes.Buffer
}

func (s *clientSocket) Read([]byte) (int, error) { return 0, io.EOF }
func (s *clientSocket) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keep {
		s.out.Write(p)
	}
	return len(p), nil
}
func (s *clientSocket) Close() error { return nil }
func (s *clientSocket) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 61616}
}
func (s *clientSocket) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}
func (s *clientSocket) SetDeadline(time.Time) error      { return nil }
func (s *clientSocket) SetReadDeadline(time.Time) error  { return nil }
func (s *clientSocket) SetWriteDeadline(time.Time) error { return nil }

func newTestServer(tb testing.TB) *Server {
	tb.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	br, err := broker.New(broker.Options{Logger: log, FlowLimit: 64 << 20})
	if err != nil {
		tb.Fatal(err)
	}
	return NewServer(br, Config{}, log)
}

// handleConn is a broker connection in the negotiated Java default format
// (v12, tight, cache), connected as guest with session 1, writing to sock.
func handleConn(tb testing.TB, s *Server, id string, sock *clientSocket) *conn {
	tb.Helper()
	c := newConn(s, sock)
	go c.out.Run(c.nc, 0, func(error) {})
	if err := c.codec.SetFormat(javaFormat(tb)); err != nil {
		tb.Fatal(err)
	}
	c.format = javaFormat(tb)
	tb.Cleanup(func() {
		c.release()
		c.out.Close()
	})
	if !c.handle(&wire.ConnectionInfo{ConnectionId: &wire.ConnectionId{Value: id}}) || c.client == nil {
		tb.Fatalf("%s: ConnectionInfo refused", id)
	}
	c.handle(&wire.SessionInfo{SessionId: &wire.SessionId{ConnectionId: id, Value: 1}})
	return c
}

func javaFormat(tb testing.TB) wire.Format {
	local := wire.DefaultPreferences().WireFormatInfo()
	f, err := wire.Negotiate(local, local)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// dispatches decodes what the broker has written to sock so far (waiting
// up to a second for want dispatches) and returns the MessageDispatches.
func dispatches(t *testing.T, sock *clientSocket, client *wire.Codec, want int) []*wire.MessageDispatch {
	t.Helper()
	var out []*wire.MessageDispatch
	for deadline := time.Now().Add(time.Second); len(out) < want && time.Now().Before(deadline); time.Sleep(100 * time.Microsecond) {
		sock.mu.Lock()
		data := append([]byte(nil), sock.out.Bytes()...)
		sock.out.Reset()
		sock.mu.Unlock()
		for len(data) > 0 {
			cmd, n, err := client.Unmarshal(data)
			if err != nil {
				t.Fatal(err)
			}
			data = data[n:]
			if md, ok := cmd.(*wire.MessageDispatch); ok {
				out = append(out, md)
			}
		}
	}
	if len(out) != want {
		t.Fatalf("%d dispatches written, want %d", len(out), want)
	}
	return out
}

// queuePair is a producer connection and a consumer connection (prefetch
// 10) on one queue, the consumer's writes kept.
type queuePair struct {
	prod, cons *conn
	sock       *clientSocket
	client     *wire.Codec // decodes what the consumer connection writes
	cs         *consumer
	dest       *wire.Destination
	pid        *wire.ProducerId
	cid        *wire.ConsumerId
}

func newQueuePair(t *testing.T, queue string) *queuePair {
	s := newTestServer(t)
	p := &queuePair{sock: &clientSocket{keep: true}, dest: &wire.Destination{Kind: wire.Queue, PhysicalName: queue},
		pid: &wire.ProducerId{ConnectionId: "ID:p", SessionId: 1, Value: 1},
		cid: &wire.ConsumerId{ConnectionId: "ID:c", SessionId: 1, Value: 1}}
	p.prod = handleConn(t, s, "ID:p", &clientSocket{})
	p.cons = handleConn(t, s, "ID:c", p.sock)
	p.client = wire.NewCodec(wire.DefaultPreferences())
	if err := p.client.SetFormat(javaFormat(t)); err != nil {
		t.Fatal(err)
	}
	p.prod.handle(&wire.ProducerInfo{ProducerId: p.pid, Destination: p.dest})
	p.cons.handle(&wire.ConsumerInfo{ConsumerId: p.cid, Destination: p.dest, PrefetchSize: 10})
	if p.cs = p.cons.consumers[consumerKey{1, 1}]; p.cs == nil {
		t.Fatal("consumer not registered")
	}
	return p
}

func (p *queuePair) send(seq int64, body string) {
	m := &wire.ActiveMQBytesMessage{Message: wire.Message{
		BaseCommand: wire.BaseCommand{CommandId: int32(100 + seq)},
		ProducerId:  p.pid, Destination: p.dest, Priority: 4, Content: []byte(body),
		MessageId: &wire.MessageId{ProducerId: p.pid, ProducerSequenceId: seq},
	}}
	p.prod.handle(m)
}

func (p *queuePair) ack(ackType wire.AckType, first, last *wire.MessageDispatch, tx wire.TransactionId) {
	p.cons.handle(&wire.MessageAck{Destination: p.dest, ConsumerId: p.cid, AckType: ackType, TransactionId: tx,
		FirstMessageId: first.Message.GetMessage().MessageId, LastMessageId: last.Message.GetMessage().MessageId, MessageCount: 1})
}

// unsettled lists the producer sequence numbers of the consumer's
// dispatched, unsettled messages, in dispatch order.
func (p *queuePair) unsettled() []int64 {
	p.cs.mu.Lock()
	defer p.cs.mu.Unlock()
	var seqs []int64
	for _, d := range p.cs.dispatched {
		seqs = append(seqs, d.id.producerSeq)
	}
	return seqs
}

func TestEachDispatchCarriesItsOwnMessageAndTheQueuedOriginalIsUntouched(t *testing.T) {
	p := newQueuePair(t, "t.dispatch")
	for seq, body := range []string{"first", "second", "third"} {
		p.send(int64(seq+1), body)
	}
	mds := dispatches(t, p.sock, p.client, 3)
	var lastBrokerSeq int64
	for i, md := range mds {
		m := md.Message.GetMessage()
		want := []string{"first", "second", "third"}[i]
		if string(m.Content) != want || m.MessageId.ProducerSequenceId != int64(i+1) {
			t.Errorf("dispatch %d: body %q, producer sequence %d; want %q, %d", i+1, m.Content, m.MessageId.ProducerSequenceId, want, i+1)
		}
		if m.MessageId.BrokerSequenceId <= lastBrokerSeq || m.CommandId != 0 || md.ConsumerId.Value != 1 {
			t.Errorf("dispatch %d: broker sequence %d after %d, command id %d, consumer %v", i+1, m.MessageId.BrokerSequenceId, lastBrokerSeq, m.CommandId, md.ConsumerId)
		}
		lastBrokerSeq = m.MessageId.BrokerSequenceId
	}
	p.cs.mu.Lock()
	defer p.cs.mu.Unlock()
	for i, d := range p.cs.dispatched {
		orig := d.entry.Message().Native.(*wire.ActiveMQBytesMessage)
		if orig.MessageId.BrokerSequenceId != 0 || orig.CommandId != int32(101+i) || orig.BrokerOutTime != 0 {
			t.Errorf("queued message %d was changed by its dispatch: broker sequence %d, command id %d, out time %d",
				i+1, orig.MessageId.BrokerSequenceId, orig.CommandId, orig.BrokerOutTime)
		}
	}
	// The reused dispatch keeps nothing alive between dispatches.
	if p.cs.copies.bytes == nil || !reflect.DeepEqual(*p.cs.copies.bytes, wire.ActiveMQBytesMessage{}) ||
		!reflect.DeepEqual(p.cs.copies.md, wire.MessageDispatch{}) || p.cs.copies.lastUse != nil {
		t.Errorf("consumer still holds the last dispatch: %+v", p.cs.copies)
	}
}

func TestAcksSettleTheNamedMessagesAndKeepTheRestInOrder(t *testing.T) {
	p := newQueuePair(t, "t.acks")
	for seq := int64(1); seq <= 5; seq++ {
		p.send(seq, "m")
	}
	mds := dispatches(t, p.sock, p.client, 5)
	q, _ := p.cons.vhost.Queue("t.acks")
	p.ack(wire.AckIndividual, mds[2], mds[2], nil)
	if got := p.unsettled(); !reflect.DeepEqual(got, []int64{1, 2, 4, 5}) {
		t.Fatalf("after an individual ack of 3: unsettled %v, want [1 2 4 5]", got)
	}
	p.ack(wire.AckStandard, mds[0], mds[1], nil)
	if got := p.unsettled(); !reflect.DeepEqual(got, []int64{4, 5}) {
		t.Fatalf("after a standard ack of 1..2: unsettled %v, want [4 5]", got)
	}
	if _, unacked, _ := q.Counts(); unacked != 2 {
		t.Fatalf("queue has %d unacknowledged messages, want 2", unacked)
	}
	if len(p.cs.spare) != 3 {
		t.Fatalf("%d settled records kept for reuse, want 3", len(p.cs.spare))
	}
	p.send(6, "m")
	p.send(7, "m")
	dispatches(t, p.sock, p.client, 2)
	if got := p.unsettled(); !reflect.DeepEqual(got, []int64{4, 5, 6, 7}) || len(p.cs.spare) != 1 {
		t.Fatalf("after two more dispatches: unsettled %v with %d spare records, want [4 5 6 7] with 1", got, len(p.cs.spare))
	}
}

func TestRecordOfATransactedAckIsNotReusedWhenAPlainAckSettlesIt(t *testing.T) {
	p := newQueuePair(t, "t.txack")
	p.send(1, "m")
	mds := dispatches(t, p.sock, p.client, 1)
	txid := &wire.LocalTransactionId{Value: 1, ConnectionId: &wire.ConnectionId{Value: "ID:c"}}
	p.cons.handle(&wire.TransactionInfo{ConnectionId: &wire.ConnectionId{Value: "ID:c"}, TransactionId: txid, Type: wire.TxBegin})
	p.ack(wire.AckStandard, mds[0], mds[0], txid)
	k, _ := txKey(txid)
	held := p.cons.txs[k].acks[0].ds[0]
	entry := held.entry
	p.ack(wire.AckStandard, mds[0], mds[0], nil)
	if len(p.unsettled()) != 0 || len(p.cs.spare) != 0 {
		t.Fatalf("after the plain ack: unsettled %v, %d spare records; want none and none", p.unsettled(), len(p.cs.spare))
	}
	if held.entry != entry || held.tx == nil {
		t.Fatal("the transaction's record was reset for reuse")
	}
}

func TestPlainDestinationIsSentWithoutSplittingOrAllocating(t *testing.T) {
	d := &wire.Destination{Kind: wire.Queue, PhysicalName: "orders"}
	buf := make([]*wire.Destination, 0, 4)
	if got := appendCompositeDests(buf, d); len(got) != 1 || got[0] != d {
		t.Fatalf("plain destination became %v", got)
	}
	if n := testing.AllocsPerRun(100, func() { appendCompositeDests(buf[:0], d) }); n != 0 {
		t.Errorf("%v allocations per plain destination, want 0", n)
	}
	parts := appendCompositeDests(buf[:0], &wire.Destination{Kind: wire.Queue, PhysicalName: "a, topic://t,queue://b"})
	var got []string
	for _, p := range parts {
		got = append(got, destinationURI(p))
	}
	if want := []string{"queue://a", "topic://t", "queue://b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("composite parts %v, want %v", got, want)
	}
}

func TestAConsumerThatKeepsUpReusesItsDispatchedList(t *testing.T) {
	p := newQueuePair(t, "t.reuse")
	for seq := int64(1); seq <= 3; seq++ {
		p.send(seq, "m")
	}
	inFlight := dispatches(t, p.sock, p.client, 3)
	p.cs.mu.Lock()
	array := &p.cs.dispatched[:1][0]
	p.cs.mu.Unlock()
	// Two or three messages in flight; each ack settles the oldest.
	for seq := int64(4); seq <= 200; seq++ {
		p.ack(wire.AckStandard, inFlight[0], inFlight[0], nil)
		p.send(seq, "m")
		inFlight = append(inFlight[1:], dispatches(t, p.sock, p.client, 1)...)
	}
	if got := p.unsettled(); !reflect.DeepEqual(got, []int64{198, 199, 200}) {
		t.Fatalf("unsettled %v, want [198 199 200]", got)
	}
	p.cs.mu.Lock()
	defer p.cs.mu.Unlock()
	if &p.cs.dispatched[:1][0] != array {
		t.Error("the dispatched list moved to a new array while the consumer kept up")
	}
}
