package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/junctionmq/junction/amqp/wire"
	"github.com/junctionmq/junction/message"
)

// Tuning proposed in connection.tune: Junction's channel-max and
// frame-max, so clients split bodies exactly as they do against Junction,
// and no heartbeat.
const (
	amqpChannelMax = 2047
	amqpFrameMax   = 131072
)

// publishIDs are basic.publish's class and method ids, the same in every
// AMQP version: the one method read without decoding its arguments.
var publishIDs = [4]byte{0, 60, 0, 40}

// errPeerClosed ends a connection the client closed properly.
var errPeerClosed = errors.New("client closed the connection")

// amqpConn is one AMQP connection, all of it owned by the goroutine that
// runs serveAMQP.
type amqpConn struct {
	r        *wire.FrameReader
	out      *output
	proto    *wire.Protocol
	channels []*amqpChannel // by channel number, nil when not open
	pending  []uint16       // channels with publishes to confirm this batch
	ack      wire.BasicAck  // reused, so confirming allocates nothing
	names    int            // for server-named queues and consumer tags
	done     chan struct{}  // closed when the connection ends
}

// Where a channel is in a publish's frames.
const (
	awaitNothing uint8 = iota // the next frame is a method
	awaitHeader               // basic.publish read, content header due
	awaitBody                 // header read, bodyLeft bytes due
)

// amqpChannel is what a channel needs for confirms: whether they are on,
// how far publishing has got, and where in a message's frames we are.
type amqpChannel struct {
	confirm   bool
	awaiting  uint8  // which frame of a publish is due: awaitNothing, …
	bodyLeft  uint64 // body bytes still to come
	published uint64 // delivery tags issued (confirm mode only)
	listed    bool   // in amqpConn.pending
}

// serveAMQP runs one AMQP connection until the client leaves. Its error
// is nil when the client closed the connection properly.
func serveAMQP(rw io.ReadWriter) error {
	c := &amqpConn{
		r:    wire.NewFrameReaderSize(rw, readBufferSize),
		out:  newOutput(rw),
		done: make(chan struct{}),
	}
	defer close(c.done)
	err := c.run()
	var we *wire.Error
	if errors.As(err, &we) {
		// Tell the client why, after the replies already due, as a broker
		// would; it may not be listening.
		if c.reply(0, &wire.ConnectionClose{ReplyCode: we.Code, ReplyText: truncate(we.Text), FailingClassID: we.ClassID, FailingMethodID: we.MethodID}) == nil {
			_ = c.out.flush()
		}
	}
	switch {
	case errors.Is(err, errPeerClosed):
		return nil
	case errors.Is(err, io.EOF):
		return nil // a client that just hangs up is no news for an instrument
	}
	return err
}

func truncate(s string) string {
	if len(s) > 255 {
		return s[:255]
	}
	return s
}

func (c *amqpConn) run() error {
	if err := c.handshake(); err != nil {
		return err
	}
	for {
		f, err := c.r.ReadFrame()
		if err != nil {
			return err
		}
		if err := c.frame(f); err != nil {
			return err
		}
		if c.r.Buffered() == 0 {
			c.confirmBatch()
			if err := c.out.flush(); err != nil {
				return err
			}
		} else if err := c.out.flushIfFull(); err != nil {
			return err
		}
	}
}

