package amqp091_test

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// The raw client speaks just enough AMQP 0-9-1 by hand to send what no
// well-behaved client library would: broken frames, methods out of place,
// silence instead of heartbeats.

const (
	frameMethod    = 1
	frameHeader    = 2
	frameBody      = 3
	frameHeartbeat = 8
	frameEnd       = 0xCE
)

// protocolHeader opens every AMQP 0-9-1 connection.
var protocolHeader = []byte("AMQP\x00\x00\x09\x01")

type rawFrame struct {
	typ     byte
	channel uint16
	payload []byte
}

// classMethod returns a method frame's class and method ids.
func (f rawFrame) classMethod() (uint16, uint16) {
	if f.typ != frameMethod || len(f.payload) < 4 {
		return 0, 0
	}
	return binary.BigEndian.Uint16(f.payload), binary.BigEndian.Uint16(f.payload[2:])
}

type rawConn struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
}

// rawDial opens a TCP connection to the broker under test; it is closed
// when the test ends.
func rawDial(t *testing.T, url string) *rawConn {
	t.Helper()
	addr, _, _, _ := brokerAddr(t, url)
	nc, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return &rawConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

func (c *rawConn) write(b []byte) {
	c.t.Helper()
	_ = c.nc.SetWriteDeadline(time.Now().Add(wait))
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("raw write: %v", err)
	}
}

// frame encodes one frame with a correct frame-end octet.
func frame(typ byte, channel uint16, payload []byte) []byte {
	b := []byte{typ, byte(channel >> 8), byte(channel)}
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	b = append(b, payload...)
	return append(b, frameEnd)
}

// method encodes a method payload: class, method, then the arguments.
func method(class, id uint16, args ...[]byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, class)
	b = binary.BigEndian.AppendUint16(b, id)
	for _, a := range args {
		b = append(b, a...)
	}
	return b
}

// Argument encoders.
func u8(v byte) []byte    { return []byte{v} }
func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
func shortstr(s string) []byte {
	return append([]byte{byte(len(s))}, s...)
}
func longstr(s string) []byte { return append(u32(uint32(len(s))), s...) }

// emptyTable is a field table with no entries.
var emptyTable = u32(0)

func (c *rawConn) sendMethod(channel uint16, payload []byte) {
	c.t.Helper()
	c.write(frame(frameMethod, channel, payload))
}

// readFrame reads one frame; heartbeats are returned like any other frame.
func (c *rawConn) readFrame(timeout time.Duration) (rawFrame, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(timeout))
	var h [7]byte
	if _, err := io.ReadFull(c.r, h[:]); err != nil {
		return rawFrame{}, err
	}
	size := binary.BigEndian.Uint32(h[3:])
	if size > 16<<20 {
		return rawFrame{}, fmt.Errorf("frame of %d bytes from the broker", size)
	}
	buf := make([]byte, size+1)
	if _, err := io.ReadFull(c.r, buf); err != nil {
		return rawFrame{}, err
	}
	if buf[size] != frameEnd {
		return rawFrame{}, fmt.Errorf("broker frame ends with %#x", buf[size])
	}
	return rawFrame{typ: h[0], channel: binary.BigEndian.Uint16(h[1:]), payload: buf[:size]}, nil
}

// expectMethod reads frames, skipping heartbeats, until a method frame, and
// fails unless it is class.id on channel.
func (c *rawConn) expectMethod(channel, class, id uint16) []byte {
	c.t.Helper()
	for {
		f, err := c.readFrame(wait)
		if err != nil {
			c.t.Fatalf("waiting for method %d.%d: %v", class, id, err)
		}
		if f.typ == frameHeartbeat {
			continue
		}
		gc, gm := f.classMethod()
		if f.channel != channel || gc != class || gm != id {
			c.t.Fatalf("got frame type %d channel %d method %d.%d (%q), want method %d.%d on channel %d",
				f.typ, f.channel, gc, gm, f.payload, class, id, channel)
		}
		return f.payload[4:]
	}
}

