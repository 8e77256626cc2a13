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

// lingering keeps EnqueueForConsumer records back for an hour: only
// another record or Close moves the writer, so a test decides what happens
// first.
func lingering() Options {
	o := quiet(0)
	o.Linger = time.Hour
	return o
}

func TestMessageConsumedWhileLingeringNeverReachesTheDisk(t *testing.T) {
	s, dir := fresh(t, lingering())
	d := newDone()
	if _, err := s.EnqueueForConsumer([]byte("consumed at once"), []Target{tg(1, 1)}, d.fn); err != nil {
		t.Fatal(err)
	}
	if err := s.AckConsumed(1, 1); err != nil {
		t.Fatal(err)
	}
	d.expect(t, "after the consumer's ack")
	enqueue(t, s, "kept", nil, tg(1, 2))
	st := s.Stats()
	if st.Journal.Erased != 1 || st.Refs != 1 || st.Messages != 1 {
		t.Fatalf("erased %d, refs %d, messages %d: want the consumed message erased and one kept",
			st.Journal.Erased, st.Refs, st.Messages)
	}
	crashed := crashCopy(t, s, dir)
	_, rec := openRecover(t, crashed, lingering(), -1)
	if got := rec.bodies(1); len(got) != 1 || got[0] != "kept" {
		t.Fatalf("after a crash queue 1 holds %q, want only \"kept\"", got)
	}
	d.expectNone(t, "after the crash copy")
}

func TestMessageNotConsumedWhileLingeringIsStoredAndCompletes(t *testing.T) {
	o := quiet(0)
	o.Linger = 20 * time.Millisecond
	s, dir := fresh(t, o)
	d := newDone()
	if _, err := s.EnqueueForConsumer([]byte("left unacked"), []Target{tg(1, 1)}, d.fn); err != nil {
		t.Fatal(err)
	}
	d.expect(t, "after the linger and the fsync")
	if st := s.Stats(); st.Journal.Erased != 0 || st.Journal.Fsyncs == 0 {
		t.Fatalf("erased %d, fsyncs %d: want the message written and fsynced", st.Journal.Erased, st.Journal.Fsyncs)
	}
	// Acked after it was written: the ack is a record of its own.
	if err := s.AckConsumed(1, 1); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, "second", nil, tg(1, 2))
	crashed := crashCopy(t, s, dir)
	_, rec := openRecover(t, crashed, o, -1)
	if got := rec.bodies(1); len(got) != 1 || got[0] != "second" {
		t.Fatalf("after a crash queue 1 holds %q, want only \"second\"", got)
	}
}

func TestPlainAckOfALingeringMessageDoesNotEraseIt(t *testing.T) {
	s, dir := fresh(t, lingering())
	d := newDone()
	if _, err := s.EnqueueForConsumer([]byte("dead-lettered"), []Target{tg(1, 1)}, d.fn); err != nil {
		t.Fatal(err)
	}
	// A plain ack (the message went to a dead-letter queue, say) must not
	// erase it: whatever replaced it is not known to be on disk.
	if err := s.Ack(1, 1, nil); err != nil {
		t.Fatal(err)
	}
	// The ack record moves the writer, which writes and fsyncs both.
	d.expect(t, "once the message and its ack are written")
	if st := s.Stats(); st.Journal.Erased != 0 || st.Journal.Fsyncs == 0 {
		t.Fatalf("erased %d, fsyncs %d: want both records written and fsynced", st.Journal.Erased, st.Journal.Fsyncs)
	}
	_, rec := reopen(t, s, dir, lingering())
	if got := rec.bodies(1); len(got) != 0 {
		t.Fatalf("queue 1 holds %q after its ack, want nothing", got)
	}
}
