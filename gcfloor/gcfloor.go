// Package gcfloor keeps the Go garbage collector from running flat out
// while the live heap is small.
//
// A broker moving small transient messages allocates fast but keeps few of
// them alive: with the default GOGC of 100 and a live heap of a few
// megabytes, the collector runs hundreds of times a second, and every cycle
// hands pages back to the OS only for the next allocations to fault them in
// again. A floor under the heap goal (the collector may let the heap grow
// to at least the floor before it runs) removes that churn at the price of
// at most the floor in extra memory; above the floor the user's GOGC rules
// unchanged. It is the "GC tuner" of large Go services, done with the
// runtime's own knobs: after each cycle the GC percent is set so that the
// next goal is max(floor, live × (1 + GOGC/100)).
package gcfloor

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// runtimeHeapMinimum is the runtime's smallest heap goal at GOGC=100. The
// runtime scales it with the GC percent, so a percent above
// floor/runtimeHeapMinimum × 100 would put the goal above the floor
// however small the live heap.
const runtimeHeapMinimum = 4 << 20

var (
	mu      sync.Mutex
	running *tuner
)

type tuner struct {
	floor   uint64
	base    int // the GC percent the process had (GOGC), restored on stop
	current int
	stopped bool
	sample  []metrics.Sample
}

// Start keeps the heap goal at floor bytes or more until the returned stop
// is called; stop restores the GC percent the process had. The setting is
// process-wide, so a second Start replaces the first. floor 0, or a
// process run with GOGC=off, does nothing.
func Start(floor uint64) (stop func()) {
	mu.Lock()
	defer mu.Unlock()
	if running != nil {
		running.stopLocked()
	}
	base := debug.SetGCPercent(100)
	debug.SetGCPercent(base)
	if floor == 0 || base < 0 {
		return func() {}
	}
	t := &tuner{floor: floor, base: base, current: base,
		sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	running = t
	t.adjustLocked()
	t.arm()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		t.stopLocked()
	}
}

func (t *tuner) stopLocked() {
	if t.stopped {
		return
	}
	t.stopped = true
	debug.SetGCPercent(t.base)
	if running == t {
		running = nil
	}
}

// sentinel is an object only the runtime's cleanup refers to: it becomes
// unreachable at once, so its cleanup runs after the next collection. It
// is larger than the tiny allocator's 16 bytes, whose objects share a block
// and may never be collected alone.
type sentinel struct{ _ [32]byte }

func (t *tuner) arm() {
	runtime.AddCleanup(new(sentinel), func(t *tuner) { t.afterGC() }, t)
}

func (t *tuner) afterGC() {
	mu.Lock()
	defer mu.Unlock()
	if t.stopped {
		return
	}
	t.adjustLocked()
	t.arm()
}

// adjustLocked sets the GC percent for the live heap the last cycle
// measured. It leaves small changes alone: each call takes the heap lock.
func (t *tuner) adjustLocked() {
	metrics.Read(t.sample)
	if t.sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	p := Percent(t.floor, t.sample[0].Value.Uint64(), t.base)
	if p == t.current || (p > t.current && p < t.current+t.current/10) || (p < t.current && p > t.current-t.current/10) {
		return
	}
	t.current = p
	debug.SetGCPercent(p)
}

// Percent is the GC percent that puts the next heap goal at floor for a
// live heap of live bytes, and never below base (the user's GOGC). Before
// the first cycle the live heap reads 0: that is not a measurement, and
// the largest percent would let the heap grow a hundredfold past its
// initial 4 MB goal, so base stands until a cycle has measured.
func Percent(floor, live uint64, base int) int {
	if live == 0 || live >= floor {
		return base
	}
	p := math.Min(float64(floor)/float64(live)*100-100, float64(floor)/runtimeHeapMinimum*100)
	if int(p) < base {
		return base
	}
	return int(p)
}
