package main

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/junctionmq/junction/amqp/wire"
)

// rawAMQP is a bare AMQP client connected to serveAMQP, for what the
// real clients never send (empty consumer tags, no-wait, insisting on
// heartbeats, protocol errors).
type rawAMQP struct {
	t    *testing.T
	nc   net.Conn
	r    *wire.FrameReader
	done chan error // serveAMQP's result
}

func newRawAMQP(t *testing.T) *rawAMQP {
	t.Helper()
	client, server := tcpPair(t)
	c := &rawAMQP{t: t, nc: client, r: wire.NewFrameReader(client), done: make(chan error, 1)}
	go func() {
		err := serveAMQP(server)
		server.Close()
		c.done <- err
	}()
	return c
}

func (c *rawAMQP) write(b []byte) {
	c.t.Helper()
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *rawAMQP) send(ch uint16, m wire.Method) {
	c.t.Helper()
	b, err := wire.AMQP091.AppendMethodFrame(nil, ch, m)
	if err != nil {
		c.t.Fatal(err)
	}
	c.write(b)
}

// next reads the next frame: a method (decoded) or, for other frame
// types, nil with the frame.
func (c *rawAMQP) next() (wire.Frame, wire.Method) {
	c.t.Helper()
	f, err := c.r.ReadFrame()
	if err != nil {
		c.t.Fatalf("read frame: %v", err)
	}
	if f.Type != wire.FrameMethod {
		return f, nil
	}
	m, err := wire.AMQP091.DecodeMethod(f.Payload)
	if err != nil {
		c.t.Fatalf("decode: %v", err)
	}
	return f, m
}

// expect reads the next frame, which must be method T on channel ch.
func expectRaw[T wire.Method](c *rawAMQP, ch uint16) T {
	c.t.Helper()
	f, m := c.next()
	t, ok := m.(T)
	if !ok || f.Channel != ch {
		var zero T
		c.t.Fatalf("got frame type %d on channel %d (%T %+v), want %s on channel %d", f.Type, f.Channel, m, m, zero.MethodName(), ch)
	}
	return t
}

// open runs the handshake, answering tune with heartbeat seconds, and
// opens channel 1.
func (c *rawAMQP) open(heartbeat uint16) {
	c.t.Helper()
	h := wire.AMQP091.Header()
	c.write(h[:])
	start := expectRaw[*wire.ConnectionStart](c, 0)
	if start.VersionMajor != 0 || start.VersionMinor != 9 {
		c.t.Fatalf("connection.start announces %d-%d, want 0-9", start.VersionMajor, start.VersionMinor)
	}
	c.send(0, &wire.ConnectionStartOK{Mechanism: "PLAIN", Response: []byte("\x00guest\x00guest"), Locale: "en_US"})
	tune := expectRaw[*wire.ConnectionTune](c, 0)
	if tune.Heartbeat != 0 || tune.FrameMax != amqpFrameMax || tune.ChannelMax != amqpChannelMax {
		c.t.Fatalf("tune = %+v, want heartbeat 0, frame-max %d, channel-max %d", tune, amqpFrameMax, amqpChannelMax)
	}
	c.send(0, &wire.ConnectionTuneOK{ChannelMax: tune.ChannelMax, FrameMax: tune.FrameMax, Heartbeat: heartbeat})
	c.send(0, &wire.ConnectionOpen{VirtualHost: "/"})
	expectRaw[*wire.ConnectionOpenOK](c, 0)
	c.send(1, &wire.ChannelOpen{})
	expectRaw[*wire.ChannelOpenOK](c, 1)
}

func TestAMQPGeneratesConsumerTagsForEmptyOnes(t *testing.T) {
	c := newRawAMQP(t)
	c.open(0)
	c.send(1, &wire.BasicConsume{Queue: "q"})
	c.send(1, &wire.BasicConsume{Queue: "q", ConsumerTag: "mine"})
	c.send(1, &wire.BasicConsume{Queue: "q"})
	first := expectRaw[*wire.BasicConsumeOK](c, 1).ConsumerTag
	if got := expectRaw[*wire.BasicConsumeOK](c, 1).ConsumerTag; got != "mine" {
		t.Fatalf("consume-ok tag %q, want the client's %q", got, "mine")
	}
	third := expectRaw[*wire.BasicConsumeOK](c, 1).ConsumerTag
	if first != "amq.ctag-nullbroker-1" || third != "amq.ctag-nullbroker-2" {
		t.Fatalf("generated tags %q and %q, want amq.ctag-nullbroker-1 and -2", first, third)
	}
}

