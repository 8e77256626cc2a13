package amqp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/junctionmq/junction/amqp/wire"
	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/message"
)

// Version is reported in server-properties.
var Version = "0.1.0"

// serverProperties describes the server in connection.start. Capabilities
// (a table of booleans) go only to 0-9-1 clients: 0-8 tables have no
// boolean type and 0-8 clients fail to parse one, so RabbitMQ omits them
// too.
func serverProperties(p *wire.Protocol) message.Table {
	t := message.Table{
		"product":      "Junction",
		"version":      Version,
		"platform":     "Go",
		"copyright":    "Junction contributors",
		"information":  "Licensed under the Apache License 2.0",
		"cluster_name": "junction",
		"capabilities": message.Table{
			"publisher_confirms":           true,
			"exchange_exchange_bindings":   true,
			"basic.nack":                   true,
			"consumer_cancel_notify":       true,
			"connection.blocked":           true,
			"consumer_priorities":          true,
			"authentication_failure_close": true,
			"per_consumer_qos":             true,
		},
	}
	if p != wire.AMQP091 {
		delete(t, "capabilities")
	}
	return t
}

// handshake runs protocol-header negotiation, SASL, tuning and
// connection.open, all within the handshake timeout.
func (c *conn) handshake() error {
	_ = c.nc.SetReadDeadline(time.Now().Add(c.srv.cfg.HandshakeTimeout))
	defer c.nc.SetReadDeadline(time.Time{})

	hdr, err := c.r.ReadProtocolHeader()
	if err != nil {
		return err
	}
	proto, ok := wire.ProtocolForHeader(hdr)
	if !ok {
		// The spec: answer with the header we support, then close.
		h := wire.AMQP091.Header()
		c.out.Append(func(b []byte) []byte { return append(b, h[:]...) })
		c.log.Info("unsupported protocol header; closing", "header", fmt.Sprintf("%q", hdr[:]))
		return errClosed
	}
	c.proto = proto
	major, minor := proto.Version()
	c.writeMethod(0, &wire.ConnectionStart{
		VersionMajor:     major,
		VersionMinor:     minor,
		ServerProperties: serverProperties(proto),
		Mechanisms:       []byte("PLAIN AMQPLAIN"),
		Locales:          []byte("en_US"),
	})

	startOK, err := expect[*wire.ConnectionStartOK](c)
	if err != nil {
		return err
	}
	c.clientProps = startOK.ClientProperties
	c.capabilities = parseCapabilities(startOK.ClientProperties)
	if err := c.authenticate(startOK); err != nil {
		return err
	}

	c.writeMethod(0, &wire.ConnectionTune{
		ChannelMax: c.srv.cfg.ChannelMax,
		FrameMax:   c.srv.cfg.FrameMax,
		Heartbeat:  uint16(c.srv.cfg.Heartbeat / time.Second),
	})
	tuneOK, err := expect[*wire.ConnectionTuneOK](c)
	if err != nil {
		return err
	}
	if err := c.applyTune(tuneOK); err != nil {
		return err
	}

	open, err := expect[*wire.ConnectionOpen](c)
	if err != nil {
		return err
	}
	cl, err := c.srv.broker.Connect(c.user, open.VirtualHost)
	if err != nil {
		return &wire.Error{Code: wire.NotAllowed, Text: err.Error(), ClassID: 10, MethodID: 40}
	}
	c.client = cl
	c.vhost = cl.VHost
	c.writeMethod(0, &wire.ConnectionOpenOK{})
	c.lastRead.Touch()
	return nil
}

// expect reads the next frame, which must be method T on channel 0.
func expect[T wire.Method](c *conn) (T, error) {
	var zero T
	f, err := c.r.ReadFrame()
	if err != nil {
		return zero, err
	}
	if f.Type == wire.FrameHeartbeat {
		return expect[T](c)
	}
	if f.Type != wire.FrameMethod || f.Channel != 0 {
		return zero, &wire.Error{Code: wire.CommandInvalid, Text: fmt.Sprintf("expected %s, got a frame of type %d on channel %d", zero.MethodName(), f.Type, f.Channel)}
	}
	m, err := c.proto.DecodeMethod(f.Payload)
	if err != nil {
		return zero, err
	}
	if cl, ok := m.(*wire.ConnectionClose); ok {
		c.writeMethod(0, &wire.ConnectionCloseOK{})
		c.log.Debug("client closed connection during handshake", "code", cl.ReplyCode, "text", cl.ReplyText)
		return zero, errClosed
	}
	t, ok := m.(T)
	if !ok {
		return zero, &wire.Error{Code: wire.CommandInvalid, Text: fmt.Sprintf("expected %s, got %s", zero.MethodName(), m.MethodName()), ClassID: m.ClassID(), MethodID: m.MethodID()}
	}
	return t, nil
}

