package amqp

import (
	"fmt"
	"time"

	"github.com/junctionmq/junction/amqp/wire"
	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/message"
)

func (ch *channel) startPublish(m *wire.BasicPublish) error {
	if m.Immediate {
		// RabbitMQ 3 removed immediate and fails such publishes this way.
		return &wire.Error{Code: wire.NotImplemented, Text: "immediate=true", ClassID: 60, MethodID: 40}
	}
	if err := ch.conn.waitIfBlocked(); err != nil {
		return err
	}
	ch.publish = m
	ch.haveHeader = false
	return nil
}

// content handles a content header or body frame.
func (ch *channel) content(f wire.Frame) error {
	if ch.closing {
		return nil
	}
	if ch.publish == nil {
		return &wire.Error{Code: wire.UnexpectedFrame, Text: fmt.Sprintf("unexpected content frame on channel %d", ch.id)}
	}
	if f.Type == wire.FrameHeader {
		if ch.haveHeader {
			return &wire.Error{Code: wire.UnexpectedFrame, Text: fmt.Sprintf("expected content body, got content header on channel %d", ch.id)}
		}
		h, err := wire.ParseContentHeader(f.Payload)
		if err != nil {
			return err
		}
		if h.ClassID != 60 {
			return &wire.Error{Code: wire.FrameError, Text: fmt.Sprintf("content header for class %d, expected 60", h.ClassID)}
		}
		if max := ch.conn.srv.cfg.MaxMessageSize; h.BodySize > max {
			ch.publish = nil
			return &wire.Error{Code: wire.PreconditionFailed, Text: fmt.Sprintf("message size %d is larger than configured max size %d", h.BodySize, max), ClassID: 60, MethodID: 40}
		}
		ch.haveHeader = true
		ch.bodySize = h.BodySize
		ch.propsLen = len(h.RawProps)
		// One allocation holds properties and body; it is the message's
		// memory for as long as it lives.
		ch.contentBuf = make([]byte, len(h.RawProps), len(h.RawProps)+int(h.BodySize))
		copy(ch.contentBuf, h.RawProps)
		if h.BodySize == 0 {
			return ch.publishComplete()
		}
		return nil
	}
	if !ch.haveHeader {
		return &wire.Error{Code: wire.UnexpectedFrame, Text: fmt.Sprintf("expected content header for class 60, got content body on channel %d", ch.id)}
	}
	if uint64(len(ch.contentBuf)-ch.propsLen+len(f.Payload)) > ch.bodySize {
		return &wire.Error{Code: wire.FrameError, Text: fmt.Sprintf("content body exceeds the declared size %d on channel %d", ch.bodySize, ch.id)}
	}
	ch.contentBuf = append(ch.contentBuf, f.Payload...)
	if uint64(len(ch.contentBuf)-ch.propsLen) == ch.bodySize {
		return ch.publishComplete()
	}
	return nil
}

// publishComplete routes a fully received message.
func (ch *channel) publishComplete() error {
	pub := ch.publish
	buf := ch.contentBuf
	ch.publish, ch.contentBuf, ch.haveHeader = nil, nil, false
	raw, body := buf[:ch.propsLen:ch.propsLen], buf[ch.propsLen:]

	sum, err := wire.ScanProperties(raw)
	if err != nil {
		return &wire.Error{Code: wire.FrameError, Text: fmt.Sprintf("malformed content header: %v", err)}
	}
	msg := message.New(message.AMQP, raw, decodeProps)
	msg.Exchange = pub.Exchange
	msg.RoutingKey = pub.RoutingKey
	msg.Body = body
	msg.Persistent = sum.DeliveryMode == 2
	msg.Priority, msg.HasPriority = sum.Priority, sum.HasPriority
	if sum.HasExpiration {
		ttl, bad := parseExpiration(sum.Expiration)
		if bad != "" {
			return &wire.Error{Code: wire.PreconditionFailed, Text: fmt.Sprintf("invalid expiration '%s': %s", sum.Expiration, bad), ClassID: 60, MethodID: 40}
		}
		msg.ExpiresAt = time.Now().UnixMilli() + ttl
	}
	if len(sum.UserID) > 0 && string(sum.UserID) != ch.conn.user.Name {
		return &wire.Error{Code: wire.PreconditionFailed, Text: fmt.Sprintf("user_id property set to '%s' but authenticated user was '%s'", sum.UserID, ch.conn.user.Name), ClassID: 60, MethodID: 40}
	}
	var extraKeys []string
	if sum.HasHeaders {
		var p *message.Properties
		if p, err = msg.Properties(); err != nil {
			return &wire.Error{Code: wire.FrameError, Text: fmt.Sprintf("malformed headers table: %v", err)}
		}
		if gid, ok := p.Headers["JMSXGroupID"]; ok {
			msg.GroupID, _ = stringOf(gid)
		}
		extraKeys, msg = senderSelectedKeys(msg, p)
	}

	if ch.tx != nil {
		// Routing happens at commit; exchange errors are raised now.
		if _, ok := ch.conn.vhost.Exchange(pub.Exchange); !ok {
			return &wire.Error{Code: wire.NotFound, Text: fmt.Sprintf("no exchange '%s' in vhost '%s'", pub.Exchange, ch.conn.vhost.Name()), ClassID: 60, MethodID: 40}
		}
		mandatory := pub.Mandatory
		ch.tx.Publish(ch.conn.client, msg, extraKeys, func(res broker.PublishResult, err error) {
			if err == nil && mandatory && !res.Routed() {
				ch.basicReturn(msg, wire.NoRoute, "NO_ROUTE")
			}
		})
		return nil
	}

	res, err := ch.conn.vhost.Publish(ch.conn.client, msg, extraKeys)
	if err != nil {
		return brokerError(err, pub)
	}
	if pub.Mandatory && !res.Routed() {
		ch.basicReturn(msg, wire.NoRoute, "NO_ROUTE")
	}
	if ch.confirm.enabled {
		ch.confirm.nextSeq++
		if res.Rejected > 0 {
			ch.writeConfirm(ch.confirm.flush())
			ch.conn.writeMethod(ch.id, &wire.BasicNack{DeliveryTag: ch.confirm.nextSeq})
			ch.confirm.sent = ch.confirm.nextSeq
		} else {
			ch.confirm.ackedUpTo = ch.confirm.nextSeq
		}
	}
	return nil
}

