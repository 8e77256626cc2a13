package journal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAppendedRecordsReplayInOrderWithExactContent(t *testing.T) {
	dir := t.TempDir()
	j := openT(t, dir, quiet(8<<10))
	var want []entry
	for i := range 300 {
		r := Record{Type: uint8(i % 7), Payload: payloadFor(uint64(i), i%500)}
		if i%10 == 9 { // cancel the record appended 5 before
			r = Record{Type: 200, Payload: []byte(fmt.Sprint("ack", i)), Cancels: want[len(want)-5].p}
		}
		want = append(want, entry{mustAppend(t, j, r), r})
	}
	closeT(t, j)

	j = openT(t, dir, quiet(8<<10))
	got := replayAll(t, j)
	if len(got) != len(want) {
		t.Fatalf("replayed %d records, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.p != w.p || g.r.Type != w.r.Type || g.r.Cancels != w.r.Cancels || !bytes.Equal(g.r.Payload, w.r.Payload) {
			t.Fatalf("record %d: got %v type %d cancels %v len %d; want %v type %d cancels %v len %d",
				i, g.p, g.r.Type, g.r.Cancels, len(g.r.Payload), w.p, w.r.Type, w.r.Cancels, len(w.r.Payload))
		}
	}
	for i, w := range want {
		cancelled := i%10 == 4 // the targets of the acks above
		if w.r.Cancels.IsZero() && j.Live(w.p) == cancelled {
			t.Errorf("record %d at %v: Live=%v after replay, want %v", i, w.p, !cancelled, !cancelled)
		}
	}
	if segs := len(segFiles(t, dir)); segs < 5 {
		t.Errorf("%d segment files for ~80 KiB of records in 8 KiB segments, want several", segs)
	}
}

func TestEmptyJournalReplaysNothingAndReopens(t *testing.T) {
	dir := t.TempDir()
	j := openT(t, dir, quiet(0))
	if got := replayAll(t, j); len(got) != 0 {
		t.Fatalf("fresh journal replayed %d records", len(got))
	}
	closeT(t, j)
	j = openT(t, dir, quiet(0))
	if got := replayAll(t, j); len(got) != 0 {
		t.Fatalf("reopened empty journal replayed %d records", len(got))
	}
	if files := segFiles(t, dir); len(files) != 1 || filepath.Base(files[0]) != "00000001.jnl" {
		t.Fatalf("segment files %v, want [00000001.jnl]", files)
	}
}

func TestRecordLargerThanSegmentGetsSegmentOfItsOwn(t *testing.T) {
	dir := t.TempDir()
	j := openT(t, dir, quiet(4<<10))
	small1 := mustAppend(t, j, Record{Payload: payloadFor(1, 100)})
	big := mustAppend(t, j, Record{Payload: payloadFor(2, 20<<10)})
	small2 := mustAppend(t, j, Record{Payload: payloadFor(3, 100)})
	if small1.Seg != 1 || big.Seg != 2 || big.Off != segHeaderSize || small2.Seg != 3 {
		t.Fatalf("positions %v %v %v, want the big record alone at 2:%d", small1, big, small2, segHeaderSize)
	}
	r, err := j.Read(big)
	if err != nil || !bytes.Equal(r.Payload, payloadFor(2, 20<<10)) {
		t.Fatalf("Read(big) = %d bytes, %v", len(r.Payload), err)
	}
	closeT(t, j)
	j = openT(t, dir, quiet(4<<10))
	got := replayAll(t, j)
	if len(got) != 3 || got[1].p != big || !bytes.Equal(got[1].r.Payload, payloadFor(2, 20<<10)) {
		t.Fatalf("replay after big record: %d records", len(got))
	}
}

func TestReadReturnsBufferedAndWrittenRecords(t *testing.T) {
	dir := t.TempDir()
	gate := make(chan struct{})
	entered := make(chan struct{}, 100)
	o := quiet(4 << 10)
	o.hooks = &hooks{beforeWrite: func() {
		entered <- struct{}{}
		<-gate
	}}
	j := openT(t, dir, o)

	// The first batch parks the writer inside beforeWrite: that record is
	// in flight, the next ones stay pending behind it.
	first := mustAppend(t, j, Record{Type: 1, Payload: []byte("in flight")})
	<-entered
	var pend []Pos
	for i := range 50 { // crosses segments while nothing reaches the files
		pend = append(pend, mustAppend(t, j, Record{Type: 2, Payload: payloadFor(uint64(i), 200)}))
	}
	neg := mustAppend(t, j, Record{Type: 3, Payload: []byte("ack"), Cancels: pend[0]})
	check := func(when string) {
		t.Helper()
		if r, err := j.Read(first); err != nil || string(r.Payload) != "in flight" || r.Type != 1 {
			t.Fatalf("%s: Read(%v) = %q type %d, %v", when, first, r.Payload, r.Type, err)
		}
		for i, p := range pend {
			if r, err := j.Read(p); err != nil || !bytes.Equal(r.Payload, payloadFor(uint64(i), 200)) || r.Type != 2 {
				t.Fatalf("%s: Read(%v) = %d bytes type %d, %v", when, p, len(r.Payload), r.Type, err)
			}
		}
		if r, err := j.Read(neg); err != nil || r.Cancels != pend[0] || string(r.Payload) != "ack" {
			t.Fatalf("%s: Read(negative) = %+v, %v", when, r, err)
		}
	}
	if pend[len(pend)-1].Seg == first.Seg {
		t.Fatalf("test needs records in later segments; all in %d", first.Seg)
	}
	check("buffered")
	close(gate)
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	check("written")
}

