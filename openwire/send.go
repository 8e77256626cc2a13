package openwire

import (
	"sync"
	"time"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/openwire/wire"
)

// send routes a message a producer sent. Composite destinations become one
// message per part. Inside a transaction the publishes wait for commit.
// done runs once the message is safe: stored, for a persistent message on
// a durable queue; at once otherwise. A synchronous send's Response waits
// for it.
func (c *conn) send(mc wire.MessageCommand, done func(error)) (err error) {
	wm := mc.GetMessage()
	if wm.Destination == nil {
		return &jmsError{class: "InvalidDestinationException", msg: "message without a destination"}
	}
	if err := c.waitIfBlocked(); err != nil {
		return err
	}
	wm.BrokerInTime = time.Now().UnixMilli()
	var t *txn
	if wm.TransactionId != nil {
		var err error
		if t, err = c.txFor(wm.TransactionId); err != nil {
			return err
		}
	}
	// Only the reader sends, so the parts and their queues reuse slices
	// of the connection.
	dests := appendCompositeDests(c.sendDests[:0], wm.Destination)
	queues := append(c.sendQueues[:0], make([]*broker.Queue, len(dests))...)
	defer func() {
		clear(dests)
		clear(queues)
		c.sendDests, c.sendQueues = dests[:0], queues[:0]
	}()
	full := c.fullQueues(dests, queues, t)
	var w *waiter
	if done != nil {
		if len(full) > 0 {
			done = c.afterSpace(full, done)
		}
		w = newWaiter(done)
		defer func() {
			if err != nil {
				// The caller answers with an ExceptionResponse; the send
				// must not also be answered as a success.
				w.abandon()
			}
			w.release()
		}()
	}
	// slow is a topic subscription the broker found over the limit; fullQueues
	// looks at queue destinations only.
	var slow *broker.Queue
	for i, d := range dests {
		native := mc
		if d != wm.Destination {
			native = withDestination(mc, d)
		}
		if err := c.checkSendable(d, queues[i]); err != nil {
			return err
		}
		msg := c.coreMessage(native, d)
		if t != nil {
			t.tx.Publish(c.client, msg, nil, nil)
			continue
		}
		// Without done nobody waits for the store: no callback at all.
		var onStored func(error)
		if w != nil {
			onStored = w.add()
		}
		res, err := c.vhost.PublishDurable(c.client, msg, nil, onStored)
		if err != nil {
			return err
		}
		if !res.Stored && w != nil {
			w.cancelLast()
		}
		if res.Full != nil && d.Kind != wire.Queue && d.Kind != wire.TempQueue {
			slow = res.Full
		}
	}
	if slow != nil && !mc.IsResponseRequired() {
		// A topic's subscriber is falling behind: slow the connection as
		// for a full queue (a sync send already waits for its answer).
		// Its ProducerAck is not held: a subscription can stay full long
		// after the send, when its consumer has gone.
		slow.Throttle(c.done)
	}
	if !mc.IsResponseRequired() && wm.ProducerId != nil {
		switch {
		case len(full) == 0:
			c.producerAck(wm)
		case c.windowed.Load():
			c.afterSpace(full, func(error) { c.producerAck(wm) })(nil)
		default:
			// An async send without a window has nothing to hold back but
			// the connection itself, as ActiveMQ blocks its transport: stop
			// reading for a bounded time while the queue has consumers
			// (broker.Queue.Throttle says why).
			for _, q := range full {
				q.Throttle(c.done)
			}
		}
	}
	return nil
}

// fullQueues returns the queues among dests that are over the destination
// memory limit. Transactional sends are not held: their messages are not
// in the queue before the commit. The queues it looks up are noted in
// found (parallel to dests), so that checkSendable need not look again.
func (c *conn) fullQueues(dests []*wire.Destination, found []*broker.Queue, t *txn) []*broker.Queue {
	limit := c.srv.broker.FlowLimit()
	if limit <= 0 || t != nil {
		return nil
	}
	var full []*broker.Queue
	for i, d := range dests {
		if d.Kind != wire.Queue {
			continue
		}
		q, ok := c.vhost.Queue(d.PhysicalName)
		if !ok {
			continue
		}
		found[i] = q
		if q.MemoryBytes() >= limit {
			full = append(full, q)
		}
	}
	return full
}

// afterSpace defers fn until every queue in full is back under the
// destination memory limit, without holding the connection's reader: the
// connection's consumers must keep acknowledging meanwhile. Held answers
// queue up per connection and one goroutine releases them in order, so a
// producer that keeps sending into a full queue costs one waiter, not one
// per message.
func (c *conn) afterSpace(full []*broker.Queue, fn func(error)) func(error) {
	return func(err error) {
		c.heldMu.Lock()
		c.held = append(c.held, heldAnswer{full: full, fn: fn, err: err})
		start := !c.releasing
		c.releasing = true
		c.heldMu.Unlock()
		if start {
			go c.releaseHeld()
		}
	}
}

// heldAnswer is a response or ProducerAck waiting for queue space.
type heldAnswer struct {
	full []*broker.Queue
	fn   func(error)
	err  error
}

