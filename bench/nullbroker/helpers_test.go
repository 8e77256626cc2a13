package main

import (
	"log"
	"net"
	"strings"
	"testing"
	"time"
)

// startBroker runs a null broker on loopback ports for one test.
func startBroker(t *testing.T) *nullBroker {
	t.Helper()
	b, err := start("127.0.0.1:0", "127.0.0.1:0", log.New(testLog{t}, "", 0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.close)
	return b
}

// testLog sends the broker's log lines to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// tcpPair returns both ends of a loopback TCP connection: unlike
// net.Pipe it buffers, so a test may send several requests before reading
// the replies, as clients do. The client end gets a deadline so a broken
// test fails instead of hanging.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		client.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	_ = client.SetDeadline(time.Now().Add(10 * time.Second))
	return client, server
}
