package jms

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// javaEnv is a JDK and a classpath holding the compiled suite and the
// ActiveMQ jars.
type javaEnv struct {
	java      string
	classpath string
}

// jarsFromDebian lists the jars of Debian's libactivemq-java (plus what the
// client and an embedded broker need) when package activemq's lib directory,
// which gathers them, is absent.
var jarsFromDebian = []string{
	"activemq-client.jar", "activemq-broker.jar", "activemq-kahadb-store.jar", "activemq-jaas.jar",
	"activemq-openwire-legacy.jar", "activemq-protobuf.jar", "geronimo-jms_1.1_spec.jar",
	"geronimo-j2ee-management-1.1-spec.jar", "geronimo-jta-1.2-spec.jar", "hawtbuf.jar", "slf4j-api.jar",
}

// activeMQJars returns the classpath of the ActiveMQ jars: JMS_CLASSPATH if
// set, else package activemq's lib directory, else the jars of
// libactivemq-java; "" if none is installed.
func activeMQJars() string {
	if cp := os.Getenv("JMS_CLASSPATH"); cp != "" {
		return cp
	}
	if _, err := os.Stat("/usr/share/activemq/lib/activemq-broker.jar"); err == nil {
		return "/usr/share/activemq/lib/*"
	}
	var parts []string
	for _, j := range jarsFromDebian {
		p := filepath.Join("/usr/share/java", j)
		if _, err := os.Stat(p); err != nil {
			if j == "activemq-client.jar" || j == "geronimo-jms_1.1_spec.jar" {
				return ""
			}
			continue
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, string(os.PathListSeparator))
}

// slf4jBinding sends ActiveMQ's log to stderr (at the level given with
// -Dorg.slf4j.simpleLogger.defaultLogLevel) instead of nowhere.
const slf4jBinding = "/usr/share/java/slf4j-simple.jar"

var (
	compileOnce sync.Once
	compiled    *javaEnv
	compileErr  string // a reason to skip
	compileFail error  // a reason to fail
)

// setupJava compiles the suite once per process (and once per source
// version across runs: the classes are cached under a hash of the sources),
// skipping the test when no JDK or no ActiveMQ jars are installed.
func setupJava(t *testing.T) *javaEnv {
	t.Helper()
	compileOnce.Do(func() { compiled, compileErr, compileFail = compile() })
	if compileErr != "" {
		t.Skip(compileErr)
	}
	if compileFail != nil {
		t.Fatal(compileFail)
	}
	return compiled
}

func compile() (*javaEnv, string, error) {
	javac, err := exec.LookPath("javac")
	if err != nil {
		return nil, "javac not found: install a JDK (Debian: default-jdk-headless) to run the JMS suite", nil
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, "java not found: install a JDK (Debian: default-jdk-headless) to run the JMS suite", nil
	}
	jars := activeMQJars()
	if jars == "" {
		return nil, "ActiveMQ jars not found: install Debian packages libactivemq-java and activemq, or set JMS_CLASSPATH", nil
	}
	sources, err := filepath.Glob("java/*.java")
	if err != nil || len(sources) == 0 {
		return nil, "", fmt.Errorf("find the Java sources in test/jms/java: %v (found %d)", err, len(sources))
	}
	sort.Strings(sources)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", javac, jars)
	for _, s := range sources {
		b, err := os.ReadFile(s)
		if err != nil {
			return nil, "", fmt.Errorf("read %s: %w", s, err)
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(s), len(b))
		h.Write(b)
	}
	key := hex.EncodeToString(h.Sum(nil))[:16]
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	root := filepath.Join(base, "junction", "jms-classes")
	dir := filepath.Join(root, key)
	env := &javaEnv{java: java, classpath: strings.Join([]string{dir, jars, slf4jBinding}, string(os.PathListSeparator))}
	if _, err := os.Stat(filepath.Join(dir, "jmssuite", "JmsSuite.class")); err == nil {
		return env, "", nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, "", fmt.Errorf("class cache %s: %w", root, err)
	}
	tmp, err := os.MkdirTemp(root, key+".tmp*")
	if err != nil {
		return nil, "", fmt.Errorf("class cache %s: %w", root, err)
	}
	defer os.RemoveAll(tmp)
	args := append([]string{"-nowarn", "-encoding", "UTF-8", "-cp", jars, "-d", tmp}, sources...)
	var out bytes.Buffer
	cmd := exec.Command(javac, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, "", fmt.Errorf("javac %s: %v\n%s", strings.Join(sources, " "), err, out.String())
	}
	// Another process may have finished the same compilation first; its
	// classes are as good as ours.
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "jmssuite", "JmsSuite.class")); statErr != nil {
			return nil, "", fmt.Errorf("class cache %s: %w", dir, err)
		}
	}
	return env, "", nil
}

// command builds a JVM command for one of the suite's main classes.
func (e *javaEnv) command(props map[string]string, class string, args ...string) *exec.Cmd {
	full := []string{"-cp", e.classpath, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"}
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
	return exec.Command(e.java, full...)
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
