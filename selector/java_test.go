package selector

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// javaLib holds the jars of the Debian package libactivemq-java and its
// dependencies.
const javaLib = "/usr/share/java"

var harnessJars = []string{
	"activemq-client.jar", "geronimo-jms_1.1_spec.jar", "hawtbuf.jar",
	"slf4j-api.jar", "slf4j-nop.jar",
}

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
	javac, err := exec.LookPath("javac")
	if err != nil {
		t.Skip("javac not found; install a JDK to run ActiveMQ's selector engine (the golden test still runs)")
	}
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("java not found; install a JDK to run ActiveMQ's selector engine")
	}
	var cp []string
	for _, jar := range harnessJars {
		p := filepath.Join(javaLib, jar)
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s missing; install the Debian package libactivemq-java to run ActiveMQ's selector engine", p)
		}
		cp = append(cp, p)
	}
	out := t.TempDir()
	run := func(name string, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(name, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
		}
		return stdout
	}
	run(javac, "-d", out, "-cp", strings.Join(cp, ":"), "testdata/java/SelectorVerdicts.java")
	return run(java, "-cp", strings.Join(append([]string{out}, cp...), ":"), "SelectorVerdicts", cases)
}