func TestAMQPSendsNoReplyToNoWaitMethods(t *testing.T) {
	c := newRawAMQP(t)
	c.open(0)
	c.send(1, &wire.QueueDeclare{Queue: "a", NoWait: true})
	c.send(1, &wire.QueueBind{Queue: "a", Exchange: "amq.direct", NoWait: true})
	c.send(1, &wire.ExchangeDeclare{Exchange: "x", Type: "direct", NoWait: true})
	c.send(1, &wire.BasicConsume{Queue: "a", ConsumerTag: "t", NoWait: true})
	c.send(1, &wire.ConfirmSelect{NoWait: true})
	c.send(1, &wire.QueueDeclare{Queue: "b"})
	// The first reply is the one to the last, waiting, declare.
	if got := expectRaw[*wire.QueueDeclareOK](c, 1); got.Queue != "b" {
		t.Fatalf("declare-ok for %q, want b", got.Queue)
	}
	// confirm.select took effect although unanswered.
	var msg []byte
	msg, _ = wire.AMQP091.AppendMethodFrame(msg, 1, &wire.BasicPublish{RoutingKey: "a"})
	msg = wire.AppendContentHeaderFrame(msg, 1, 60, 3, []byte{0, 0})
	msg = wire.AppendBodyFrames(msg, 1, []byte("abc"), amqpFrameMax)
	c.write(msg)
	if ack := expectRaw[*wire.BasicAck](c, 1); ack.DeliveryTag != 1 || !ack.Multiple {
		t.Fatalf("ack %+v, want delivery tag 1, multiple", ack)
	}
}

func TestAMQPAcknowledgesABatchOfPublishesWithOneMultipleAck(t *testing.T) {
	c := newRawAMQP(t)
	c.open(0)
	c.send(1, &wire.ConfirmSelect{})
	expectRaw[*wire.ConfirmSelectOK](c, 1)
	// Five publishes in one write: the broker reads them as one batch.
	var batch []byte
	for i := 0; i < 5; i++ {
		batch, _ = wire.AMQP091.AppendMethodFrame(batch, 1, &wire.BasicPublish{RoutingKey: "q"})
		batch = wire.AppendContentHeaderFrame(batch, 1, 60, 16, []byte{0, 0})
		batch = wire.AppendBodyFrames(batch, 1, make([]byte, 16), amqpFrameMax)
	}
	c.write(batch)
	var last uint64
	for last < 5 {
		ack := expectRaw[*wire.BasicAck](c, 1)
		if !ack.Multiple || ack.DeliveryTag <= last {
			t.Fatalf("ack %+v after tag %d, want a multiple ack past it", ack, last)
		}
		last = ack.DeliveryTag
	}
	if last != 5 {
		t.Fatalf("acknowledged up to %d, want 5", last)
	}
}

func TestAMQPSendsHeartbeatsWhenTheClientInsistsAndIsIdle(t *testing.T) {
	c := newRawAMQP(t)
	c.open(1)
	// Nothing else is sent: within two heartbeat intervals a heartbeat
	// must arrive.
	_ = c.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	f, m := c.next()
	if f.Type != wire.FrameHeartbeat || f.Channel != 0 {
		t.Fatalf("got frame type %d on channel %d (%T), want a heartbeat", f.Type, f.Channel, m)
	}
}

func TestAMQPClosesTheConnectionOnAPublishToAClosedChannel(t *testing.T) {
	c := newRawAMQP(t)
	c.open(0)
	c.send(7, &wire.BasicPublish{RoutingKey: "q"})
	cl := expectRaw[*wire.ConnectionClose](c, 0)
	if cl.ReplyCode != wire.ChannelError || cl.FailingClassID != 60 || cl.FailingMethodID != 40 {
		t.Fatalf("connection.close %+v, want CHANNEL_ERROR naming basic.publish", cl)
	}
	if err := <-c.done; err == nil {
		t.Fatal("serveAMQP returned nil after a protocol error")
	}
}

func TestAMQPAnswersAnUnknownProtocolHeaderWithItsOwn(t *testing.T) {
	c := newRawAMQP(t)
	c.write([]byte("AMQP\x01\x01\x00\x0a"))
	var got [8]byte
	if _, err := io.ReadFull(c.nc, got[:]); err != nil {
		t.Fatal(err)
	}
	if got != wire.AMQP091.Header() {
		t.Fatalf("reply %q, want the 0-9-1 header", got[:])
	}
	if err := <-c.done; err == nil {
		t.Fatal("serveAMQP returned nil for an unsupported protocol")
	}
}

func TestAMQPAnswersConnectionCloseAndEndsWithoutError(t *testing.T) {
	c := newRawAMQP(t)
	c.open(0)
	c.send(0, &wire.ConnectionClose{ReplyCode: 200, ReplyText: "bye"})
	expectRaw[*wire.ConnectionCloseOK](c, 0)
	if err := <-c.done; err != nil {
		t.Fatalf("serveAMQP after a clean close: %v", err)
	}
}
