package broker

import (
	"fmt"
	"testing"

	"github.com/junctionmq/junction/message"
)

func TestPullLimiterDeliversOnlyWhatIsGranted(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", nil)
	for i := 0; i < 3; i++ {
		publish(t, v, c, msg("", "q", fmt.Sprint(i)))
	}
	l := NewPullLimiter()
	var r recorder
	q.Consume(c, ConsumerOptions{Tag: "pull", Limit: l}, &r)
	if n := len(r.bodies()); n != 0 {
		t.Fatalf("delivered %d without a pull", n)
	}
	Kick(l.Grant(1))
	if got := fmt.Sprint(r.bodies()); got != "[0]" {
		t.Fatalf("after one grant: %s", got)
	}
	if n := l.Revoke(); n != 0 {
		t.Fatalf("grant not used up: %d left", n)
	}
	Kick(l.Grant(2))
	if got := fmt.Sprint(r.bodies()); got != "[0 1 2]" {
		t.Fatalf("after two more grants: %s", got)
	}
}

func TestExtendedWindowDispatchesPastPrefetch(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", nil)
	for i := 0; i < 5; i++ {
		publish(t, v, c, msg("", "q", fmt.Sprint(i)))
	}
	l := NewLimiter(2, 0)
	var r recorder
	q.Consume(c, ConsumerOptions{Tag: "c", Limit: l}, &r)
	if n := len(r.bodies()); n != 2 {
		t.Fatalf("prefetch 2 delivered %d", n)
	}
	Kick(l.Extend(2))
	if n := len(r.bodies()); n != 4 {
		t.Fatalf("after extending by 2: %d delivered", n)
	}
}

func TestReturnUndoesTheDeliveryCount(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", nil)
	publish(t, v, c, msg("", "q", "x"))
	d, _, _ := q.Get(false)
	q.Settle([]*Entry{d.Entry}, Return)
	d2, _, _ := q.Get(false)
	if d2.Redelivered || d2.DeliveryCount != 0 {
		t.Fatalf("returned message redelivered=%v count=%d", d2.Redelivered, d2.DeliveryCount)
	}
	q.Settle([]*Entry{d2.Entry}, Requeue)
	d3, _, _ := q.Get(true)
	if !d3.Redelivered || d3.DeliveryCount != 1 {
		t.Fatalf("requeued message redelivered=%v count=%d", d3.Redelivered, d3.DeliveryCount)
	}
}

func TestSoloConsumerTakesEverythingAndHandsOver(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", nil)
	var plain, solo1, solo2 recorder
	q.Consume(c, ConsumerOptions{Tag: "plain"}, &plain)
	s1, _ := q.Consume(c, ConsumerOptions{Tag: "s1", Solo: true}, &solo1)
	q.Consume(c, ConsumerOptions{Tag: "s2", Solo: true}, &solo2)
	publish(t, v, c, msg("", "q", "a"))
	publish(t, v, c, msg("", "q", "b"))
	s1.Cancel()
	publish(t, v, c, msg("", "q", "c"))
	if fmt.Sprint(solo1.bodies()) != "[a b]" || fmt.Sprint(solo2.bodies()) != "[c]" || len(plain.bodies()) != 0 {
		t.Fatalf("plain=%v solo1=%v solo2=%v", plain.bodies(), solo1.bodies(), solo2.bodies())
	}
}

type prefixFilter string

func (f *prefixFilter) Match(m *message.Message) bool {
	return len(m.Body) >= len(*f) && string(m.Body[:len(*f)]) == string(*f)
}

func TestFilteredBindingRoutesOnlyMatchingMessages(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "sub", nil)
	f := prefixFilter("keep")
	if err := v.QueueBindFiltered(c, "sub", "amq.topic", "news.#", &f); err != nil {
		t.Fatal(err)
	}
	publish(t, v, c, msg("amq.topic", "news.uk", "keep 1"))
	res := publish(t, v, c, msg("amq.topic", "news.uk", "drop 2"))
	if res.Routed() {
		t.Fatal("a message the filter refuses counted as routed")
	}
	if r, _, _ := q.Counts(); r != 1 {
		t.Fatalf("subscription holds %d, want 1", r)
	}
	v.QueueUnbindFiltered(c, "sub", "amq.topic", "news.#", &f)
	publish(t, v, c, msg("amq.topic", "news.uk", "keep 3"))
	if r, _, _ := q.Counts(); r != 1 {
		t.Fatalf("unbound subscription still receives (%d)", r)
	}
}
