package amqp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/junctionmq/junction/activity"
	"github.com/junctionmq/junction/amqp/wire"
	"github.com/junctionmq/junction/auth"
	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/outbound"
)

// ConnectionInfo describes a connection for management.
type ConnectionInfo struct {
	Name             string
	User             string
	VHost            string
	Protocol         string
	ClientProperties message.Table
	Channels         int
	ConnectedAt      time.Time
	Heartbeat        time.Duration
	FrameMax         uint32
	Peer             string
	// BrokerClient is the broker.Client's ID, linking the connection's
	// consumers (broker.Consumer.Client) to it.
	BrokerClient uint64
}

// conn is one AMQP connection. The reader goroutine (serve) owns the
// connection and channel state; other goroutines only append frames to out
// or, for deliveries, take a channel's mutex.
type conn struct {
	srv   *Server
	nc    net.Conn
	r     *wire.FrameReader
	out   *outbound.Writer
	proto *wire.Protocol
	log   *slog.Logger
	name  string

	user         *auth.User
	client       *broker.Client
	vhost        *broker.VHost
	clientProps  message.Table
	capabilities map[string]bool
	frameMax     uint32
	channelMax   uint16
	heartbeat    time.Duration
	connectedAt  time.Time

	chMu     sync.Mutex // guards channels for readers outside serve
	channels map[uint16]*channel
	lastCh   *channel // the channel openChannel found last (serve only)

	block       blockState
	confirmOnce sync.Once
	confirmWake chan struct{}
	lastRead    *activity.Reader // wraps nc: when the client last sent bytes
	closing     atomic.Bool      // connection.close sent; waiting for close-ok
	done        chan struct{}
	once        sync.Once
}

func newConn(s *Server, nc net.Conn) *conn {
	name := fmt.Sprintf("%s -> %s", nc.RemoteAddr(), nc.LocalAddr())
	lastRead := activity.NewReader(nc)
	return &conn{
		srv:         s,
		nc:          nc,
		lastRead:    lastRead,
		r:           wire.NewFrameReader(lastRead),
		out:         outbound.New(),
		log:         s.log.With("conn", name),
		name:        name,
		channels:    map[uint16]*channel{},
		frameMax:    wire.FrameMinSize,
		connectedAt: time.Now(),
		done:        make(chan struct{}),
	}
}

func (c *conn) info() ConnectionInfo {
	c.chMu.Lock()
	n := len(c.channels)
	c.chMu.Unlock()
	ci := ConnectionInfo{
		Name: c.name, Protocol: "AMQP 0-9-1", ClientProperties: c.clientProps, Channels: n,
		ConnectedAt: c.connectedAt, Heartbeat: c.heartbeat, FrameMax: c.frameMax, Peer: c.nc.RemoteAddr().String(),
	}
	if c.proto != nil {
		ci.Protocol = c.proto.Name()
	}
	if c.user != nil {
		ci.User = c.user.Name
	}
	if c.vhost != nil {
		ci.VHost = c.vhost.Name()
	}
	if c.client != nil {
		ci.BrokerClient = c.client.ID
	}
	return ci
}

// serve runs the connection to completion.
func (c *conn) serve() {
	go c.out.Run(c.nc, writeTimeout, func(err error) {
		c.log.Debug("write failed", "err", err)
		c.nc.Close()
	})
	defer c.teardown()
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("connection handler panicked; closing connection", "panic", r, "stack", string(debug.Stack()))
			c.sendConnectionClose(wire.InternalError, "INTERNAL_ERROR", 0, 0)
		}
	}()
	if err := c.handshake(); err != nil {
		c.handleError(err)
		return
	}
	c.log.Debug("connection opened", "user", c.user.Name, "vhost", c.vhost.Name(), "protocol", c.proto.Name())
	defer c.watchAlarms()()
	if c.heartbeat > 0 {
		go c.heartbeats()
	}
	for {
		f, err := c.r.ReadFrame()
		if err != nil {
			c.handleError(err)
			return
		}
		if err := c.frame(f); err != nil {
			if errors.Is(err, errClosed) {
				return
			}
			c.handleError(err)
			if c.closing.Load() {
				c.awaitCloseOK()
			}
			return
		}
		if c.r.Buffered() == 0 {
			c.flushConfirms()
		}
	}
}

var errClosed = errors.New("connection closed")

// handleError reports err to the client in AMQP terms: a protocol error
// closes the connection with its reply code; an I/O error just ends it.
func (c *conn) handleError(err error) {
	var we *wire.Error
	switch {
	case errors.As(err, &we):
		c.log.Warn("closing connection on protocol error", "code", we.Code, "text", we.Text, "class", we.ClassID, "method", we.MethodID)
		c.sendConnectionClose(we.Code, replyText(we), we.ClassID, we.MethodID)
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, io.ErrUnexpectedEOF):
		if c.vhost != nil && !c.closing.Load() {
			c.log.Info("client closed TCP connection unexpectedly")
		}
	default:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.log.Warn("connection timed out", "err", err)
			return
		}
		c.log.Warn("connection failed", "err", err)
	}
}

