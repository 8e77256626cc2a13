package stomp_test

import (
	"flag"
	"os"
	"testing"
)

// TestMain raises the default parallelism: the tests wait on the broker
// (heart-beat timeouts, quiet periods), not on a CPU. An explicit -parallel
// wins.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", "32")
	}
	os.Exit(m.Run())
}
