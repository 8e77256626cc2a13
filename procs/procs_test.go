package procs

import (
	"io"
	"log/slog"
	"runtime"
	"slices"
	"testing"
	"time"
)

// feed gives the governor the same load for n ticks and returns the P
// counts it answered.
func feed(g *governor, cores float64, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = g.observe(cores)
	}
	return out
}

func at(n, max int) *governor {
	g := newGovernor(max)
	g.n = n
	return g
}

func TestTwoSaturatedTicksInARowDoubleThePsUpToTheRuntimeDefault(t *testing.T) {
	g := at(1, 6)
	if got := feed(g, 0.95, 2); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("one P at 0.95 cores for two ticks: %v, want [1 2]", got)
	}
	if got := feed(g, 1.9, 2); !slices.Equal(got, []int{2, 4}) {
		t.Fatalf("two Ps at 1.9 cores: %v, want [2 4]", got)
	}
	if got := feed(g, 3.8, 4); !slices.Equal(got, []int{4, 6, 6, 6}) {
		t.Fatalf("four Ps at 3.8 cores: %v, want [4 6 6 6] (capped at 6)", got)
	}
}

func TestASingleBusyTickDoesNotAddPs(t *testing.T) {
	g := at(1, 2)
	for i, c := range []float64{0.95, 0.3, 0.95, 0.5, 0.99, 0.2} {
		if n := g.observe(c); n != 1 {
			t.Fatalf("tick %d (%.2f cores, no two busy ticks in a row): %d Ps, want 1", i, c, n)
		}
	}
}

func TestALightLoadRemovesOnePAfterAFullWindow(t *testing.T) {
	g := at(2, 2)
	got := feed(g, 0.5, window+5)
	for i, n := range got {
		want := 2
		if i >= window-1 {
			want = 1
		}
		if n != want {
			t.Fatalf("tick %d at 0.5 cores: %d Ps, want %d (all: %v)", i, n, want, got)
		}
	}
	if got := feed(g, 0, 3*window); slices.Max(got) != 1 || slices.Min(got) != 1 {
		t.Fatalf("idle at one P: %v, want 1 throughout", got)
	}
}

func TestALoadOneFewerPCouldNotCarryKeepsThePs(t *testing.T) {
	g := at(2, 2)
	if got := feed(g, 0.85, 10*window); slices.Min(got) != 2 {
		t.Fatalf("two Ps at 0.85 cores (above 0.8 of one P): went down to %d", slices.Min(got))
	}
}

func TestPsComeOffOneAWindowUntilTheLoadFillsThem(t *testing.T) {
	g := at(8, 8)
	got := feed(g, 3.0, 6*window)
	// 3 cores fit 0.8 of 7, 6, 5 and 4 Ps, not of 3.
	for k, want := range []int{8, 7, 6, 5, 4, 4} {
		if n := got[k*window+window/2]; n != want {
			t.Errorf("window %d at 3 cores: %d Ps, want %d", k, n, want)
		}
	}
}

func TestNoPComesOffUntilTheCooldownAfterAddingOnes(t *testing.T) {
	g := at(1, 2)
	feed(g, 0.95, hotTicks)
	if g.n != 2 {
		t.Fatalf("after %d busy ticks: %d Ps, want 2", hotTicks, g.n)
	}
	got := feed(g, 0.1, cooldown)
	for i, n := range got[:cooldown-1] {
		if n != 2 {
			t.Fatalf("idle tick %d after scaling up (cooldown %d): %d Ps, want 2", i, cooldown, n)
		}
	}
	if got[cooldown-1] != 1 {
		t.Errorf("idle tick %d, the last of the cooldown: %d Ps, want 1", cooldown-1, got[cooldown-1])
	}
}

func TestRunTurnsCPUTimeIntoCoresAndAppliesChanges(t *testing.T) {
	// The process used 0.5 s of CPU per second at first (half a core),
	// then 1.9 s per second.
	var used time.Duration
	rate := 500 * time.Millisecond
	// run reads the CPU time once at the start and once per tick; each
	// read is awaited, so the test and run take turns.
	read := make(chan struct{}, 1)
	cpu := func() time.Duration {
		v := used
		read <- struct{}{}
		return v
	}
	var set []int
	ticks := make(chan time.Time)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		run(at(2, 2), cpu, func(n int) int { set = append(set, n); return 0 }, ticks, done,
			slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	<-read
	now := time.Now()
	step := func(n int) {
		for range n {
			now = now.Add(tick)
			used += rate / 10
			ticks <- now
			<-read
		}
	}
	step(window + 1)
	rate = 1900 * time.Millisecond
	step(hotTicks + 1)
	close(done)
	<-finished
	if !slices.Equal(set, []int{1, 2}) {
		t.Fatalf("GOMAXPROCS set to %v, want [1 2]: down at half a core, up at 1.9 cores", set)
	}
}

// idleUnchanged starts the governor with the environment's GOMAXPROCS set
// to env, idles for longer than a scale-down takes and reports whether
// GOMAXPROCS stayed as it was.
func idleUnchanged(t *testing.T, enabled bool, env string) {
	t.Helper()
	t.Setenv("GOMAXPROCS", env)
	before := runtime.GOMAXPROCS(0)
	if before < 2 {
		t.Skip("one CPU: the governor would leave GOMAXPROCS alone for that reason alone")
	}
	stop := Start(enabled, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer stop()
	time.Sleep(window*tick + 5*tick)
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("enabled %v, GOMAXPROCS=%q in the environment: governor changed %d Ps to %d", enabled, env, before, got)
	}
}

func TestStartLeavesAnOperatorsGOMAXPROCSAlone(t *testing.T) { idleUnchanged(t, true, "2") }

func TestDisabledGovernorDoesNothing(t *testing.T) { idleUnchanged(t, false, "") }

func TestAnIdleProcessDropsAPAndStopRestoresThem(t *testing.T) {
	t.Setenv("GOMAXPROCS", "")
	max := runtime.GOMAXPROCS(0)
	if max < 2 {
		t.Skip("one CPU: the governor has nothing to take away")
	}
	stop := Start(true, slog.New(slog.NewTextHandler(io.Discard, nil)))
	deadline := time.Now().Add(window*tick + 3*time.Second)
	for runtime.GOMAXPROCS(0) == max && time.Now().Before(deadline) {
		time.Sleep(tick)
	}
	if got := runtime.GOMAXPROCS(0); got != max-1 {
		t.Errorf("idle for %v: GOMAXPROCS %d, want %d (one fewer than %d)", window*tick, got, max-1, max)
	}
	stop()
	if got := runtime.GOMAXPROCS(0); got != max {
		t.Errorf("after stop: GOMAXPROCS %d, want the %d the process started with", got, max)
	}
}
