package store

import (
	"testing"
	"time"

	"github.com/junctionmq/junction/store/journal"
)

// doneRecorder counts a done callback's runs and keeps the last error.
type doneRecorder struct{ ch chan error }

func newDone() *doneRecorder { return &doneRecorder{ch: make(chan error, 4)} }

func (d *doneRecorder) fn(err error) { d.ch <- err }

func (d *doneRecorder) expect(t *testing.T, what string) {
	t.Helper()
	select {
	case err := <-d.ch:
		if err != nil {
			t.Fatalf("%s: done(%v)", what, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: done did not run", what)
	}
}

func (d *doneRecorder) expectNone(t *testing.T, what string) {
	t.Helper()
	select {
	case err := <-d.ch:
		t.Fatalf("%s: done ran early (%v)", what, err)
	case <-time.After(50 * time.Millisecond):
	}
}

// lazySync never fsyncs on its own within a test, so every done callback
// waits unless something completes it early.
func lazySync() Options {
	o := quiet(0)
	o.Sync = journal.SyncInterval(time.Hour)
	return o
}

func TestConsumedBeforeFsyncCompletesTheEnqueueAtOnceAndOnlyOnce(t *testing.T) {
	s, _ := fresh(t, lazySync())
	d := newDone()
	if _, err := s.Enqueue([]byte("body"), []Target{tg(1, 1)}, d.fn); err != nil {
		t.Fatal(err)
	}
	d.expectNone(t, "before the ack")
	if err := s.AckConsumed(1, 1); err != nil {
		t.Fatal(err)
	}
	d.expect(t, "after the consumer's ack")
	closeT(t, s) // the final fsync must not run it again
	d.expectNone(t, "after close")
}

func TestPlainAckDoesNotCompleteTheEnqueueEarly(t *testing.T) {
	s, _ := fresh(t, lazySync())
	d := newDone()
	if _, err := s.Enqueue([]byte("body"), []Target{tg(1, 1)}, d.fn); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(1, 1, nil); err != nil { // e.g. dead-lettered or dropped
		t.Fatal(err)
	}
	d.expectNone(t, "after a plain ack")
	closeT(t, s)
	d.expect(t, "after the closing fsync")
}

func TestFanOutCompletesEarlyOnlyWhenEveryQueueConsumedIt(t *testing.T) {
	s, _ := fresh(t, lazySync())
	d := newDone()
	if _, err := s.Enqueue([]byte("body"), []Target{tg(1, 1), tg(2, 1)}, d.fn); err != nil {
		t.Fatal(err)
	}
	if err := s.AckConsumed(1, 1); err != nil {
		t.Fatal(err)
	}
	d.expectNone(t, "one of two queues consumed")
	if err := s.AckConsumed(2, 1); err != nil {
		t.Fatal(err)
	}
	d.expect(t, "both queues consumed")
}

func TestFanOutWithOneCopyDeadLetteredWaitsForTheFsync(t *testing.T) {
	s, _ := fresh(t, lazySync())
	d := newDone()
	if _, err := s.Enqueue([]byte("body"), []Target{tg(1, 1), tg(2, 1)}, d.fn); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(1, 1, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.AckConsumed(2, 1); err != nil {
		t.Fatal(err)
	}
	d.expectNone(t, "a copy left other than by consumption")
	closeT(t, s)
	d.expect(t, "after the closing fsync")
}

func TestAckAfterTheFsyncLeavesNoPendingCallback(t *testing.T) {
	s, _ := fresh(t, quiet(0))
	d := newDone()
	if _, err := s.Enqueue([]byte("body"), []Target{tg(1, 1)}, d.fn); err != nil {
		t.Fatal(err)
	}
	d.expect(t, "fsync")
	if err := s.AckConsumed(1, 1); err != nil {
		t.Fatal(err)
	}
	d.expectNone(t, "an ack after the fsync")
	s.early.mu.Lock()
	n := len(s.early.m)
	s.early.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d pending enqueue callbacks left", n)
	}
}
