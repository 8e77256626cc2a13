package stomp_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The raw client writes frames byte for byte as the test spells them (no
// escaping, no content-length unless given) and reads the broker's frames
// without unescaping, so tests can check the exact wire form and send what
// no client library would.

type rawFrame struct {
	command string
	headers [][2]string // as on the wire, escapes included
	body    []byte
}

// get returns the first value of a header, still escaped.
func (f *rawFrame) get(name string) (string, bool) {
	for _, h := range f.headers {
		if h[0] == name {
			return h[1], true
		}
	}
	return "", false
}

func (f *rawFrame) value(name string) string { v, _ := f.get(name); return v }

func (f *rawFrame) String() string {
	var b strings.Builder
	b.WriteString(f.command)
	for _, h := range f.headers {
		fmt.Fprintf(&b, " %s:%q", h[0], h[1])
	}
	fmt.Fprintf(&b, " body=%q", f.body)
	return b.String()
}

type rawConn struct {
	t          *testing.T
	nc         net.Conn
	r          *bufio.Reader
	heartbeats int           // bare EOLs read between frames
	patience   time.Duration // how long expectError waits; wait if zero
}

// rawDial opens a TCP connection, closed when the test ends.
func rawDial(t *testing.T, addr string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return &rawConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// write sends bytes, failing the test if the connection refuses them.
func (c *rawConn) write(b []byte) {
	c.t.Helper()
	_ = c.nc.SetWriteDeadline(time.Now().Add(wait))
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("raw write: %v", err)
	}
}

// encode builds a frame: each header is a "name:value" line written as
// given; the body follows the blank line and a NUL ends the frame.
func encode(command string, body []byte, headers ...string) []byte {
	var b bytes.Buffer
	b.WriteString(command)
	b.WriteByte('\n')
	for _, h := range headers {
		b.WriteString(h)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.Write(body)
	b.WriteByte(0)
	return b.Bytes()
}

// send writes one frame.
func (c *rawConn) send(command, body string, headers ...string) {
	c.t.Helper()
	c.write(encode(command, []byte(body), headers...))
}

// read returns the next frame, skipping heart-beats (and counting them).
func (c *rawConn) read(timeout time.Duration) (*rawFrame, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(timeout))
	var line string
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
		if line != "" {
			break
		}
		c.heartbeats++
	}
	f := &rawFrame{command: line}
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("headers of %s: %w", f.command, err)
		}
		l = strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
		if l == "" {
			break
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("%s: header line without a colon: %q", f.command, l)
		}
		f.headers = append(f.headers, [2]string{name, value})
	}
	if cl, ok := f.get("content-length"); ok {
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s: content-length %q", f.command, cl)
		}
		f.body = make([]byte, n)
		if _, err := io.ReadFull(c.r, f.body); err != nil {
			return nil, fmt.Errorf("body of %s: %w", f.command, err)
		}
		if b, err := c.r.ReadByte(); err != nil || b != 0 {
			return nil, fmt.Errorf("%s: byte %d (err %v) after a %d-byte body, want NUL", f.command, b, err, n)
		}
		return f, nil
	}
	body, err := c.r.ReadBytes(0)
	if err != nil {
		return nil, fmt.Errorf("body of %s: %w", f.command, err)
	}
	f.body = body[:len(body)-1]
	return f, nil
}

// expect reads the next frame and fails unless it is a command.
func (c *rawConn) expect(command string) *rawFrame {
	c.t.Helper()
	f, err := c.read(wait)
	if err != nil {
		c.t.Fatalf("waiting for %s: %v", command, err)
	}
	if f.command != command {
		c.t.Fatalf("got %s, want %s", f, command)
	}
	return f
}

// connect sends CONNECT with the given headers (accept-version 1.2 and
// host "/" when none are given) and returns the CONNECTED frame.
func (c *rawConn) connect(headers ...string) *rawFrame {
	c.t.Helper()
	if len(headers) == 0 {
		headers = []string{"accept-version:1.2", "host:/"}
	}
	c.send("CONNECT", "", headers...)
	return c.expect("CONNECTED")
}

// receipt sends a frame asking for a receipt and waits for the RECEIPT.
func (c *rawConn) receipt(command, body, id string, headers ...string) {
	c.t.Helper()
	c.send(command, body, append(headers, "receipt:"+id)...)
	r := c.expect("RECEIPT")
	if got := r.value("receipt-id"); got != id {
		c.t.Fatalf("%s: RECEIPT receipt-id %q, want %q", command, got, id)
	}
}

// expectError reads frames until an ERROR (failing on any other frame)
// and then checks that the broker closes the connection.
func (c *rawConn) expectError(what string) *rawFrame {
	c.t.Helper()
	patience := c.patience
	if patience == 0 {
		patience = wait
	}
	f, err := c.read(patience)
	if err != nil {
		c.t.Fatalf("%s: want an ERROR frame, read failed: %v", what, err)
	}
	if f.command != "ERROR" {
		c.t.Fatalf("%s: got %s, want ERROR", what, f)
	}
	if _, ok := f.get("message"); !ok {
		c.t.Errorf("%s: ERROR frame without a message header: %s", what, f)
	}
	c.expectClosed(what + " (after ERROR)")
	return f
}

// expectClosed fails unless the broker closes the connection within wait;
// frames sent before the close are ignored.
func (c *rawConn) expectClosed(what string) {
	c.t.Helper()
	deadline := time.Now().Add(wait)
	_ = c.nc.SetReadDeadline(deadline)
	buf := make([]byte, 4096)
	for {
		_, err := c.r.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.t.Fatalf("%s: connection still open after %v, want it closed by the broker", what, wait)
		}
		return // EOF or reset: closed
	}
}
