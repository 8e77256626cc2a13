package amqp

import (
	"errors"
	"fmt"
	"sync"

	"github.com/junctionmq/junction/amqp/wire"
	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/message"
)

// channel is one AMQP channel. Fields above mu are owned by the
// connection's reader goroutine; fields below are shared with queues that
// deliver from other goroutines.
type channel struct {
	conn    *conn
	id      uint16
	closing bool // channel.close sent, awaiting close-ok

	// content assembly for basic.publish
	publish      *wire.BasicPublish
	pubScratch   wire.BasicPublish // the fast path's publish, reused
	lastExchange string
	lastKey      string
	ackScratch   []unackedRecord
	entryScratch []*broker.Entry
	haveHeader   bool
	contentBuf   []byte           // raw properties followed by the body
	contentMsg   *message.Message // the message allocated with contentBuf, or nil
	propsLen     int
	bodySize     uint64
	currentName  string // the last queue declared, for empty queue names

	prefetchCount int
	prefetchSize  int64
	shared        *broker.Limiter // global qos

	confirm confirmState
	tx      *broker.Tx
	txAcks  []unackedRecord // acks inside a transaction, restored on rollback

	mu        sync.Mutex
	consumers map[string]*consumer
	nextTag   uint64
	unacked   unackedList
	released  bool
	// settings is what management shows of qos and the channel's mode; the
	// fields it mirrors belong to the reader goroutine.
	settings ChannelSettings
}

func newChannel(c *conn, id uint16) *channel {
	return &channel{
		conn:      c,
		id:        id,
		shared:    broker.NewLimiter(0, 0),
		consumers: map[string]*consumer{},
	}
}

// channelMethod routes a method to its channel, enforcing the channel life
// cycle.
func (c *conn) channelMethod(id uint16, m wire.Method) error {
	ch := c.openChannel(id)
	if ch == nil {
		if _, ok := m.(*wire.ChannelOpen); !ok {
			return &wire.Error{Code: wire.ChannelError, Text: fmt.Sprintf("expected 'channel.open' on channel %d, got %s", id, m.MethodName()), ClassID: m.ClassID(), MethodID: m.MethodID()}
		}
		// Like RabbitMQ, channel_max bounds how many channels are open, not
		// the channel numbers.
		if len(c.channels) >= int(c.channelMax) {
			return &wire.Error{Code: wire.NotAllowed, Text: fmt.Sprintf("number of channels opened (%d) has reached the negotiated channel_max (%d)", len(c.channels), c.channelMax), ClassID: 20, MethodID: 10}
		}
		ch = newChannel(c, id)
		c.chMu.Lock()
		c.channels[id] = ch
		c.chMu.Unlock()
		c.writeMethod(id, &wire.ChannelOpenOK{})
		return nil
	}
	if ch.closing {
		switch m.(type) {
		case *wire.ChannelCloseOK:
			c.removeChannel(id)
		case *wire.ChannelClose:
			// Both sides closed at once: answer, and the channel is gone.
			c.writeMethod(id, &wire.ChannelCloseOK{})
			c.removeChannel(id)
		}
		return nil
	}
	if ch.publish != nil {
		return &wire.Error{Code: wire.UnexpectedFrame, Text: fmt.Sprintf("expected content header for class 60, got method %s on channel %d", m.MethodName(), id), ClassID: m.ClassID(), MethodID: m.MethodID()}
	}
	return c.channelResult(ch, m, ch.method(m))
}

// channelResult scopes a channel method's error: a soft error closes the
// channel, a hard one the connection.
func (c *conn) channelResult(ch *channel, m wire.Method, err error) error {
	if err == nil {
		return nil
	}
	var we *wire.Error
	if !errors.As(err, &we) {
		we = brokerError(err, m)
	}
	if we.Hard() {
		return we
	}
	c.log.Info("closing channel on error", "channel", ch.id, "code", we.Code, "text", we.Text)
	ch.closeWithError(we)
	return nil
}

// openChannel returns channel id, or nil if it is not open. A publisher
// sends three frames per message (method, header, body) on the same
// channel, so remembering the last one found spares most map lookups
// (hashing the channel number was 4% of broker CPU with 16 B messages).
func (c *conn) openChannel(id uint16) *channel {
	if ch := c.lastCh; ch != nil && ch.id == id {
		return ch
	}
	ch := c.channels[id]
	if ch != nil {
		c.lastCh = ch
	}
	return ch
}

func (c *conn) removeChannel(id uint16) {
	c.chMu.Lock()
	ch := c.channels[id]
	delete(c.channels, id)
	c.chMu.Unlock()
	if c.lastCh == ch {
		c.lastCh = nil
	}
	if ch != nil {
		ch.release()
	}
}

