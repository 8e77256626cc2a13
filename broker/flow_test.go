package broker

import (
	"testing"
	"time"
)

func TestPublishesToAQueueOverTheFlowLimitReportItFull(t *testing.T) {
	b, err := New(Options{FlowLimit: 64 << 10})
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
	// Sampled every flowSample publishes; each ready message counts 1,536
	// bytes (its body and queuedOverhead), over 64 KiB from the 44th on.
	if len(full) != 2 || full[0] != flowSample || full[1] != 2*flowSample {
		t.Fatalf("Full reported on publishes %v, want [%d %d]", full, flowSample, 2*flowSample)
	}
	if waited := q.WaitMemoryBelow(64<<10, 10*time.Millisecond, nil); !waited {
		t.Fatal("WaitMemoryBelow did not wait on a full queue")
	}
	q.Purge()
	if waited := q.WaitMemoryBelow(64<<10, time.Hour, nil); waited {
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

// A queue of small messages holds far more memory than its bodies: the
// flow limit counts each message's overhead too, so a backlog of 16-byte
// messages slows its publisher long before it holds millions of them.
func TestSmallMessagesCountTheirOverheadAgainstTheFlowLimit(t *testing.T) {
	b := mustNew(t, Options{FlowLimit: 64 << 10})
	v, _ := b.VHost("/")
	c := InternalClient(v)
	q, err := v.DeclareQueue(c, QueueSpec{Name: "small"}, false)
	if err != nil {
		t.Fatal(err)
	}
	var slow recorder
	if _, err := q.Consume(c, ConsumerOptions{Tag: "slow", Limit: NewLimiter(1, 0)}, &slow); err != nil {
		t.Fatal(err)
	}
	body := string(make([]byte, 16))
	var full []int
	for i := 1; i <= 2*flowSample; i++ {
		res, err := v.Publish(c, msg("", "small", body), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Full != nil {
			full = append(full, i)
		}
	}
	// The consumer holds the first message; 127 ready ones count
	// 127 × (16 + queuedOverhead) = 67,056 bytes at the second sample,
	// 63 of them 33,264 at the first. Their bodies alone: 2,032 bytes.
	if len(full) != 1 || full[0] != 2*flowSample {
		t.Fatalf("Full reported on publishes %v, want [%d]", full, 2*flowSample)
	}
	if got, want := q.MemoryBytes(), int64(127*(16+queuedOverhead)); got != want {
		t.Fatalf("MemoryBytes = %d, want %d", got, want)
	}
}