func TestReadOfPositionWithoutRecordIsNotFound(t *testing.T) {
	j := openT(t, t.TempDir(), quiet(0))
	p := mustAppend(t, j, Record{Payload: []byte("hello world")})
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []Pos{{}, {Seg: 9, Off: 32}, {Seg: p.Seg, Off: p.Off + 1}, {Seg: p.Seg, Off: p.Off + 4096}, {Seg: p.Seg, Off: 3}} {
		if _, err := j.Read(q); !isNotFound(err) {
			t.Errorf("Read(%v) error = %v, want ErrNotFound", q, err)
		}
	}
}

func TestCancelOfRecordThatIsNotLiveIsRejectedAndNotWritten(t *testing.T) {
	dir := t.TempDir()
	j := openT(t, dir, quiet(0))
	p := mustAppend(t, j, Record{Payload: []byte("x")})
	mustAppend(t, j, Record{Cancels: p})
	for _, target := range []Pos{p, {Seg: 1, Off: 5000}, {Seg: 7, Off: 32}} {
		if _, err := j.Append(Record{Cancels: target}, nil); !errors.Is(err, ErrNotLive) {
			t.Errorf("cancel of %v: error %v, want ErrNotLive", target, err)
		}
	}
	q := mustAppend(t, j, Record{Payload: []byte("y")})
	j.Release(q)
	if _, err := j.Append(Record{Cancels: q}, nil); !errors.Is(err, ErrNotLive) {
		t.Errorf("cancel of released record: error %v, want ErrNotLive", err)
	}
	closeT(t, j)
	j = openT(t, dir, quiet(0))
	if got := replayAll(t, j); len(got) != 3 {
		t.Fatalf("replayed %d records, want 3 (two positives, one cancel)", len(got))
	}
}

func TestReleaseKillsWithoutWritingAndIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	j := openT(t, dir, quiet(0))
	p := mustAppend(t, j, Record{Payload: []byte("body")})
	before := j.Stats()
	j.Release(p)
	j.Release(p)
	j.Release(Pos{Seg: 40, Off: 40})
	after := j.Stats()
	if j.Live(p) || after.LiveRecords != before.LiveRecords-1 || after.DataBytes != before.DataBytes {
		t.Fatalf("after Release: live=%v records %d→%d data %d→%d", j.Live(p),
			before.LiveRecords, after.LiveRecords, before.DataBytes, after.DataBytes)
	}
	closeT(t, j)
	// Release is not persisted: the record is live again after a restart.
	j = openT(t, dir, quiet(0))
	replayAll(t, j)
	if !j.Live(p) {
		t.Fatalf("released record not live after reopen; Release must not write")
	}
}

func TestOperationsAfterCloseFail(t *testing.T) {
	j := openT(t, t.TempDir(), quiet(0))
	closeT(t, j)
	if _, err := j.Append(Record{}, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close: %v", err)
	}
	if err := j.Sync(); !errors.Is(err, ErrClosed) {
		t.Errorf("Sync after Close: %v", err)
	}
	if err := j.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
}

func TestSecondOpenOfSameDirectoryFails(t *testing.T) {
	dir := t.TempDir()
	openT(t, dir, quiet(0))
	if j, err := Open(dir, quiet(0)); err == nil || !strings.Contains(err.Error(), "in use") {
		if j != nil {
			j.Close()
		}
		t.Fatalf("second Open: %v, want a lock error", err)
	}
}

func TestReplayOnlyOnceAndBeforeAppend(t *testing.T) {
	j := openT(t, t.TempDir(), quiet(0))
	mustAppend(t, j, Record{Payload: []byte("a")})
	if err := j.Replay(func(Pos, Record) error { return nil }); err == nil {
		t.Fatal("Replay after Append succeeded")
	}
}

func TestReplayStopsAtCallbackError(t *testing.T) {
	dir := t.TempDir()
	j := openT(t, dir, quiet(0))
	for i := range 5 {
		mustAppend(t, j, Record{Payload: payloadFor(uint64(i), 10)})
	}
	closeT(t, j)
	j = openT(t, dir, quiet(0))
	stop := errors.New("stop")
	n := 0
	err := j.Replay(func(Pos, Record) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Fatalf("Replay = %v after %d records, want the callback's error after 3", err, n)
	}
}

func TestBadOptionsAreRejected(t *testing.T) {
	for _, size := range []int64{100, 2 << 30} {
		if _, err := Open(t.TempDir(), Options{SegmentSize: size}); err == nil {
			t.Errorf("Open with segment size %d succeeded", size)
		}
	}
}

func TestSegmentFilesAreNamedAndPreallocated(t *testing.T) {
	dir := t.TempDir()
	j := openT(t, dir, quiet(64<<10))
	for i := range 100 {
		mustAppend(t, j, Record{Payload: payloadFor(uint64(i), 1000)})
	}
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	files := segFiles(t, dir)
	if len(files) != 2 || filepath.Base(files[0]) != "00000001.jnl" || filepath.Base(files[1]) != "00000002.jnl" {
		t.Fatalf("files %v, want 00000001.jnl and 00000002.jnl", files)
	}
	fi0, _ := os.Stat(files[0])
	fi1, _ := os.Stat(files[1])
	st := j.Stats()
	if fi0.Size() >= 64<<10 || fi1.Size() != 64<<10 {
		t.Fatalf("sealed segment %d bytes (want trimmed below 64 KiB), head %d bytes (want preallocated 64 KiB)", fi0.Size(), fi1.Size())
	}
	if st.DiskBytes != fi0.Size()+fi1.Size() {
		t.Errorf("Stats.DiskBytes = %d, files hold %d", st.DiskBytes, fi0.Size()+fi1.Size())
	}
	closeT(t, j)
	fi1, _ = os.Stat(files[1])
	if fi1.Size() >= 64<<10 {
		t.Errorf("head segment still %d bytes after Close, want trimmed", fi1.Size())
	}
}
