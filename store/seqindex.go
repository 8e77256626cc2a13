package store

import "iter"

// seqIndex holds a queue's visible references by seq. The broker numbers a
// queue's messages in ascending order and settles most of them from the
// front, so most live seqs sit in a dense window: a slice indexed by
// seq - base, with holes where a message left out of order. Setting and
// finding a seq there is an index, not a hash: recovering a million-message
// backlog into a map spent a quarter of its time on cache misses.
//
// Seqs that do not fit the window go to a map: below its base, or so far
// past its end that the gap would leave it less than a quarter full (a
// queue whose persistent messages are a few among transient ones). When
// holes make the window that sparse (a message stuck at the front while
// those behind it are settled), the next set moves its entries to the map
// and starts a new window.
type seqIndex struct {
	base uint64 // seq of win[0]
	win  []slot // slot.used marks a live entry
	arr  []slot // the array win lies in, from its start: reused, not regrown
	live int    // used entries in win
	far  map[uint64]slot
}

const (
	// minSparseCheck is the window length below which density is not
	// policed: tiny windows cost little whatever their holes.
	minSparseCheck = 64
	// maxKeptArray is the largest array (in slots) a drained window keeps
	// for the next message; a larger one, left by a backlog, is let go.
	maxKeptArray = 1 << 12
)

func (x *seqIndex) len() int { return x.live + len(x.far) }

// inOrder says whether all yields every seq in ascending order (nothing
// is in the map).
func (x *seqIndex) inOrder() bool { return len(x.far) == 0 }

func (x *seqIndex) get(seq uint64) (slot, bool) {
	if seq >= x.base && seq-x.base < uint64(len(x.win)) {
		if sl := x.win[seq-x.base]; sl.used {
			return sl, true
		}
		return slot{}, false
	}
	sl, ok := x.far[seq]
	return sl, ok
}

// at is get without the flag: the zero slot when seq is absent.
func (x *seqIndex) at(seq uint64) slot {
	sl, _ := x.get(seq)
	return sl
}

func (x *seqIndex) set(seq uint64, sl slot) {
	sl.used = true
	if seq >= x.base && seq-x.base < uint64(len(x.win)) {
		i := seq - x.base
		if !x.win[i].used {
			x.live++
		}
		x.win[i] = sl
		return
	}
	if _, ok := x.far[seq]; ok {
		x.far[seq] = sl
		return
	}
	if len(x.win) >= minSparseCheck && x.live*4 < len(x.win) {
		x.spill()
	}
	if len(x.win) == 0 {
		x.base = seq
		x.win = x.arr[:0]
		x.push(sl)
		x.live = 1
		return
	}
	if n := seq - x.base + 1; seq < x.base || (n >= minSparseCheck && uint64(x.live+1)*4 < n) {
		if x.far == nil {
			x.far = make(map[uint64]slot)
		}
		x.far[seq] = sl
		return
	}
	// No seq of the map may fall inside the window, where get would not
	// look for it: the seqs the window grows over come out of the map.
	for end := x.base + uint64(len(x.win)); end < seq; end++ {
		g, ok := x.far[end]
		if ok {
			delete(x.far, end)
			x.live++
		}
		x.push(g)
	}
	x.push(sl)
	x.live++
}

// reserve makes room for n entries in an empty index, so that a backlog
// restored in seq order is not copied as its window grows.
func (x *seqIndex) reserve(n int) {
	if x.len() == 0 && cap(x.arr) < n {
		x.arr = make([]slot, 0, n)
		x.win = x.arr[:0]
	}
}

// push appends to the window. A queue that is settled from the front
// leaves free slots before the window in its array; the window moves back
// down over them rather than growing into a new array, so a queue that
// keeps draining does not allocate for every message. Moving only while
// the window fills at most three quarters of the array keeps the copying
// to a few slots per message.
func (x *seqIndex) push(sl slot) {
	if len(x.win) == cap(x.win) && len(x.win) <= cap(x.arr)*3/4 {
		x.win = x.arr[:copy(x.arr[:cap(x.arr)], x.win)]
	}
	if len(x.win) < cap(x.win) {
		x.win = append(x.win, sl)
		return
	}
	x.win = append(x.win, sl) // a new array, the window at its start
	x.arr = x.win[:0]
}

// spill moves the window's entries to the map and empties the window.
func (x *seqIndex) spill() {
	if x.far == nil {
		x.far = make(map[uint64]slot, x.live)
	}
	for i, sl := range x.win {
		if sl.used {
			x.far[x.base+uint64(i)] = sl
		}
	}
	x.win, x.live = x.arr[:0], 0
}

func (x *seqIndex) del(seq uint64) {
	if seq >= x.base && seq-x.base < uint64(len(x.win)) {
		i := seq - x.base
		if !x.win[i].used {
			return
		}
		x.win[i] = slot{}
		x.live--
		if i == 0 {
			x.trimFront()
		}
		return
	}
	delete(x.far, seq)
}

// trimFront drops the holes at the window's front (push reuses the space).
// An empty window starts again at its array's start, or, if the array is
// a large backlog's, lets go of it.
func (x *seqIndex) trimFront() {
	if x.live == 0 {
		x.base += uint64(len(x.win))
		if cap(x.arr) > maxKeptArray {
			x.arr = nil
		}
		x.win = x.arr[:0]
		return
	}
	n := 0
	for !x.win[n].used {
		n++
	}
	x.win, x.base = x.win[n:], x.base+uint64(n)
}

// all yields every reference: the window's in ascending seq, then the
// map's in no order. The loop body may delete any seq (all reads the
// window by seq, so a trimmed front is skipped, not misread), but must not
// set one.
func (x *seqIndex) all() iter.Seq2[uint64, slot] {
	return func(yield func(uint64, slot) bool) {
		for seq := x.base; ; seq++ {
			seq = max(seq, x.base)
			if seq-x.base >= uint64(len(x.win)) {
				break
			}
			if sl := x.win[seq-x.base]; sl.used && !yield(seq, sl) {
				return
			}
		}
		for seq, sl := range x.far {
			if !yield(seq, sl) {
				return
			}
		}
	}
}
