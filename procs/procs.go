// Package procs sizes GOMAXPROCS to the CPU the broker actually uses.
//
// A broker moving messages between a few connections spends most of its
// time handing work between goroutines: a reader parks in the network
// poller, a writer is woken to flush, a queue wakes a consumer's session.
// With more Ps than the load needs, every such hand-off may wake an idle
// thread (the scheduler's spinning Ms), and a thread returning from a
// syscall may find its P taken by sysmon; on a virtual machine each of these
// costs a trip through the hypervisor. Measured on a 2-vCPU guest, one
// AMQP publisher and one consumer cost the broker 4.8 µs per message with
// two Ps and 3.8 µs with one, at a higher rate; the lean client's 1.4M
// msgs/s, which needs more than one core, was the same either way.
//
// So the governor starts with every P the runtime would use, and every
// tick compares the process's CPU time with the Ps it has: near saturation
// it doubles them at once (up to the runtime's own default), and after a
// stretch well below what one P fewer could carry it removes one. Scaling
// up is fast and scaling down slow, so a burst waits at most two ticks
// for more Ps and a steady load settles.
package procs

import (
	"log/slog"
	"os"
	"runtime"
	"syscall"
	"time"
)

const (
	// tick is how often CPU use is sampled; saturated Ps wait at most
	// hotTicks of them for help.
	tick = 100 * time.Millisecond
	// upAt: hotTicks ticks in a row in which the process used this
	// fraction of its Ps (in cores) double them. One tick is not enough: a
	// garbage collection or a burst of work may fill a single one.
	upAt     = 0.9
	hotTicks = 2
	// downAt: a window in which the process used at most this fraction of
	// one P fewer removes one.
	downAt = 0.8
	// window is how many ticks the average for scaling down spans.
	window = 20
	// cooldown is how many ticks after scaling up no scaling down happens,
	// so that a load which needed the Ps is seen using them.
	cooldown = 50
)

// governor decides, tick by tick, how many Ps to run. It holds no clock and
// touches no runtime state, so the rules can be tested alone.
type governor struct {
	n, max int
	recent []float64 // cores used in the ticks since the last change
	hot    int       // ticks in a row at upAt or above
	hold   int       // ticks left in which n may not go down
}

func newGovernor(max int) *governor {
	return &governor{n: max, max: max, recent: make([]float64, 0, window)}
}

// observe takes the cores the process used during one tick and returns the
// number of Ps for the next.
func (g *governor) observe(cores float64) int {
	if g.hold > 0 {
		g.hold--
	}
	if cores >= upAt*float64(g.n) {
		g.hot++
	} else {
		g.hot = 0
	}
	if g.hot >= hotTicks && g.n < g.max {
		g.n = min(g.max, 2*g.n)
		g.recent = g.recent[:0]
		g.hot = 0
		g.hold = cooldown
		return g.n
	}
	if len(g.recent) == window {
		copy(g.recent, g.recent[1:])
		g.recent = g.recent[:window-1]
	}
	g.recent = append(g.recent, cores)
	if g.n > 1 && g.hold == 0 && len(g.recent) == window {
		sum := 0.0
		for _, c := range g.recent {
			sum += c
		}
		if sum/window <= downAt*float64(g.n-1) {
			g.n--
			g.recent = g.recent[:0]
		}
	}
	return g.n
}

// Start runs the governor until the returned stop is called; stop gives the
// process back the Ps it started with. It does nothing when the process was
// started with GOMAXPROCS set (the operator chose), when the runtime would
// use one P anyway, or when enabled is false.
func Start(enabled bool, log *slog.Logger) (stop func()) {
	max := runtime.GOMAXPROCS(0)
	if !enabled || max < 2 {
		return func() {}
	}
	if v := os.Getenv("GOMAXPROCS"); v != "" {
		log.Info("GOMAXPROCS set in the environment; adaptive GOMAXPROCS is off", "gomaxprocs", max)
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(tick)
		defer t.Stop()
		run(newGovernor(max), cpuTime, runtime.GOMAXPROCS, t.C, done, log)
	}()
	return func() {
		close(done)
		<-finished
		runtime.GOMAXPROCS(max)
	}
}

// run samples cpu at every tick and applies the governor's answer with set.
func run(g *governor, cpu func() time.Duration, set func(int) int, ticks <-chan time.Time, done <-chan struct{}, log *slog.Logger) {
	lastCPU, lastAt := cpu(), time.Now()
	for {
		select {
		case <-done:
			return
		case now := <-ticks:
			used := cpu()
			wall := now.Sub(lastAt)
			if wall <= 0 || used < lastCPU {
				lastCPU, lastAt = used, now
				continue
			}
			cores := float64(used-lastCPU) / float64(wall)
			lastCPU, lastAt = used, now
			before := g.n
			if n := g.observe(cores); n != before {
				set(n)
				log.Debug("GOMAXPROCS changed", "from", before, "to", n, "cores_used", cores)
			}
		}
	}
}

// cpuTime is the user and system CPU time of the whole process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
