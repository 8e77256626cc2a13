package journal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// writeJournal appends n records and closes; it returns their positions.
func writeJournal(t *testing.T, dir string, o Options, n, size int) []Pos {
	t.Helper()
	j := openT(t, dir, o)
	var ps []Pos
	for i := range n {
		ps = append(ps, mustAppend(t, j, Record{Type: 1, Payload: payloadFor(uint64(i), size)}))
	}
	closeT(t, j)
	return ps
}

// checkPrefixThenAppend reopens dir, expects exactly records 0..want-1 and
// that an append afterwards survives another reopen.
func checkPrefixThenAppend(t *testing.T, dir string, o Options, want, size int) {
	t.Helper()
	j := openT(t, dir, o)
	got := replayAll(t, j)
	if len(got) != want {
		t.Fatalf("replayed %d records, want %d", len(got), want)
	}
	for i, e := range got {
		if !bytes.Equal(e.r.Payload, payloadFor(uint64(i), size)) {
			t.Fatalf("record %d has the wrong payload", i)
		}
	}
	p := mustAppend(t, j, Record{Type: 9, Payload: []byte("after recovery")})
	closeT(t, j)
	j = openT(t, dir, o)
	got = replayAll(t, j)
	if len(got) != want+1 || got[want].p != p || string(got[want].r.Payload) != "after recovery" {
		t.Fatalf("after appending to the recovered journal: %d records, last at %v", len(got), got[len(got)-1].p)
	}
	closeT(t, j)
}

func TestTornLastRecordIsCutAtEveryByteOffset(t *testing.T) {
	o := quiet(0)
	o.NoPrealloc = true
	const n, size = 4, 60
	base := t.TempDir()
	ps := writeJournal(t, base, o, n, size)
	last := ps[n-1]
	seg := filepath.Join(base, segmentName(last.Seg))
	full, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	for cut := int(last.Off); cut < len(full); cut++ {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segmentName(last.Seg)), full[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		checkPrefixThenAppend(t, dir, o, n-1, size)
	}
}

func TestZerosAfterLastRecordAreIgnored(t *testing.T) {
	for _, prealloc := range []bool{false, true} {
		o := quiet(0)
		o.NoPrealloc = !prealloc
		dir := t.TempDir()
		writeJournal(t, dir, o, 5, 100)
		f, err := os.OpenFile(filepath.Join(dir, segmentName(1)), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(make([]byte, 4096))
		f.Close()
		checkPrefixThenAppend(t, dir, o, 5, 100)
	}
}

func flipBit(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x10
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func TestFlippedBitInLastRecordEndsReplayBeforeIt(t *testing.T) {
	o := quiet(0)
	dir := t.TempDir()
	ps := writeJournal(t, dir, o, 6, 100)
	flipBit(t, filepath.Join(dir, segmentName(1)), int64(ps[5].Off)+hdrSize+50)
	checkPrefixThenAppend(t, dir, o, 5, 100)
}

func TestFlippedBitInOlderSegmentIsReportedWithSegmentAndOffset(t *testing.T) {
	o := quiet(4 << 10)
	dir := t.TempDir()
	ps := writeJournal(t, dir, o, 100, 300) // about 8 segments
	victim := ps[20]
	if victim.Seg >= ps[99].Seg {
		t.Fatal("victim must be in an older segment")
	}
	flipBit(t, filepath.Join(dir, segmentName(victim.Seg)), int64(victim.Off)+hdrSize+7)

	_, err := Open(dir, o)
	var ce *CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) || ce.Seg != victim.Seg || ce.Off != victim.Off {
		t.Fatalf("Open = %v, want CorruptError at %v", err, victim)
	}

	// With SkipCorrupt the rest of that segment is skipped, nothing else.
	o.SkipCorrupt = true
	j := openT(t, dir, o)
	var ids []uint64
	for _, e := range replayAll(t, j) {
		id, ok := idOf(e.r.Payload)
		if !ok {
			t.Fatalf("corrupt payload replayed at %v", e.p)
		}
		ids = append(ids, id)
	}
	var want []uint64
	for i, p := range ps {
		if p.Seg != victim.Seg || p.Off < victim.Off {
			want = append(want, uint64(i))
		}
	}
	if len(ids) != len(want) {
		t.Fatalf("SkipCorrupt replayed %d records, want %d", len(ids), len(want))
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("SkipCorrupt record %d is id %d, want %d", i, ids[i], want[i])
		}
	}
}

