package journal

import (
	"os"
	"path/filepath"
	"testing"
)

// ckFixture is a journal over several segments with cancelled, released
// and compacted records, and what each position's liveness was at Close.
type ckFixture struct {
	dir   string
	o     Options
	pos   []Pos
	live  map[Pos]bool
	stats Stats
}

func newCkFixture(t testing.TB) *ckFixture {
	t.Helper()
	f := &ckFixture{dir: t.TempDir(), o: quiet(16 << 10), live: map[Pos]bool{}}
	j := openT(t, f.dir, f.o)
	replayAll(t, j)
	for id := uint64(1); id <= 300; id++ {
		f.pos = append(f.pos, mustAppend(t, j, Record{Type: 1, Payload: payloadFor(id, 200)}))
	}
	for i, p := range f.pos {
		switch ckFate(i) {
		case ckCancelled:
			mustAppend(t, j, Record{Type: 2, Cancels: p})
		case ckReleased:
			j.Release(p) // dead in memory only: a scan would see it live
		}
	}
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	for _, p := range f.pos {
		f.live[p] = j.Live(p)
	}
	f.stats = j.Stats()
	if f.stats.Compactions == 0 || f.stats.Reclaimed == 0 {
		t.Fatalf("fixture neither compacted nor reclaimed a segment: %+v", f.stats)
	}
	if err := j.CloseCheckpoint(func(ok bool) []byte {
		if !ok {
			t.Error("CloseCheckpoint offered no checkpoint for a healthy journal")
		}
		return []byte("caller state")
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

const (
	ckLive = iota
	ckCancelled
	ckReleased
)

// ckFate is what the fixture does with its i-th record: the first 60 all
// cancelled (their segments can be deleted), then most of the rest, so
// that compaction copies the few left.
func ckFate(i int) int {
	switch {
	case i < 60 || i%4 != 0:
		return ckCancelled
	case i%8 == 0:
		return ckReleased
	}
	return ckLive
}

func (f *ckFixture) checkpointPath() string { return filepath.Join(f.dir, checkpointFile) }

func TestCheckpointIsAdoptedWithTheLivenessCloseLeft(t *testing.T) {
	f := newCkFixture(t)
	j := openT(t, f.dir, f.o)
	if got := string(j.Checkpoint()); got != "caller state" || !j.Adopted() {
		t.Fatalf("Checkpoint() = %q (adopted %v), want the state saved at Close", got, j.Adopted())
	}
	if j.Checkpoint() != nil {
		t.Fatal("Checkpoint() kept the state after handing it over")
	}
	if _, err := os.Stat(f.checkpointPath()); !os.IsNotExist(err) {
		t.Fatalf("checkpoint file still there after Open adopted it (stat: %v): a crash now would adopt it again", err)
	}
	if seen := replayAll(t, j); len(seen) != 0 {
		t.Fatalf("Replay after an adopted checkpoint visited %d records, want none", len(seen))
	}
	for _, p := range f.pos {
		if j.Live(p) != f.live[p] {
			t.Fatalf("Live(%v) = %v after adopting, %v at Close", p, j.Live(p), f.live[p])
		}
	}
	st := j.Stats()
	if st.Segments != f.stats.Segments || st.LiveRecords != f.stats.LiveRecords || st.LiveBytes != f.stats.LiveBytes || st.DataBytes != f.stats.DataBytes {
		t.Fatalf("stats after adopting %+v, at Close %+v", st, f.stats)
	}
	// Every live record reads back, and the journal goes on appending
	// where it stopped.
	for _, p := range f.pos {
		if !f.live[p] {
			continue
		}
		r, err := j.Read(p)
		if err != nil {
			t.Fatalf("Read(%v): %v", p, err)
		}
		if _, ok := idOf(r.Payload); !ok {
			t.Fatalf("Read(%v): corrupt payload", p)
		}
	}
	np := mustAppend(t, j, Record{Type: 1, Payload: payloadFor(1000, 200)})
	closeT(t, j)

	// A scan of the same files agrees: every record live at Close (some
	// moved by compaction) and the new one; no cancelled one. Released
	// records come back live where their segment still exists (Release
	// is not persisted).
	got := liveIDs(t, f.dir, f.o)
	for i := range f.pos {
		id := uint64(i + 1)
		_, ok := got[id]
		switch ckFate(i) {
		case ckLive:
			if !ok {
				t.Fatalf("live record %d missing from the scan", id)
			}
		case ckCancelled:
			if ok {
				t.Fatalf("cancelled record %d live in the scan", id)
			}
		}
	}
	if got[1000] != np {
		t.Fatalf("record appended after adopting is at %v, want %v", got[1000], np)
	}
}

func TestCheckpointIsIgnoredWhenTheJournalChangedAfterIt(t *testing.T) {
	f := newCkFixture(t)
	saved, err := os.ReadFile(f.checkpointPath())
	if err != nil {
		t.Fatal(err)
	}
	// A version that does not know the file appends without removing it.
	j := openT(t, f.dir, f.o)
	replayAll(t, j)
	mustAppend(t, j, Record{Type: 1, Payload: payloadFor(2000, 200)})
	closeT(t, j)
	if err := os.WriteFile(f.checkpointPath(), saved, 0o644); err != nil {
		t.Fatal(err)
	}
	j = openT(t, f.dir, f.o)
	if j.Adopted() || j.Checkpoint() != nil {
		t.Fatal("a checkpoint older than the last append was adopted")
	}
	found := false
	for _, e := range replayAll(t, j) {
		if id, _ := idOf(e.r.Payload); id == 2000 && e.r.Cancels.IsZero() {
			found = true
		}
	}
	if !found {
		t.Fatal("the scan did not replay the record appended after the checkpoint")
	}
}

func TestCheckpointIsIgnoredWhenDamagedOrSegmentsDiffer(t *testing.T) {
	cases := map[string]func(t *testing.T, f *ckFixture){
		"flipped byte": func(t *testing.T, f *ckFixture) {
			b, err := os.ReadFile(f.checkpointPath())
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 0x10
			if err := os.WriteFile(f.checkpointPath(), b, 0o644); err != nil {
				t.Fatal(err)
			}
		},
		"truncated": func(t *testing.T, f *ckFixture) {
			if err := os.Truncate(f.checkpointPath(), 20); err != nil {
				t.Fatal(err)
			}
		},
		"oldest segment removed": func(t *testing.T, f *ckFixture) {
			if err := os.Remove(segFiles(t, f.dir)[0]); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			f := newCkFixture(t)
			damage(t, f)
			j := openT(t, f.dir, f.o)
			if j.Adopted() || j.Checkpoint() != nil {
				t.Fatal("a damaged or mismatched checkpoint was adopted")
			}
			if _, err := os.Stat(f.checkpointPath()); !os.IsNotExist(err) {
				t.Fatal("a rejected checkpoint was left for the next Open")
			}
			n := 0
			for _, e := range replayAll(t, j) {
				if _, ok := idOf(e.r.Payload); ok && e.r.Cancels.IsZero() {
					n++
				}
			}
			if n == 0 {
				t.Fatal("the scan after a rejected checkpoint replayed nothing")
			}
		})
	}
}

func TestCloseSavesNoCheckpointWhenTheCallerDeclines(t *testing.T) {
	dir := t.TempDir()
	j := openT(t, dir, quiet(16<<10))
	replayAll(t, j)
	mustAppend(t, j, Record{Type: 1, Payload: payloadFor(1, 100)})
	if err := j.CloseCheckpoint(func(bool) []byte { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, checkpointFile)); !os.IsNotExist(err) {
		t.Fatalf("checkpoint saved although the caller gave no state (stat: %v)", err)
	}
	if got := liveIDs(t, dir, quiet(16<<10)); len(got) != 1 {
		t.Fatalf("scan found %d live records, want 1", len(got))
	}
}

func TestCloseLeavesNoCheckpoint(t *testing.T) {
	dir := t.TempDir()
	j := openT(t, dir, quiet(16<<10))
	replayAll(t, j)
	mustAppend(t, j, Record{Type: 1, Payload: payloadFor(1, 100)})
	closeT(t, j)
	if _, err := os.Stat(filepath.Join(dir, checkpointFile)); !os.IsNotExist(err) {
		t.Fatalf("plain Close saved a checkpoint (stat: %v)", err)
	}
}

func TestHalfWrittenCheckpointIsIgnoredAndRemoved(t *testing.T) {
	f := newCkFixture(t)
	// As if the process died while writing: the file never got its name.
	tmp := f.checkpointPath() + ".tmp"
	if err := os.Rename(f.checkpointPath(), tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(tmp, 100); err != nil {
		t.Fatal(err)
	}
	j := openT(t, f.dir, f.o)
	if j.Adopted() {
		t.Fatal("a half-written checkpoint was adopted")
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("half-written checkpoint left behind (stat: %v)", err)
	}
	if len(replayAll(t, j)) == 0 {
		t.Fatal("the scan replayed nothing")
	}
}