// closeWithError sends channel.close for a soft error and releases the
// channel's resources at once; frames until close-ok are ignored.
func (ch *channel) closeWithError(we *wire.Error) {
	ch.closing = true
	ch.publish = nil
	ch.contentBuf, ch.contentMsg = nil, nil
	ch.conn.writeMethod(ch.id, &wire.ChannelClose{
		ReplyCode:       we.Code,
		ReplyText:       replyText(we),
		FailingClassID:  we.ClassID,
		FailingMethodID: we.MethodID,
	})
	ch.release()
}

// method handles one method on an open channel.
func (ch *channel) method(m wire.Method) error {
	switch m := m.(type) {
	case *wire.ChannelOpen:
		return &wire.Error{Code: wire.ChannelError, Text: "second 'channel.open' seen", ClassID: 20, MethodID: 10}
	case *wire.ChannelClose:
		ch.conn.writeMethod(ch.id, &wire.ChannelCloseOK{})
		ch.conn.removeChannel(ch.id)
		return nil
	case *wire.ChannelCloseOK:
		return nil
	case *wire.ChannelFlow:
		if !m.Active {
			// RabbitMQ 3 refuses client-initiated flow control this way;
			// clients that rely on it must use basic.qos.
			return &wire.Error{Code: wire.NotImplemented, Text: "active=false", ClassID: 20, MethodID: 20}
		}
		ch.conn.writeMethod(ch.id, &wire.ChannelFlowOK{Active: true})
		return nil
	case *wire.ChannelFlowOK:
		return nil
	case *wire.AccessRequest:
		// 0-8/0-9 access tickets: granted and otherwise ignored, as in
		// RabbitMQ.
		ch.conn.writeMethod(ch.id, &wire.AccessRequestOK{Ticket: 1})
		return nil

	case *wire.ExchangeDeclare:
		return ch.exchangeDeclare(m)
	case *wire.ExchangeDelete:
		return ch.exchangeDelete(m)
	case *wire.ExchangeBind:
		return ch.exchangeBind(m)
	case *wire.ExchangeUnbind:
		return ch.exchangeUnbind(m)
	case *wire.QueueDeclare:
		return ch.queueDeclare(m)
	case *wire.QueueBind:
		return ch.queueBind(m)
	case *wire.QueueUnbind:
		return ch.queueUnbind(m)
	case *wire.QueuePurge:
		return ch.queuePurge(m)
	case *wire.QueueDelete:
		return ch.queueDelete(m)

	case *wire.BasicPublish:
		return ch.startPublish(m)
	case *wire.BasicQos:
		return ch.qos(m)
	case *wire.BasicConsume:
		return ch.consume(m)
	case *wire.BasicCancel:
		return ch.cancel(m)
	case *wire.BasicGet:
		return ch.get(m)
	case *wire.BasicAck:
		return ch.ack(m.DeliveryTag, m.Multiple, m)
	case *wire.BasicReject:
		return ch.nack(m.DeliveryTag, false, m.Requeue, m)
	case *wire.BasicNack:
		return ch.nack(m.DeliveryTag, m.Multiple, m.Requeue, m)
	case *wire.BasicRecover:
		return ch.recover(m.Requeue, m, true)
	case *wire.BasicRecoverAsync:
		return ch.recover(m.Requeue, m, false)

	case *wire.ConfirmSelect:
		return ch.confirmSelect(m)
	case *wire.TxSelect:
		return ch.txSelect(m)
	case *wire.TxCommit:
		return ch.txCommit(m)
	case *wire.TxRollback:
		return ch.txRollback(m)
	}
	return &wire.Error{Code: wire.NotImplemented, Text: fmt.Sprintf("method %s is not implemented", m.MethodName()), ClassID: m.ClassID(), MethodID: m.MethodID()}
}

// release cancels the channel's consumers and requeues what it delivered
// and was not acknowledged, in delivery order.
func (ch *channel) release() {
	ch.mu.Lock()
	if ch.released {
		ch.mu.Unlock()
		return
	}
	ch.released = true
	consumers := make([]*consumer, 0, len(ch.consumers))
	for _, cs := range ch.consumers {
		consumers = append(consumers, cs)
	}
	ch.consumers = map[string]*consumer{}
	ch.mu.Unlock()
	for _, cs := range consumers {
		cs.bc.Cancel()
	}
	ch.mu.Lock()
	recs := ch.unacked.drain()
	ch.mu.Unlock()
	recs = append(recs, ch.txAcks...)
	ch.txAcks = nil
	if ch.tx != nil {
		ch.tx.Rollback()
	}
	settleRecords(recs, broker.Requeue)
}
