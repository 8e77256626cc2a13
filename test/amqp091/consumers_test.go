package amqp091_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// numbered returns the bodies "0".."n-1".
func numbered(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}

func TestConsumersOnOneQueueShareMessagesRoundRobin(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	da := consume(t, s.channel(), q, true, nil)
	db := consume(t, s.channel(), q, true, nil)
	s.sendBodies("", q, numbered(6)...)
	a := recvBodies(t, da, 3, false)
	b := recvBodies(t, db, 3, false)
	noDelivery(t, da, "first consumer after its share")
	noDelivery(t, db, "second consumer after its share")
	// Strict alternation: one consumer has the even messages, the other the
	// odd ones, each in publish order.
	even, odd := bodies("0", "2", "4"), bodies("1", "3", "5")
	if !(slices.Equal(a, even) && slices.Equal(b, odd)) && !(slices.Equal(a, odd) && slices.Equal(b, even)) {
		t.Errorf("consumers got %q and %q, want alternating [0 2 4] and [1 3 5]", a, b)
	}
}

func TestHigherPriorityConsumerIsServedFirstWhileItHasCredit(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	lowCh, highCh := s.channel(), s.channel()
	if err := highCh.Qos(2, 0, false); err != nil {
		t.Fatalf("qos: %v", err)
	}
	low := consume(t, lowCh, q, false, amqp.Table{"x-priority": int32(1)})
	high := consume(t, highCh, q, false, amqp.Table{"x-priority": int32(10)})
	s.sendBodies("", q, "1", "2", "3", "4", "5")
	if got := recvBodies(t, high, 2, false); !slices.Equal(got, bodies("1", "2")) {
		t.Errorf("high-priority consumer got %q, want the first two [1 2]", got)
	}
	// Once it is out of credit, the lower priority consumer gets the rest.
	if got := recvBodies(t, low, 3, false); !slices.Equal(got, bodies("3", "4", "5")) {
		t.Errorf("low-priority consumer got %q, want [3 4 5]", got)
	}
	noDelivery(t, high, "high-priority consumer with no credit")
}

func TestExclusiveConsumerLocksOutOtherConsumers403(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	if _, err := s.channel().Consume(q, "", false, true, false, false, nil); err != nil {
		t.Fatalf("exclusive consume: %v", err)
	}
	ch := s.channel()
	_, err := ch.Consume(q, "", false, false, false, false, nil)
	channelClosedWith(t, s.conn, err, codeAccessRefused, "second consumer on a queue with an exclusive consumer")
}

func TestExclusiveConsumeOnAQueueWithConsumersIsRefused403(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	consume(t, s.channel(), q, false, nil)
	ch := s.channel()
	_, err := ch.Consume(q, "", false, true, false, false, nil)
	channelClosedWith(t, s.conn, err, codeAccessRefused, "exclusive consume on a queue that has a consumer")
}

func TestPrefetchCountBoundsUnackedDeliveries(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	c := s.channel()
	if err := c.Qos(2, 0, false); err != nil {
		t.Fatalf("qos: %v", err)
	}
	d := consume(t, c, q, false, nil)
	s.sendBodies("", q, numbered(5)...)

	first := recv(t, d, "1st")
	second := recv(t, d, "2nd")
	noDelivery(t, d, "prefetch window of 2 is full")
	if err := first.Ack(false); err != nil {
		t.Fatalf("ack: %v", err)
	}
	third := recv(t, d, "3rd after one ack")
	noDelivery(t, d, "window full again")
	if err := third.Ack(true); err != nil { // acks 2nd and 3rd
		t.Fatalf("multiple ack: %v", err)
	}
	rest := recvBodies(t, d, 2, false)
	got := append([]string{string(first.Body), string(second.Body), string(third.Body)}, rest...)
	if !slices.Equal(got, numbered(5)) {
		t.Errorf("delivered %q, want %q in order", got, numbered(5))
	}
}

// prefetched starts one consumer per queue on ch, fills each queue with n
// messages and counts what is delivered before the deliveries stop.
func prefetched(t *testing.T, s *session, ch *amqp.Channel, queues []string, n int) int {
	t.Helper()
	var ds []<-chan amqp.Delivery
	for _, q := range queues {
		ds = append(ds, consume(t, ch, q, false, nil))
	}
	for _, q := range queues {
		s.sendBodies("", q, numbered(n)...)
	}
	total := 0
	for _, d := range ds {
		total += drain(d)
	}
	return total
}

