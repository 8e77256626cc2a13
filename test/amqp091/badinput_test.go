package amqp091_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// badInput connects a raw client that completes the handshake, opens
// channel 1 and hands over to the test; afterwards it checks that a second,
// well-behaved client is served normally.
func badInput(t *testing.T) (*rawConn, string) {
	t.Helper()
	t.Parallel()
	url := brokerURL(t)
	c := rawDial(t, url)
	c.handshake(url, 0, 0, 0)
	c.openChannel(1)
	t.Cleanup(func() {
		if !t.Failed() {
			stillServing(t, url)
		}
	})
	return c, url
}

// stillServing runs a publish and get on a fresh connection.
func stillServing(t *testing.T, url string) {
	t.Helper()
	conn := dialURL(t, url)
	ch := channel(t, conn)
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatalf("well-behaved client after bad input: declare: %v", err)
	}
	publish(t, ch, "", q.Name, amqp.Publishing{Body: []byte("still here")})
	deadline := time.Now().Add(wait)
	for {
		m, ok, err := ch.Get(q.Name, true)
		if err != nil {
			t.Fatalf("well-behaved client after bad input: get: %v", err)
		}
		if ok {
			if string(m.Body) != "still here" {
				t.Fatalf("well-behaved client got %q", m.Body)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("well-behaved client after bad input: message never arrived")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestUnsupportedProtocolHeaderGetsTheServersHeaderAndAHangUp(t *testing.T) {
	for _, tc := range []struct{ name, header string }{
		{"AMQP 0-10", "AMQP\x01\x01\x00\x0a"},
		{"AMQP 1.0", "AMQP\x00\x01\x00\x00"},
		{"not AMQP", "HTTP/1.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := brokerURL(t)
			c := rawDial(t, url)
			c.write([]byte(tc.header))
			_ = c.nc.SetReadDeadline(time.Now().Add(wait))
			got := make([]byte, len(protocolHeader))
			if _, err := io.ReadFull(c.r, got); err != nil {
				t.Fatalf("reading the reply to header %q: %v (got %q)", tc.header, err, got)
			}
			if !bytes.Equal(got, protocolHeader) {
				t.Fatalf("reply to header %q was %q, want %q", tc.header, got, protocolHeader)
			}
			if extra := c.expectHangUp(wait); len(extra) != 0 {
				t.Errorf("broker sent %d frames after refusing the header", len(extra))
			}
			stillServing(t, url)
		})
	}
}

func TestBadFrameEndOctetClosesConnectionWithFrameError501(t *testing.T) {
	c, _ := badInput(t)
	f := frame(frameMethod, 1, method(50, 10, u16(0), shortstr("q"), u8(0), emptyTable))
	f[len(f)-1] = 0x00
	c.write(f)
	c.expectConnectionClose(codeFrameError)
}

func TestFrameLargerThanFrameMaxClosesConnectionWithFrameError501(t *testing.T) {
	t.Parallel()
	url := brokerURL(t)
	c := rawDial(t, url)
	c.handshake(url, 0, 4096, 0)
	c.openChannel(1)
	// A queue.declare padded past the negotiated 4096 bytes.
	c.write(frame(frameMethod, 1, method(50, 10, u16(0), shortstr("q"), u8(0), u32(5000), make([]byte, 5000))))
	c.expectConnectionClose(codeFrameError)
	stillServing(t, url)
}

// RabbitMQ 3.10 cannot name an unknown method: its reader process crashes
// ({unknown_method_id, ...} in the log) and the socket is dropped without a
// connection.close. The AMQP reply for it is 540 NOT_IMPLEMENTED, which is
// what Junction sends; either way the connection ends and other clients
// are unaffected.
func TestUnknownMethodClosesConnection(t *testing.T) {
	for _, tc := range []struct {
		name          string
		class, method uint16
	}{
		{"unknown method of a known class", 60, 999},
		{"unknown class", 999, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := badInput(t)
			c.sendMethod(1, method(tc.class, tc.method))
			for _, f := range c.expectHangUp(wait) {
				if gc, gm := f.classMethod(); gc == 10 && gm == 50 {
					if code := binary.BigEndian.Uint16(f.payload[4:]); code != codeNotImplemented {
						t.Errorf("connection.close %d, want %d NOT_IMPLEMENTED", code, codeNotImplemented)
					}
					// Answer, as a client would, so the broker can finish.
					c.sendMethod(0, method(10, 51))
				}
			}
		})
	}
}

func TestMethodOnAChannelThatIsNotOpenClosesConnection504(t *testing.T) {
	c, _ := badInput(t)
	c.sendMethod(7, method(50, 10, u16(0), shortstr("q"), u8(0), emptyTable))
	cl := c.expectConnectionClose(codeChannelError)
	if cl.class != 50 || cl.method != 10 {
		t.Errorf("connection.close names method %d.%d, want queue.declare 50.10", cl.class, cl.method)
	}
}

func TestContentHeaderWithoutPublishClosesConnection505(t *testing.T) {
	c, _ := badInput(t)
	c.write(frame(frameHeader, 1, append(append(u16(60), u16(0)...), append(u64(3), u16(0)...)...)))
	c.expectConnectionClose(codeUnexpectedFrame)
}

func TestContentBodyWithoutPublishClosesConnection505(t *testing.T) {
	c, _ := badInput(t)
	c.write(frame(frameBody, 1, []byte("abc")))
	c.expectConnectionClose(codeUnexpectedFrame)
}

func TestMethodInterleavedInContentClosesConnection505(t *testing.T) {
	c, _ := badInput(t)
	c.sendMethod(1, method(60, 40, u16(0), shortstr(""), shortstr("q"), u8(0)))
	c.write(frame(frameHeader, 1, append(append(u16(60), u16(0)...), append(u64(10), u16(0)...)...)))
	c.write(frame(frameBody, 1, []byte("half")))
	c.sendMethod(1, method(50, 10, u16(0), shortstr("q"), u8(0), emptyTable))
	c.expectConnectionClose(codeUnexpectedFrame)
}

// The broker remembers the channel it last published on; a closed channel
// must be forgotten with it. The last message is sent whole: RabbitMQ holds
// a publish until its content has arrived, and only then finds the channel
// closed.
func TestPublishOnAChannelClosedAfterPublishingClosesConnection504(t *testing.T) {
	c, _ := badInput(t)
	c.openChannel(2)
	publish := func(ch uint16) {
		c.sendMethod(ch, method(60, 40, u16(0), shortstr(""), shortstr("nowhere"), u8(0)))
		c.write(frame(frameHeader, ch, append(append(u16(60), u16(0)...), append(u64(2), u16(0)...)...)))
		c.write(frame(frameBody, ch, []byte("hi")))
	}
	for _, ch := range []uint16{1, 2, 1} {
		publish(ch)
	}
	c.sendMethod(1, method(20, 40, u16(200), shortstr("bye"), u16(0), u16(0)))
	c.expectMethod(1, 20, 41)
	publish(1)
	cl := c.expectConnectionClose(codeChannelError)
	if cl.class != 60 || cl.method != 40 {
		t.Errorf("connection.close names method %d.%d, want basic.publish 60.40", cl.class, cl.method)
	}
}

// RabbitMQ answers method arguments it cannot decode with 501 FRAME_ERROR
// ("cannot decode ..."), not 502 SYNTAX_ERROR.
func TestTruncatedMethodArgumentsCloseConnectionWithFrameError501(t *testing.T) {
	c, _ := badInput(t)
	// queue.declare whose queue name claims 10 bytes but has 3.
	c.sendMethod(1, method(50, 10, u16(0), []byte{10, 'a', 'b', 'c'}))
	c.expectConnectionClose(codeFrameError)
}

func TestOpeningMoreChannelsThanChannelMaxClosesConnection(t *testing.T) {
	t.Parallel()
	url := brokerURL(t)
	c := rawDial(t, url)
	c.handshake(url, 2, 0, 0)
	c.openChannel(1)
	c.openChannel(2)
	c.sendMethod(3, method(20, 10, shortstr("")))
	c.expectConnectionClose(codeNotAllowed)
	stillServing(t, url)
}
