package selector

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/junctionmq/junction/test/javatest"
)

// verdicts runs ActiveMQ's own selector engine, from Debian's
// libactivemq-java, over a cases file.
var verdicts = &javatest.Program{Name: "selector-verdicts", Sources: "testdata/java/SelectorVerdicts.java",
	Jars: javatest.ClientJars}

// TestActiveMQVerdictsAreCurrent reruns ActiveMQ's own selector engine
// over testdata/cases.txt and checks the result is byte-for-byte the
// checked-in golden file. Set SELECTOR_UPDATE_GOLDEN=1 to rewrite the
// golden file instead (after adding cases).
func TestActiveMQVerdictsAreCurrent(t *testing.T) {
	got := runActiveMQ(t, casesPath)
	if os.Getenv("SELECTOR_UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
			t.Fatalf("update golden file: %v", err)
		}
		t.Logf("rewrote %s", goldenPath)
		return
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("read golden file: %v", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(gl) && i < len(wl); i++ {
		if gl[i] != wl[i] {
			t.Fatalf("%s is stale at line %d:\n ActiveMQ now: %s\n checked in:   %s\nrerun with SELECTOR_UPDATE_GOLDEN=1", goldenPath, i+1, gl[i], wl[i])
		}
	}
	t.Fatalf("%s is stale: ActiveMQ produced %d lines, file has %d; rerun with SELECTOR_UPDATE_GOLDEN=1", goldenPath, len(gl), len(wl))
}

// runActiveMQ runs testdata/java/SelectorVerdicts.java over a cases file
// and returns its output, skipping the test when Java or the ActiveMQ jars
// are not installed.
func runActiveMQ(t *testing.T, cases string) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping the Java cross-check in -short mode")
	}
	env := verdicts.Env(t)
	cmd := env.Command("SelectorVerdicts", cases)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("java SelectorVerdicts %s: %v\n%s", cases, err, stderr.String())
	}
	return out
}
