package broker

import (
	"fmt"
	"testing"

	"github.com/junctionmq/junction/auth"
	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/store"
	"github.com/junctionmq/junction/store/journal"
)

func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(dir, store.Options{Sync: journal.SyncNever})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// pagingBroker starts a broker over the store in dir, keeping at most
// pageLimit bodies of a queue in memory.
func pagingBroker(t *testing.T, dir string, pageLimit int) (*store.Store, *Broker, *VHost) {
	t.Helper()
	st := openStore(t, dir)
	b := mustNew(t, Options{Users: auth.NewDefaultRegistry(), Store: st, PageLimit: pageLimit})
	v, _ := b.VHost("/")
	return st, b, v
}

func persistentMsg(key, body string) *message.Message {
	m := msg("", key, body)
	m.Persistent = true
	return m
}

func TestLongQueuePagesBodiesOutAndDeliversThemInOrder(t *testing.T) {
	dir := t.TempDir()
	st, _, v := pagingBroker(t, dir, 5)
	c := InternalClient(v)
	q, err := v.DeclareQueue(c, QueueSpec{Name: "deep", Durable: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		publish(t, v, c, persistentMsg("deep", fmt.Sprint(i)))
	}
	q.mu.Lock()
	paged := q.paged
	q.mu.Unlock()
	if paged != 45 {
		t.Fatalf("%d bodies paged out, want 45 (50 ready, 5 in memory)", paged)
	}
	drain := func(q *Queue, n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			d, _, ok := q.Get(false)
			if !ok {
				t.Fatalf("message %d missing", i)
			}
			if got := string(d.Message.Body); got != fmt.Sprint(i) {
				t.Fatalf("message %d has body %q", i, got)
			}
			q.Settle([]*Entry{d.Entry}, Ack)
		}
	}
	drain(q, 10)
	st.Close()

	// After a restart the backlog comes back paged out too.
	st, _, v = pagingBroker(t, dir, 5)
	defer st.Close()
	q, ok := v.Queue("deep")
	if !ok {
		t.Fatal("durable queue not recovered")
	}
	if r, _, _ := q.Counts(); r != 40 {
		t.Fatalf("%d messages after restart, want 40", r)
	}
	q.mu.Lock()
	paged = q.paged
	q.mu.Unlock()
	if paged != 35 {
		t.Fatalf("%d bodies paged out after restart, want 35", paged)
	}
	for i := 10; i < 50; i++ {
		d, _, ok := q.Get(true)
		if !ok || string(d.Message.Body) != fmt.Sprint(i) {
			t.Fatalf("after restart, message %d: ok=%v body=%q", i, ok, d.Message.Body)
		}
	}
}

// A fan-out message is stored once; each queue's paged-out entry keeps only
// its id and reads the body back through its own queue and position, so
// every queue must get every body, whichever queue drains first and before
// and after a restart.
func TestFanOutBacklogIsReadBackFromEveryQueue(t *testing.T) {
	dir := t.TempDir()
	st, _, v := pagingBroker(t, dir, 5)
	c := InternalClient(v)
	names := []string{"fan.a", "fan.b", "fan.c"}
	for _, n := range names {
		if _, err := v.DeclareQueue(c, QueueSpec{Name: n, Durable: true}, false); err != nil {
			t.Fatal(err)
		}
		if err := v.QueueBind(c, n, "amq.fanout", "", nil); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 30; i++ {
		m := persistentMsg("", fmt.Sprint(i))
		m.Exchange = "amq.fanout"
		publish(t, v, c, m)
	}
	drain := func(v *VHost, name string, from, to int) {
		t.Helper()
		q, ok := v.Queue(name)
		if !ok {
			t.Fatalf("queue %s missing", name)
		}
		for i := from; i < to; i++ {
			d, _, ok := q.Get(false)
			if !ok {
				t.Fatalf("%s: message %d missing", name, i)
			}
			if got := string(d.Message.Body); got != fmt.Sprint(i) {
				t.Fatalf("%s: message %d has body %q", name, i, got)
			}
			q.Settle([]*Entry{d.Entry}, Ack)
		}
		if r, u, _ := q.Counts(); r != 30-to || u != 0 {
			t.Fatalf("%s after draining to %d: %d ready, %d unacked; want %d, 0", name, to, r, u, 30-to)
		}
	}
	drain(v, "fan.c", 0, 30)
	drain(v, "fan.b", 0, 12)
	st.Close()

	st, _, v = pagingBroker(t, dir, 5)
	defer st.Close()
	drain(v, "fan.b", 12, 30)
	drain(v, "fan.a", 0, 30)
}

func TestPersistentMessagesOnlyOnDurableQueuesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	b := mustNew(t, Options{Users: auth.NewDefaultRegistry(), Store: st})
	v, _ := b.VHost("/")
	c := InternalClient(v)
	v.DeclareQueue(c, QueueSpec{Name: "durable", Durable: true}, false)
	v.DeclareQueue(c, QueueSpec{Name: "transient"}, false)
	v.DeclareExchange(c, ExchangeInfo{Name: "fan", Type: Fanout, Durable: true}, false)
	v.QueueBind(c, "durable", "fan", "", nil)
	v.QueueBind(c, "transient", "fan", "", nil)
	pm := persistentMsg("", "kept")
	pm.Exchange = "fan"
	publish(t, v, c, pm)
	tm := msg("fan", "", "lost")
	publish(t, v, c, tm)
	st.Close()

	st = openStore(t, dir)
	defer st.Close()
	b = mustNew(t, Options{Users: auth.NewDefaultRegistry(), Store: st})
	v, _ = b.VHost("/")
	if _, ok := v.Queue("transient"); ok {
		t.Fatal("a non-durable queue survived the restart")
	}
	q, ok := v.Queue("durable")
	if !ok {
		t.Fatal("durable queue lost")
	}
	d, _, ok := q.Get(true)
	if !ok || string(d.Message.Body) != "kept" {
		t.Fatalf("recovered %v %q", ok, d.Message.Body)
	}
	if _, _, ok := q.Get(true); ok {
		t.Fatal("the transient message survived")
	}
	// The binding came back with the exchange.
	publish(t, v, InternalClient(v), func() *message.Message { m := persistentMsg("", "again"); m.Exchange = "fan"; return m }())
	if r, _, _ := q.Counts(); r != 1 {
		t.Fatalf("binding not recovered: queue holds %d", r)
	}
}

func TestDeletedVHostDoesNotComeBackThroughItsStoredExchangesAndBindings(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	b := mustNew(t, Options{Users: auth.NewDefaultRegistry(), Store: st})
	v := b.AddVHost("gone")
	c := InternalClient(v)
	v.DeclareExchange(c, ExchangeInfo{Name: "fan", Type: Fanout, Durable: true}, false)
	v.DeclareQueue(c, QueueSpec{Name: "q", Durable: true}, false)
	v.QueueBind(c, "q", "fan", "", nil)
	v.QueueBind(c, "q", "amq.topic", "k", nil)
	if !b.DeleteVHost("gone") {
		t.Fatal("DeleteVHost found nothing")
	}
	st.Close()

	st = openStore(t, dir)
	defer st.Close()
	b = mustNew(t, Options{Users: auth.NewDefaultRegistry(), Store: st})
	if _, ok := b.VHost("gone"); ok {
		t.Fatal("the deleted vhost came back after a restart")
	}
}
