package openwire

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/servertest"
	"github.com/junctionmq/junction/test/javatest"
)

// The integration tests run every behaviour against two brokers: Junction
// in-process (a fresh one per test) and a real ActiveMQ 5.17 (one JVM for
// the whole test binary, started in TestMain; tests use distinct
// destination names).

var activeMQ struct {
	url   string
	skip  string // why the ActiveMQ targets are skipped
	stdin io.WriteCloser
	lines chan string
	cmd   *exec.Cmd
	log   bytes.Buffer
}

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		activeMQ.skip = "-short: ActiveMQ not started"
	} else if err := startActiveMQ(); err != nil {
		fmt.Fprintf(os.Stderr, "openwire client tests: ActiveMQ broker failed to start: %v\n%s\n", err, activeMQ.log.String())
		os.Exit(1)
	}
	code := m.Run()
	if activeMQ.stdin != nil {
		fmt.Fprintln(activeMQ.stdin, "stop")
		activeMQ.stdin.Close()
		done := make(chan struct{})
		go func() { activeMQ.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			activeMQ.cmd.Process.Kill()
		}
	}
	os.Exit(code)
}

// testBroker is an embedded ActiveMQ broker for the client's tests to
// compare against.
var testBroker = &javatest.Program{Name: "goclient-broker", Sources: "testdata/java/TestBroker.java",
	Jars: javatest.BrokerJars, Runtime: []string{javatest.SLF4JSimple}}

// startActiveMQ compiles testdata/java/TestBroker.java (cached by content
// hash under the user cache dir) and runs it. It sets activeMQ.skip when
// the JDK or the ActiveMQ jars are missing.
func startActiveMQ() error {
	env, skip, err := testBroker.Build()
	if skip != "" {
		activeMQ.skip = skip + ": ActiveMQ targets skipped"
		return nil
	}
	if err != nil {
		return err
	}
	cmd := env.Command("-Dorg.slf4j.simpleLogger.defaultLogLevel=error", "TestBroker")
	cmd.Stderr = &activeMQ.log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if activeMQ.stdin, err = cmd.StdinPipe(); err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	activeMQ.cmd = cmd
	activeMQ.lines = make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			activeMQ.lines <- sc.Text()
		}
		close(activeMQ.lines)
	}()
	line, err := nextLine(60 * time.Second)
	if err != nil {
		return err
	}
	port, ok := strings.CutPrefix(line, "READY ")
	if !ok {
		return fmt.Errorf("unexpected line %q", line)
	}
	activeMQ.url = "tcp://127.0.0.1:" + port
	return nil
}

func nextLine(timeout time.Duration) (string, error) {
	select {
	case l, ok := <-activeMQ.lines:
		if !ok {
			return "", fmt.Errorf("the broker JVM exited")
		}
		return l, nil
	case <-time.After(timeout):
		return "", fmt.Errorf("no answer from the broker JVM within %v", timeout)
	}
}

// broker is one target of an integration test.
type broker struct {
	name string
	url  string // tcp://127.0.0.1:port
	// restart stops the broker and starts it again on the same port (and,
	// for Junction, the same data directory).
	restart func(t *testing.T)
}

// eachBroker runs f as a subtest against Junction and against ActiveMQ.
func eachBroker(t *testing.T, f func(t *testing.T, b *broker)) {
	t.Run("junction", func(t *testing.T) { f(t, startJunction(t)) })
	t.Run("activemq", func(t *testing.T) {
		if activeMQ.skip != "" {
			t.Skip(activeMQ.skip)
		}
		f(t, &broker{name: "activemq", url: activeMQ.url, restart: restartActiveMQ})
	})
}

func startJunction(t *testing.T) *broker {
	t.Helper()
	dir := t.TempDir()
	s := servertest.Start(t, func(c *config.Config) {
		c.DataDir = dir
		c.Listeners = config.Listeners{OpenWire: "127.0.0.1:0"}
	})
	addr := s.Addr("openwire").String()
	b := &broker{name: "junction", url: "tcp://" + addr}
	b.restart = func(t *testing.T) {
		s.Close()
		s = servertest.Start(t, func(c *config.Config) {
			c.DataDir = dir
			c.Listeners = config.Listeners{OpenWire: addr}
		})
	}
	return b
}

func restartActiveMQ(t *testing.T) {
	t.Helper()
	fmt.Fprintln(activeMQ.stdin, "restart")
	line, err := nextLine(60 * time.Second)
	if err != nil || line != "RESTARTED" {
		t.Fatalf("restart ActiveMQ: %q, %v\n%s", line, err, activeMQ.log.String())
	}
}

// dial connects as guest and closes the connection when the test ends.
func dial(t *testing.T, url string, opts ...Option) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := Dial(ctx, url, append([]Option{WithCredentials("guest", "guest")}, opts...)...)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func session(t *testing.T, c *Conn, mode AckMode) *Session {
	t.Helper()
	s, err := c.CreateSession(testCtx(t), mode)
	if err != nil {
		t.Fatalf("create %v session: %v", mode, err)
	}
	return s
}

// testCtx bounds each blocking call of a test.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// destName is a destination name unique to the test (ActiveMQ is shared).
func destName(t *testing.T, suffix string) string {
	r := strings.NewReplacer("/", ".", " ", "_", "#", "_")
	return r.Replace(t.Name()) + "." + suffix
}

func producer(t *testing.T, s *Session, d Destination, opts ...ProducerOption) *Producer {
	t.Helper()
	p, err := s.CreateProducer(testCtx(t), d, opts...)
	if err != nil {
		t.Fatalf("create producer for %v: %v", d, err)
	}
	return p
}

func consumer(t *testing.T, s *Session, d Destination, opts ...ConsumerOption) *Consumer {
	t.Helper()
	c, err := s.CreateConsumer(testCtx(t), d, opts...)
	if err != nil {
		t.Fatalf("create consumer on %v: %v", d, err)
	}
	return c
}

func sendText(t *testing.T, p *Producer, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if err := p.Send(testCtx(t), NewTextMessage(s)); err != nil {
			t.Fatalf("send %q: %v", s, err)
		}
	}
}

// receive returns the next message within 10 s.
func receive(t *testing.T, c *Consumer) *Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := c.Receive(ctx)
	if err != nil {
		t.Fatalf("receive from %v: %v", c.Destination(), err)
	}
	return m
}

// receiveTexts receives n text messages and returns their texts.
func receiveTexts(t *testing.T, c *Consumer, n int) []string {
	t.Helper()
	out := make([]string, 0, n)
	for range n {
		out = append(out, receive(t, c).Text())
	}
	return out
}

// expectNothing checks that nothing arrives within d.
func expectNothing(t *testing.T, c *Consumer, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if m, err := c.Receive(ctx); err == nil {
		t.Fatalf("expected no message on %v, got %q (redelivered %v)", c.Destination(), m.Text(), m.Redelivered())
	}
}

var errEOF = io.EOF
