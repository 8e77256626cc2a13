package jms

import (
	"os/exec"
	"sort"
	"sync"
	"testing"

	"github.com/junctionmq/junction/test/javatest"
)

// javaEnv is a JDK and a classpath holding the compiled suite, the
// ActiveMQ jars and slf4j-simple.
type javaEnv struct{ *javatest.Env }

var suite = &javatest.Program{Name: "jms-suite", Sources: "java/*.java", Jars: javatest.BrokerJars,
	Runtime: []string{javatest.SLF4JSimple}}

// setupJava compiles the suite once per process (and once per source
// version across runs), skipping the test when no JDK or no ActiveMQ jars
// are installed.
func setupJava(t *testing.T) *javaEnv {
	t.Helper()
	return &javaEnv{suite.Env(t)}
}

// command builds a JVM command for one of the suite's main classes.
func (e *javaEnv) command(props map[string]string, class string, args ...string) *exec.Cmd {
	full := []string{"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		full = append(full, "-D"+k+"="+props[k])
	}
	full = append(full, class)
	full = append(full, args...)
	return e.Command(full...)
}

// tail keeps the last bytes written to it, for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailMax = 8 << 10

func (w *tail) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if len(w.buf) > tailMax {
		w.buf = append([]byte(nil), w.buf[len(w.buf)-tailMax:]...)
	}
	return len(p), nil
}

func (w *tail) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}
