package journal

import (
	"os"
	"path/filepath"
	"testing"
)

const fillerType = 99

// fillSegment appends released filler records until the next append would
// land in a new segment; it returns that segment's number.
func fillSegment(t *testing.T, j *Journal) uint32 {
	t.Helper()
	start := mustAppend(t, j, Record{Type: fillerType, Payload: make([]byte, 500)})
	j.Release(start)
	for {
		p := mustAppend(t, j, Record{Type: fillerType, Payload: make([]byte, 500)})
		j.Release(p)
		if p.Seg != start.Seg {
			return p.Seg
		}
	}
}

func exists(dir string, seg uint32) bool {
	_, err := os.Stat(filepath.Join(dir, segmentName(seg)))
	return err == nil
}

func TestFullyDeadSegmentsAreDeleted(t *testing.T) {
	dir := t.TempDir()
	o := quiet(4 << 10)
	o.CompactRatio = -1
	j := openT(t, dir, o)
	var ps []Pos
	for i := range 60 {
		ps = append(ps, mustAppend(t, j, Record{Payload: payloadFor(uint64(i), 400)}))
	}
	keep := ps[59] // in the head segment
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	// Taken while everything is live: from the first release on, the
	// background loop (woken when a segment fills) may reclaim before
	// Compact does.
	before := j.Stats()
	for _, p := range ps[:59] {
		j.Release(p)
	}
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	after := j.Stats()
	files := segFiles(t, dir)
	if len(files) != 1 || after.Segments != 1 || filepath.Base(files[0]) != segmentName(keep.Seg) {
		t.Fatalf("after reclaim: files %v (stats %d segments), want only the head %s", files, after.Segments, segmentName(keep.Seg))
	}
	if after.Reclaimed != uint64(keep.Seg-1) || after.DiskBytes >= before.DiskBytes {
		t.Fatalf("reclaimed %d of %d segments; disk %d → %d bytes", after.Reclaimed, keep.Seg-1, before.DiskBytes, after.DiskBytes)
	}
	if r, err := j.Read(keep); err != nil || !j.Live(keep) || len(r.Payload) != 400 {
		t.Fatalf("surviving record: %v live=%v", err, j.Live(keep))
	}
	if _, err := j.Read(ps[0]); !isNotFound(err) {
		t.Fatalf("Read of a reclaimed record: %v, want ErrNotFound", err)
	}
}

// The Artemis rule: a dead segment holding a cancel must outlive the
// segment of the cancelled record, or recovery would revive that record.
func TestSegmentWithCancelStaysUntilTargetSegmentIsGone(t *testing.T) {
	dir := t.TempDir()
	o := quiet(4 << 10)
	o.CompactRatio = -1
	j := openT(t, dir, o)

	a := mustAppend(t, j, Record{Type: 1, Payload: []byte("A stays live")})
	b := mustAppend(t, j, Record{Type: 1, Payload: []byte("B is cancelled from segment 2")})
	seg2 := fillSegment(t, j)
	n := mustAppend(t, j, Record{Type: 2, Cancels: b})
	seg3 := fillSegment(t, j)
	fillSegment(t, j) // segment 3 holds only released fillers
	if a.Seg != 1 || n.Seg != seg2 || seg3 != seg2+1 {
		t.Fatalf("layout: A %v, cancel %v, segment 3 = %d", a, n, seg3)
	}

	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	if !exists(dir, 1) || !exists(dir, seg2) || exists(dir, seg3) {
		t.Fatalf("after reclaim: seg1 %v, seg2 (dead, cancels into seg1) %v, seg3 (dead) %v; want true true false",
			exists(dir, 1), exists(dir, seg2), exists(dir, seg3))
	}

	// Why: without segment 2, recovery brings B back.
	broken := t.TempDir()
	copyDir(t, dir, broken)
	os.Remove(filepath.Join(broken, segmentName(seg2)))
	jb := openT(t, broken, o)
	replayAll(t, jb)
	if !jb.Live(b) {
		t.Fatal("deleting the cancel's segment did not revive B; the test no longer shows the hazard")
	}
	closeT(t, jb)

	// Cancelling A lets segment 1 go, and segment 2 with it in the same pass.
	mustAppend(t, j, Record{Type: 2, Cancels: a})
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	if exists(dir, 1) || exists(dir, seg2) {
		t.Fatalf("after cancelling A: seg1 %v seg2 %v, want both deleted", exists(dir, 1), exists(dir, seg2))
	}
	closeT(t, j)
	j = openT(t, dir, o)
	for _, e := range replayAll(t, j) {
		if e.r.Type == 1 || (e.r.Cancels.IsZero() && e.r.Type != fillerType && j.Live(e.p)) {
			t.Fatalf("after reclaim and reopen, %v (type %d) came back", e.p, e.r.Type)
		}
	}
}

func TestChurnOf100kRecordsWithTenLiveLeavesFewSegments(t *testing.T) {
	dir := t.TempDir()
	o := quiet(64 << 10)
	o.Sync = SyncNever
	j := openT(t, dir, o)
	const total = 100_000
	for i := range total {
		p := mustAppend(t, j, Record{Payload: payloadFor(uint64(i), 100)})
		if i%10_000 != 0 { // ids 0, 10000, ..., 90000 stay live
			mustAppend(t, j, Record{Cancels: p})
		}
	}
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	st := j.Stats()
	written := total * (2*hdrSize + 100)
	if st.Segments > 4 || st.DiskBytes > 4*64<<10 {
		t.Fatalf("after churning %d KiB: %d segments, %d bytes on disk; want at most 4 segments", written>>10, st.Segments, st.DiskBytes)
	}
	if st.LiveRecords != 10 {
		t.Fatalf("%d live records, want 10", st.LiveRecords)
	}
	t.Logf("churned %d KiB; %d segments, %d bytes on disk, %d compactions, %d relocations",
		written>>10, st.Segments, st.DiskBytes, st.Compactions, st.Relocated)
	closeT(t, j)

	live := liveIDs(t, dir, o)
	if len(live) != 10 {
		t.Fatalf("after reopen %d live records, want 10", len(live))
	}
	for id := range uint64(10) {
		if _, ok := live[id*10_000]; !ok {
			t.Errorf("id %d missing after churn", id*10_000)
		}
	}
}
