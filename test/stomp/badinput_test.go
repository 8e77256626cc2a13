package stomp_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/junctionmq/junction/stomp"
)

// Each case sends something malformed and expects what STOMP requires: an
// ERROR frame with a message header, the connection closed, and a broker
// that still serves the next client. The payloads stop exactly where the
// broker must give up (stomp.DefaultLimits), so that it has read every byte
// sent and its close is not turned into a reset that would swallow the
// ERROR frame.

var limits = stomp.DefaultLimits()

// sendBad writes data on a connected client from another goroutine (the
// broker may stop reading before the end) and returns the ERROR frame.
func sendBad(t *testing.T, b *broker, connected bool, data []byte, what string) *rawFrame {
	t.Helper()
	c := rawDial(t, b.addr)
	// The broker reads what it is sent before it can refuse it: 64 MiB
	// take a while under the race detector.
	c.patience = 6 * wait
	if connected {
		c.connect()
	}
	go func() { _, _ = c.nc.Write(data) }()
	e := c.expectError(what)
	b.serves(t)
	return e
}

func TestBadInputUnboundedHeaderLine(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	// A header line with no end: two full read buffers (64 KiB each) of it
	// pass the 64 KiB line limit.
	data := append([]byte("SEND\nx-long:"), bytes.Repeat([]byte{'a'}, 2*limits.MaxHeaderLine-len("x-long:"))...)
	e := sendBad(t, b, true, data, "header line without end")
	if !strings.Contains(e.value("message")+string(e.body), "header line") {
		t.Errorf("ERROR does not say the header line is too long: %s", e)
	}
}

func TestBadInputTooManyHeaders(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	var buf bytes.Buffer
	buf.WriteString("SEND\ndestination:/queue/q\n")
	for i := 0; i < limits.MaxHeaders; i++ { // one more than allowed, with destination
		buf.WriteString("h:1\n")
	}
	e := sendBad(t, b, true, buf.Bytes(), "1001 headers")
	if !strings.Contains(e.value("message")+string(e.body), "too many headers") {
		t.Errorf("ERROR does not say there are too many headers: %s", e)
	}
}

func TestBadInputNegativeContentLength(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	e := sendBad(t, b, true, []byte("SEND\ndestination:/queue/q\ncontent-length:-1\n\n"), "content-length:-1")
	if !strings.Contains(e.value("message")+string(e.body), "content-length") {
		t.Errorf("ERROR does not name content-length: %s", e)
	}
}

func TestBadInputHugeContentLength(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	e := sendBad(t, b, true, []byte("SEND\ndestination:/queue/q\ncontent-length:1099511627776\n\n"), "content-length of 1 TiB")
	if !strings.Contains(e.value("message")+string(e.body), "limit") {
		t.Errorf("ERROR does not mention the limit: %s", e)
	}
}

func TestBadInputMissingNULTerminator(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("sends 64 MiB")
	}
	b := start(t, nil)
	// No content-length and no NUL: the body runs past the 64 MiB limit. The
	// broker reads in 64 KiB slices, so one slice beyond the limit ends it.
	head := []byte("SEND\ndestination:/queue/q\n\n")
	data := append(head, bytes.Repeat([]byte{'b'}, limits.MaxBody+limits.MaxHeaderLine)...)
	e := sendBad(t, b, true, data, "body without NUL past the limit")
	if !strings.Contains(e.value("message")+string(e.body), "NUL") {
		t.Errorf("ERROR does not mention the missing NUL: %s", e)
	}
}

func TestBadInputUnknownCommand(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	e := sendBad(t, b, true, encode("FROBNICATE", nil, "receipt:r-1"), "unknown command")
	if !strings.Contains(e.value("message")+string(e.body), "FROBNICATE") {
		t.Errorf("ERROR does not name the command: %s", e)
	}
	if got := e.value("receipt-id"); got != "r-1" {
		t.Errorf("ERROR receipt-id %q, want r-1", got)
	}
}

func TestBadInputFrameBeforeConnect(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	for _, cmd := range []string{"SEND", "SUBSCRIBE", "DISCONNECT"} {
		t.Run(cmd, func(t *testing.T) {
			sendBad(t, b, false, encode(cmd, []byte("x"), "destination:/queue/q", "id:0"), cmd+" before CONNECT")
		})
	}
}

func TestBadInputInvalidEscapeSequence(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	for _, tc := range []struct{ version, value string }{
		{"1.2", `a\tb`},
		{"1.2", `ends-in-backslash\`},
		{"1.1", `a\rb`}, // \r is defined in 1.2 only
	} {
		t.Run(tc.version+"_"+tc.value, func(t *testing.T) {
			c := rawDial(t, b.addr)
			c.connect("accept-version:"+tc.version, "host:/")
			c.send("SEND", "x", "destination:/queue/q", "x-bad:"+tc.value)
			e := c.expectError("header " + tc.value)
			if !strings.Contains(e.value("message")+string(e.body), "escape") {
				t.Errorf("ERROR does not mention the escape: %s", e)
			}
			b.serves(t)
		})
	}
}

func TestBadInputSubscribeWithoutIDIn12(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	e := sendBad(t, b, true, encode("SUBSCRIBE", nil, "destination:/queue/q", "receipt:s-1"), "SUBSCRIBE without id")
	if got := e.value("receipt-id"); got != "s-1" {
		t.Errorf("ERROR receipt-id %q, want s-1", got)
	}
}

func TestBadInputAckOfUnknownID(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	for _, cmd := range []string{"ACK", "NACK"} {
		t.Run(cmd, func(t *testing.T) {
			e := sendBad(t, b, true, encode(cmd, nil, "id:no-such-message", "receipt:a-1"), cmd+" of an unknown id")
			if !strings.Contains(e.value("message")+string(e.body), "no-such-message") {
				t.Errorf("ERROR does not name the id: %s", e)
			}
			if got := e.value("receipt-id"); got != "a-1" {
				t.Errorf("ERROR receipt-id %q, want a-1", got)
			}
		})
	}
}

func TestBadInputHeaderLineWithoutColon(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	sendBad(t, b, true, []byte("SEND\ndestination:/queue/q\nno colon here\n\nx\x00"), "header without colon")
}