// senderSelectedKeys implements RabbitMQ's sender-selected distribution:
// the CC and BCC headers add routing keys, and BCC is removed before the
// message is delivered.
func senderSelectedKeys(msg *message.Message, p *message.Properties) ([]string, *message.Message) {
	var keys []string
	for _, h := range []string{"CC", "BCC"} {
		if arr, ok := p.Headers[h].([]any); ok {
			for _, v := range arr {
				if s, ok := stringOf(v); ok {
					keys = append(keys, s)
				}
			}
		}
	}
	if _, ok := p.Headers["BCC"]; ok {
		np := p.Clone()
		delete(np.Headers, "BCC")
		d := msg.Derive(np)
		d.Origin = message.Internal
		msg = d
	}
	return keys, msg
}

// basicReturn sends an unroutable mandatory message back.
func (ch *channel) basicReturn(msg *message.Message, code uint16, text string) {
	props := amqpProps(msg)
	c := ch.conn
	c.out.Append(func(b []byte) []byte {
		start := len(b)
		b, err := (&wire.BasicReturn{ReplyCode: code, ReplyText: text, Exchange: msg.Exchange, RoutingKey: msg.RoutingKey}).AppendFrame(b, ch.id)
		if err != nil {
			return b[:start]
		}
		b = wire.AppendContentHeaderFrame(b, ch.id, 60, uint64(len(msg.Body)), props)
		return wire.AppendBodyFrames(b, ch.id, msg.Body, c.frameMax)
	})
}

// confirmState tracks publisher confirms. Results are known in publish
// order (routing is synchronous), so consecutive acks coalesce into one
// basic.ack with multiple=true, sent when the reader drains its input.
type confirmState struct {
	enabled   bool
	nextSeq   uint64 // sequence number of the last publish
	ackedUpTo uint64 // acks not yet sent cover (sent, ackedUpTo]
	sent      uint64 // everything ≤ sent has been confirmed to the client
}

func (s *confirmState) pending() bool { return s.ackedUpTo > s.sent }

// flush returns the ack to send (0 if none) and marks it sent.
func (s *confirmState) flush() (tag uint64, multiple bool) {
	if s.ackedUpTo <= s.sent {
		return 0, false
	}
	tag, multiple = s.ackedUpTo, s.ackedUpTo-s.sent > 1
	s.sent = s.ackedUpTo
	return tag, multiple
}

func (ch *channel) writeConfirm(tag uint64, multiple bool) {
	if tag == 0 {
		return
	}
	ch.conn.out.Append(func(b []byte) []byte {
		b, _ = (&wire.BasicAck{DeliveryTag: tag, Multiple: multiple}).AppendFrame(b, ch.id)
		return b
	})
}

func (ch *channel) flushConfirms() { ch.writeConfirm(ch.confirm.flush()) }

func (ch *channel) confirmSelect(m *wire.ConfirmSelect) error {
	if ch.tx != nil {
		return &wire.Error{Code: wire.PreconditionFailed, Text: "cannot switch from tx to confirm mode", ClassID: 85, MethodID: 10}
	}
	ch.confirm.enabled = true
	if !m.NoWait {
		ch.conn.writeMethod(ch.id, &wire.ConfirmSelectOK{})
	}
	return nil
}
