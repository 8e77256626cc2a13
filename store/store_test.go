package store

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/junctionmq/junction/store/journal"
)

func TestEnqueuedMessagesComeBackPerQueueInSeqOrderAfterReopen(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	// Appended out of seq order, across two queues.
	for _, seq := range []uint64{5, 1, 9, 3} {
		enqueue(t, s, fmt.Sprintf("a%d", seq), nil, tg(1, seq))
	}
	enqueue(t, s, "b2", nil, tg(2, 2))
	enqueue(t, s, "b1", nil, tg(2, 1))
	s, rec := reopen(t, s, dir, o)
	if !slices.Equal(rec.qOrder, []QueueID{1, 2}) {
		t.Fatalf("queues reported %v, want [1 2]", rec.qOrder)
	}
	if got := rec.seqs(1); !equalSeqs(got, []uint64{1, 3, 5, 9}) {
		t.Fatalf("queue 1 seqs %v", got)
	}
	if got := rec.bodies(1); !slices.Equal(got, []string{"a1", "a3", "a5", "a9"}) {
		t.Fatalf("queue 1 bodies %v", got)
	}
	if got := rec.bodies(2); !slices.Equal(got, []string{"b1", "b2"}) {
		t.Fatalf("queue 2 bodies %v", got)
	}
	for _, m := range rec.msgs[1] {
		b, err := s.ReadMessage(m.ref)
		if err != nil || string(b) != m.body {
			t.Fatalf("ReadMessage(seq %d) = %q, %v; want %q", m.seq, b, err, m.body)
		}
	}
	if st := s.Stats(); st.Messages != 6 || st.Refs != 6 || st.MessageBytes != 12 {
		t.Fatalf("stats after recovery: %+v", st)
	}
}

func TestDoneRunsOncePerEnqueueInAppendOrder(t *testing.T) {
	s, _ := fresh(t, quiet(0))
	var w waiter
	var want []string
	for i := range 200 {
		name := fmt.Sprint(i)
		want = append(want, name)
		enqueue(t, s, "x", w.cb(name), tg(1, uint64(i)))
	}
	if got := w.wait(t); !slices.Equal(got, want) {
		t.Fatalf("callbacks ran in order %v", got)
	}
}

func TestAckedMessageIsGoneAfterReopenAndItsAckDoneRuns(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	enqueue(t, s, "keep", nil, tg(1, 1))
	enqueue(t, s, "drop", nil, tg(1, 2))
	var w waiter
	if err := s.Ack(1, 2, w.cb("ack")); err != nil {
		t.Fatal(err)
	}
	w.wait(t)
	if err := s.Ack(1, 2, nil); !errors.Is(err, ErrNoMessage) {
		t.Fatalf("second ack: %v, want ErrNoMessage", err)
	}
	_, rec := reopen(t, s, dir, o)
	if got := rec.bodies(1); !slices.Equal(got, []string{"keep"}) {
		t.Fatalf("after reopen queue 1 holds %v", got)
	}
}

func TestAckIsOneSmallNegativeRecord(t *testing.T) {
	s, _ := fresh(t, quiet(0))
	enqueue(t, s, body(1000, "m"), nil, tg(1, 1))
	before := s.j.Stats()
	ack(t, s, 1, 1)
	after := s.j.Stats()
	if n := after.Appends - before.Appends; n != 1 {
		t.Fatalf("ack appended %d records", n)
	}
	if n := after.AppendBytes - before.AppendBytes; n != 0 {
		t.Fatalf("ack payload is %d bytes, want 0 (the journal header names the message)", n)
	}
}

func TestSingleQueueEnqueueIsOneRecord(t *testing.T) {
	s, _ := fresh(t, quiet(0))
	before := s.j.Stats()
	enqueue(t, s, body(1024, "m"), nil, tg(1, 1))
	after := s.j.Stats()
	if n := after.Appends - before.Appends; n != 1 {
		t.Fatalf("enqueue appended %d records", n)
	}
	if n := after.AppendBytes - before.AppendBytes; n != uint64(1024+msgHeaderSize(1)) {
		t.Fatalf("enqueue payload %d bytes, want %d", n, 1024+msgHeaderSize(1))
	}
}

