package durability

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/junctionmq/junction/test/crash/junctionproc"
)

// binDir holds the junction binary built for the crash-mode subtests.
var binDir string

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// junctionBin builds ./cmd/junction once per test process.
func junctionBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() { binPath, buildErr = junctionproc.Build(binDir) })
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "junction-durability-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, "durability: temp dir for the junction binary:", err)
		os.Exit(2)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
