package broker

import (
	"testing"
	"time"
)

func TestPublishesToAQueueOverTheFlowLimitReportItFull(t *testing.T) {
	b, err := New(Options{FlowLimit: 4096})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := b.VHost("/")
	c := InternalClient(v)
	q, err := v.DeclareQueue(c, QueueSpec{Name: "backlog"}, false)
	if err != nil {
		t.Fatal(err)
	}
	// Without consumers nobody would be helped by a slower publisher: no
	// queue is reported full.
	body := string(make([]byte, 1024))
	for i := 1; i <= 2*flowSample; i++ {
		if res, _ := v.Publish(c, msg("", "backlog", body), nil); res.Full != nil {
			t.Fatalf("publish %d to a queue without consumers reported it full", i)
		}
	}
	q.Purge()
	// A consumer that takes one message and never settles it.
	var slow recorder
	if _, err := q.Consume(c, ConsumerOptions{Tag: "slow", Limit: NewLimiter(1, 0)}, &slow); err != nil {
		t.Fatal(err)
	}
	var full []int
	for i := 1; i <= 2*flowSample; i++ {
		res, err := v.Publish(c, msg("", "backlog", body), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Full != nil {
			if res.Full != q {
				t.Fatalf("publish %d reported queue %q full", i, res.Full.Name())
			}
			full = append(full, i)
		}
	}
	// Sampled every flowSample publishes, and over 4 KiB from the 6th on.
	if len(full) != 2 || full[0] != flowSample || full[1] != 2*flowSample {
		t.Fatalf("Full reported on publishes %v, want [%d %d]", full, flowSample, 2*flowSample)
	}
	if waited := q.WaitMemoryBelow(4096, 10*time.Millisecond, nil); !waited {
		t.Fatal("WaitMemoryBelow did not wait on a full queue")
	}
	q.Purge()
	if waited := q.WaitMemoryBelow(4096, time.Hour, nil); waited {
		t.Fatal("WaitMemoryBelow waited on an empty queue")
	}
	for i := 1; i <= flowSample; i++ {
		if res, _ := v.Publish(c, msg("", "backlog", "x"), nil); res.Full != nil {
			t.Fatalf("publish %d after the purge reported the queue full", i)
		}
	}
}

func TestPersistentBacklogPagesOutBeforeReachingTheFlowLimit(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	defer st.Close()
	b := mustNew(t, Options{Store: st, FlowLimit: 64 << 10})
	v, _ := b.VHost("/")
	c := InternalClient(v)
	q, err := v.DeclareQueue(c, QueueSpec{Name: "durable", Durable: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	for range 500 {
		m := persistentMsg("durable", string(make([]byte, 1024)))
		publish(t, v, c, m)
	}
	if mem := q.MemoryBytes(); mem > 32<<10+1024 {
		t.Fatalf("%d bytes of a persistent backlog in memory, want at most half the 64 KiB flow limit", mem)
	}
	if r, _, _ := q.Counts(); r != 500 {
		t.Fatalf("queue holds %d messages, want 500", r)
	}
}
