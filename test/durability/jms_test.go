package durability

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/junctionmq/junction/test/javatest"
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

var jmsProgram = &javatest.Program{Name: "durability-jms-classes", Sources: "java/*.java",
	Jars: javatest.BrokerJars, Runtime: []string{javatest.SLF4JSimple}}

// jmsClasspath compiles java/*.java once per source version (cached under
// the user cache directory) and returns the classpath, or skips the test
// without a JDK or the ActiveMQ jars.
func jmsClasspath(t *testing.T) string {
	t.Helper()
	return jmsProgram.Env(t).Classpath
}
