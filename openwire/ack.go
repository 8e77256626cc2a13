package openwire

import (
	"time"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/openwire/wire"
)

// ack applies a MessageAck (openwire.md §4.2).
func (c *conn) ack(a *wire.MessageAck) error {
	if a.ConsumerId == nil {
		return nil
	}
	c.mu.Lock()
	cs := c.consumers[consumerKey{a.ConsumerId.SessionId, a.ConsumerId.Value}]
	c.mu.Unlock()
	if cs == nil {
		// Acks for a consumer already closed, or for the advisory replays
		// that were never tracked, settle nothing.
		return nil
	}
	if a.TransactionId != nil {
		return c.txAck(cs, a)
	}
	// What the ack settles is not kept past this call, so it goes into a
	// slice the reader reuses.
	ss := c.acked[:0]
	defer func() {
		clear(ss)
		c.acked = ss[:0]
	}()
	switch a.AckType {
	case wire.AckDelivered:
		cs.markDelivered(a.FirstMessageId, a.LastMessageId)
		broker.Kick(cs.limit.Extend(int(a.MessageCount)))
	case wire.AckStandard, wire.AckUnmatched:
		ss = cs.take(ss, a.FirstMessageId, a.LastMessageId)
		settleAll(ss, broker.Ack, "")
		cs.limit.Shrink(len(ss))
	case wire.AckIndividual:
		ss = cs.take(ss, a.LastMessageId, a.LastMessageId)
		settleAll(ss, broker.Ack, "")
		cs.limit.Shrink(len(ss))
	case wire.AckPoison:
		// The client gave up: dead-letter (ActiveMQ.DLQ for JMS queues),
		// recording its reason as ActiveMQ does.
		ss = cs.take(ss, a.FirstMessageId, a.LastMessageId)
		settleAll(ss, broker.Reject, poisonCause(a.PoisonCause))
		cs.limit.Shrink(len(ss))
	case wire.AckExpired:
		ss = cs.take(ss, a.FirstMessageId, a.LastMessageId)
		settleAll(ss, broker.Expire, "")
		cs.limit.Shrink(len(ss))
	case wire.AckRedelivered:
		// Informational: the client redelivers locally after a rollback.
	}
	return nil
}

// poisonCause renders the client's reason like Java's Throwable.toString.
func poisonCause(t *wire.Throwable) string {
	if t == nil {
		return "java.lang.Throwable: the client gave up on the message"
	}
	if t.Message.Valid {
		return t.Class + ": " + t.Message.Value
	}
	return t.Class
}

// consumerControl applies a client's ConsumerControl. A failover client
// replays its consumers with prefetch 0 while it recovers and then restores
// each one's prefetch this way; it can also stop, start and close them.
func (c *conn) consumerControl(m *wire.ConsumerControl) {
	if m.ConsumerId == nil {
		return
	}
	k := consumerKey{m.ConsumerId.SessionId, m.ConsumerId.Value}
	c.mu.Lock()
	cs := c.consumers[k]
	c.mu.Unlock()
	if cs == nil {
		return
	}
	switch {
	case m.Close:
		c.mu.Lock()
		delete(c.consumers, k)
		c.mu.Unlock()
		cs.close(wire.LastDeliveredUnknown)
		return
	case m.Stop:
		cs.limit.Pause()
	case m.Start:
		broker.Kick(cs.limit.Resume())
	}
	cs.mu.Lock()
	cs.pull = m.Prefetch <= 0
	cs.mu.Unlock()
	broker.Kick(cs.limit.SetPrefetch(int(m.Prefetch)))
}

// pull serves a MessagePull for a prefetch-0 consumer: grant one message;
// if none is dispatched within the timeout (-1: at once), answer with an
// empty dispatch so receive() returns null.
func (c *conn) pull(p *wire.MessagePull) error {
	if p.ConsumerId == nil {
		return nil
	}
	c.mu.Lock()
	cs := c.consumers[consumerKey{p.ConsumerId.SessionId, p.ConsumerId.Value}]
	c.mu.Unlock()
	if cs == nil || !cs.pull {
		return nil
	}
	cs.mu.Lock()
	cs.pulling = true
	cs.mu.Unlock()
	broker.Kick(cs.limit.Grant(1))
	switch {
	case p.Timeout < 0:
		cs.expirePull()
	case p.Timeout > 0:
		cs.mu.Lock()
		if cs.pulling {
			cs.pullTimer = time.AfterFunc(time.Duration(p.Timeout)*time.Millisecond, cs.expirePull)
		}
		cs.mu.Unlock()
	}
	return nil
}

// expirePull ends a pull that found nothing: the grant is withdrawn and the
// client gets an empty dispatch.
func (cs *consumer) expirePull() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if !cs.pulling || cs.closed {
		return
	}
	if cs.limit.Revoke() == 0 {
		// A message took the grant meanwhile; its dispatch answers the pull.
		return
	}
	cs.pulling = false
	cs.pullTimer = nil
	cs.c.write(&wire.MessageDispatch{ConsumerId: cs.info.ConsumerId})
}

// browse sends a snapshot of the queue (QueueBrowser) followed by an empty
// dispatch marking its end. Nothing is consumed.
func (c *conn) browse(cs *consumer, filter *broker.SelectorFilter) error {
	for _, name := range compositeNames(cs.info.Destination) {
		q, ok := c.vhost.Queue(name)
		if !ok {
			continue
		}
		if err := c.client.CheckRead(q); err != nil {
			return err
		}
		q.Browse(func(m *message.Message, redelivered bool) bool {
			if filter != nil && !filter.Match(m) {
				return true
			}
			msg := c.srv.dispatchMessage(broker.Delivery{Message: m}, q)
			if redelivered {
				msg.GetMessage().RedeliveryCounter = 1
			}
			c.write(&wire.MessageDispatch{ConsumerId: cs.info.ConsumerId, Destination: msg.GetMessage().Destination, Message: msg})
			return true
		})
	}
	c.write(&wire.MessageDispatch{ConsumerId: cs.info.ConsumerId})
	return nil
}

// unsubscribe removes a durable subscription (session.unsubscribe).
func (c *conn) unsubscribe(m *wire.RemoveSubscriptionInfo) error {
	clientID := m.ClientId.Value
	if clientID == "" {
		clientID = c.clientID
	}
	name := durableQueueName(clientID, m.SubscriptionName.Value)
	q, ok := c.vhost.Queue(name)
	if !ok {
		return &jmsError{class: "InvalidDestinationException", msg: "No durable subscription exists for clientID: " + clientID + " and subscriptionName: " + m.SubscriptionName.Value}
	}
	if q.ConsumerCount() > 0 {
		return &jmsError{class: "JMSException", msg: "Durable consumer is in use"}
	}
	_, err := c.vhost.DeleteQueue(c.client, name, false, false)
	return err
}
