package store

import (
	"fmt"
	"slices"
	"testing"

	"github.com/junctionmq/junction/store/journal"
)

// churn enqueues and acks n messages of size bytes on queue 99, so the
// head moves on and older segments age and empty out.
func churn(t testing.TB, s *Store, n, size int) {
	t.Helper()
	s.mu.Lock()
	qs := s.queues[99]
	var seq uint64
	if qs != nil {
		for k := range qs.refs.all() {
			seq = max(seq, k)
		}
	}
	s.mu.Unlock()
	buf := make([]byte, size)
	for range n {
		seq++
		if _, err := s.Enqueue(buf, []Target{tg(99, seq)}, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Ack(99, seq, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// compactAll churns and compacts until the records written before it have
// been moved or reclaimed.
func compactAll(t testing.TB, s *Store, segSize int) {
	t.Helper()
	for range 4 {
		churn(t, s, 2*segSize/512, 500)
		if err := s.Compact(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCompactionMakesCommittedTransactionalRecordsPlainAndDropsTheCommitRecord(t *testing.T) {
	o := compacting(8 << 10)
	s, dir := fresh(t, o)
	tx := LocalTx(1)
	s.TxEnqueue(tx, []byte("t1"), []Target{tg(1, 1)})
	s.TxEnqueue(tx, []byte("t2"), []Target{tg(1, 2), tg(2, 2)})
	if err := s.Commit(tx, nil); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Commits != 1 {
		t.Fatalf("after commit: %+v", st)
	}
	compactAll(t, s, 8<<10)
	st := s.Stats()
	if st.Commits != 0 || st.Journal.Relocated < 2 {
		t.Fatalf("after compaction the commit record should be gone: %+v", st)
	}
	if live := st.Journal.LiveRecords; live != 2 {
		t.Fatalf("%d live records, want the two messages", live)
	}
	crashed := crashCopy(t, s, dir)
	closeT(t, s)
	for _, d := range []string{crashed, dir} {
		s, rec := openRecover(t, d, o, -1)
		if !slices.Equal(rec.bodies(1), []string{"t1", "t2"}) || !slices.Equal(rec.bodies(2), []string{"t2"}) {
			t.Fatalf("%s: after compaction and restart: %v", d, rec.msgs)
		}
		if st := s.Stats(); st.Commits != 0 {
			t.Fatalf("%s: commit record back after restart: %+v", d, st)
		}
		closeT(t, s)
	}
}

func TestCompactionCopiesAFanOutWithOnlyItsLiveQueuesAndDropsItsPartialAcks(t *testing.T) {
	o := compacting(8 << 10)
	s, dir := fresh(t, o)
	ref := enqueue(t, s, "fan", nil, tg(1, 1), tg(2, 1), tg(3, 1))
	ack(t, s, 1, 1)
	ack(t, s, 3, 1)
	if live := s.Stats().Journal.LiveRecords; live != 3 {
		t.Fatalf("%d live records, want the message and two partial acks", live)
	}
	compactAll(t, s, 8<<10)
	if live := s.Stats().Journal.LiveRecords; live != 1 {
		t.Fatalf("%d live records after compaction, want the rewritten message only", live)
	}
	if b, err := s.ReadMessage(ref); err != nil || string(b) != "fan" {
		t.Fatalf("ReadMessage after compaction: %q, %v", b, err)
	}
	s, rec := reopen(t, s, dir, o)
	if len(rec.msgs[1]) != 0 || len(rec.msgs[3]) != 0 || !slices.Equal(rec.bodies(2), []string{"fan"}) {
		t.Fatalf("after restart: %v", rec.msgs)
	}
	ack(t, s, 2, 1)
	if st := s.Stats(); st.Messages != 0 || st.Journal.LiveRecords != 0 {
		t.Fatalf("after the last ack: %+v", st)
	}
}

func TestPurgeRecordGoesOnceThePurgedRecordsAreReclaimed(t *testing.T) {
	o := compacting(8 << 10)
	s, dir := fresh(t, o)
	for seq := uint64(1); seq <= 50; seq++ {
		enqueue(t, s, body(300, fmt.Sprint(seq)), nil, tg(1, seq))
	}
	enqueue(t, s, "fan", nil, tg(1, 51), tg(2, 1))
	ack(t, s, 2, 1) // the purge then kills it, its partial ack goes with the purge
	if err := s.PurgeQueue(1, 1000, nil); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Purges != 1 || st.Messages != 0 {
		t.Fatalf("after purge: %+v", st)
	}
	// Until then, a crash must not bring anything back.
	crashed := crashCopy(t, s, dir)
	_, rec := openRecover(t, crashed, o, -1)
	if len(rec.msgs) != 0 {
		t.Fatalf("purged messages back after a crash: %v", rec.seqs(1))
	}
	compactAll(t, s, 8<<10)
	if st := s.Stats(); st.Purges != 0 || st.Journal.LiveRecords != 0 {
		t.Fatalf("purge record should be gone with the purged records: %+v", st)
	}
	_, rec = reopen(t, s, dir, o)
	if len(rec.msgs) != 0 {
		t.Fatalf("purged messages back after restart: %v", rec.msgs)
	}
}

func TestRepeatedPurgesOfAQueueKeepOneRecord(t *testing.T) {
	s, _ := fresh(t, quiet(0))
	for round := uint64(0); round < 5; round++ {
		for i := uint64(1); i <= 10; i++ {
			enqueue(t, s, "m", nil, tg(1, round*10+i))
		}
		if err := s.PurgeQueue(1, round*10+10, nil); err != nil {
			t.Fatal(err)
		}
	}
	if st := s.Stats(); st.Purges != 1 {
		t.Fatalf("%d purge records live, want 1", st.Purges)
	}
}

// TestDiskUseFollowsLiveData enqueues and acks 1 GiB (64 MiB with -short)
// of 1 KiB messages while one old message and a definition stay: the
// journal must shrink to a few segments, the old message must survive.
func TestDiskUseFollowsLiveData(t *testing.T) {
	total := 1 << 30
	if testing.Short() {
		total = 64 << 20
	}
	const segSize = 1 << 20
	o := quiet(segSize)
	o.Sync = journal.SyncNever
	o.MaintainEvery = 0 // background reclaim and compaction, as in production
	o.NoPrealloc = false
	s, dir := fresh(t, o)
	if err := s.PutDefinition("queue", "old", []byte("def")); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, "the old one", nil, tg(1, 1))
	s.Delivered(1, 1, 1)
	msg := make([]byte, 1024)
	maxDisk := int64(0)
	for seq := uint64(1); seq <= uint64(total/len(msg)); seq++ {
		if _, err := s.Enqueue(msg, []Target{tg(2, seq)}, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Ack(2, seq, nil); err != nil {
			t.Fatal(err)
		}
		if seq%65536 == 0 {
			st := s.Stats().Journal
			maxDisk = max(maxDisk, st.DiskBytes)
			if testing.Verbose() {
				t.Logf("%4d MiB written: %4d segments, %4d MiB on disk", seq>>10, st.Segments, st.DiskBytes>>20)
			}
		}
	}
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	t.Logf("after %d MiB: %d segments, %d bytes on disk (peak seen %d), %d relocated, %d reclaimed",
		total>>20, st.Journal.Segments, st.Journal.DiskBytes, maxDisk, st.Journal.Relocated, st.Journal.Reclaimed)
	if st.Journal.DiskBytes > 4*segSize {
		t.Fatalf("%d bytes on disk for one live message", st.Journal.DiskBytes)
	}
	_, rec := reopen(t, s, dir, o)
	if m, ok := rec.find(1, 1); !ok || m.body != "the old one" || m.deliv != 1 || rec.defs["queue/old"] != "def" || len(rec.msgs[2]) != 0 {
		t.Fatalf("after restart: %v %v", rec.msgs[1], rec.defs)
	}
}