func TestOlderSegmentWithoutSealIsCorrupt(t *testing.T) {
	o := quiet(4 << 10)
	o.NoPrealloc = true
	dir := t.TempDir()
	writeJournal(t, dir, o, 40, 300)
	path := filepath.Join(dir, segmentName(1))
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()-hdrSize); err != nil { // drop the seal
		t.Fatal(err)
	}
	var ce *CorruptError
	if _, err := Open(dir, o); !errors.As(err, &ce) || ce.Seg != 1 || ce.Off != uint32(fi.Size()-hdrSize) {
		t.Fatalf("Open = %v, want CorruptError for segment 1 at its end", err)
	}
}

// dropHead removes the newest segment file, leaving a journal whose newest
// file ends with its seal, as after a crash between sealing a segment and
// creating the next file. It returns how many records remain.
func dropHead(t *testing.T, dir string, ps []Pos) (head uint32, remaining int) {
	t.Helper()
	head = ps[len(ps)-1].Seg
	if err := os.Remove(filepath.Join(dir, segmentName(head))); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Seg < head {
			remaining++
		}
	}
	return head, remaining
}

func TestNewestSegmentWithTornHeaderStartsAfresh(t *testing.T) {
	o := quiet(4 << 10)
	dir := t.TempDir()
	head, remaining := dropHead(t, dir, writeJournal(t, dir, o, 40, 300))
	// A crash right after the file was created, mid-header.
	if err := os.WriteFile(filepath.Join(dir, segmentName(head)), encodeSegHeader(head, 9999)[:10], 0o644); err != nil {
		t.Fatal(err)
	}
	checkPrefixThenAppend(t, dir, o, remaining, 300)
}

func TestSealedNewestSegmentGetsASuccessor(t *testing.T) {
	o := quiet(4 << 10)
	dir := t.TempDir()
	head, remaining := dropHead(t, dir, writeJournal(t, dir, o, 40, 300))
	j := openT(t, dir, o)
	if got := replayAll(t, j); len(got) != remaining {
		t.Fatalf("replayed %d records, want %d", len(got), remaining)
	}
	if p := mustAppend(t, j, Record{Payload: []byte("x")}); p.Seg != head {
		t.Fatalf("append after a sealed newest segment went to %v, want a fresh segment %d", p, head)
	}
	closeT(t, j)
	j = openT(t, dir, o)
	if got := replayAll(t, j); len(got) != remaining+1 || string(got[remaining].r.Payload) != "x" {
		t.Fatalf("after reopen: %d records, want %d ending in the new one", len(got), remaining+1)
	}
}

func TestSegmentFileWithWrongNumberInsideIsCorrupt(t *testing.T) {
	o := quiet(4 << 10)
	dir := t.TempDir()
	writeJournal(t, dir, o, 40, 300)
	// A stray copy of segment 1 named as segment 5, older than the head.
	os.Rename(filepath.Join(dir, segmentName(2)), filepath.Join(dir, segmentName(2)+".bak"))
	b, _ := os.ReadFile(filepath.Join(dir, segmentName(1)))
	os.WriteFile(filepath.Join(dir, segmentName(2)), b, 0o644)
	var ce *CorruptError
	if _, err := Open(dir, o); !errors.As(err, &ce) || ce.Seg != 2 || ce.Off != 0 {
		t.Fatalf("Open = %v, want CorruptError for segment 2's header", err)
	}
}
