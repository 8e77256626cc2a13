package store

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// noteOf is the note the tests' CloseNoting gives each message.
func noteOf(q QueueID, seq, id uint64) string { return fmt.Sprintf("note q%d s%d id%d", q, seq, id) }

func closeNoting(t testing.TB, s *Store) {
	t.Helper()
	err := s.CloseNoting(func(q QueueID) NoteFunc {
		return func(seq, id uint64) []byte {
			if seq%5 == 4 {
				return nil // the caller has no note for some
			}
			return []byte(noteOf(q, seq, id))
		}
	})
	if err != nil {
		t.Fatalf("CloseNoting: %v", err)
	}
}

type reported struct {
	q      QueueID
	seq    uint64
	id     uint64
	body   string // Message
	note   string // Noted
	deliv  uint32
	viaMsg bool
}

// recoverNoted opens dir and recovers it with bodies per queue, recording
// Message and Noted calls in order; Noted declines seqs in decline.
func recoverNoted(t testing.TB, dir string, bodies int, decline map[uint64]bool) (*Store, []reported, bool) {
	t.Helper()
	s, err := Open(dir, quiet(8<<10))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	adopted := s.j.Adopted()
	var got []reported
	err = s.Recover(Recovery{
		BodiesPerQueue: bodies,
		StreamRest:     true,
		Message: func(q QueueID, seq uint64, ref MsgRef, body []byte, deliveries uint32) {
			got = append(got, reported{q: q, seq: seq, id: ref.ID(), body: string(body), deliv: deliveries, viaMsg: true})
		},
		Noted: func(q QueueID, seq uint64, ref MsgRef, note []byte, deliveries uint32) bool {
			if decline[seq] {
				return false
			}
			got = append(got, reported{q: q, seq: seq, id: ref.ID(), note: string(note), deliv: deliveries})
			return true
		},
	})
	if err != nil {
		t.Fatalf("Recover: %v", err)
	}
	return s, got, adopted
}

// ckStore fills a store with what a checkpoint must carry: bare and
// fan-out messages, acks of one fan-out queue, delivery counts, a purge and
// a definition. Queue 1 keeps seqs 3..12, queue 2 seqs 1..6 (fan-out
// copies of queue 1's first six, acked in queue 2 at seq 2).
func ckStore(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, _ := openRecover(t, dir, quiet(8<<10), -1)
	w := &waiter{}
	if err := s.PutDefinition("queue", "q1", []byte("def of q1")); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, "purged a", w.cb("p1"), tg(1, 1))
	enqueue(t, s, "purged b", w.cb("p2"), tg(1, 2))
	for i := uint64(0); i < 6; i++ {
		enqueue(t, s, fmt.Sprintf("fan %d", i), w.cb("f"), tg(1, 3+i), tg(2, 1+i))
	}
	for seq := uint64(9); seq <= 12; seq++ {
		enqueue(t, s, fmt.Sprintf("bare %d", seq), w.cb("b"), tg(1, seq))
	}
	w.wait(t)
	if err := s.PurgeQueue(1, 2, nil); err != nil {
		t.Fatal(err)
	}
	ack(t, s, 2, 2)
	for _, d := range []struct {
		q     QueueID
		seq   uint64
		count uint32
	}{{1, 4, 1}, {1, 10, 3}, {2, 5, 2}} {
		if err := s.Delivered(d.q, d.seq, d.count); err != nil {
			t.Fatal(err)
		}
	}
	return s, dir
}

