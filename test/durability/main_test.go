package durability

import (
	"os"
	"testing"

	"github.com/junctionmq/junction/test/crash/junctionproc"
)

var junction junctionproc.Binary

func junctionBin(t *testing.T) string { return junction.Path(t) }

func TestMain(m *testing.M) {
	code := m.Run()
	junction.Remove()
	os.Exit(code)
}
