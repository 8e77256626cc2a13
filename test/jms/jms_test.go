package jms

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/servertest"
)

// scenarioTimeout is how long one scenario may take before the suite
// declares it stuck and closes its connections; suiteDeadline bounds a
// whole JVM, so a broker that hangs every scenario still fails in time.
const (
	scenarioTimeout = 20 * time.Second
	failoverTimeout = 40 * time.Second
	suiteDeadline   = 5 * time.Minute
)

// target is the broker under test.
type target struct {
	url   string
	props map[string]string // credentials and what the broker enforces
	// junction is set when the broker is an in-process Junction.
	junction *servertest.Broker
	// restart, if set, stops the broker and starts it again on the same port
	// and store (for the failover scenario); skip says why it is not set.
	restart func() error
	skip    string
}

// TestJMS runs the ordinary scenarios, in one JVM, against Junction or
// against the broker chosen with JMS_TEST_URL or JMS_TEST_ACTIVEMQ (see
// README.md); each scenario is a subtest.
func TestJMS(t *testing.T) {
	t.Parallel()
	env := setupJava(t)
	wanted := scenarioFilter()
	args := []string{"all"}
	if names := os.Getenv("JMS_TEST_SCENARIOS"); names != "" {
		args = nil
		for _, n := range strings.Split(names, ",") {
			if n = strings.TrimSpace(n); n != "" && n != "failover_restart" && n != "amqp_interop" {
				args = append(args, n)
			}
		}
	}
	if len(args) == 0 && !wanted("amqp_interop") {
		t.Skip("JMS_TEST_SCENARIOS selects no scenario of this test")
	}
	tg := newTarget(t, env, false)
	props := suiteProps(tg, scenarioTimeout)

	var side *interop
	if wanted("amqp_interop") {
		if tg.junction == nil {
			t.Run("amqp_interop", func(t *testing.T) {
				t.Skip("Junction only: checks that the AMQP side of the in-process broker sees the JMS queues")
			})
		} else {
			side = prepareInterop(t, tg.junction)
			props["jms.interop.to"] = side.to
			props["jms.interop.from"] = side.from
			args = append(args, "amqp_interop")
		}
	}
	if len(args) > 0 {
		runSuite(t, env, tg.url, props, args, nil)
	}
	if side != nil {
		t.Run("amqp_interop_amqp_side", side.check)
	}
}

// TestJMSFailover runs the failover scenario in a JVM of its own, against a
// broker of its own that it restarts when the scenario asks; it runs in
// parallel with TestJMS.
func TestJMSFailover(t *testing.T) {
	t.Parallel()
	if !scenarioFilter()("failover_restart") {
		t.Skip("JMS_TEST_SCENARIOS does not select failover_restart")
	}
	env := setupJava(t)
	tg := newTarget(t, env, true)
	if tg.restart == nil {
		t.Run("failover_restart", func(t *testing.T) { t.Skip(tg.skip) })
		return
	}
	runSuite(t, env, tg.url, suiteProps(tg, failoverTimeout), []string{"failover_restart"}, tg.restart)
}

func suiteProps(tg *target, timeout time.Duration) map[string]string {
	props := map[string]string{"jms.timeout": fmt.Sprint(int(timeout.Seconds()))}
	for k, v := range tg.props {
		props[k] = v
	}
	if os.Getenv("JMS_TEST_TRACE") != "" {
		props["jms.trace"] = "true"
	}
	return props
}

// scenarioFilter reports whether JMS_TEST_SCENARIOS (a comma-separated list;
// empty means all) selects a scenario.
func scenarioFilter() func(string) bool {
	names := os.Getenv("JMS_TEST_SCENARIOS")
	if names == "" {
		return func(string) bool { return true }
	}
	set := map[string]bool{}
	for _, n := range strings.Split(names, ",") {
		set[strings.TrimSpace(n)] = true
	}
	return func(n string) bool { return set[n] }
}

// newTarget starts (or names) the broker under test; restartable asks for
// one the test may restart, with a persistent store.
func newTarget(t *testing.T, env *javaEnv, restartable bool) *target {
	t.Helper()
	user, pass := os.Getenv("JMS_TEST_USER"), os.Getenv("JMS_TEST_PASSWORD")
	if user == "" {
		user, pass = "guest", "guest"
	}
	props := map[string]string{"jms.user": user, "jms.password": pass, "jms.auth": "true"}
	if os.Getenv("JMS_TEST_NOAUTH") != "" {
		props["jms.auth"] = "false"
	}
	switch {
	case os.Getenv("JMS_TEST_URL") != "":
		return &target{url: os.Getenv("JMS_TEST_URL"), props: props,
			skip: "JMS_TEST_URL names a broker this test cannot restart"}
	case os.Getenv("JMS_TEST_ACTIVEMQ") != "":
		if !restartable {
			a := startActiveMQ(t, env, "main:mem")
			return &target{url: a.urls["main"], props: props}
		}
		a := startActiveMQ(t, env, "failover:kahadb:"+t.TempDir())
		return &target{url: a.urls["failover"], props: props, restart: func() error { return a.restart("failover") }}
	}
	if restartable {
		url, restart := restartableJunction(t)
		return &target{url: url, props: props, restart: restart}
	}
	b := servertest.Start(t, func(c *config.Config) { c.Listeners.OpenWire = "127.0.0.1:0" })
	addr := b.Addr("openwire")
	if addr == nil {
		t.Skip("this Junction build has no OpenWire listener; JMS_TEST_ACTIVEMQ=1 runs the suite against ActiveMQ")
	}
	return &target{url: "tcp://" + addr.String(), props: props, junction: b}
}