func TestFanOutStoresBodyOnceAndKeepsItUntilTheLastQueueAcks(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	before := s.j.Stats()
	ref := enqueue(t, s, "fan", nil, tg(1, 10), tg(2, 20), tg(3, 30))
	after := s.j.Stats()
	if after.Appends-before.Appends != 1 || after.AppendBytes-before.AppendBytes != uint64(3+msgHeaderSize(3)) {
		t.Fatalf("fan-out enqueue wrote %d records, %d bytes", after.Appends-before.Appends, after.AppendBytes-before.AppendBytes)
	}
	ack(t, s, 1, 10)
	s, rec := reopen(t, s, dir, o)
	if len(rec.msgs[1]) != 0 || len(rec.msgs[2]) != 1 || len(rec.msgs[3]) != 1 {
		t.Fatalf("after acking queue 1: %v", rec.msgs)
	}
	if m := rec.msgs[2][0]; m.ref != ref || m.body != "fan" || rec.msgs[3][0].ref != ref {
		t.Fatalf("queues 2 and 3 got %+v and %+v, want ref %v", m, rec.msgs[3][0], ref)
	}
	if st := s.Stats(); st.Messages != 1 || st.Refs != 2 {
		t.Fatalf("one body, two refs expected: %+v", st)
	}
	ack(t, s, 3, 30)
	if b, err := s.ReadMessage(ref); err != nil || string(b) != "fan" {
		t.Fatalf("body while queue 2 still holds it: %q, %v", b, err)
	}
	s, rec = reopen(t, s, dir, o)
	if len(rec.msgs[2]) != 1 || len(rec.msgs[3]) != 0 {
		t.Fatalf("after acking queue 3: %v", rec.msgs)
	}
	ack(t, s, 2, 20)
	if st := s.Stats(); st.Messages != 0 || st.Refs != 0 || st.Journal.LiveRecords != 0 {
		t.Fatalf("after the last ack nothing should be live: %+v", st)
	}
	if _, err := s.ReadMessage(ref); !errors.Is(err, ErrNoMessage) {
		t.Fatalf("ReadMessage after the last ack: %v", err)
	}
	_, rec = reopen(t, s, dir, o)
	if len(rec.msgs) != 0 {
		t.Fatalf("after the last ack: %v", rec.msgs)
	}
}

func TestFanOutBodyIsReadThroughAnyOfItsQueuesPositions(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	id := enqueue(t, s, "fan", nil, tg(1, 10), tg(2, 20), tg(3, 30)).ID()
	solo := enqueue(t, s, "solo", nil, tg(2, 21)).ID()
	read := func(when string, q QueueID, seq, id uint64, want string) {
		t.Helper()
		b, err := s.ReadMessage(RefAt(q, seq, id))
		if want == "" {
			if !errors.Is(err, ErrNoMessage) {
				t.Errorf("%s: queue %d seq %d id %d read %q, %v; want ErrNoMessage", when, q, seq, id, b, err)
			}
			return
		}
		if err != nil || string(b) != want {
			t.Errorf("%s: queue %d seq %d id %d read %q, %v; want %q", when, q, seq, id, b, err, want)
		}
	}
	for _, q := range []QueueID{1, 2, 3} {
		read("fresh", q, uint64(q)*10, id, "fan")
	}
	read("fresh", 2, 21, solo, "solo")
	read("another message's seq", 2, 21, id, "")
	read("another message's id", 2, 20, solo, "")
	ack(t, s, 1, 10)
	// Enqueue's own reference (its first target) stays valid while any
	// queue holds the message, as MsgRef promises.
	read("first target after its ack", 1, 10, id, "fan")
	read("after queue 1's ack", 3, 30, id, "fan")
	s, _ = reopen(t, s, dir, o)
	read("reopened", 2, 20, id, "fan")
	read("reopened", 3, 30, id, "fan")
	read("reopened", 2, 21, solo, "solo")
}

