package crash

import (
	"strings"
	"testing"

	"github.com/junctionmq/junction/test/crash/junctionproc"
)

// The crash tests' knobs share the broker's JUNCTION_ prefix, and the
// broker refuses a JUNCTION_ variable that names no setting: the long form
// (JUNCTION_LONG=1) and every replay (JUNCTION_CRASH_SEED=…) once stopped
// every broker these tests start. A setting left in the shell must not
// reach the broker either: it would change what a crash test proves
// (here an invalid one, which the broker would refuse if it got it).
func TestBrokersStartedForTestsIgnoreTheTestProcessesJunctionVariables(t *testing.T) {
	t.Setenv("JUNCTION_LONG", "1")
	t.Setenv("JUNCTION_CRASH_SEED", "42")
	t.Setenv("JUNCTION_STORE_SYNC", "never")
	p, err := junctionproc.Start(junctionproc.Options{Bin: junctionBin(t), DataDir: t.TempDir(), AMQP: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("broker did not start with test knobs in the environment: %v", err)
	}
	defer p.Kill()
	if p.Addr("amqp") == "" {
		t.Fatalf("broker started without its AMQP listener; log:\n%s", p.Log())
	}
}

func TestBrokersStartedForTestsGetTheSettingsTheyAreGiven(t *testing.T) {
	_, err := junctionproc.Start(junctionproc.Options{Bin: junctionBin(t), DataDir: t.TempDir(), AMQP: "127.0.0.1:0",
		Env: []string{"JUNCTION_STORE_SYNC=never"}})
	if err == nil || !strings.Contains(err.Error(), "JUNCTION_STORE_SYNC") {
		t.Fatalf("a broker given JUNCTION_STORE_SYNC=never started or failed for another reason: %v", err)
	}
}
