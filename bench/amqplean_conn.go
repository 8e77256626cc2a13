package bench

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/junctionmq/junction/amqp/wire"
	"github.com/junctionmq/junction/message"
	amqp "github.com/rabbitmq/amqp091-go"
)

// leanChannel is the only channel a lean connection opens.
const leanChannel = 1

// leanBufSize is the size of the lean client's read buffer and of the
// write batch it collects before a write(2).
const leanBufSize = 64 << 10

// leanDefaultFrameMax is what the lean client asks for when the server
// leaves frame-max open (0): amqp091-go's default, so both clients split
// large bodies alike.
const leanDefaultFrameMax = 128 << 10

// handshakeTimeout bounds each step of connecting and of closing.
const handshakeTimeout = 10 * time.Second

// leanConn is one AMQP 0-9-1 connection of the lean load generator with
// channel 1 open. Reads go through r; writes of the hot path are batched
// by their owner, and wmu serialises the rare writes of a second
// goroutine (close-ok answers) with them.
type leanConn struct {
	nc       net.Conn
	r        *wire.FrameReader
	frameMax uint32
	wmu      sync.Mutex
	// blocked is set between connection.blocked and connection.unblocked.
	blocked atomic.Bool
}

// brokerClose is a connection.close or channel.close the broker sent.
type brokerClose struct {
	connection bool
	code       uint16
	text       string
	classID    uint16
	methodID   uint16
}

func (e *brokerClose) Error() string {
	what := "channel"
	if e.connection {
		what = "connection"
	}
	text := e.text
	// RabbitMQ and Junction start the text with the code's name already.
	if name := wire.CodeName(e.code); name != "" && !strings.HasPrefix(text, name) {
		text = name + " - " + text
	}
	return fmt.Sprintf("%s closed by broker: %d %s (failing method %d/%d)", what, e.code, text, e.classID, e.methodID)
}

// errCloseOK ends the reading of a connection once the broker confirmed
// our connection.close.
var errCloseOK = errors.New("connection.close-ok received")

// dialLean connects to o.URL (amqp://user:pass@host:port/vhost, read as
// amqp091-go reads it) and opens channel 1.
func dialLean(o *Options) (*leanConn, error) {
	u, err := amqp.ParseURI(o.URL)
	if err != nil {
		return nil, fmt.Errorf("amqp-lean: parse URL: %w", err)
	}
	if u.Scheme != "amqp" {
		return nil, fmt.Errorf("amqp-lean: scheme %q: only plain amqp:// is supported", u.Scheme)
	}
	addr := net.JoinHostPort(u.Host, strconv.Itoa(u.Port))
	nc, err := net.DialTimeout("tcp", addr, handshakeTimeout)
	if err != nil {
		return nil, fmt.Errorf("amqp-lean: dial %s: %w", addr, err)
	}
	c := &leanConn{nc: nc, r: wire.NewFrameReaderSize(nc, leanBufSize)}
	if err := c.handshake(u.Username, u.Password, u.Vhost); err != nil {
		nc.Close()
		return nil, fmt.Errorf("amqp-lean: connect to %s: %w", addr, err)
	}
	return c, nil
}

// handshake runs start/start-ok (PLAIN), tune/tune-ok, open/open-ok and
// channel.open/open-ok.
func (c *leanConn) handshake(user, pass, vhost string) error {
	_ = c.nc.SetDeadline(time.Now().Add(handshakeTimeout))
	defer c.nc.SetDeadline(time.Time{})
	h := wire.AMQP091.Header()
	if _, err := c.nc.Write(h[:]); err != nil {
		return fmt.Errorf("write protocol header: %w", err)
	}
	start, err := leanExpect[*wire.ConnectionStart](c, 0)
	if err != nil {
		return err
	}
	if !slices.Contains(strings.Fields(string(start.Mechanisms)), "PLAIN") {
		return fmt.Errorf("server offers SASL mechanisms %q, not PLAIN", start.Mechanisms)
	}
	err = c.send(0, &wire.ConnectionStartOK{
		ClientProperties: message.Table{
			"product":  "junction-perf (amqp-lean)",
			"platform": "Go",
			// Without the capability a broker need not tell us it stopped
			// reading our publishes.
			"capabilities": message.Table{
				"connection.blocked":           true,
				"consumer_cancel_notify":       true,
				"authentication_failure_close": true,
				"publisher_confirms":           true,
				"basic.nack":                   true,
			},
		},
		Mechanism: "PLAIN",
		Response:  []byte("\x00" + user + "\x00" + pass),
		Locale:    "en_US",
	})
	if err != nil {
		return err
	}
	tune, err := leanExpect[*wire.ConnectionTune](c, 0)
	if err != nil {
		return err
	}
	c.frameMax = tune.FrameMax
	if c.frameMax == 0 {
		c.frameMax = leanDefaultFrameMax
	}
	c.r.SetMaxFrameSize(c.frameMax)
	// Heartbeats off: the run is short and a busy producer would have to
	// interleave them with its batches.
	if err := c.send(0, &wire.ConnectionTuneOK{ChannelMax: tune.ChannelMax, FrameMax: c.frameMax}); err != nil {
		return err
	}
	if err := c.send(0, &wire.ConnectionOpen{VirtualHost: vhost}); err != nil {
		return err
	}
	if _, err := leanExpect[*wire.ConnectionOpenOK](c, 0); err != nil {
		return err
	}
	if err := c.send(leanChannel, &wire.ChannelOpen{}); err != nil {
		return err
	}
	_, err = leanExpect[*wire.ChannelOpenOK](c, leanChannel)
	return err
}

