package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestBrokerLogsListenersServesAndShutsDownOnSignal(t *testing.T) {
	addr := freePort(t)
	dir := t.TempDir()
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--data-dir", dir + "/data", "--amqp-listen", addr,
			"--openwire-listen", "", "--stomp-listen", "", "--http-listen", ""}, &logs)
	}()
	var conn *amqp091.Connection
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if conn, err = amqp091.Dial("amqp://guest:guest@" + addr + "/"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("broker did not accept AMQP connections: %v\n%s", err, logs.String())
	}
	closed := conn.NotifyClose(make(chan *amqp091.Error, 1))
	if n := strings.Count(logs.String(), "msg=listening"); n != 1 {
		t.Fatalf("%d listening lines, want exactly one (only AMQP is on):\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "protocol=amqp addr="+addr) {
		t.Fatalf("listener line does not name the address:\n%s", logs.String())
	}
	cancel() // what SIGINT/SIGTERM do
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("broker did not shut down")
	}
	select {
	case e := <-closed:
		if e == nil || e.Code != amqp091.ConnectionForced {
			t.Fatalf("client saw %v, want 320 CONNECTION_FORCED", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("client connection was not closed by the shutdown")
	}
	if !strings.Contains(logs.String(), "msg=stopped") {
		t.Fatalf("no clean stop in the log:\n%s", logs.String())
	}
}

func TestEmptyListenerFlagTurnsItOffAndBadConfigFails(t *testing.T) {
	if err := run(context.Background(), []string{"--config", "/nonexistent.toml"}, &syncBuffer{}); err == nil {
		t.Fatal("a missing config file was accepted")
	}
}