func (c *conn) releaseHeld() {
	limit := c.srv.broker.FlowLimit()
	for {
		c.heldMu.Lock()
		if len(c.held) == 0 {
			c.held = nil
			c.releasing = false
			c.heldMu.Unlock()
			return
		}
		h := c.held[0]
		c.held[0] = heldAnswer{}
		c.held = c.held[1:]
		c.heldMu.Unlock()
		for _, q := range h.full {
			q.WaitMemoryBelow(limit, 0, c.done)
		}
		h.fn(h.err)
	}
}

// checkSendable makes sure a queue exists (JMS queues are created on first
// use; known is the queue if it was just found) and refuses temporary
// destinations that were deleted.
func (c *conn) checkSendable(d *wire.Destination, known *broker.Queue) error {
	switch d.Kind {
	case wire.Queue:
		if known != nil {
			return nil
		}
		_, err := c.ensureQueue(d.PhysicalName)
		return err
	case wire.TempQueue:
		if _, ok := c.vhost.Queue(d.PhysicalName); !ok {
			return &jmsError{class: "InvalidDestinationException", msg: "Cannot publish to a deleted Destination: " + destinationURI(d)}
		}
	case wire.TempTopic:
		if !c.srv.temps.exists(d) {
			return &jmsError{class: "InvalidDestinationException", msg: "Cannot publish to a deleted Destination: " + destinationURI(d)}
		}
	}
	return nil
}

// producerAck replenishes a producer's send window for asynchronous sends,
// with ActiveMQ's size estimate of the message.
func (c *conn) producerAck(wm *wire.Message) {
	if !c.windowed.Load() {
		return
	}
	c.mu.Lock()
	p := c.producers[producerKey{wm.ProducerId.SessionId, wm.ProducerId.Value}]
	c.mu.Unlock()
	if p == nil || p.WindowSize <= 0 {
		return
	}
	c.write(&wire.ProducerAck{ProducerId: wm.ProducerId, Size: int32(1024 + len(wm.Content) + len(wm.MarshalledProperties))})
}

// waitIfBlocked holds a sending connection while a resource alarm is
// active: a synchronous send's Response (and the client's send window)
// waits, which is OpenWire's flow control.
func (c *conn) waitIfBlocked() error {
	_, wait := c.srv.broker.Blocked()
	if wait == nil {
		return nil
	}
	select {
	case <-wait:
	case <-c.done:
	}
	c.readSeen.Store(true) // the wait is not the client's silence
	return nil
}

// publishAdvisory sends a broker-originated message to a topic.
func (s *Server) publishAdvisory(c *conn, topic string, ds wire.DataStructure) {
	s.publishAdvisoryWith(topic, ds, nil)
}

// publishAdvisoryWith adds properties to the advisory.
func (s *Server) publishAdvisoryWith(topic string, ds wire.DataStructure, extra map[string]any) {
	v, ok := s.broker.VHost(s.cfg.VHost)
	if !ok {
		return
	}
	am := s.advisoryMessage(topic, ds)
	if len(extra) > 0 {
		props, _ := am.Properties()
		for k, val := range extra {
			props[k] = val
		}
		_ = am.SetProperties(props)
	}
	m := message.New(message.OpenWire, nil, decodeWireProps)
	m.Native = am
	m.Exchange, m.RoutingKey = topicExchange, topic
	m.Priority, m.HasPriority = 4, true
	_, _ = v.Publish(nil, m, nil)
}

func (s *Server) advisoryMessage(topic string, ds wire.DataStructure) *wire.ActiveMQMessage {
	producer := &wire.ProducerId{ConnectionId: s.brokerID, SessionId: 0, Value: 1}
	am := &wire.ActiveMQMessage{}
	wm := &am.Message
	wm.ProducerId = producer
	wm.Destination = &wire.Destination{Kind: wire.Topic, PhysicalName: topic}
	wm.MessageId = &wire.MessageId{ProducerId: producer, ProducerSequenceId: s.seq.Add(1)}
	wm.Type = wire.Str("Advisory")
	wm.Priority = 4
	wm.Timestamp = time.Now().UnixMilli()
	wm.DataStructure = ds
	_ = wm.SetProperties(map[string]any{
		"originBrokerName": s.cfg.BrokerName,
		"originBrokerId":   s.brokerID,
		"originBrokerURL":  s.cfg.URL,
	})
	return am
}

// waiter runs done once every store write it handed out a callback for
// has finished (with the first error), and not before release.
type waiter struct {
	mu      sync.Mutex
	pending int
	err     error
	done    func(error)
}

func newWaiter(done func(error)) *waiter { return &waiter{pending: 1, done: done} }

func (w *waiter) add() func(error) {
	w.mu.Lock()
	w.pending++
	w.mu.Unlock()
	return w.finish
}

// cancelLast withdraws the callback just added (nothing was stored).
func (w *waiter) cancelLast() { w.finish(nil) }

func (w *waiter) release() { w.finish(nil) }

// abandon drops done: the send failed and was answered otherwise.
func (w *waiter) abandon() {
	w.mu.Lock()
	w.done = nil
	w.mu.Unlock()
}

func (w *waiter) finish(err error) {
	w.mu.Lock()
	if err != nil && w.err == nil {
		w.err = err
	}
	w.pending--
	last := w.pending == 0
	done := w.done
	w.mu.Unlock()
	if last && done != nil {
		done(w.err)
	}
}
