package journal

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

type moves struct {
	mu sync.Mutex
	m  map[Pos]Pos
}

func (mv *moves) hook(old, new Pos) {
	mv.mu.Lock()
	defer mv.mu.Unlock()
	if mv.m == nil {
		mv.m = make(map[Pos]Pos)
	}
	mv.m[old] = new
}

// chain lists p and every position it was moved to, in order. Background
// maintenance (woken when a segment dies) may move a record before Compact
// does, and Compact then moves the copy again.
func (mv *moves) chain(p Pos) []Pos {
	mv.mu.Lock()
	defer mv.mu.Unlock()
	c := []Pos{p}
	for {
		next, ok := mv.m[p]
		if !ok {
			return c
		}
		c = append(c, next)
		p = next
	}
}

// oldRecordAmongDead writes one live record, then enough released records
// to push it several segments back.
func oldRecordAmongDead(t *testing.T, j *Journal) Pos {
	t.Helper()
	old := mustAppend(t, j, Record{Type: 7, Payload: []byte("old but live")})
	for range 4 {
		fillSegment(t, j)
	}
	return old
}

func TestCompactionMovesOldLiveRecordAndDeletesItsSegment(t *testing.T) {
	dir := t.TempDir()
	var mv moves
	o := quiet(4 << 10)
	o.Relocated = mv.hook
	j := openT(t, dir, o)
	old := oldRecordAmongDead(t, j)
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	moves := mv.chain(old)
	moved := moves[len(moves)-1]
	if len(moves) < 2 || moved.Seg <= old.Seg {
		t.Fatalf("Relocated did not report %v moving forward (chain %v)", old, moves)
	}
	if exists(dir, old.Seg) {
		t.Fatalf("segment %d still on disk after its only live record moved", old.Seg)
	}
	if r, err := j.Read(moved); err != nil || string(r.Payload) != "old but live" || r.Type != 7 || !j.Live(moved) {
		t.Fatalf("Read(%v) = %q type %d live %v, %v", moved, r.Payload, r.Type, j.Live(moved), err)
	}
	if _, err := j.Read(old); !isNotFound(err) {
		t.Fatalf("Read of the old position after its segment went: %v", err)
	}
	if st := j.Stats(); st.Compactions == 0 || st.Relocated != uint64(len(moves)-1) {
		t.Fatalf("stats: %d compactions, %d relocated, want %d", st.Compactions, st.Relocated, len(moves)-1)
	}
	closeT(t, j)

	j = openT(t, dir, o)
	var seen []Pos
	for _, e := range replayAll(t, j) {
		if e.r.Type == 7 {
			seen = append(seen, e.p)
		}
	}
	if len(seen) != 1 || seen[0] != moved || !j.Live(moved) {
		t.Fatalf("replay shows the record at %v, want once at %v, live", seen, moved)
	}
}

func TestCompactionAppliesRewriteToTheCopy(t *testing.T) {
	dir := t.TempDir()
	var mv moves
	o := quiet(4 << 10)
	o.Relocated = mv.hook
	var rewritten []Pos // only the maintenance goroutine appends
	o.Rewrite = func(p Pos, r Record) Record {
		rewritten = append(rewritten, p)
		if r.Type != 7 { // already rewritten by an earlier move
			return r
		}
		return Record{Type: 8, Payload: append([]byte("plain:"), r.Payload...)}
	}
	j := openT(t, dir, o)
	old := oldRecordAmongDead(t, j)
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	moves := mv.chain(old)
	moved := moves[len(moves)-1]
	if !slices.Equal(rewritten, moves[:len(moves)-1]) || len(rewritten) == 0 {
		t.Fatalf("Rewrite saw %v, want each position the record left: %v", rewritten, moves[:len(moves)-1])
	}
	if r, err := j.Read(moved); err != nil || string(r.Payload) != "plain:old but live" || r.Type != 8 {
		t.Fatalf("Read(copy) = %q type %d, %v", r.Payload, r.Type, err)
	}
	closeT(t, j)
	j = openT(t, dir, o)
	for _, e := range replayAll(t, j) {
		if e.p == moved && (string(e.r.Payload) != "plain:old but live" || e.r.Type != 8) {
			t.Fatalf("replayed copy = %q type %d", e.r.Payload, e.r.Type)
		}
	}
}

func TestCancelAfterRelocationNamingTheNewPositionKillsTheCopy(t *testing.T) {
	dir := t.TempDir()
	var mv moves
	o := quiet(4 << 10)
	o.Relocated = mv.hook
	j := openT(t, dir, o)
	old := oldRecordAmongDead(t, j)
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	moves := mv.chain(old)
	moved := moves[len(moves)-1]
	if _, err := j.Append(Record{Cancels: old}, nil); !errors.Is(err, ErrNotLive) {
		t.Fatalf("cancel naming the deleted old position: %v, want ErrNotLive", err)
	}
	mustAppend(t, j, Record{Cancels: moved})
	if j.Live(moved) {
		t.Fatal("copy live after its cancel")
	}
	closeT(t, j)
	j = openT(t, dir, o)
	replayAll(t, j)
	if j.Live(moved) {
		t.Fatal("cancelled copy live again after reopen")
	}
}