// drain counts deliveries until none arrives for a while.
func drain(d <-chan amqp.Delivery) int {
	n := 0
	for {
		select {
		case _, ok := <-d:
			if !ok {
				return n
			}
			n++
		case <-time.After(quiet):
			return n
		}
	}
}

func TestGlobalPrefetchIsSharedByAllConsumersOnTheChannel(t *testing.T) {
	s := newSession(t)
	q1, q2 := s.queue("1", nil), s.queue("2", nil)
	c := s.channel()
	if err := c.Qos(3, 0, true); err != nil {
		t.Fatalf("qos global: %v", err)
	}
	if got := prefetched(t, s, c, []string{q1, q2}, 5); got != 3 {
		t.Errorf("two consumers under a global prefetch of 3 received %d messages, want 3 in total", got)
	}
}

func TestPerConsumerPrefetchAppliesToEachConsumer(t *testing.T) {
	s := newSession(t)
	q1, q2 := s.queue("1", nil), s.queue("2", nil)
	c := s.channel()
	if err := c.Qos(2, 0, false); err != nil {
		t.Fatalf("qos: %v", err)
	}
	if got := prefetched(t, s, c, []string{q1, q2}, 5); got != 4 {
		t.Errorf("two consumers with prefetch 2 each received %d messages, want 4", got)
	}
}

func TestGlobalAndPerConsumerPrefetchBothApply(t *testing.T) {
	s := newSession(t)
	q1, q2, q3 := s.queue("1", nil), s.queue("2", nil), s.queue("3", nil)
	c := s.channel()
	if err := c.Qos(2, 0, false); err != nil {
		t.Fatalf("qos: %v", err)
	}
	if err := c.Qos(5, 0, true); err != nil {
		t.Fatalf("qos global: %v", err)
	}
	// Each consumer may hold 2, the channel 5: 2+2+1.
	if got := prefetched(t, s, c, []string{q1, q2, q3}, 5); got != 5 {
		t.Errorf("received %d messages, want 5 (per-consumer 2, channel 5)", got)
	}
}

func TestPrefetchChangeAppliesOnlyToLaterConsumers(t *testing.T) {
	s := newSession(t)
	q1, q2 := s.queue("early", nil), s.queue("late", nil)
	c := s.channel()
	early := consume(t, c, q1, false, nil)
	if err := c.Qos(1, 0, false); err != nil {
		t.Fatalf("qos: %v", err)
	}
	late := consume(t, c, q2, false, nil)
	s.sendBodies("", q1, numbered(3)...)
	s.sendBodies("", q2, numbered(3)...)
	recvBodies(t, early, 3, false)
	recvBodies(t, late, 1, false)
	noDelivery(t, late, "consumer started after qos 1")
}

func TestDuplicateConsumerTagOnAChannelClosesTheConnection530(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	notify := s.conn.NotifyClose(make(chan *amqp.Error, 1))
	if _, err := s.ch.Consume(q, "same", false, false, false, false, nil); err != nil {
		t.Fatalf("first consume: %v", err)
	}
	_, err := s.ch.Consume(q, "same", false, false, false, false, nil)
	if err == nil {
		t.Fatal("second consume with the same tag succeeded")
	}
	connectionClosedWith(t, notify, codeNotAllowed, "reused consumer tag")
}

func TestCancelStopsDeliveriesAndLeavesMessagesQueued(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	d, err := s.ch.Consume(q, "c1", false, false, false, false, nil)
	if err != nil {
		t.Fatalf("consume: %v", err)
	}
	s.sendBodies("", q, "before")
	if err := recv(t, d, "before cancel").Ack(false); err != nil {
		t.Fatalf("ack: %v", err)
	}
	if err := s.ch.Cancel("c1", false); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	s.sendBodies("", q, "after")
	noDelivery(t, d, "cancelled consumer")
	if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("after")) {
		t.Errorf("queue holds %q after cancel, want [after]", got)
	}
}

func TestNoAckConsumerMessagesAreSettledOnDelivery(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	c := s.channel()
	d := consume(t, c, q, true, nil)
	s.sendBodies("", q, numbered(3)...)
	if got := recvBodies(t, d, 3, false); !slices.Equal(got, numbered(3)) {
		t.Fatalf("got %q, want [0 1 2]", got)
	}
	// Closing the channel has nothing to requeue.
	if err := c.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if n, _ := ready(t, s.ch, q); n != 0 {
		t.Errorf("%d messages back in the queue after a no-ack consumer closed, want 0", n)
	}
}
