package durability

import (
	"bufio"
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
	"time"
)

// jvmDeadline bounds one scenario JVM; a broker that hangs every
// scenario still fails the test in time.
const jvmDeadline = 2 * time.Minute

// JMS durability through the unchanged ActiveMQ 5.17 client (Debian's
// libactivemq-java): persistent messages with every header and property
// type, redelivery flags and counts, local transactions, durable
// subscriptions with a selector, and XA transactions prepared before the
// restart (java/*.java; each scenario is a subtest).
func TestJMSStateSurvivesRestart(t *testing.T) {
	cp := jmsClasspath(t)
	bothModes(t, func(t *testing.T, b *broker) {
		runJMS(t, b, cp)
	})
}

// runJMS runs the scenario JVM: it prints RESTART-NOW once every
// scenario's first half ran, and gets the restarted broker's URL back.
func runJMS(t *testing.T, b *broker, classpath string) {
	cmd := exec.Command("java", "-cp", classpath, "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
		"jmsdurability.DurabilityJms", b.openwireURL())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("JVM stdout: %v", err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("JVM stdin: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the JVM: %v", err)
	}
	timer := time.AfterFunc(jvmDeadline, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()

	var plan, stray []string
	verdicts := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		verb, rest, _ := strings.Cut(line, " ")
		switch verb {
		case "PLAN":
			plan = strings.Fields(rest)
		case "RESTART-NOW":
			b.restart()
			if _, err := fmt.Fprintf(stdin, "RESTARTED %s\n", b.openwireURL()); err != nil {
				t.Errorf("answer RESTART-NOW: %v", err)
			}
		case "PASS", "FAIL":
			name, reason, _ := strings.Cut(rest, ": ")
			verdicts[name] = verb + " " + reason
		default:
			stray = append(stray, line)
		}
	}
	_ = stdin.Close()
	waitErr := cmd.Wait()
	if len(plan) == 0 {
		t.Fatalf("the JVM printed no plan (%v)\nstdout:\n%s\nstderr:\n%s", waitErr, strings.Join(stray, "\n"), stderr.String())
	}
	for _, n := range plan {
		t.Run(n, func(t *testing.T) {
			v, ok := verdicts[n]
			switch {
			case !ok:
				t.Errorf("no verdict: the JVM ended (%v) first\nstderr:\n%s", waitErr, tailOf(stderr.String()))
			case strings.HasPrefix(v, "FAIL"):
				t.Error(strings.TrimPrefix(v, "FAIL "))
			}
		})
	}
}

func tailOf(s string) string {
	if len(s) > 4000 {
		return "..." + s[len(s)-4000:]
	}
	return s
}

var (
	jmsOnce  sync.Once
	jmsCP    string
	jmsSkip  string
	jmsError error
)

// jmsClasspath compiles java/*.java once per source version (cached under
// the user cache directory) and returns the classpath, or skips the test
// without a JDK or the ActiveMQ jars.
func jmsClasspath(t *testing.T) string {
	t.Helper()
	jmsOnce.Do(func() { jmsCP, jmsSkip, jmsError = compileJMS() })
	if jmsSkip != "" {
		t.Skip(jmsSkip)
	}
	if jmsError != nil {
		t.Fatal(jmsError)
	}
	return jmsCP
}

func compileJMS() (classpath, skip string, err error) {
	if _, err := exec.LookPath("javac"); err != nil {
		return "", "javac not found: install a JDK (Debian: default-jdk-headless) for the JMS durability scenarios", nil
	}
	jars := os.Getenv("JMS_CLASSPATH")
	if jars == "" {
		if _, err := os.Stat("/usr/share/activemq/lib/activemq-client.jar"); err != nil {
			return "", "ActiveMQ jars not found: install Debian's activemq package or set JMS_CLASSPATH", nil
		}
		jars = "/usr/share/activemq/lib/*"
	}
	sources, err := filepath.Glob("java/*.java")
	if err != nil || len(sources) == 0 {
		return "", "", fmt.Errorf("find test/durability/java/*.java: %v (found %d)", err, len(sources))
	}
	sort.Strings(sources)
	h := sha256.New()
	fmt.Fprintln(h, jars)
	for _, s := range sources {
		src, err := os.ReadFile(s)
		if err != nil {
			return "", "", fmt.Errorf("read %s: %w", s, err)
		}
		fmt.Fprintf(h, "%s %d\n", s, len(src))
		h.Write(src)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	root := filepath.Join(base, "junction", "durability-jms-classes")
	dir := filepath.Join(root, hex.EncodeToString(h.Sum(nil))[:16])
	classpath = strings.Join([]string{dir, jars, "/usr/share/java/slf4j-simple.jar"}, string(os.PathListSeparator))
	if _, err := os.Stat(filepath.Join(dir, "jmsdurability", "DurabilityJms.class")); err == nil {
		return classpath, "", nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", "", fmt.Errorf("class cache: %w", err)
	}
	tmp, err := os.MkdirTemp(root, "build-*")
	if err != nil {
		return "", "", fmt.Errorf("class cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	out, err := exec.Command("javac", append([]string{"-nowarn", "-encoding", "UTF-8", "-cp", jars, "-d", tmp}, sources...)...).CombinedOutput()
	if err != nil {
		return "", "", fmt.Errorf("javac: %v\n%s", err, out)
	}
	// A concurrent run may have filled the cache first; its classes do.
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, "jmsdurability", "DurabilityJms.class")); serr != nil {
			return "", "", fmt.Errorf("class cache %s: %w", dir, err)
		}
	}
	return classpath, "", nil
}