func TestCleanCloseRestartsFromTheCheckpointWithTheCallersNotes(t *testing.T) {
	s, dir := ckStore(t)
	closeNoting(t, s)
	if _, err := os.Stat(filepath.Join(dir, "checkpoint")); err != nil {
		t.Fatalf("no checkpoint after a clean close: %v", err)
	}
	s, got, adopted := recoverNoted(t, dir, 2, map[uint64]bool{11: true})
	if !adopted {
		t.Fatal("the checkpoint was not adopted")
	}

	type key struct {
		q   QueueID
		seq uint64
	}
	deliv := map[key]uint32{{1, 4}: 1, {1, 10}: 3, {2, 5}: 2}
	want := map[QueueID][]uint64{1: {3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2: {1, 3, 4, 5, 6}}
	var i int
	for _, q := range []QueueID{1, 2} {
		for n, seq := range want[q] {
			if i >= len(got) {
				t.Fatalf("reported %d references, want more", len(got))
			}
			g := got[i]
			i++
			if g.q != q || g.seq != seq {
				t.Fatalf("report %d is queue %d seq %d, want queue %d seq %d", i, g.q, g.seq, q, seq)
			}
			if g.deliv != deliv[key{q, seq}] {
				t.Errorf("queue %d seq %d: %d deliveries, want %d", q, seq, g.deliv, deliv[key{q, seq}])
			}
			// The first two of each queue come with their bodies; the rest
			// through Noted, unless there is no note (seq%5 == 4) or Noted
			// declined (seq 11), when the body is read after all.
			byMsg := n < 2 || seq%5 == 4 || seq == 11
			if g.viaMsg != byMsg {
				t.Fatalf("queue %d seq %d reported via Message=%v, want %v", q, seq, g.viaMsg, byMsg)
			}
			wantBody := fmt.Sprintf("bare %d", seq)
			if q == 1 && seq <= 8 {
				wantBody = fmt.Sprintf("fan %d", seq-3)
			} else if q == 2 {
				wantBody = fmt.Sprintf("fan %d", seq-1)
			}
			if byMsg && g.body != wantBody {
				t.Errorf("queue %d seq %d body %q, want %q", q, seq, g.body, wantBody)
			}
			if !byMsg && g.note != noteOf(q, seq, g.id) {
				t.Errorf("queue %d seq %d note %q, want %q", q, seq, g.note, noteOf(q, seq, g.id))
			}
		}
	}
	if i != len(got) {
		t.Fatalf("reported %d references, want %d", len(got), i)
	}

	// The adopted state works on: a fan-out message dies with its last
	// queue's ack, and a crash afterwards (a full replay) agrees.
	for _, seq := range want[1] {
		ack(t, s, 1, seq)
	}
	st := s.Stats()
	if st.Refs != 5 || st.Messages != 5 {
		t.Fatalf("after acking queue 1: %d refs and %d messages, want 5 and 5", st.Refs, st.Messages)
	}
	crashed := crashCopy(t, s, dir)
	_, rec := openRecover(t, crashed, quiet(8<<10), -1)
	if got := rec.seqs(1); len(got) != 0 {
		t.Fatalf("queue 1 after the crash: %v, want empty", got)
	}
	if got := rec.seqs(2); !slices.Equal(got, want[2]) {
		t.Fatalf("queue 2 after the crash: %v, want %v", got, want[2])
	}
	if rec.defs["queue/q1"] != "def of q1" {
		t.Fatalf("definition after the crash: %q", rec.defs["queue/q1"])
	}
}

func TestDefinitionsComeBackFromTheCheckpoint(t *testing.T) {
	s, dir := ckStore(t)
	if err := s.PutDefinition("exchange", "x", []byte("def of x")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutDefinition("queue", "q1", []byte("def of q1, again")); err != nil {
		t.Fatal(err)
	}
	closeT(t, s)
	s, rec := openRecover(t, dir, quiet(8<<10), -1)
	if !s.j.Adopted() {
		t.Fatal("the checkpoint was not adopted")
	}
	if want := []string{"exchange/x", "queue/q1"}; !slices.Equal(rec.defOrder, want) {
		t.Fatalf("definitions %v, want %v", rec.defOrder, want)
	}
	if rec.defs["queue/q1"] != "def of q1, again" || rec.defs["exchange/x"] != "def of x" {
		t.Fatalf("definition values %v", rec.defs)
	}
}

func TestPreparedTransactionLeavesNoCheckpoint(t *testing.T) {
	s, dir := ckStore(t)
	tx := mustXA(t, "g", "b")
	if _, err := s.TxEnqueue(tx, []byte("prepared"), []Target{tg(3, 1)}); err != nil {
		t.Fatal(err)
	}
	w := &waiter{}
	if err := s.Prepare(tx, w.cb("prepare")); err != nil {
		t.Fatal(err)
	}
	w.wait(t)
	closeNoting(t, s)
	if _, err := os.Stat(filepath.Join(dir, "checkpoint")); !os.IsNotExist(err) {
		t.Fatalf("checkpoint saved with a prepared transaction (stat: %v)", err)
	}
	_, rec := openRecover(t, dir, quiet(8<<10), -1)
	if len(rec.prepared) != 1 || len(rec.prepared[tx].encs) != 1 {
		t.Fatalf("prepared after restart: %+v", rec.prepared)
	}
	if got := rec.seqs(1); len(got) != 10 {
		t.Fatalf("queue 1 after restart: %v", got)
	}
}

func TestCrashAfterAdoptingReplaysTheJournal(t *testing.T) {
	s, dir := ckStore(t)
	closeNoting(t, s)
	s, _, adopted := recoverNoted(t, dir, -1, nil)
	if !adopted {
		t.Fatal("the checkpoint was not adopted")
	}
	if _, err := os.Stat(filepath.Join(dir, "checkpoint")); !os.IsNotExist(err) {
		t.Fatalf("checkpoint still there after Open adopted it (stat: %v)", err)
	}
	enqueue(t, s, "after", nil, tg(1, 13))
	crashed := crashCopy(t, s, dir)
	_, rec := openRecover(t, crashed, quiet(8<<10), -1)
	if got, want := rec.seqs(1), []uint64{3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}; !slices.Equal(got, want) {
		t.Fatalf("queue 1 after the crash: %v, want %v", got, want)
	}
	if got := rec.bodies(1); got[len(got)-1] != "after" {
		t.Fatalf("last body %q", got[len(got)-1])
	}
}