func TestEnqueueRejectsBadTargets(t *testing.T) {
	s, _ := fresh(t, quiet(0))
	enqueue(t, s, "x", nil, tg(1, 1))
	cases := map[string][]Target{
		"none":            nil,
		"repeated target": {tg(2, 1), tg(2, 1)},
		"seq in use":      {tg(2, 2), tg(1, 1)},
	}
	for name, targets := range cases {
		if _, err := s.Enqueue([]byte("y"), targets, nil); err == nil {
			t.Errorf("%s: Enqueue succeeded", name)
		}
	}
	if _, err := s.Enqueue([]byte("y"), []Target{tg(2, 2), tg(1, 1)}, nil); !errors.Is(err, ErrDuplicate) {
		t.Errorf("seq in use: %v, want ErrDuplicate", err)
	}
	if st := s.Stats(); st.Messages != 1 {
		t.Fatalf("rejected enqueues left %d messages", st.Messages)
	}
}

func TestPurgeDropsReferencesUpToSeqWithOneRecord(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	for seq := uint64(1); seq <= 1000; seq++ {
		enqueue(t, s, fmt.Sprint("q1-", seq), nil, tg(1, seq))
	}
	enqueue(t, s, "both", nil, tg(1, 2000), tg(2, 1))
	enqueue(t, s, "q2", nil, tg(2, 2))
	s.Delivered(1, 5, 2)
	before := s.j.Stats()
	var w waiter
	if err := s.PurgeQueue(1, 990, w.cb("purge")); err != nil {
		t.Fatal(err)
	}
	w.wait(t)
	if n := s.j.Stats().Appends - before.Appends; n != 1 {
		t.Fatalf("purge of 990 messages appended %d records", n)
	}
	s, rec := reopen(t, s, dir, o)
	want := []uint64{991, 992, 993, 994, 995, 996, 997, 998, 999, 1000, 2000}
	if got := rec.seqs(1); !equalSeqs(got, want) {
		t.Fatalf("queue 1 after purge: %v", got)
	}
	// Purging the fan-out's queue 1 reference leaves queue 2's.
	if err := s.PurgeQueue(1, math.MaxUint64, nil); err != nil {
		t.Fatal(err)
	}
	s, rec = reopen(t, s, dir, o)
	if len(rec.msgs[1]) != 0 || !slices.Equal(rec.bodies(2), []string{"both", "q2"}) {
		t.Fatalf("after deleting queue 1: %v", rec.msgs)
	}
	if st := s.Stats(); st.Messages != 2 || st.Refs != 2 {
		t.Fatalf("stats after purges: %+v", st)
	}
}

func TestPurgeDoesNotTouchMessagesEnqueuedAfterIt(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	enqueue(t, s, "old", nil, tg(1, 5))
	if err := s.PurgeQueue(1, 100, nil); err != nil {
		t.Fatal(err)
	}
	// A broker that recreates a queue under the same id restarts seqs.
	enqueue(t, s, "new", nil, tg(1, 5))
	_, rec := reopen(t, s, dir, o)
	if got := rec.bodies(1); !slices.Equal(got, []string{"new"}) {
		t.Fatalf("queue 1 holds %v, want [new]", got)
	}
}

