package openwire_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/openwire/wire"
	"github.com/junctionmq/junction/servertest"
)

// kbMessages is the memory n queued 1 KiB messages count against the
// destination memory limit: body and the broker's per-message overhead.
func kbMessages(n int) config.Size { return config.Size(n * (1024 + 512)) }

// TestSyncSendToAQueueOverItsMemoryLimitWaitsForConsumers: the fifth 1 KiB
// message finds the queue at its limit of four messages, so its Response is held
// until an AMQP consumer brings the queue (now five messages) under the
// limit again, as ActiveMQ's producer flow control blocks a send to a full
// destination.
func TestSyncSendToAQueueOverItsMemoryLimitWaitsForConsumers(t *testing.T) {
	b := startLimited(t, kbMessages(4))
	p, pid := rawProducer(t, b, "producer", 0)
	send := func(n int32) { p.sendKB(pid, "flow", n, true) }
	for n := int32(1); n <= 4; n++ {
		send(n)
		p.expectResponse(10+n, time.Second)
	}
	send(5)
	p.expectNoResponse(200 * time.Millisecond)

	ch := amqpChannel(t, b)
	for range 2 {
		if _, ok, err := ch.Get("flow", true); err != nil || !ok {
			t.Fatalf("basic.get from the full queue: ok=%v err=%v", ok, err)
		}
		if q, _ := ch.QueueDeclarePassive("flow", true, false, false, false, nil); q.Messages == 4 {
			p.expectNoResponse(50 * time.Millisecond) // four messages: still at the limit
		}
	}
	p.expectResponse(15, 2*time.Second)
	q, err := ch.QueueDeclarePassive("flow", true, false, false, false, nil)
	if err != nil || q.Messages != 3 {
		t.Fatalf("queue holds %d messages (err %v), want 3: the held send was not lost", q.Messages, err)
	}
}

// startLimited starts a broker with OpenWire on and the given destination
// memory limit.
func startLimited(t *testing.T, limit config.Size) *servertest.Broker {
	return servertest.Start(t, func(c *config.Config) {
		c.Listeners.OpenWire = "127.0.0.1:0"
		c.Limits.DestinationMemoryLimit = limit
	})
}

// rawProducer connects a raw client named name with one session and one
// producer (window: its send window, 0 for none).
func rawProducer(t *testing.T, b *servertest.Broker, name string, window int32) (*rawClient, *wire.ProducerId) {
	t.Helper()
	p := dialRaw(t, b)
	p.negotiate()
	p.connect(name)
	conn := "ID:raw-" + name
	p.write(&wire.SessionInfo{SessionId: &wire.SessionId{ConnectionId: conn, Value: 1}})
	pid := &wire.ProducerId{ConnectionId: conn, SessionId: 1, Value: 1}
	p.sync(&wire.ProducerInfo{ProducerId: pid, WindowSize: window}, 2)
	return p, pid
}

// sendKB sends message n, 1 KiB, to queue as command 10+n.
func (r *rawClient) sendKB(pid *wire.ProducerId, queue string, n int32, sync bool) {
	m := &wire.ActiveMQBytesMessage{Message: wire.Message{ProducerId: pid,
		Destination: &wire.Destination{Kind: wire.Queue, PhysicalName: queue},
		MessageId:   &wire.MessageId{ProducerId: pid, ProducerSequenceId: int64(n)},
		Content:     make([]byte, 1024)}}
	m.CommandId, m.ResponseRequired = 10+n, sync
	r.write(m)
}

// countProducerAcks reads for within and counts the ProducerAcks that came.
func (r *rawClient) countProducerAcks(within time.Duration) int {
	r.nc.SetReadDeadline(time.Now().Add(within))
	defer r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	n := 0
	for {
		got, err := r.read()
		if err != nil {
			return n
		}
		if _, ok := got.(*wire.ProducerAck); ok {
			n++
		}
	}
}

// amqpChannel opens an AMQP channel on b, closed with the test.
func amqpChannel(t *testing.T, b *servertest.Broker) *amqp.Channel {
	t.Helper()
	conn, err := amqp.Dial(b.AMQPURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func (r *rawClient) expectResponse(id int32, within time.Duration) {
	r.t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(within))
	defer r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		got, err := r.read()
		if err != nil {
			r.t.Fatalf("waiting for the response to command %d: %v", id, err)
		}
		if resp, ok := got.(*wire.Response); ok {
			if resp.CorrelationId != id {
				r.t.Fatalf("response to command %d, want %d", resp.CorrelationId, id)
			}
			return
		}
	}
}