func TestCancelOfOldPositionDuringRelocationIsForwardedToTheCopy(t *testing.T) {
	dir := t.TempDir()
	o := quiet(4 << 10)
	var j *Journal
	var neg, moved Pos
	var cancelErr error
	o.Relocated = func(old, new Pos) {
		// The old segment still exists here; a cancel that still uses the
		// old position must reach the copy.
		moved = new
		neg, cancelErr = j.Append(Record{Type: 3, Cancels: old}, nil)
	}
	j = openT(t, dir, o)
	oldRecordAmongDead(t, j)
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	if cancelErr != nil {
		t.Fatalf("cancel of the old position during relocation: %v", cancelErr)
	}
	if r, err := j.Read(neg); err != nil || r.Cancels != moved {
		t.Fatalf("written cancel names %v (%v), want the copy %v", r.Cancels, err, moved)
	}
	if j.Live(moved) {
		t.Fatal("copy live after a forwarded cancel")
	}
	closeT(t, j)
	if got := liveIDs(t, dir, o); len(got) != 0 {
		t.Fatalf("live after reopen: %v", got)
	}
}

// A crash after the copies are durable but before the old segment is
// deleted leaves both on disk; recovery must show the record once.
func TestCrashBetweenCopyAndDeleteReplaysTheRecordOnce(t *testing.T) {
	dir, snap, early := t.TempDir(), t.TempDir(), t.TempDir()
	o := quiet(4 << 10)
	o.Rewrite = func(p Pos, r Record) Record {
		copyDir(t, dir, early) // before the copy exists
		return r
	}
	var moved, orig Pos
	o.Relocated = func(old, new Pos) {
		orig, moved = old, new
		copyDir(t, dir, snap) // copy durable, original not yet deleted
	}
	j := openT(t, dir, o)
	oldRecordAmongDead(t, j)
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	closeT(t, j)

	plain := quiet(4 << 10)
	for _, c := range []struct {
		dir  string
		want Pos
	}{{snap, moved}, {early, orig}} {
		if !exists(c.dir, orig.Seg) {
			t.Fatalf("snapshot lacks the original segment")
		}
		j := openT(t, c.dir, plain)
		var seen []Pos
		for _, e := range replayAll(t, j) {
			if e.r.Type == 7 {
				seen = append(seen, e.p)
			}
		}
		if len(seen) != 1 || seen[0] != c.want || !j.Live(c.want) {
			t.Fatalf("replay of snapshot shows the record at %v, want once at %v", seen, c.want)
		}
		if r, err := j.Read(c.want); err != nil || string(r.Payload) != "old but live" {
			t.Fatalf("Read after recovery: %q %v", r.Payload, err)
		}
		closeT(t, j)
	}

	// Reclaim after such a recovery drops the superseded original.
	plain.CompactRatio = -1
	j = openT(t, snap, plain)
	replayAll(t, j)
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	if exists(snap, orig.Seg) || !j.Live(moved) {
		t.Fatalf("after reclaim: superseded original's segment exists=%v, copy live=%v", exists(snap, orig.Seg), j.Live(moved))
	}
}

// Compacting a segment whose cancels still matter carries them forward, so
// deleting it does not revive their targets.
func TestCompactionCarriesCancelsIntoStillExistingSegments(t *testing.T) {
	dir := t.TempDir()
	o := quiet(4 << 10)
	o.CompactMinAge = 1
	j := openT(t, dir, o)
	a := mustAppend(t, j, Record{Type: 1, Payload: bytes.Repeat([]byte("A"), 2000)}) // keeps seg 1 dense
	b := mustAppend(t, j, Record{Type: 1, Payload: []byte("B")})
	fillSegment(t, j)
	n := mustAppend(t, j, Record{Type: 2, Cancels: b})
	fillSegment(t, j)
	fillSegment(t, j)
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	if !exists(dir, 1) || exists(dir, n.Seg) {
		t.Fatalf("seg1 (dense) exists=%v, seg %d (one cancel among dead) exists=%v; want true, false", exists(dir, 1), n.Seg, exists(dir, n.Seg))
	}
	closeT(t, j)
	j = openT(t, dir, o)
	for _, e := range replayAll(t, j) {
		if e.p == n {
			t.Fatal("the cancel's own record is still replayed after its segment was deleted")
		}
	}
	if j.Live(b) || !j.Live(a) {
		t.Fatalf("after reopen: A live=%v, B live=%v; want true, false", j.Live(a), j.Live(b))
	}
}

