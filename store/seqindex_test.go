package store

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// checkIndex compares x with the model: the same seqs and slots through
// get, len and all, the window's part of all in ascending order, and the
// window never less than a quarter full once it is long enough to police.
func checkIndex(t *testing.T, step int, x *seqIndex, model map[uint64]slot) {
	t.Helper()
	if x.len() != len(model) {
		t.Fatalf("step %d: len %d, model %d", step, x.len(), len(model))
	}
	for seq, want := range model {
		got, ok := x.get(seq)
		if !ok || got.id != want.id || got.pos != want.pos || got.size != want.size || got.shared != want.shared {
			t.Fatalf("step %d: get(%d) = %+v %v, want %+v", step, seq, got, ok, want)
		}
	}
	seen := map[uint64]bool{}
	var winSeqs []uint64
	for seq, sl := range x.all() {
		if seen[seq] {
			t.Fatalf("step %d: all yields %d twice", step, seq)
		}
		seen[seq] = true
		if want, ok := model[seq]; !ok || want.id != sl.id {
			t.Fatalf("step %d: all yields %d (id %d), model has %+v %v", step, seq, sl.id, want, ok)
		}
		if _, inFar := x.far[seq]; !inFar {
			winSeqs = append(winSeqs, seq)
		}
	}
	if len(seen) != len(model) {
		t.Fatalf("step %d: all yields %d seqs, model has %d", step, len(seen), len(model))
	}
	if !slices.IsSorted(winSeqs) {
		t.Fatalf("step %d: window seqs out of order: %v", step, winSeqs)
	}
	for seq := range x.far {
		if seq >= x.base && seq-x.base < uint64(len(x.win)) {
			t.Fatalf("step %d: map seq %d inside the window [%d, %d)", step, seq, x.base, x.base+uint64(len(x.win)))
		}
	}
}

func TestSeqIndexAgreesWithAMapUnderEveryAccessPattern(t *testing.T) {
	patterns := map[string]func(r *rand.Rand, next *uint64, model map[uint64]slot) (op int, seq uint64){
		// A queue's life: append in order, settle mostly from the front.
		"fifo": func(r *rand.Rand, next *uint64, model map[uint64]slot) (int, uint64) {
			if len(model) == 0 || r.IntN(2) == 0 {
				*next++
				return 0, *next
			}
			return 1, minKey(model)
		},
		// Settled in any order, appended in order.
		"random-settle": func(r *rand.Rand, next *uint64, model map[uint64]slot) (int, uint64) {
			if len(model) == 0 || r.IntN(2) == 0 {
				*next++
				return 0, *next
			}
			return 1, anyKey(r, model)
		},
		// Persistent messages among transient ones: gaps of any size.
		"gaps": func(r *rand.Rand, next *uint64, model map[uint64]slot) (int, uint64) {
			if len(model) == 0 || r.IntN(3) > 0 {
				*next += 1 + uint64(r.ExpFloat64()*40)
				return 0, *next
			}
			return 1, anyKey(r, model)
		},
		// One message stuck at the front while thousands pass behind it.
		"stuck-front": func(r *rand.Rand, next *uint64, model map[uint64]slot) (int, uint64) {
			if len(model) < 3 || r.IntN(2) == 0 {
				*next++
				return 0, *next
			}
			keys := sortedKeys(model)
			return 1, keys[1] // never the first
		},
		// Recovery after compaction: seqs arrive out of order, some twice.
		"shuffled": func(r *rand.Rand, next *uint64, model map[uint64]slot) (int, uint64) {
			switch r.IntN(4) {
			case 0:
				if len(model) > 0 {
					return 1, anyKey(r, model)
				}
			case 1:
				if len(model) > 0 {
					return 0, anyKey(r, model) // overwrite
				}
			}
			*next++
			return 0, *next - uint64(r.IntN(int(min(*next, 300))))
		},
	}
	for name, pick := range patterns {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(len(name))))
			var x seqIndex
			model := map[uint64]slot{}
			var next uint64 = 1000
			for step := range 20000 {
				op, seq := pick(r, &next, model)
				if op == 0 {
					sl := slot{id: uint64(step) + 1, size: uint32(step), shared: step%3 == 0}
					x.set(seq, sl)
					model[seq] = sl
				} else {
					x.del(seq)
					delete(model, seq)
				}
				if step%97 == 0 || step > 19900 {
					checkIndex(t, step, &x, model)
				}
				if len(x.win) >= 4*minSparseCheck && x.live*8 < len(x.win) {
					t.Fatalf("step %d: window of %d holds %d live entries", step, len(x.win), x.live)
				}
			}
			for seq := range model {
				x.del(seq)
			}
			if x.len() != 0 || x.live != 0 {
				t.Fatalf("after deleting everything: len %d, live %d", x.len(), x.live)
			}
		})
	}
}

