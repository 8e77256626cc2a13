package gcfloor

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercentPutsTheNextGoalAtTheFloor(t *testing.T) {
	for _, c := range []struct {
		floor, live uint64
		base, want  int
	}{
		{floor: 64 << 20, live: 8 << 20, base: 100, want: 700},
		{floor: 64 << 20, live: 64 << 20, base: 100, want: 100},
		{floor: 64 << 20, live: 1 << 30, base: 100, want: 100},
		{floor: 64 << 20, live: 40 << 20, base: 100, want: 100}, // 60% would be below GOGC
		{floor: 64 << 20, live: 40 << 20, base: 50, want: 60},
		{floor: 64 << 20, live: 3 << 20, base: 100, want: 1600},
		{floor: 64 << 20, live: 1 << 10, base: 100, want: 1600}, // the runtime scales its 4 MB minimum goal by the percent
		{floor: 64 << 20, live: 0, base: 100, want: 100},        // no cycle has measured yet
	} {
		if got := Percent(c.floor, c.live, c.base); got != c.want {
			t.Errorf("Percent(floor %d, live %d, base %d) = %d, want %d", c.floor, c.live, c.base, got, c.want)
		}
	}
}

func gogc() int64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

func TestStartRaisesThePercentForASmallHeapAndStopRestoresIt(t *testing.T) {
	before := gogc()
	stop := Start(1 << 30) // far above this test binary's live heap
	raised := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		runtime.GC()
		if gogc() > before {
			raised = true
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !raised {
		t.Fatalf("GC percent stayed %d with a 1 GiB floor", gogc())
	}
	stop()
	if got := gogc(); got != before {
		t.Fatalf("after stop GC percent is %d, want %d", got, before)
	}
	runtime.GC()
	time.Sleep(20 * time.Millisecond)
	if got := gogc(); got != before {
		t.Fatalf("a cycle after stop set GC percent to %d, want %d", got, before)
	}
}

func TestZeroFloorChangesNothing(t *testing.T) {
	before := gogc()
	stop := Start(0)
	runtime.GC()
	time.Sleep(20 * time.Millisecond)
	if got := gogc(); got != before {
		t.Fatalf("GC percent %d with floor 0, want %d", got, before)
	}
	stop()
}

func TestThePercentFollowsTheLiveHeapBackToGOGC(t *testing.T) {
	before := gogc()
	stop := Start(32 << 20)
	defer stop()
	waitFor := func(what string, ok func(int64) bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
			runtime.GC()
			if ok(gogc()) {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("%s: GC percent is %d", what, gogc())
	}
	waitFor("small heap", func(p int64) bool { return p > before })
	// Live data beyond the floor: the next cycles must hand control back
	// to GOGC, which only happens if the tuner re-arms after every cycle.
	live := make([][]byte, 48)
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	waitFor("heap above the floor", func(p int64) bool { return p == before })
	runtime.KeepAlive(live)
}