// A model-checked churn: random appends and cancels with compaction and
// reopening; the journal's live set must always equal the model's.
func TestRandomChurnWithCompactionKeepsExactlyTheLiveSet(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	var mu sync.Mutex
	pos := map[uint64]Pos{} // live id -> current position
	byPos := map[Pos]uint64{}
	o := quiet(4 << 10)
	o.Sync = SyncNever // Compact and Sync still fsync; appends need not
	o.CompactMinAge = 1
	o.CompactRatio = 0.5
	o.Relocated = func(old, new Pos) {
		mu.Lock()
		defer mu.Unlock()
		if id, ok := byPos[old]; ok {
			delete(byPos, old)
			pos[id], byPos[new] = new, id
		}
	}
	j := openT(t, dir, o)
	next := uint64(0)
	var compactions, reclaimed uint64
	for round := range 9 {
		for range 400 {
			mu.Lock()
			if len(pos) > 0 && rng.IntN(100) < 45 {
				var id uint64
				for id = range pos {
					break
				}
				p := pos[id]
				delete(pos, id)
				delete(byPos, p)
				mu.Unlock()
				mustAppend(t, j, Record{Cancels: p})
				continue
			}
			mu.Unlock()
			p := mustAppend(t, j, Record{Payload: payloadFor(next, 50+rng.IntN(400))})
			mu.Lock()
			pos[next], byPos[p] = p, next
			mu.Unlock()
			next++
		}
		if err := j.Compact(); err != nil {
			t.Fatal(err)
		}
		if round%3 == 2 {
			st := j.Stats()
			compactions += st.Compactions
			reclaimed += st.Reclaimed
			closeT(t, j)
			got := liveIDs(t, dir, o)
			mu.Lock()
			if len(got) != len(pos) {
				t.Fatalf("round %d: %d live after reopen, model has %d", round, len(got), len(pos))
			}
			byPos = map[Pos]uint64{}
			for id, p := range got {
				if _, ok := pos[id]; !ok {
					t.Fatalf("round %d: id %d live but cancelled", round, id)
				}
				pos[id], byPos[p] = p, id
			}
			mu.Unlock()
			j = openT(t, dir, o)
			replayAll(t, j)
		}
	}
	if compactions == 0 || reclaimed == 0 {
		t.Fatalf("churn did not exercise compaction (%d) and reclaim (%d)", compactions, reclaimed)
	}
	t.Logf("%d ids, %d live; %d segments at the end; %d compactions, %d segments reclaimed",
		next, len(pos), j.Stats().Segments, compactions, reclaimed)
}

// Releases and cancels racing with compaction: none is lost (a cancelled
// record stays dead) and none revives a record.
func TestReleaseAndCancelRacingCompactionLoseAndReviveNothing(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	cur := map[uint64]Pos{}
	o := quiet(4 << 10)
	o.Sync = SyncNever
	o.CompactMinAge = 1
	o.CompactRatio = 0.9
	o.Relocated = func(old, new Pos) {
		mu.Lock()
		defer mu.Unlock()
		for id, p := range cur {
			if p == old {
				cur[id] = new
			}
		}
	}
	j := openT(t, dir, o)
	const n = 3000
	for i := range n {
		cur[uint64(i)] = mustAppend(t, j, Record{Payload: payloadFor(uint64(i), 100)})
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := j.Compact(); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	// Cancel every id divisible by 3 and release every id ≡ 1 mod 3, while
	// compaction moves records underneath.
	for i := range uint64(n) {
		if i%3 == 2 {
			continue
		}
		for {
			mu.Lock()
			p := cur[i]
			mu.Unlock()
			if i%3 == 1 {
				j.Release(p)
				if !j.Live(p) {
					break
				}
				continue
			}
			if _, err := j.Append(Record{Cancels: p}, nil); err == nil {
				break
			} else if !errors.Is(err, ErrNotLive) {
				t.Fatal(err)
			}
			// The old segment went between our read of cur and the
			// append; Relocated has given us the new position by now.
		}
	}
	close(stop)
	wg.Wait()
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	for i := range uint64(n) {
		mu.Lock()
		p := cur[i]
		mu.Unlock()
		if got := j.Live(p); got != (i%3 == 2) {
			t.Fatalf("id %d at %v live=%v", i, p, got)
		}
	}
	if st := j.Stats(); st.LiveRecords != n/3 || st.Relocated == 0 {
		t.Fatalf("%d live records (want %d), %d relocations", st.LiveRecords, n/3, st.Relocated)
	}
	closeT(t, j)
	// Released records come back after a restart (Release writes nothing),
	// cancelled ones never do.
	got := liveIDs(t, dir, o)
	for id := range got {
		if id%3 == 0 {
			t.Fatalf("cancelled id %d live after reopen", id)
		}
	}
	for i := range uint64(n) {
		if _, ok := got[i]; i%3 == 2 && !ok {
			t.Fatalf("live id %d lost after reopen", i)
		}
	}
}
