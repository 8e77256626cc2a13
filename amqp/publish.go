package amqp

import (
	"fmt"
	"sync"
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
		ch.allocContent(len(h.RawProps), int(h.BodySize))
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

// inlineContent is the most properties and body bytes a message carries
// in the allocation of its message.Message: with the 192-byte Message the
// pair fills a 256-byte size class.
const inlineContent = 64

// smallMessage is a message allocated together with its content.
type smallMessage struct {
	msg message.Message
	buf [inlineContent]byte
}

// allocContent sets up contentBuf for a message with propsLen bytes of
// properties and bodySize of body: one allocation holds both, and the
// message itself too when they are small. It is the message's memory for
// as long as it lives.
func (ch *channel) allocContent(propsLen, bodySize int) {
	n := propsLen + bodySize
	if n <= inlineContent {
		sm := new(smallMessage)
		ch.contentMsg, ch.contentBuf = &sm.msg, sm.buf[:propsLen:n]
		return
	}
	ch.contentMsg, ch.contentBuf = nil, make([]byte, propsLen, n)
}

// publishComplete routes a fully received message.
func (ch *channel) publishComplete() error {
	pub := ch.publish
	buf, msg := ch.contentBuf, ch.contentMsg
	ch.publish, ch.contentBuf, ch.contentMsg, ch.haveHeader = nil, nil, nil, false
	raw, body := buf[:ch.propsLen:ch.propsLen], buf[ch.propsLen:]

	sum, err := wire.ScanProperties(raw)
	if err != nil {
		return &wire.Error{Code: wire.FrameError, Text: fmt.Sprintf("malformed content header: %v", err)}
	}
	if msg != nil {
		msg = message.Init(msg, message.AMQP, raw, decodeProps)
	} else {
		msg = message.New(message.AMQP, raw, decodeProps)
	}
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

	if !ch.confirm.enabled {
		res, err := ch.conn.vhost.Publish(ch.conn.client, msg, extraKeys)
		if err != nil {
			return brokerError(err, pub)
		}
		if pub.Mandatory && !res.Routed() {
			ch.basicReturn(msg, wire.NoRoute, "NO_ROUTE")
		}
		ch.conn.throttle(res.Full)
		return nil
	}
	seq := ch.confirm.assign()
	var pending *storedConfirm
	var onStored func(error)
	if msg.Persistent {
		pending = &storedConfirm{ch: ch, seq: seq}
		onStored = pending.stored
	}
	res, err := ch.conn.vhost.PublishDurable(ch.conn.client, msg, extraKeys, onStored)
	if err != nil {
		return brokerError(err, pub)
	}
	if pub.Mandatory && !res.Routed() {
		// The return goes out before the confirm, as RabbitMQ orders them.
		ch.basicReturn(msg, wire.NoRoute, "NO_ROUTE")
	}
	if res.Stored {
		pending.published(res.Rejected > 0)
	} else {
		ch.confirm.resolve(seq, res.Rejected == 0)
	}
	ch.conn.throttle(res.Full)
	return nil
}

// throttle slows a publisher whose message went to a queue over the
// broker's flow limit: RabbitMQ's connection "flow" state, driven here by
// the queue's backlog in memory.
func (c *conn) throttle(full *broker.Queue) {
	if full == nil {
		return
	}
	full.Throttle(c.done)
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

// confirmState tracks publisher confirms. A transient message is
// confirmed when routed; a persistent one on a durable queue once the store
// has it on disk, which happens on the store's goroutine, in any order
// relative to other channels. Results are kept per sequence number and
// sent as the longest settled prefix: consecutive acks coalesce into one
// basic.ack with multiple=true.
type confirmState struct {
	enabled bool // reader-owned

	mu      sync.Mutex
	nextSeq uint64  // the last sequence number handed out
	sent    uint64  // everything ≤ sent has been confirmed to the client
	results []uint8 // results[i] is for seq sent+1+i: 0 pending, 1 ack, 2 nack
}

const (
	confirmPending uint8 = iota
	confirmAck
	confirmNack
)

func (s *confirmState) assign() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextSeq++
	s.results = append(s.results, confirmPending)
	return s.nextSeq
}

// resolve records a result; the first one for a sequence number counts.
func (s *confirmState) resolve(seq uint64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq <= s.sent {
		return
	}
	i := seq - s.sent - 1
	if i < uint64(len(s.results)) && s.results[i] == confirmPending {
		if ok {
			s.results[i] = confirmAck
		} else {
			s.results[i] = confirmNack
		}
	}
}

func (s *confirmState) pending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.results) > 0 && s.results[0] != confirmPending
}

// flush writes the settled prefix: one ack (multiple when it covers
// several) per run of acks, one nack per nack.
func (ch *channel) flushConfirms() {
	s := &ch.confirm
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for n < len(s.results) && s.results[n] != confirmPending {
		n++
	}
	if n == 0 {
		return
	}
	base := s.sent
	ch.conn.out.Append(func(b []byte) []byte {
		runStart := 0
		for i := 0; i <= n; i++ {
			if i < n && s.results[i] == confirmAck {
				continue
			}
			if i > runStart {
				tag := base + uint64(i)
				b, _ = (&wire.BasicAck{DeliveryTag: tag, Multiple: i-runStart > 1}).AppendFrame(b, ch.id)
			}
			if i < n {
				b, _ = (&wire.BasicNack{DeliveryTag: base + uint64(i) + 1}).AppendFrame(b, ch.id)
			}
			runStart = i + 1
		}
		return b
	})
	s.sent += uint64(n)
	s.results = append(s.results[:0], s.results[n:]...)
}

// storedConfirm settles a persistent publish once both the store and the
// routing result are in, whichever comes first.
type storedConfirm struct {
	ch       *channel
	seq      uint64
	mu       sync.Mutex
	routed   bool // the publish returned
	rejected bool
	durable  bool
	err      error
}

func (p *storedConfirm) stored(err error) {
	p.mu.Lock()
	p.durable, p.err = true, err
	done := p.routed
	p.mu.Unlock()
	if done {
		p.settle()
	}
}

func (p *storedConfirm) published(rejected bool) {
	p.mu.Lock()
	p.routed, p.rejected = true, rejected
	done := p.durable
	p.mu.Unlock()
	if done {
		p.settle()
	}
}

func (p *storedConfirm) settle() {
	p.ch.confirm.resolve(p.seq, p.err == nil && !p.rejected)
	p.ch.conn.wakeConfirms()
}

func (ch *channel) confirmSelect(m *wire.ConfirmSelect) error {
	if ch.tx != nil {
		return &wire.Error{Code: wire.PreconditionFailed, Text: "cannot switch from tx to confirm mode", ClassID: 85, MethodID: 10}
	}
	ch.conn.startConfirmFlusher()
	ch.confirm.enabled = true
	ch.mu.Lock()
	ch.settings.Confirm = true
	ch.mu.Unlock()
	if !m.NoWait {
		ch.conn.writeMethod(ch.id, &wire.ConfirmSelectOK{})
	}
	return nil
}
