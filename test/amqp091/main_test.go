package amqp091_test

import (
	"flag"
	"os"
	"testing"
)

// TestMain raises the default parallelism: the tests spend their time
// waiting on a broker (TTLs, heartbeats, quiet periods), not on a CPU, so
// running GOMAXPROCS of them at a time would only make the suite slow. An
// explicit -parallel wins.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", "32")
	}
	os.Exit(m.Run())
}
