package crash

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/junctionmq/junction/test/crash/junctionproc"
)

var junction junctionproc.Binary

func junctionBin(t *testing.T) string { return junction.Path(t) }

func TestMain(m *testing.M) {
	code := m.Run()
	junction.Remove()
	os.Exit(code)
}

// long reports whether the long form was asked for (JUNCTION_LONG=1).
func long() bool { return os.Getenv("JUNCTION_LONG") != "" }

// envInt reads a positive integer from the environment, or returns def.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// newRand seeds a test's randomness from JUNCTION_CRASH_SEED, or from the
// clock, and logs the seed so that a failure can be replayed.
func newRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("JUNCTION_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("JUNCTION_CRASH_SEED=%q: %v", v, err)
		}
		seed = n
	}
	t.Logf("seed %d (replay with JUNCTION_CRASH_SEED=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}