// authenticate checks the client's SASL response. A refused login is
// reported with connection.close ACCESS_REFUSED when the client announced
// authentication_failure_close, as RabbitMQ does; otherwise the socket is
// just closed (the spec's behaviour).
func (c *conn) authenticate(m *wire.ConnectionStartOK) error {
	var user, pass string
	switch m.Mechanism {
	case "PLAIN":
		var ok bool
		user, pass, ok = plainCredentials(m.Response)
		if !ok {
			return c.refuseLogin(m.Mechanism, errors.New("malformed PLAIN response"))
		}
	case "AMQPLAIN":
		// The response is a field table without its length prefix.
		framed := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(m.Response)), uint32(len(m.Response)))
		t, _, err := wire.DecodeTable(append(framed, m.Response...))
		if err != nil {
			return c.refuseLogin(m.Mechanism, fmt.Errorf("malformed AMQPLAIN response: %w", err))
		}
		user, _ = stringOf(t["LOGIN"])
		pass, _ = stringOf(t["PASSWORD"])
	default:
		return &wire.Error{Code: wire.CommandInvalid, Text: fmt.Sprintf("unknown authentication mechanism '%s'", m.Mechanism), ClassID: 10, MethodID: 11}
	}
	u, err := c.srv.broker.Users().Authenticate(user, pass, c.nc.RemoteAddr())
	if err != nil {
		return c.refuseLogin(m.Mechanism, err)
	}
	c.user = u
	return nil
}

func (c *conn) refuseLogin(mechanism string, err error) error {
	c.log.Warn("login refused", "mechanism", mechanism, "err", err)
	if c.hasCapability("authentication_failure_close") {
		return &wire.Error{Code: wire.AccessRefused, Text: fmt.Sprintf("Login was refused using authentication mechanism %s. For details see the broker logfile.", mechanism)}
	}
	return errClosed
}

func (c *conn) applyTune(t *wire.ConnectionTuneOK) error {
	cfg := c.srv.cfg
	switch {
	case t.FrameMax != 0 && t.FrameMax < wire.FrameMinSize:
		return &wire.Error{Code: wire.NotAllowed, Text: fmt.Sprintf("frame_max=%d < %d min size", t.FrameMax, wire.FrameMinSize), ClassID: 10, MethodID: 31}
	case t.FrameMax > cfg.FrameMax:
		return &wire.Error{Code: wire.NotAllowed, Text: fmt.Sprintf("frame_max=%d > %d max size", t.FrameMax, cfg.FrameMax), ClassID: 10, MethodID: 31}
	case t.ChannelMax > cfg.ChannelMax:
		return &wire.Error{Code: wire.NotAllowed, Text: fmt.Sprintf("channel_max=%d > %d max size", t.ChannelMax, cfg.ChannelMax), ClassID: 10, MethodID: 31}
	}
	c.frameMax = t.FrameMax
	if c.frameMax == 0 {
		c.frameMax = cfg.FrameMax
	}
	c.channelMax = t.ChannelMax
	if c.channelMax == 0 {
		c.channelMax = cfg.ChannelMax
	}
	c.heartbeat = time.Duration(t.Heartbeat) * time.Second
	c.r.SetMaxFrameSize(c.frameMax)
	return nil
}

func stringOf(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

// brokerError converts a core error into the AMQP error RabbitMQ would
// raise for it.
func brokerError(err error, m wire.Method) *wire.Error {
	var code uint16 = wire.InternalError
	switch broker.KindOf(err) {
	case broker.KindNotFound:
		code = wire.NotFound
	case broker.KindAccessRefused:
		code = wire.AccessRefused
	case broker.KindResourceLocked:
		code = wire.ResourceLocked
	case broker.KindPreconditionFailed:
		code = wire.PreconditionFailed
	case broker.KindNotAllowed:
		code = wire.NotAllowed
	case broker.KindNotImplemented:
		code = wire.NotImplemented
	case broker.KindResourceError:
		code = wire.ResourceError
	case broker.KindInvalidArgument:
		code = wire.CommandInvalid
	}
	e := &wire.Error{Code: code, Text: err.Error()}
	if m != nil {
		e.ClassID, e.MethodID = m.ClassID(), m.MethodID()
	}
	return e
}
