package journal

import (
	"testing"
	"time"
)

// durableCh returns an onDurable callback and the channel it reports on.
func durableCh() (func(error), chan error) {
	ch := make(chan error, 1)
	return func(err error) { ch <- err }, ch
}

func waitDurable(t *testing.T, what string, ch chan error) {
	t.Helper()
	select {
	case err := <-ch:
		if err != nil {
			t.Fatalf("%s: durability callback: %v", what, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: durability callback never ran", what)
	}
}

// plainIDs reopens dir and returns the ids of the records Replay shows,
// failing on any that is not a plain positive record of type 1: an erased
// record, its cancel or a void must never appear.
func plainIDs(t *testing.T, dir string, o Options) []uint64 {
	t.Helper()
	var ids []uint64
	for _, e := range replayAll(t, openT(t, dir, o)) {
		id, ok := idOf(e.r.Payload)
		if !ok || e.r.Type != 1 || !e.r.Cancels.IsZero() {
			t.Fatalf("replayed %+v: want only plain records", e)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestEraseOfALingeringRecordWritesNeitherRecord(t *testing.T) {
	dir := t.TempDir()
	o := quiet(1 << 20)
	o.Linger = time.Hour // only another record or Close moves the writer
	j := openT(t, dir, o)
	cbA, doneA := durableCh()
	mustAppend(t, j, Record{Type: 1, Payload: payloadFor(1, 300)})
	lingering, err := j.Append(Record{Type: 1, Payload: payloadFor(2, 300), Linger: true}, cbA)
	if err != nil {
		t.Fatal(err)
	}
	p, err := j.Append(Record{Type: 2, Cancels: lingering, Erase: true}, nil)
	if err != nil || !p.IsZero() {
		t.Fatalf("erasing cancel: pos %v err %v, want the zero Pos and no error", p, err)
	}
	if j.Live(lingering) {
		t.Fatal("the erased record is still live")
	}
	cbB, doneB := durableCh()
	if _, err := j.Append(Record{Type: 1, Payload: payloadFor(3, 300)}, cbB); err != nil {
		t.Fatal(err)
	}
	waitDurable(t, "record after the erased one", doneB)
	waitDurable(t, "erased record", doneA)
	if st := j.Stats(); st.Erased != 1 {
		t.Fatalf("Stats.Erased = %d, want 1", st.Erased)
	}
	closeT(t, j)

	if ids := plainIDs(t, dir, o); len(ids) != 2 || ids[0] != 1 || ids[1] != 3 {
		t.Fatalf("replayed ids %v, want [1 3]: the erased record and its cancel are gone", ids)
	}
}

func TestABatchOfErasedRecordsNeedsNoFsync(t *testing.T) {
	dir := t.TempDir()
	o := quiet(1 << 20)
	o.Linger = 30 * time.Millisecond
	j := openT(t, dir, o)
	mustAppend(t, j, Record{Type: 1, Payload: payloadFor(1, 100)})
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	before := j.Stats()
	cb, done := durableCh()
	p, err := j.Append(Record{Type: 1, Payload: payloadFor(2, 100), Linger: true}, cb)
	if err != nil {
		t.Fatal(err)
	}
	if q, err := j.Append(Record{Type: 2, Cancels: p, Erase: true}, nil); err != nil || !q.IsZero() {
		t.Fatalf("erasing cancel: pos %v err %v", q, err)
	}
	waitDurable(t, "erased record", done)
	after := j.Stats()
	if after.Fsyncs != before.Fsyncs || after.VoidBatches != before.VoidBatches+1 {
		t.Fatalf("fsyncs %d -> %d, void batches %d -> %d: want no fsync and one void batch",
			before.Fsyncs, after.Fsyncs, before.VoidBatches, after.VoidBatches)
	}
	closeT(t, j)
	if ids := plainIDs(t, dir, o); len(ids) != 1 || ids[0] != 1 {
		t.Fatalf("replayed ids %v, want [1]: the erased record is gone", ids)
	}
}

func TestALingeringRecordNobodyCancelsIsWrittenAfterTheLinger(t *testing.T) {
	dir := t.TempDir()
	o := quiet(1 << 20)
	o.Linger = 40 * time.Millisecond
	j := openT(t, dir, o)
	cb, done := durableCh()
	start := time.Now()
	if _, err := j.Append(Record{Type: 1, Payload: payloadFor(7, 100), Linger: true}, cb); err != nil {
		t.Fatal(err)
	}
	waitDurable(t, "lingering record", done)
	if held := time.Since(start); held < o.Linger {
		t.Fatalf("durable after %v, before the %v linger ended", held, o.Linger)
	}
	if st := j.Stats(); st.Fsyncs == 0 || st.Erased != 0 {
		t.Fatalf("fsyncs %d, erased %d: want the record fsynced and nothing erased", st.Fsyncs, st.Erased)
	}
	closeT(t, j)
	if ids := plainIDs(t, dir, o); len(ids) != 1 || ids[0] != 7 {
		t.Fatalf("replayed ids %v, want [7]", ids)
	}
}

func TestEraseOfAWrittenOrNonLingeringRecordWritesTheCancel(t *testing.T) {
	for _, c := range []struct {
		name   string
		linger time.Duration
		sync   bool
	}{
		{"already written", time.Hour, true},
		{"linger off", 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			o := quiet(1 << 20)
			o.Linger = c.linger
			j := openT(t, dir, o)
			p, err := j.Append(Record{Type: 1, Payload: payloadFor(5, 100), Linger: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.sync {
				if err := j.Sync(); err != nil {
					t.Fatal(err)
				}
			}
			q, err := j.Append(Record{Type: 2, Cancels: p, Erase: true}, nil)
			if err != nil || q.IsZero() {
				t.Fatalf("cancel: pos %v err %v, want a written cancel", q, err)
			}
			closeT(t, j)
			got := replayAll(t, openT(t, dir, o))
			if len(got) != 2 || got[1].r.Cancels != p || got[0].p != p {
				t.Fatalf("replayed %+v, want the record at %v and its cancel", got, p)
			}
		})
	}
}

func TestVoidRecordsAreWellFormedAndOnlyThatShape(t *testing.T) {
	b := appendRecord(nil, 9, kindPositive, 3, Pos{}, payloadFor(1, 64))
	voidRecord(b)
	h := decodeHeader(b)
	if h.kind != kindVoid || h.typ != 0 || !h.ref.IsZero() || h.seq != 9 || int(h.length) != len(b)-hdrSize {
		t.Fatalf("void header %+v", h)
	}
	if err := checkShape(b, h, Pos{1, 100}); err != nil || !checksumOK(b, b[hdrSize:], h) {
		t.Fatalf("void record rejected: shape %v, checksum ok %v", err, checksumOK(b, b[hdrSize:], h))
	}
	for i, x := range b[hdrSize:] {
		if x != 0 {
			t.Fatalf("payload byte %d is %d, want the payload cleared", i, x)
		}
	}
	bad := appendRecord(nil, 9, kindVoid, 0, Pos{1, 40}, nil)
	if checkShape(bad, decodeHeader(bad), Pos{1, 100}) == nil {
		t.Fatal("a void record with a reference passed the shape check")
	}
	if _, err := decodeAt(b, Pos{1, 100}); !isNotFound(err) {
		t.Fatalf("Read of a void record: %v, want ErrNotFound", err)
	}
}

func TestReleaseOfALingeringRecordErasesIt(t *testing.T) {
	dir := t.TempDir()
	o := quiet(1 << 20)
	o.Linger = time.Hour
	j := openT(t, dir, o)
	p, err := j.Append(Record{Type: 4, Payload: payloadFor(8, 50), Linger: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	j.Release(p)
	if j.Live(p) || j.Stats().Erased != 1 {
		t.Fatalf("after Release: live %v, erased %d; want dead and erased", j.Live(p), j.Stats().Erased)
	}
	mustAppend(t, j, Record{Type: 1, Payload: payloadFor(9, 50)})
	closeT(t, j)
	if ids := plainIDs(t, dir, o); len(ids) != 1 || ids[0] != 9 {
		t.Fatalf("replayed ids %v, want only the plain record 9", ids)
	}
}