// sendConnectionClose writes connection.close and marks the connection as
// closing. Frames other than close-ok are ignored from then on.
func (c *conn) sendConnectionClose(code uint16, text string, classID, methodID uint16) {
	if !c.closing.CompareAndSwap(false, true) {
		return
	}
	proto := c.proto
	if proto == nil {
		proto = wire.AMQP091
	}
	m := &wire.ConnectionClose{ReplyCode: code, ReplyText: text, FailingClassID: classID, FailingMethodID: methodID}
	c.out.Append(func(b []byte) []byte {
		b, _ = proto.AppendMethodFrame(b, 0, m)
		return b
	})
}

// replyText renders an error as RabbitMQ does ("NOT_FOUND - no queue
// 'x'"), cut to the 255 bytes a short string holds without splitting a
// UTF-8 sequence.
func replyText(we *wire.Error) string {
	return truncateShortstr(wire.CodeName(we.Code) + " - " + we.Text)
}

func truncateShortstr(s string) string {
	if len(s) <= 255 {
		return s
	}
	s = s[:255]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

var publishMethod = &wire.BasicPublish{}

// awaitCloseOK waits briefly for the client's connection.close-ok so that
// it reads our connection.close before the socket goes away.
func (c *conn) awaitCloseOK() {
	_ = c.nc.SetReadDeadline(time.Now().Add(closeOKTimeout))
	for {
		f, err := c.r.ReadFrame()
		if err != nil {
			return
		}
		if f.Type != wire.FrameMethod || f.Channel != 0 {
			continue
		}
		m, err := c.proto.DecodeMethod(f.Payload)
		if err != nil {
			return
		}
		switch m.(type) {
		case *wire.ConnectionCloseOK:
			return
		case *wire.ConnectionClose:
			c.writeMethod(0, &wire.ConnectionCloseOK{})
			return
		}
	}
}

const (
	closeOKTimeout = 3 * time.Second
	writeTimeout   = 30 * time.Second
)

// forceClose closes the connection from outside the reader (shutdown,
// management) with CONNECTION_FORCED.
func (c *conn) forceClose(reason string) {
	c.sendConnectionClose(wire.ConnectionForced, truncateShortstr("CONNECTION_FORCED - "+reason), 0, 0)
	go func() {
		select {
		case <-c.done:
		case <-time.After(closeOKTimeout):
			c.nc.Close()
		}
	}()
}

// teardown releases everything the connection held.
func (c *conn) teardown() {
	c.once.Do(func() {
		c.chMu.Lock()
		chans := make([]*channel, 0, len(c.channels))
		for _, ch := range c.channels {
			chans = append(chans, ch)
		}
		c.channels = map[uint16]*channel{}
		c.chMu.Unlock()
		c.lastCh = nil
		for _, ch := range chans {
			ch.release()
		}
		if c.client != nil {
			c.client.Close()
		}
		c.out.Close()
		select {
		case <-c.out.Done():
		case <-time.After(closeOKTimeout):
		}
		c.nc.Close()
		close(c.done)
		if c.vhost != nil {
			c.log.Debug("connection closed")
		}
	})
}

// heartbeats sends a heartbeat whenever nothing was written for half the
// interval, and drops a client silent for two intervals.
func (c *conn) heartbeats() {
	t := time.NewTicker(c.heartbeat / 2)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case now := <-t.C:
			if now.Sub(c.out.LastWrite()) >= c.heartbeat/2 {
				c.out.Append(wire.AppendHeartbeat)
			}
			if c.lastRead.Silent(now) > 2*c.heartbeat && !c.blockedWaiting() {
				c.log.Warn("missed heartbeats from client; closing connection", "timeout", c.heartbeat)
				c.nc.Close()
				return
			}
		}
	}
}