func (r *rawClient) expectNoResponse(within time.Duration) {
	r.t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(within))
	defer r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		got, err := r.read()
		if err != nil {
			return // the deadline: nothing came
		}
		if resp, ok := got.(*wire.Response); ok {
			r.t.Fatalf("response to command %d while the queue is over its limit", resp.CorrelationId)
		}
	}
}

// TestAsyncSendWindowIsNotReplenishedWhileTheQueueIsFull: an asynchronous
// send gets its ProducerAck (the client's send window credit) only once the
// queue is under its limit again.
func TestAsyncSendWindowIsNotReplenishedWhileTheQueueIsFull(t *testing.T) {
	b := startLimited(t, kbMessages(2))
	p, pid := rawProducer(t, b, "async", 1<<20)
	acks := 0
	readAcks := func(within time.Duration) { acks += p.countProducerAcks(within) }
	for n := int32(1); n <= 3; n++ {
		p.sendKB(pid, "window", n, false)
	}
	readAcks(300 * time.Millisecond)
	if acks != 2 {
		t.Fatalf("%d ProducerAcks for 3 sends into a queue limited to two, want 2", acks)
	}
	ch := amqpChannel(t, b)
	for range 2 {
		if _, ok, err := ch.Get("window", true); err != nil || !ok {
			t.Fatalf("basic.get: ok=%v err=%v", ok, err)
		}
	}
	readAcks(500 * time.Millisecond)
	if acks != 3 {
		t.Fatalf("%d ProducerAcks after the queue drained, want 3", acks)
	}
}

// A refused synchronous send is answered once, with the exception: a plain
// Response first would tell the Java client the send succeeded.
func TestRefusedSyncSendGetsOnlyAnExceptionResponse(t *testing.T) {
	b := startOpenWire(t)
	p, pid := rawProducer(t, b, "refused", 0)
	m := &wire.ActiveMQTextMessage{Message: wire.Message{ProducerId: pid, Persistent: true,
		Destination: &wire.Destination{Kind: wire.TempQueue, PhysicalName: "ID:gone-1:1:1"},
		MessageId:   &wire.MessageId{ProducerId: pid, ProducerSequenceId: 1}}}
	m.CommandId, m.ResponseRequired = 10, true
	p.write(m)
	p.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	answers := 0
	for {
		got, err := p.read()
		if err != nil {
			break // the deadline: nothing more came
		}
		switch r := got.(type) {
		case *wire.ExceptionResponse:
			answers++
			if r.CorrelationId != 10 || r.Exception == nil || r.Exception.Class != "javax.jms.InvalidDestinationException" {
				t.Fatalf("exception response %+v, want InvalidDestinationException for command 10", r)
			}
			p.nc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		case *wire.Response:
			t.Fatalf("plain Response to command %d for a send that was refused", r.CorrelationId)
		}
	}
	if answers != 1 {
		t.Fatalf("%d exception responses, want exactly 1", answers)
	}
}

// Sends held by producer flow control wait in one queue per connection:
// fifty held ProducerAcks cost one waiting goroutine, not fifty, and all
// fifty come once the queue drains.
func TestHeldProducerAcksShareOneWaiterAndAllArrive(t *testing.T) {
	b := startLimited(t, kbMessages(2))
	p, pid := rawProducer(t, b, "held", 1<<20)
	acks := 0
	readAcks := func(within time.Duration) { acks += p.countProducerAcks(within) }
	before := runtime.NumGoroutine()
	const sends = 50
	for n := int32(1); n <= sends; n++ {
		p.sendKB(pid, "held", n, false)
	}
	readAcks(300 * time.Millisecond)
	if acks != 2 {
		t.Fatalf("%d ProducerAcks for %d sends into a queue limited to two, want 2", acks, sends)
	}
	if grown := runtime.NumGoroutine() - before; grown > 5 {
		t.Fatalf("%d more goroutines while %d ProducerAcks are held, want one waiter", grown, sends-2)
	}
	ch := amqpChannel(t, b)
	for range sends {
		if _, ok, err := ch.Get("held", true); err != nil || !ok {
			t.Fatalf("basic.get: ok=%v err=%v", ok, err)
		}
	}
	readAcks(time.Second)
	if acks != sends {
		t.Fatalf("%d ProducerAcks after the queue drained, want %d", acks, sends)
	}
}