// send writes one method frame at once; for the handshake and other
// synchronous steps, not for the hot path.
func (c *leanConn) send(channel uint16, m wire.Method) error {
	b, err := wire.AMQP091.AppendMethodFrame(nil, channel, m)
	if err != nil {
		return fmt.Errorf("encode %s: %w", m.MethodName(), err)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.nc.Write(b); err != nil {
		return fmt.Errorf("write %s: %w", m.MethodName(), err)
	}
	return nil
}

// rpc sends m on channel 1 and waits for its reply of type T.
func leanRPC[T wire.Method](c *leanConn, m wire.Method) (T, error) {
	_ = c.nc.SetDeadline(time.Now().Add(handshakeTimeout))
	defer c.nc.SetDeadline(time.Time{})
	if err := c.send(leanChannel, m); err != nil {
		var zero T
		return zero, err
	}
	return leanExpect[T](c, leanChannel)
}

// leanExpect reads the next method, which must be a T on channel. A
// close from the broker becomes a *brokerClose (answered with close-ok);
// connection.blocked/unblocked in between are noted and skipped.
func leanExpect[T wire.Method](c *leanConn, channel uint16) (T, error) {
	var zero T
	for {
		f, err := c.r.ReadFrame()
		if err != nil {
			return zero, fmt.Errorf("read frame: %w", err)
		}
		if f.Type == wire.FrameHeartbeat {
			continue
		}
		if f.Type != wire.FrameMethod {
			return zero, fmt.Errorf("unexpected frame type %d on channel %d while waiting for a method", f.Type, f.Channel)
		}
		m, err := wire.AMQP091.DecodeMethod(f.Payload)
		if err != nil {
			return zero, fmt.Errorf("decode method on channel %d: %w", f.Channel, err)
		}
		if err := c.control(f.Channel, m); err != nil {
			return zero, err
		}
		switch m.(type) {
		case *wire.ConnectionBlocked, *wire.ConnectionUnblocked:
			continue
		}
		if t, ok := m.(T); ok && f.Channel == channel {
			return t, nil
		}
		return zero, fmt.Errorf("unexpected %s on channel %d, want %s", m.MethodName(), f.Channel, zero.MethodName())
	}
}

// control handles the methods the broker may send at any time:
// connection.blocked/unblocked set the flag, a close is answered with
// close-ok and returned as a *brokerClose, and close-ok to our own close
// is errCloseOK. Anything else returns nil for the caller to judge.
func (c *leanConn) control(channel uint16, m wire.Method) error {
	switch m := m.(type) {
	case *wire.ConnectionBlocked:
		c.blocked.Store(true)
	case *wire.ConnectionUnblocked:
		c.blocked.Store(false)
	case *wire.ConnectionClose:
		_ = c.send(0, &wire.ConnectionCloseOK{})
		return &brokerClose{connection: true, code: m.ReplyCode, text: m.ReplyText, classID: m.FailingClassID, methodID: m.FailingMethodID}
	case *wire.ChannelClose:
		_ = c.send(channel, &wire.ChannelCloseOK{})
		return &brokerClose{code: m.ReplyCode, text: m.ReplyText, classID: m.FailingClassID, methodID: m.FailingMethodID}
	case *wire.ConnectionCloseOK:
		return errCloseOK
	}
	return nil
}

// closeWithin ends the connection politely when it still works:
// connection.close, then frames are read and dropped until close-ok, so
// that everything sent before was processed. A broken connection is just
// closed, and so is one that does not answer within d.
func (c *leanConn) closeWithin(d time.Duration) {
	defer c.nc.Close()
	_ = c.nc.SetDeadline(time.Now().Add(d))
	if err := c.send(0, &wire.ConnectionClose{ReplyCode: wire.ReplySuccess, ReplyText: "bye"}); err != nil {
		return
	}
	for {
		f, err := c.r.ReadFrame()
		if err != nil || f.Type != wire.FrameMethod || f.Channel != 0 {
			if err != nil {
				return
			}
			continue
		}
		m, err := wire.AMQP091.DecodeMethod(f.Payload)
		if err != nil {
			return
		}
		if c.control(0, m) != nil {
			return
		}
	}
}