// handshake negotiates the protocol version, accepts any login, proposes
// Junction's limits without heartbeats and opens the connection.
func (c *amqpConn) handshake() error {
	hdr, err := c.r.ReadProtocolHeader()
	if err != nil {
		return fmt.Errorf("read protocol header: %w", err)
	}
	proto, ok := wire.ProtocolForHeader(hdr)
	if !ok {
		h := wire.AMQP091.Header()
		c.out.buf = append(c.out.buf, h[:]...)
		_ = c.out.flush()
		return fmt.Errorf("unsupported protocol header %q", hdr[:])
	}
	c.proto = proto
	major, minor := proto.Version()
	props := message.Table{"product": "Junction nullbroker (measuring instrument)", "platform": "Go"}
	if proto == wire.AMQP091 {
		props["capabilities"] = message.Table{
			"publisher_confirms":           true,
			"basic.nack":                   true,
			"consumer_cancel_notify":       true,
			"exchange_exchange_bindings":   true,
			"per_consumer_qos":             true,
			"authentication_failure_close": true,
		}
	}
	start := &wire.ConnectionStart{VersionMajor: major, VersionMinor: minor, ServerProperties: props,
		Mechanisms: []byte("PLAIN AMQPLAIN"), Locales: []byte("en_US")}
	if err := c.replyNow(start); err != nil {
		return err
	}
	if _, err := expect[*wire.ConnectionStartOK](c); err != nil {
		return err
	}
	if err := c.replyNow(&wire.ConnectionTune{ChannelMax: amqpChannelMax, FrameMax: amqpFrameMax}); err != nil {
		return err
	}
	tune, err := expect[*wire.ConnectionTuneOK](c)
	if err != nil {
		return err
	}
	if tune.FrameMax != 0 && tune.FrameMax < wire.FrameMinSize || tune.FrameMax > amqpFrameMax {
		return &wire.Error{Code: wire.NotAllowed, ClassID: 10, MethodID: 31,
			Text: fmt.Sprintf("frame_max=%d outside %d..%d", tune.FrameMax, wire.FrameMinSize, amqpFrameMax)}
	}
	// RabbitMQ's allowance for clients that count frame-max 8 bytes short.
	c.r.SetMaxFrameSize(amqpFrameMax + 8)
	if tune.Heartbeat > 0 {
		// We proposed none, but a client may insist (amqp091-go keeps its
		// 10 s default against 0) and then drops a server silent for
		// three intervals, which a publisher without confirms would make
		// us: so send heartbeats when there is nothing else to send.
		interval := time.Duration(tune.Heartbeat) * time.Second / 2
		go c.out.keepAlives(interval, wire.AppendHeartbeat(nil), c.done)
	}
	if _, err := expect[*wire.ConnectionOpen](c); err != nil {
		return err
	}
	return c.replyNow(&wire.ConnectionOpenOK{})
}

// expect reads the next method, which must be T on channel 0. Heartbeats
// are skipped; connection.close is answered and ends the connection.
func expect[T wire.Method](c *amqpConn) (T, error) {
	var zero T
	for {
		f, err := c.r.ReadFrame()
		if err != nil {
			return zero, fmt.Errorf("handshake: read %s: %w", zero.MethodName(), err)
		}
		if f.Type == wire.FrameHeartbeat {
			continue
		}
		if f.Type != wire.FrameMethod || f.Channel != 0 {
			return zero, &wire.Error{Code: wire.CommandInvalid,
				Text: fmt.Sprintf("expected %s, got a frame of type %d on channel %d", zero.MethodName(), f.Type, f.Channel)}
		}
		m, err := c.proto.DecodeMethod(f.Payload)
		if err != nil {
			return zero, fmt.Errorf("handshake: %w", err)
		}
		if _, ok := m.(*wire.ConnectionClose); ok {
			if err := c.replyNow(&wire.ConnectionCloseOK{}); err != nil {
				return zero, err
			}
			return zero, errPeerClosed
		}
		t, ok := m.(T)
		if !ok {
			return zero, &wire.Error{Code: wire.CommandInvalid, ClassID: m.ClassID(), MethodID: m.MethodID(),
				Text: fmt.Sprintf("expected %s, got %s", zero.MethodName(), m.MethodName())}
		}
		return t, nil
	}
}