// frame handles one frame after the handshake.
func (c *conn) frame(f wire.Frame) error {
	if c.closing.Load() {
		// After connection.close only close-ok (or a crossing close) counts.
		if f.Type == wire.FrameMethod && f.Channel == 0 {
			m, err := c.proto.DecodeMethod(f.Payload)
			if err == nil {
				switch m.(type) {
				case *wire.ConnectionCloseOK:
					return errClosed
				case *wire.ConnectionClose:
					c.writeMethod(0, &wire.ConnectionCloseOK{})
					return errClosed
				}
			}
		}
		return nil
	}
	switch f.Type {
	case wire.FrameHeartbeat:
		if f.Channel != 0 {
			return &wire.Error{Code: wire.FrameError, Text: fmt.Sprintf("heartbeat frame on channel %d", f.Channel)}
		}
		return nil
	case wire.FrameMethod:
		if ok, err := c.fastMethod(f); ok {
			return err
		}
		m, err := c.proto.DecodeMethod(f.Payload)
		if err != nil {
			return c.methodDecodeError(f.Channel, err)
		}
		if f.Channel == 0 {
			return c.connectionMethod(m)
		}
		return c.channelMethod(f.Channel, m)
	case wire.FrameHeader, wire.FrameBody:
		if f.Channel == 0 {
			return &wire.Error{Code: wire.CommandInvalid, Text: "content frame on channel 0"}
		}
		ch := c.openChannel(f.Channel)
		if ch == nil {
			return &wire.Error{Code: wire.ChannelError, Text: fmt.Sprintf("expected 'channel.open' on channel %d", f.Channel)}
		}
		// A refused publish (missing exchange, bad property) closes only its
		// channel, as in RabbitMQ; framing errors still close the connection.
		return c.channelResult(ch, publishMethod, ch.content(f))
	}
	return &wire.Error{Code: wire.FrameError, Text: fmt.Sprintf("unknown frame type %d", f.Type)}
}

// methodDecodeError decides the scope of a method that failed to decode: a
// malformed method on an open channel is a connection error in RabbitMQ
// (frame and syntax errors are hard errors in the spec).
func (c *conn) methodDecodeError(channel uint16, err error) error {
	var we *wire.Error
	if !errors.As(err, &we) {
		return &wire.Error{Code: wire.SyntaxError, Text: err.Error()}
	}
	if ch := c.openChannel(channel); ch != nil && ch.closing {
		// A channel waiting for close-ok ignores what it cannot read.
		return nil
	}
	return we
}

func (c *conn) connectionMethod(m wire.Method) error {
	switch m := m.(type) {
	case *wire.ConnectionClose:
		c.log.Debug("client closed connection", "code", m.ReplyCode, "text", m.ReplyText)
		c.closing.Store(true)
		c.writeMethod(0, &wire.ConnectionCloseOK{})
		return errClosed
	case *wire.ConnectionCloseOK:
		return errClosed
	case *wire.ConnectionBlocked, *wire.ConnectionUnblocked:
		// Clients may not send these; RabbitMQ ignores them.
		return nil
	}
	return &wire.Error{Code: wire.CommandInvalid, Text: fmt.Sprintf("unexpected method %s on channel 0", m.MethodName()), ClassID: m.ClassID(), MethodID: m.MethodID()}
}

// flushConfirms sends coalesced publisher confirms once the reader has
// consumed everything the client sent so far.
func (c *conn) flushConfirms() {
	c.chMu.Lock()
	chans := make([]*channel, 0, len(c.channels))
	for _, ch := range c.channels {
		if ch.confirm.enabled {
			chans = append(chans, ch)
		}
	}
	c.chMu.Unlock()
	for _, ch := range chans {
		if ch.confirm.pending() {
			ch.flushConfirms()
		}
	}
}

// startConfirmFlusher runs, once per connection in confirm mode, the
// goroutine that sends confirms settled by the store. Waking it rather
// than writing from the store's goroutine lets one write carry every
// confirm a group commit settled.
func (c *conn) startConfirmFlusher() {
	c.confirmOnce.Do(func() {
		c.confirmWake = make(chan struct{}, 1)
		go func() {
			for {
				select {
				case <-c.done:
					return
				case <-c.confirmWake:
					c.flushConfirms()
				}
			}
		}()
	})
}

func (c *conn) wakeConfirms() {
	select {
	case c.confirmWake <- struct{}{}:
	default:
	}
}

// writeMethod appends one method frame.
func (c *conn) writeMethod(channel uint16, m wire.Method) {
	c.out.Append(func(b []byte) []byte {
		nb, err := c.proto.AppendMethodFrame(b, channel, m)
		if err != nil {
			c.log.Error("cannot encode method", "method", m.MethodName(), "err", err)
			return b
		}
		return nb
	})
}

// hasCapability reports a client capability from client-properties.
func (c *conn) hasCapability(name string) bool { return c.capabilities[name] }

func parseCapabilities(props message.Table) map[string]bool {
	caps := map[string]bool{}
	if t, ok := props["capabilities"].(message.Table); ok {
		for k, v := range t {
			if b, ok := v.(bool); ok && b {
				caps[k] = true
			}
		}
	}
	return caps
}

// plainCredentials parses a SASL PLAIN response: authzid NUL authcid NUL passwd.
func plainCredentials(resp []byte) (user, pass string, ok bool) {
	parts := bytes.Split(resp, []byte{0})
	if len(parts) != 3 {
		return "", "", false
	}
	return string(parts[1]), string(parts[2]), true
}