// An async send without a send window has no ProducerAck to hold back, so a
// full queue slows the connection instead: while the queue has a consumer,
// its reader pauses, the client's socket fills, and nothing is lost. With
// no consumer it is not paused at all: a client that sent far ahead would
// otherwise have every buffered send held in turn, long after its consumer
// left.
func TestAsyncSendsWithoutAWindowAreReadSlowlyWhileTheQueueIsFull(t *testing.T) {
	b := startLimited(t, kbMessages(2))
	ch := amqpChannel(t, b)
	if _, err := ch.QueueDeclare("nowindow", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.Qos(1, 0, false); err != nil {
		t.Fatal(err)
	}
	held, err := ch.Consume("nowindow", "holder", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, pid := rawProducer(t, b, "nowindow", 0)
	const sends = 30
	for n := int32(1); n <= sends; n++ {
		p.sendKB(pid, "nowindow", n, false)
	}
	time.Sleep(300 * time.Millisecond)
	// The consumer holds one, two fill the queue; each later send holds
	// the reader up to 50 ms.
	if q, err := ch.QueueDeclarePassive("nowindow", false, false, false, false, nil); err != nil || q.Messages >= sends-1 {
		t.Fatalf("queue holds %d of %d messages after 300 ms (err %v): the full queue did not slow the sender", q.Messages, sends, err)
	}
	for n := 1; n <= sends; n++ {
		select {
		case d := <-held:
			if err := d.Ack(false); err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("consumed %d of %d messages", n-1, sends)
		}
	}

	// The consumer gone, the next sends into the full queue are read at once.
	if err := ch.Cancel("holder", false); err != nil {
		t.Fatal(err)
	}
	const more = 40
	for n := int32(sends + 1); n <= sends+more; n++ {
		p.sendKB(pid, "nowindow", n, false)
	}
	// Held, they would take 50 ms each: two seconds.
	deadline := time.Now().Add(time.Second)
	for {
		q, err := ch.QueueDeclarePassive("nowindow", false, false, false, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		if q.Messages == more {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue without consumers holds %d of %d sends after a second", q.Messages, more)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Async sends to a topic whose subscriber falls behind slow the connection
// as for a full queue (sampled every 64 sends, up to 50 ms each), and
// every message still reaches the subscriber, in order.
func TestAsyncSendsToATopicAreReadSlowlyWhileASubscriberFallsBehind(t *testing.T) {
	b := startLimited(t, kbMessages(2))
	ch := amqpChannel(t, b)
	if _, err := ch.QueueDeclare("prices-sub", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind("prices-sub", "prices", "amq.topic", false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.Qos(1, 0, false); err != nil {
		t.Fatal(err)
	}
	held, err := ch.Consume("prices-sub", "subscriber", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, pid := rawProducer(t, b, "topicflow", 0)
	const sends = 640
	start := time.Now()
	for n := int32(1); n <= sends; n++ {
		m := &wire.ActiveMQBytesMessage{Message: wire.Message{ProducerId: pid,
			Destination: &wire.Destination{Kind: wire.Topic, PhysicalName: "prices"},
			MessageId:   &wire.MessageId{ProducerId: pid, ProducerSequenceId: int64(n)},
			Content:     make([]byte, 1024)}}
		m.CommandId = 10 + n
		p.write(m)
	}
	time.Sleep(300*time.Millisecond - time.Since(start))
	// Two ready messages fill the subscription; from then on every 64th
	// send holds the reader 50 ms: in 300 ms at most 7 × 64 are in.
	if q, err := ch.QueueDeclarePassive("prices-sub", false, false, false, false, nil); err != nil || q.Messages > 7*64 {
		t.Fatalf("subscription holds %d of %d messages after 300 ms (err %v): its backlog did not slow the sender", q.Messages, sends, err)
	}
	for n := 1; n <= sends; n++ {
		select {
		case d := <-held:
			if want := fmt.Sprintf(":%d", n); !strings.HasSuffix(d.MessageId, want) {
				t.Fatalf("delivery %d has message id %q, want one ending %q", n, d.MessageId, want)
			}
			if err := d.Ack(false); err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("subscriber got %d of %d messages", n-1, sends)
		}
	}
}