// restartableJunction starts a Junction for the failover scenario, with a
// data directory that outlives it, and returns its OpenWire URL and a
// function that replaces it with a fresh one on the same port and data.
func restartableJunction(t *testing.T) (string, func() error) {
	dir := t.TempDir()
	start := func(addr string) *servertest.Broker {
		return servertest.Start(t, func(c *config.Config) {
			c.DataDir = dir
			c.Listeners.OpenWire = addr
		})
	}
	b := start("127.0.0.1:0")
	if b.Addr("openwire") == nil {
		t.Skip("this Junction build has no OpenWire listener; JMS_TEST_ACTIVEMQ=1 runs the suite against ActiveMQ")
	}
	addr := b.Addr("openwire").String()
	return "tcp://" + addr, func() error {
		b.Close()
		b = start(addr)
		if b.Addr("openwire") == nil {
			return fmt.Errorf("restarted Junction has no OpenWire listener on %s", addr)
		}
		return nil
	}
}

// runSuite runs one suite JVM and reports each scenario as a subtest as its
// verdict arrives. restart, if not nil, answers the failover scenario's
// RESTART-NOW.
func runSuite(t *testing.T, env *javaEnv, url string, props map[string]string, args []string, restart func() error) {
	t.Helper()
	cmd := env.command(props, "jmssuite.JmsSuite", append([]string{url}, args...)...)
	stderr := &tail{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("suite JVM: %v", err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("suite JVM: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("suite JVM: start %s: %v", cmd.Path, err)
	}
	var killed atomic.Bool
	timer := time.AfterFunc(suiteDeadline, func() { killed.Store(true); cmd.Process.Kill() })
	defer timer.Stop()

	var plan, stray []string
	done := map[string]bool{}
	notes := map[string][]string{}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		verb, rest, _ := strings.Cut(line, " ")
		switch verb {
		case "PLAN":
			plan = strings.Fields(rest)
		case "INFO":
			name, note := splitVerdict(rest)
			notes[name] = append(notes[name], note)
		case "RESTART-NOW":
			answerRestart(t, stdin, restart)
		case "PASS", "FAIL", "SKIP":
			name, reason := splitVerdict(rest)
			done[name] = true
			report(t, verb, name, reason, notes[name])
		default:
			stray = append(stray, line)
		}
	}
	stdin.Close()
	waitErr := cmd.Wait()
	if len(plan) == 0 {
		t.Errorf("suite JVM printed no plan (exit: %v)\nstdout:\n%s\nstderr:\n%s", waitErr, strings.Join(stray, "\n"), stderr)
		return
	}
	for _, n := range plan {
		if !done[n] {
			why := fmt.Sprintf("no verdict: the suite JVM ended (%v) before this scenario finished", waitErr)
			if killed.Load() {
				why = fmt.Sprintf("no verdict: the suite JVM was killed after %v", suiteDeadline)
			}
			report(t, "FAIL", n, why+"\nstderr:\n"+stderr.String(), notes[n])
		}
	}
	if len(stray) > 0 || t.Failed() {
		t.Logf("suite JVM stdout (other lines):\n%s\nstderr:\n%s", strings.Join(stray, "\n"), stderr)
	}
}

func answerRestart(t *testing.T, stdin io.Writer, restart func() error) {
	reply := "RESTARTED"
	if restart == nil {
		reply = "FAILED: this broker cannot be restarted"
	} else if err := restart(); err != nil {
		reply = "FAILED: " + strings.ReplaceAll(err.Error(), "\n", " ")
	}
	if _, err := fmt.Fprintln(stdin, reply); err != nil {
		t.Errorf("answer RESTART-NOW: %v", err)
	}
}

// splitVerdict splits "name: reason" or "name (1.2 s)" after a verb.
func splitVerdict(rest string) (name, reason string) {
	i := strings.IndexAny(rest, " :")
	if i < 0 {
		return rest, ""
	}
	return rest[:i], strings.TrimLeft(rest[i:], ": ")
}

func report(t *testing.T, verb, name, reason string, notes []string) {
	t.Run(name, func(t *testing.T) {
		for _, n := range notes {
			t.Log(n)
		}
		switch verb {
		case "PASS":
			if reason != "" {
				t.Log(reason)
			}
		case "SKIP":
			t.Skip(reason)
		default:
			t.Error(reason)
		}
	})
}