func TestDeliveredCountsSurviveRestartAndOnlyGrow(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	enqueue(t, s, "a", nil, tg(1, 1))
	enqueue(t, s, "b", nil, tg(1, 2))
	enqueue(t, s, "c", nil, tg(1, 3), tg(2, 3))
	for _, c := range []uint32{1, 2, 3} {
		if err := s.Delivered(1, 1, c); err != nil {
			t.Fatal(err)
		}
	}
	s.Delivered(1, 1, 2) // lower: ignored
	s.Delivered(1, 2, 1)
	s.Delivered(2, 3, 7)
	ack(t, s, 1, 2)
	if err := s.Delivered(1, 2, 5); !errors.Is(err, ErrNoMessage) {
		t.Fatalf("Delivered on an acked message: %v", err)
	}
	s, rec := reopen(t, s, dir, o)
	m1, _ := rec.find(1, 1)
	m3, _ := rec.find(1, 3)
	m23, _ := rec.find(2, 3)
	if m1.deliv != 3 || m3.deliv != 0 || m23.deliv != 7 || len(rec.msgs[1]) != 2 {
		t.Fatalf("deliveries after restart: %+v", rec.msgs)
	}
	// Superseded delivery records are dead; only the live ones remain.
	if st := s.Stats(); st.Journal.LiveRecords != 2+2 {
		t.Fatalf("live records: %d, want 2 messages + 2 delivery counts", st.Journal.LiveRecords)
	}
}

func TestDefinitionsPutReplaceAndDeleteSurviveRestart(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.PutDefinition("queue", "/\x00orders", []byte(`{"v":1}`)))
	must(s.PutDefinition("queue", "/\x00orders", []byte(`{"v":2}`)))
	must(s.PutDefinition("exchange", "/\x00x", []byte(`{}`)))
	must(s.PutDefinition("user", "guest", []byte("pw")))
	must(s.DeleteDefinition("user", "guest"))
	must(s.DeleteDefinition("user", "nobody"))
	s, rec := reopen(t, s, dir, o)
	want := []string{"exchange//\x00x", "queue//\x00orders"}
	if !slices.Equal(rec.defOrder, want) || rec.defs["queue//\x00orders"] != `{"v":2}` {
		t.Fatalf("definitions %q: %q", rec.defOrder, rec.defs)
	}
	must(s.PutDefinition("queue", "/\x00orders", []byte(`{"v":3}`)))
	s, rec = reopen(t, s, dir, o)
	if rec.defs["queue//\x00orders"] != `{"v":3}` || len(rec.defs) != 2 {
		t.Fatalf("after a second restart: %q", rec.defs)
	}
	if st := s.Stats(); st.Journal.LiveRecords != 2 {
		t.Fatalf("%d live records for 2 definitions", st.Journal.LiveRecords)
	}
}

func TestRecoverLoadsBodiesOfTheFirstNPerQueueOnly(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	for seq := uint64(1); seq <= 5; seq++ {
		enqueue(t, s, fmt.Sprint("m", seq), nil, tg(1, seq))
		enqueue(t, s, fmt.Sprint("n", seq), nil, tg(2, seq))
	}
	closeT(t, s)
	s, rec := openRecover(t, dir, o, 2)
	for _, q := range []QueueID{1, 2} {
		for i, m := range rec.msgs[q] {
			if m.hasB != (i < 2) {
				t.Fatalf("queue %d seq %d: body loaded %v", q, m.seq, m.hasB)
			}
			b, err := s.ReadMessage(m.ref)
			if err != nil || string(b) != fmt.Sprintf("%c%d", "mn"[q-1], m.seq) {
				t.Fatalf("ReadMessage(%d, %d) = %q, %v", q, m.seq, b, err)
			}
		}
	}
	closeT(t, s)
	_, rec = openRecover(t, dir, o, 0)
	for _, m := range rec.msgs[1] {
		if m.hasB {
			t.Fatalf("BodiesPerQueue 0 loaded seq %d", m.seq)
		}
	}
}

