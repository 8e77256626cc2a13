package broker

import (
	"fmt"
	"testing"
	"time"

	"github.com/junctionmq/junction/message"
)

// countingSink counts deliveries without allocating, so allocation
// measurements see the queue alone.
type countingSink struct{ n int }

func (s *countingSink) Deliver(Delivery)            { s.n++ }
func (s *countingSink) ConsumerCancelled(*Consumer) {}

func TestMessagesToAnIdleQueueReachANoAckConsumerInOrderAndAreSettled(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", nil)
	var r recorder
	if _, err := q.Consume(c, ConsumerOptions{Tag: "c", NoAck: true, Limit: NewLimiter(100, 0)}, &r); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		publish(t, v, c, msg("", "q", fmt.Sprint(i)))
	}
	got := r.take()
	if len(got) != 3 {
		t.Fatalf("%d deliveries, want 3", len(got))
	}
	for i, d := range got {
		if string(d.Message.Body) != fmt.Sprint(i) || d.Entry != nil || d.Redelivered || d.Queue != q {
			t.Errorf("delivery %d: body %q entry %v redelivered %v, want body %q, no entry, first delivery from q", i, d.Message.Body, d.Entry, d.Redelivered, fmt.Sprint(i))
		}
	}
	ready, unacked, _ := q.Counts()
	q.mu.Lock()
	stats, scratch := q.stats, q.direct
	q.mu.Unlock()
	if ready != 0 || unacked != 0 {
		t.Errorf("counts ready=%d unacked=%d, want 0/0", ready, unacked)
	}
	if stats.Published != 3 || stats.Delivered != 3 || stats.Acked != 3 {
		t.Errorf("stats %+v, want 3 published, delivered and acked", stats)
	}
	if scratch.msg != nil {
		t.Error("the queue still references the last message delivered")
	}
}

func TestPublishToAnIdleQueueWithANoAckConsumerAllocatesNoEntry(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", nil)
	var s countingSink
	if _, err := q.Consume(c, ConsumerOptions{Tag: "c", NoAck: true}, &s); err != nil {
		t.Fatal(err)
	}
	m := msg("", "q", "x")
	publish(t, v, c, m) // route set pool warmed
	allocs := testing.AllocsPerRun(200, func() { publish(t, v, c, m) })
	if allocs != 0 {
		t.Errorf("publish allocated %.2f times, want 0", allocs)
	}
	if s.n != 202 {
		t.Errorf("%d deliveries, want 202", s.n)
	}
}

func TestDirectlyDeliveredUnackedMessagesRequeueAheadOfQueuedOnes(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", nil)
	var r recorder
	if _, err := q.Consume(c, ConsumerOptions{Tag: "c", Limit: NewLimiter(2, 0)}, &r); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		publish(t, v, c, msg("", "q", fmt.Sprint(i)))
	}
	first := r.take()
	if len(first) != 2 || first[0].Entry == nil || first[1].Entry == nil {
		t.Fatalf("first deliveries %v, want two with entries", first)
	}
	q.Settle([]*Entry{first[1].Entry, first[0].Entry}, Requeue)
	again := r.take()
	var order []string
	for _, d := range again {
		order = append(order, fmt.Sprintf("%s/%v", d.Message.Body, d.Redelivered))
	}
	if fmt.Sprint(order) != "[0/true 1/true]" {
		t.Fatalf("after requeue delivered %v, want [0/true 1/true]", order)
	}
	q.Settle([]*Entry{again[0].Entry, again[1].Entry}, Ack)
	if got := fmt.Sprint(r.bodies()); got != "[2 3]" {
		t.Fatalf("after acks delivered %s, want [2 3]", got)
	}
}

func TestDropHeadQueueOfLengthZeroDropsEvenWithAConsumer(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", message.Table{"x-max-length": int32(0)})
	var r recorder
	if _, err := q.Consume(c, ConsumerOptions{Tag: "c", NoAck: true}, &r); err != nil {
		t.Fatal(err)
	}
	publish(t, v, c, msg("", "q", "gone"))
	q.mu.Lock()
	dropped := q.stats.Dropped
	q.mu.Unlock()
	if got := r.bodies(); len(got) != 0 || dropped != 1 {
		t.Fatalf("delivered %v with %d dropped, want nothing delivered and 1 dropped", got, dropped)
	}
}

func TestUnackedMessagePastTheQueueTTLExpiresWhenRequeued(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", message.Table{"x-message-ttl": int32(1)})
	var r recorder
	if _, err := q.Consume(c, ConsumerOptions{Tag: "c", Limit: NewLimiter(1, 0)}, &r); err != nil {
		t.Fatal(err)
	}
	publish(t, v, c, msg("", "q", "old"))
	got := r.take()
	if len(got) != 1 || got[0].Entry == nil {
		t.Fatalf("deliveries %v, want one unacked", got)
	}
	time.Sleep(20 * time.Millisecond) // past the 1 ms TTL
	q.Settle([]*Entry{got[0].Entry}, Requeue)
	q.mu.Lock()
	expired := q.stats.Expired
	q.mu.Unlock()
	if again := r.bodies(); len(again) != 0 || expired != 1 {
		t.Fatalf("redelivered %v with %d expired, want no redelivery and 1 expired", again, expired)
	}
}