// A backlog that arrives in seq order stays in the window: no map at all.
func TestSeqIndexKeepsAnInOrderBacklogOutOfTheMap(t *testing.T) {
	var x seqIndex
	for seq := uint64(5); seq < 100005; seq++ {
		x.set(seq, slot{id: seq})
	}
	for seq := uint64(5); seq < 50005; seq += 2 {
		x.del(seq) // settled out of order: holes, the window half full
	}
	if x.far != nil || x.live != 75000 || x.len() != 75000 {
		t.Fatalf("far %v, live %d, len %d; want no map, 75000 live", x.far != nil, x.live, x.len())
	}
	var got []uint64
	for seq := range x.all() {
		got = append(got, seq)
	}
	if len(got) != 75000 || got[0] != 6 || got[24999] != 50004 || got[25000] != 50005 || got[74999] != 100004 {
		t.Fatalf("all yields %d seqs, from %d", len(got), got[0])
	}
}

// Deleting while ranging over all, as a purge does, visits every seq once
// and leaves nothing behind, including when the deletes trim the window.
func TestSeqIndexAllAllowsDeletesOfWhatItYields(t *testing.T) {
	var x seqIndex
	for seq := uint64(1); seq <= 1000; seq++ {
		if seq%7 != 0 {
			x.set(seq, slot{id: seq})
		}
	}
	x.set(5000, slot{id: 5000}) // far past the window: in the map
	x.set(1, slot{id: 1})
	n := 0
	for seq := range x.all() {
		x.del(seq)
		n++
	}
	if n != 1000-142+1 || x.len() != 0 {
		t.Fatalf("visited %d, left %d; want 859 visited, none left", n, x.len())
	}
}

func minKey(m map[uint64]slot) uint64 { return sortedKeys(m)[0] }

func sortedKeys(m map[uint64]slot) []uint64 {
	keys := make([]uint64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func anyKey(r *rand.Rand, m map[uint64]slot) uint64 {
	keys := sortedKeys(m)
	return keys[r.IntN(len(keys))]
}

// A drained backlog lets go of its window's array: a million settled
// references must not keep their 24 MB alive.
func TestSeqIndexDrainedBacklogLetsGoOfItsArray(t *testing.T) {
	var x seqIndex
	const n = 4 * maxKeptArray
	for seq := uint64(1); seq <= n; seq++ {
		x.set(seq, slot{id: seq})
	}
	for seq := uint64(1); seq <= n; seq++ {
		x.del(seq)
	}
	if x.win != nil || x.arr != nil || x.len() != 0 {
		t.Fatalf("drained index keeps an array of cap %d, len %d", cap(x.arr), x.len())
	}
	x.set(n+1, slot{id: n + 1})
	if sl, ok := x.get(n + 1); !ok || sl.id != n+1 || x.base != n+1 {
		t.Fatalf("after refilling: get(%d) = %+v %v, base %d", n+1, sl, ok, x.base)
	}
}

// A queue whose consumer keeps up is set and settled over and over, often
// drained to nothing: the index reuses its array instead of allocating,
// as the map it replaced did.
func TestSeqIndexQueueThatKeepsDrainingDoesNotAllocate(t *testing.T) {
	for _, depth := range []uint64{0, 10, 300} {
		var x seqIndex
		seq := uint64(0)
		for range depth + 100 { // reach the steady state
			seq++
			x.set(seq, slot{id: seq})
			if seq > depth {
				x.del(seq - depth)
			}
		}
		// Counted over all of them, not averaged: one array growth per
		// few hundred messages must show.
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 20000 {
			seq++
			x.set(seq, slot{id: seq})
			x.del(seq - depth)
		}
		runtime.ReadMemStats(&after)
		if n := after.Mallocs - before.Mallocs; n != 0 || x.len() != int(depth) {
			t.Fatalf("depth %d: %d allocations in 20,000 messages, %d left", depth, n, x.len())
		}
	}
}