func TestRecoverStreamRestPassesEveryBodyIncludingFanOut(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	for seq := uint64(1); seq <= 4; seq++ {
		enqueue(t, s, fmt.Sprint("m", seq), nil, tg(1, seq))
	}
	enqueue(t, s, "shared", nil, tg(1, 5), tg(2, 1))
	closeT(t, s)
	s, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	got := map[QueueID][]string{}
	err = s.Recover(Recovery{BodiesPerQueue: 1, StreamRest: true,
		Message: func(q QueueID, seq uint64, _ MsgRef, body []byte, _ uint32) {
			got[q] = append(got[q], fmt.Sprintf("%d:%s", seq, body))
		}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[QueueID][]string{1: {"1:m1", "2:m2", "3:m3", "4:m4", "5:shared"}, 2: {"1:shared"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("recovered %v, want %v", got, want)
	}
}

// Recovery reads each body where the record was when it made its report;
// compaction may move it before the read. A stale position must still
// give the right body, never a neighbour's.
func TestRecoverReadsTheRightBodyWhenAReportedPositionIsStale(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	for seq := uint64(1); seq <= 6; seq++ {
		enqueue(t, s, fmt.Sprint("m", seq), nil, tg(1, seq))
	}
	closeT(t, s)
	// The replay's report (a checkpoint's is read as it is delivered).
	if err := os.Remove(filepath.Join(dir, "checkpoint")); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r := Recovery{BodiesPerQueue: 2, StreamRest: true}
	var got []string
	r.Message = func(q QueueID, seq uint64, _ MsgRef, body []byte, _ uint32) {
		got = append(got, fmt.Sprintf("%d:%s", seq, body))
	}
	rep, err := s.rebuild(r)
	if err != nil {
		t.Fatal(err)
	}
	list := rep.msgs[1]
	if len(list) != 6 {
		t.Fatalf("report has %d messages, want 6", len(list))
	}
	// In the window and beyond it: another message's record, and a
	// segment that does not exist.
	list[0].pos, list[1].pos = list[1].pos, list[0].pos
	list[3].pos, list[4].pos = list[5].pos, journal.Pos{Seg: 999, Off: 4096}
	if err := s.deliver(r, rep); err != nil {
		t.Fatal(err)
	}
	if want := "[1:m1 2:m2 3:m3 4:m4 5:m5 6:m6]"; fmt.Sprint(got) != want {
		t.Fatalf("recovered %v, want %v", got, want)
	}
}

func TestWritesBeforeRecoverAndAfterCloseAreRefused(t *testing.T) {
	s, err := Open(t.TempDir(), quiet(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue([]byte("x"), []Target{tg(1, 1)}, nil); !errors.Is(err, ErrNotRecovered) {
		t.Fatalf("Enqueue before Recover: %v", err)
	}
	if err := s.PutDefinition("k", "k", nil); !errors.Is(err, ErrNotRecovered) {
		t.Fatalf("PutDefinition before Recover: %v", err)
	}
	if err := s.Recover(Recovery{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Recover(Recovery{}); err == nil {
		t.Fatal("second Recover succeeded")
	}
	closeT(t, s)
	if err := s.Ack(1, 1, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Ack after Close: %v", err)
	}
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
}

func TestCrashWithoutCloseKeepsEverythingDurable(t *testing.T) {
	o := quiet(0)
	s, dir := fresh(t, o)
	if err := s.PutDefinition("queue", "q", []byte("def")); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, "a", nil, tg(1, 1))
	enqueue(t, s, "b", nil, tg(1, 2), tg(2, 2))
	enqueue(t, s, "c", nil, tg(1, 3))
	ack(t, s, 1, 1)
	ack(t, s, 1, 2)
	s.Delivered(1, 3, 4)
	if err := s.PurgeQueue(2, 1, nil); err != nil { // hits nothing
		t.Fatal(err)
	}
	crashed := crashCopy(t, s, dir)
	_, rec := openRecover(t, crashed, o, -1)
	if rec.defs["queue/q"] != "def" || !slices.Equal(rec.bodies(1), []string{"c"}) || !slices.Equal(rec.bodies(2), []string{"b"}) {
		t.Fatalf("after crash: defs %q msgs %v", rec.defs, rec.msgs)
	}
	if m, _ := rec.find(1, 3); m.deliv != 4 {
		t.Fatalf("delivery count after crash: %d", m.deliv)
	}
}
