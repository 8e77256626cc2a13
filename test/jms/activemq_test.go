package jms

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// activeMQ is a JVM running embedded ActiveMQ 5.17 brokers
// (java/EmbeddedBroker.java), all requiring user guest/guest.
type activeMQ struct {
	stdin  io.WriteCloser
	lines  chan string
	stderr *tail
	urls   map[string]string
}

// startActiveMQ starts brokers from specs ("name:mem" or
// "name:kahadb:DIR") and stops them when the test ends.
func startActiveMQ(t *testing.T, env *javaEnv, specs ...string) *activeMQ {
	t.Helper()
	cmd := env.command(nil, "jmssuite.EmbeddedBroker", specs...)
	a := &activeMQ{lines: make(chan string, 16), stderr: &tail{}, urls: map[string]string{}}
	cmd.Stderr = a.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("embedded ActiveMQ: %v", err)
	}
	if a.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatalf("embedded ActiveMQ: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("embedded ActiveMQ: start %s: %v", cmd.Path, err)
	}
	exited := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			a.lines <- sc.Text()
		}
		close(a.lines)
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		fmt.Fprintln(a.stdin, "stop")
		a.stdin.Close()
		for range a.lines {
		}
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	for range specs {
		l, err := a.next(60 * time.Second)
		if err != nil {
			t.Fatalf("embedded ActiveMQ did not start: %v\nstderr:\n%s", err, a.stderr)
		}
		f := strings.Fields(l)
		if len(f) != 3 || f[0] != "READY" {
			t.Fatalf("embedded ActiveMQ: unexpected line %q\nstderr:\n%s", l, a.stderr)
		}
		a.urls[f[1]] = f[2]
	}
	return a
}

func (a *activeMQ) next(timeout time.Duration) (string, error) {
	select {
	case l, ok := <-a.lines:
		if !ok {
			return "", fmt.Errorf("broker JVM exited")
		}
		return l, nil
	case <-time.After(timeout):
		return "", fmt.Errorf("no answer within %v", timeout)
	}
}

// restart stops the named broker and starts it again on the same port and
// store.
func (a *activeMQ) restart(name string) error {
	if _, err := fmt.Fprintln(a.stdin, "restart", name); err != nil {
		return fmt.Errorf("restart %s: %w", name, err)
	}
	l, err := a.next(60 * time.Second)
	if err != nil {
		return fmt.Errorf("restart %s: %w; stderr: %s", name, err, a.stderr)
	}
	if l != "RESTARTED "+name {
		return fmt.Errorf("restart %s: broker said %q", name, l)
	}
	return nil
}
