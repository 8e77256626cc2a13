package store

import (
	"errors"
	"slices"
	"testing"
)

func TestLocalCommitMakesEnqueuesAndAcksTakeEffectTogether(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	enqueue(t, s, "to-ack", nil, tg(1, 1))
	tx := LocalTx(7)
	ref, err := s.TxEnqueue(tx, []byte("t1"), []Target{tg(1, 2)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.TxEnqueue(tx, []byte("t2"), []Target{tg(1, 3), tg(2, 3)}); err != nil {
		t.Fatal(err)
	}
	if err := s.TxAck(tx, 1, 1); err != nil {
		t.Fatal(err)
	}
	if b, err := s.ReadMessage(ref); err != nil || string(b) != "t1" {
		t.Fatalf("pending body: %q, %v", b, err)
	}
	// Not visible before the commit: not even to a crash.
	pre := crashCopy(t, s, dir)
	_, rec := openRecover(t, pre, o, -1)
	if !slices.Equal(rec.bodies(1), []string{"to-ack"}) || len(rec.msgs[2]) != 0 {
		t.Fatalf("before commit: %v", rec.msgs)
	}
	var w waiter
	if err := s.Commit(tx, w.cb("commit")); err != nil {
		t.Fatal(err)
	}
	w.wait(t)
	if err := s.Commit(tx, nil); !errors.Is(err, ErrUnknownTx) {
		t.Fatalf("second commit: %v", err)
	}
	_, rec = reopen(t, s, dir, o)
	if !slices.Equal(rec.bodies(1), []string{"t1", "t2"}) || !slices.Equal(rec.bodies(2), []string{"t2"}) {
		t.Fatalf("after commit: %v", rec.msgs)
	}
}

func TestLocalRollbackDiscardsEnqueuesAndAcks(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	enqueue(t, s, "kept", nil, tg(1, 1))
	tx := LocalTx(1)
	ref, _ := s.TxEnqueue(tx, []byte("gone"), []Target{tg(1, 2)})
	if err := s.TxAck(tx, 1, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Rollback(tx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadMessage(ref); !errors.Is(err, ErrNoMessage) {
		t.Fatalf("rolled-back body still readable: %v", err)
	}
	_, rec := reopen(t, s, dir, o)
	if !slices.Equal(rec.bodies(1), []string{"kept"}) {
		t.Fatalf("after rollback: %v", rec.msgs)
	}
}

func TestSingleEnqueueTransactionCommitsAsOneRecord(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	tx := LocalTx(1)
	s.TxEnqueue(tx, []byte("only"), []Target{tg(1, 1)})
	before := s.j.Stats().Appends
	if err := s.Commit(tx, nil); err != nil {
		t.Fatal(err)
	}
	if n := s.j.Stats().Appends - before; n != 1 {
		t.Fatalf("commit wrote %d records", n)
	}
	_, rec := reopen(t, s, dir, o)
	if !slices.Equal(rec.bodies(1), []string{"only"}) {
		t.Fatalf("after commit: %v", rec.msgs)
	}
}

func TestTransactionalEnqueueCommittedAfterAPurgeSurvivesIt(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	enqueue(t, s, "old", nil, tg(1, 1))
	single, multi := LocalTx(1), LocalTx(2)
	s.TxEnqueue(single, []byte("s"), []Target{tg(1, 2)})
	s.TxEnqueue(multi, []byte("m1"), []Target{tg(1, 3)})
	s.TxEnqueue(multi, []byte("m2"), []Target{tg(1, 4)})
	if err := s.PurgeQueue(1, 100, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(single, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(multi, nil); err != nil {
		t.Fatal(err)
	}
	_, rec := reopen(t, s, dir, o)
	if !slices.Equal(rec.bodies(1), []string{"s", "m1", "m2"}) {
		t.Fatalf("after restart: %v", rec.msgs)
	}
}

func TestXAPrepareSurvivesRestartAndCommitAfterItAppliesEverything(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	enqueue(t, s, "locked", nil, tg(1, 1))
	enqueue(t, s, "other", nil, tg(1, 2))
	xid := mustXA(t, "global-1", "branch-a")
	if _, err := s.TxEnqueue(xid, []byte("x1"), []Target{tg(2, 1), tg(3, 1)}); err != nil {
		t.Fatal(err)
	}
	s.TxEnqueue(xid, []byte("x2"), []Target{tg(2, 2)})
	if err := s.TxAck(xid, 1, 1); err != nil {
		t.Fatal(err)
	}
	var w waiter
	if err := s.Prepare(xid, w.cb("prepare")); err != nil {
		t.Fatal(err)
	}
	w.wait(t)
	if _, err := s.TxEnqueue(xid, []byte("late"), []Target{tg(2, 3)}); !errors.Is(err, ErrTxState) {
		t.Fatalf("TxEnqueue after Prepare: %v", err)
	}
	if st := s.Stats(); st.PreparedTxs != 1 || st.Messages != 4 {
		t.Fatalf("stats while prepared: %+v", st)
	}
	s, rec := reopen(t, s, dir, o)
	p, ok := rec.prepared[xid]
	if !ok || len(rec.prepared) != 1 {
		t.Fatalf("prepared after restart: %v", rec.prepared)
	}
	if len(p.encs) != 2 || string(p.encs[0].Body) != "x1" || !slices.Equal(p.encs[0].Targets, []Target{tg(2, 1), tg(3, 1)}) ||
		string(p.encs[1].Body) != "x2" || !slices.Equal(p.acks, []Target{tg(1, 1)}) {
		t.Fatalf("prepared transaction reported as %+v", p)
	}
	// Its enqueues are not visible and its acked message is still there.
	if len(rec.msgs[2]) != 0 || !slices.Equal(rec.bodies(1), []string{"locked", "other"}) {
		t.Fatalf("queues while prepared: %v", rec.msgs)
	}
	if b, err := s.ReadMessage(p.encs[1].Ref); err != nil || string(b) != "x2" {
		t.Fatalf("ReadMessage of a prepared enqueue: %q, %v", b, err)
	}
	w = waiter{}
	if err := s.Commit(xid, w.cb("commit")); err != nil {
		t.Fatal(err)
	}
	w.wait(t)
	s, rec = reopen(t, s, dir, o)
	if len(rec.prepared) != 0 {
		t.Fatalf("still prepared after commit: %v", rec.prepared)
	}
	if !slices.Equal(rec.bodies(1), []string{"other"}) || !slices.Equal(rec.bodies(2), []string{"x1", "x2"}) ||
		!slices.Equal(rec.bodies(3), []string{"x1"}) {
		t.Fatalf("after commit: %v", rec.msgs)
	}
	// The commit record stays while its messages' records are in
	// transactional form, and goes with the last of them.
	if st := s.Stats(); st.Commits != 1 || st.OpenTxs != 0 {
		t.Fatalf("after commit: %+v", st)
	}
	ack(t, s, 2, 1)
	ack(t, s, 2, 2)
	if st := s.Stats(); st.Commits != 1 {
		t.Fatalf("commit record gone while x1 is still referenced: %+v", st)
	}
	ack(t, s, 3, 1)
	if st := s.Stats(); st.Commits != 0 || st.Journal.LiveRecords != 1 {
		t.Fatalf("after acking everything the transaction wrote: %+v", st)
	}
}

func TestXARollbackAfterRestartDiscardsThePreparedTransaction(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	enqueue(t, s, "locked", nil, tg(1, 1))
	xid := mustXA(t, "g", "b")
	s.TxEnqueue(xid, []byte("x"), []Target{tg(2, 1)})
	s.TxAck(xid, 1, 1)
	if err := s.Prepare(xid, nil); err != nil {
		t.Fatal(err)
	}
	s, rec := reopen(t, s, dir, o)
	if _, ok := rec.prepared[xid]; !ok {
		t.Fatal("prepared transaction not listed")
	}
	var w waiter
	if err := s.Rollback(xid, w.cb("rollback")); err != nil {
		t.Fatal(err)
	}
	w.wait(t)
	s, rec = reopen(t, s, dir, o)
	if len(rec.prepared) != 0 || len(rec.msgs[2]) != 0 || !slices.Equal(rec.bodies(1), []string{"locked"}) {
		t.Fatalf("after rollback: prepared %v msgs %v", rec.prepared, rec.msgs)
	}
	if st := s.Stats(); st.Journal.LiveRecords != 1 || st.Messages != 1 {
		t.Fatalf("rolled-back records still live: %+v", st)
	}
}

func TestCrashBetweenPrepareAndCommitLeavesItPrepared(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	xid := mustXA(t, "crash", "")
	s.TxEnqueue(xid, []byte("x"), []Target{tg(1, 1)})
	var w waiter
	s.Prepare(xid, w.cb("prepare"))
	w.wait(t)
	crashed := crashCopy(t, s, dir)
	s2, rec := openRecover(t, crashed, o, -1)
	if p, ok := rec.prepared[xid]; !ok || len(p.encs) != 1 || string(p.encs[0].Body) != "x" || len(rec.msgs) != 0 {
		t.Fatalf("after crash: prepared %v msgs %v", rec.prepared, rec.msgs)
	}
	if err := s2.Commit(xid, nil); err != nil {
		t.Fatal(err)
	}
	_, rec = reopen(t, s2, crashed, o)
	if !slices.Equal(rec.bodies(1), []string{"x"}) {
		t.Fatalf("after commit of the recovered transaction: %v", rec.msgs)
	}
}

func TestUnpreparedTransactionLeavesNothingAfterACrash(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	tx := LocalTx(3)
	s.TxEnqueue(tx, []byte("a"), []Target{tg(1, 1)})
	s.TxEnqueue(tx, []byte("b"), []Target{tg(1, 2)})
	crashed := crashCopy(t, s, dir)
	_, rec := openRecover(t, crashed, o, -1)
	if len(rec.msgs) != 0 || len(rec.prepared) != 0 {
		t.Fatalf("after crash: %v %v", rec.msgs, rec.prepared)
	}
}

func TestCommitOfAnUnknownTransactionFails(t *testing.T) {
	s, _ := fresh(t, quiet(0))
	if err := s.Commit(LocalTx(9), nil); !errors.Is(err, ErrUnknownTx) {
		t.Fatalf("Commit: %v", err)
	}
	if err := s.Rollback(LocalTx(9), nil); !errors.Is(err, ErrUnknownTx) {
		t.Fatalf("Rollback: %v", err)
	}
	if _, err := XATx(1, make([]byte, 65), nil); err == nil {
		t.Fatal("XATx accepted a 65-byte global id")
	}
}