// tune is what the broker proposed in connection.tune.
type tune struct {
	channelMax uint16
	frameMax   uint32
	heartbeat  uint16
}

// handshake opens the connection as user guest (or the URL's user) and
// answers connection.tune with the given values; zero means "accept the
// broker's".
func (c *rawConn) handshake(url string, channelMax uint16, frameMax uint32, heartbeat uint16) tune {
	c.t.Helper()
	_, user, pass, vhost := brokerAddr(c.t, url)
	c.write(protocolHeader)
	c.expectMethod(0, 10, 10) // connection.start
	c.sendMethod(0, method(10, 11, emptyTable, shortstr("PLAIN"), longstr("\x00"+user+"\x00"+pass), shortstr("en_US")))
	args := c.expectMethod(0, 10, 30) // connection.tune
	if len(args) < 8 {
		c.t.Fatalf("connection.tune arguments too short: %x", args)
	}
	tn := tune{binary.BigEndian.Uint16(args), binary.BigEndian.Uint32(args[2:]), binary.BigEndian.Uint16(args[6:])}
	cm, fm := tn.channelMax, tn.frameMax
	if channelMax != 0 {
		cm = channelMax
	}
	if frameMax != 0 {
		fm = frameMax
	}
	c.sendMethod(0, method(10, 31, u16(cm), u32(fm), u16(heartbeat)))
	c.sendMethod(0, method(10, 40, shortstr(vhost), shortstr(""), u8(0)))
	c.expectMethod(0, 10, 41) // connection.open-ok
	return tn
}

// openChannel opens channel id and waits for channel.open-ok.
func (c *rawConn) openChannel(id uint16) {
	c.t.Helper()
	c.sendMethod(id, method(20, 10, shortstr("")))
	c.expectMethod(id, 20, 11)
}

// connClose is a connection.close the broker sent.
type connClose struct {
	code          uint16
	text          string
	class, method uint16
}

// expectConnectionClose waits for connection.close with the given code,
// answers close-ok and expects the broker to hang up.
func (c *rawConn) expectConnectionClose(code uint16) connClose {
	c.t.Helper()
	var cl connClose
	for {
		f, err := c.readFrame(wait)
		if err != nil {
			c.t.Fatalf("waiting for connection.close %d: %v", code, err)
		}
		if gc, gm := f.classMethod(); f.channel != 0 || gc != 10 || gm != 50 {
			continue // e.g. heartbeats, or replies sent before the error
		}
		p := f.payload[4:]
		if len(p) < 3 || len(p) < 3+int(p[2])+4 {
			c.t.Fatalf("connection.close too short: %x", p)
		}
		n := int(p[2])
		cl = connClose{
			code:   binary.BigEndian.Uint16(p),
			text:   string(p[3 : 3+n]),
			class:  binary.BigEndian.Uint16(p[3+n:]),
			method: binary.BigEndian.Uint16(p[5+n:]),
		}
		break
	}
	if cl.code != code {
		c.t.Fatalf("connection.close %d %q, want %d", cl.code, cl.text, code)
	}
	c.sendMethod(0, method(10, 51))
	c.expectHangUp(wait)
	return cl
}

// expectHangUp reads until the broker closes the socket, failing if it is
// still open after timeout. It returns the frames read meanwhile.
func (c *rawConn) expectHangUp(timeout time.Duration) []rawFrame {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	var seen []rawFrame
	for {
		left := time.Until(deadline)
		if left <= 0 {
			c.t.Fatalf("broker kept the socket open for %v", timeout)
		}
		f, err := c.readFrame(left)
		var ne net.Error
		switch {
		case err == nil:
			seen = append(seen, f)
		case errors.As(err, &ne) && ne.Timeout():
			c.t.Fatalf("broker kept the socket open for %v", timeout)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
			return seen
		default:
			c.t.Fatalf("reading until the broker hangs up: %v", err)
		}
	}
}