// frame handles one frame after the handshake.
func (c *amqpConn) frame(f wire.Frame) error {
	switch f.Type {
	case wire.FrameHeartbeat:
		return nil
	case wire.FrameHeader:
		ch := c.channel(f.Channel)
		if ch == nil || ch.awaiting != awaitHeader {
			return &wire.Error{Code: wire.UnexpectedFrame, Text: fmt.Sprintf("content header on channel %d without a publish", f.Channel)}
		}
		h, err := wire.ParseContentHeader(f.Payload)
		if err != nil {
			return fmt.Errorf("channel %d: %w", f.Channel, err)
		}
		ch.awaiting, ch.bodyLeft = awaitBody, h.BodySize
		if ch.bodyLeft == 0 {
			c.published(f.Channel, ch)
		}
		return nil
	case wire.FrameBody:
		ch := c.channel(f.Channel)
		if ch == nil || ch.awaiting != awaitBody {
			return &wire.Error{Code: wire.UnexpectedFrame, Text: fmt.Sprintf("content body on channel %d without a publish", f.Channel)}
		}
		if n := uint64(len(f.Payload)); n < ch.bodyLeft {
			ch.bodyLeft -= n
			return nil
		}
		c.published(f.Channel, ch)
		return nil
	}
	if ch := c.channel(f.Channel); ch != nil {
		if ch.awaiting != awaitNothing {
			return &wire.Error{Code: wire.UnexpectedFrame, Text: fmt.Sprintf("method frame on channel %d in the middle of a message's content", f.Channel)}
		}
		if len(f.Payload) >= 4 && [4]byte(f.Payload[:4]) == publishIDs {
			// The arguments do not matter: nothing is routed.
			ch.awaiting = awaitHeader
			return nil
		}
	}
	m, err := c.proto.DecodeMethod(f.Payload)
	if err != nil {
		return fmt.Errorf("channel %d: %w", f.Channel, err)
	}
	if f.Channel == 0 {
		return c.connectionMethod(m)
	}
	return c.channelMethod(f.Channel, m)
}

func (c *amqpConn) connectionMethod(m wire.Method) error {
	switch m.(type) {
	case *wire.ConnectionClose:
		if err := c.replyNow(&wire.ConnectionCloseOK{}); err != nil {
			return err
		}
		return errPeerClosed
	case *wire.ConnectionCloseOK:
		return errPeerClosed
	}
	return nil // blocked/unblocked, update-secret, …: nothing to do
}

// channel returns an open channel's state, nil if it is not open.
func (c *amqpConn) channel(n uint16) *amqpChannel {
	if int(n) < len(c.channels) {
		return c.channels[n]
	}
	return nil
}

// published counts a complete message; in confirm mode it is acknowledged
// at the end of the read batch.
func (c *amqpConn) published(n uint16, ch *amqpChannel) {
	ch.awaiting = awaitNothing
	if !ch.confirm {
		return
	}
	ch.published++
	if !ch.listed {
		ch.listed = true
		c.pending = append(c.pending, n)
	}
}

// confirmBatch acknowledges, with one multiple basic.ack per channel,
// every publish read in this batch.
func (c *amqpConn) confirmBatch() {
	for _, n := range c.pending {
		ch := c.channel(n)
		if ch == nil || !ch.listed {
			continue // closed meanwhile
		}
		ch.listed = false
		c.ack = wire.BasicAck{DeliveryTag: ch.published, Multiple: true}
		// Cannot fail: basic.ack has no variable-length arguments.
		c.out.buf, _ = c.ack.AppendFrame(c.out.buf, n)
	}
	c.pending = c.pending[:0]
}

// reply appends method m for channel ch to the output.
func (c *amqpConn) reply(ch uint16, m wire.Method) error {
	b, err := c.proto.AppendMethodFrame(c.out.buf, ch, m)
	if err != nil {
		return fmt.Errorf("reply on channel %d: %w", ch, err)
	}
	c.out.buf = b
	return nil
}

// replyNow replies on channel 0 and writes at once: during the handshake
// the client waits for each answer.
func (c *amqpConn) replyNow(m wire.Method) error {
	if err := c.reply(0, m); err != nil {
		return err
	}
	return c.out.flush()
}

func (c *amqpConn) generatedName(prefix string) string {
	c.names++
	return prefix + strconv.Itoa(c.names)
}
