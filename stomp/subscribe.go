package stomp

import (
	"fmt"
	"strconv"

	"github.com/junctionmq/junction/broker"
)

// subscription is one SUBSCRIBE: a core consumer plus, in the client ack
// modes, the messages delivered and not yet acknowledged, in order.
type subscription struct {
	c        *conn
	id       string
	dest     destination
	ackMode  string // auto, client, client-individual
	bc       *broker.Consumer
	limit    *broker.Limiter
	durable  string // the durable subscription's queue, if any
	rabbitMQ bool   // durable in RabbitMQ's style (durable:true)
	pending  []*pending
}

type pending struct {
	id    string
	sub   *subscription
	queue *broker.Queue
	entry *broker.Entry
}

// autoWindow bounds auto-ack deliveries buffered for a slow client.
const (
	autoWindow      = 2000
	autoWindowBytes = 32 << 20
)

func (c *conn) subscribe(f *Frame) error {
	destHeader, ok := f.Get("destination")
	if !ok {
		return errorf("SUBSCRIBE without a destination header")
	}
	d, err := parseDestination(destHeader)
	if err != nil {
		return err
	}
	id, ok := f.Get("id")
	if !ok {
		if c.version != "1.0" {
			return errorf("SUBSCRIBE without an id header (required in STOMP %s)", c.version)
		}
		id = destHeader
	}
	c.mu.Lock()
	_, dup := c.subs[id]
	c.mu.Unlock()
	if dup {
		return errorf("Duplicated subscription identifier %q", id)
	}
	ack := f.Value("ack")
	switch ack {
	case "":
		ack = "auto"
	case "auto", "client", "client-individual":
	default:
		return errorf("invalid ack mode %q", ack)
	}
	filter, err := broker.NewSelectorFilter(f.Value("selector"), false, 0, true)
	if err != nil {
		return &stompError{msg: "invalid selector", detail: err.Error()}
	}
	if filter.Empty() {
		filter = nil
	}
	prefetch := 0
	for _, h := range []string{"prefetch-count", "activemq.prefetchSize"} {
		if v, ok := f.Get(h); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return errorf("invalid %s %q", h, v)
			}
			prefetch = n
		}
	}
	s := &subscription{c: c, id: id, dest: d, ackMode: ack}
	q, err := c.subscriptionQueue(s, f, filter)
	if err != nil {
		return err
	}
	opts := broker.ConsumerOptions{Tag: id, NoAck: ack == "auto"}
	if ack == "auto" {
		s.limit = broker.NewLimiter(autoWindow, autoWindowBytes)
	} else if prefetch > 0 {
		s.limit = broker.NewLimiter(prefetch, 0)
	}
	opts.Limit = s.limit
	if filter != nil && d.kind != "topic" && d.kind != "exchange" {
		opts.Filter = filter
	}
	c.mu.Lock()
	c.subs[id] = s
	c.mu.Unlock()
	bc, err := q.Consume(c.client, opts, s)
	if err != nil {
		c.mu.Lock()
		delete(c.subs, id)
		c.mu.Unlock()
		return err
	}
	c.mu.Lock()
	s.bc = bc
	c.mu.Unlock()
	return nil
}

// subscriptionQueue finds or makes the queue a subscription consumes. For
// topics and exchanges the subscriber owns a queue bound with the
// destination's key; selectors there are applied at routing.
func (c *conn) subscriptionQueue(s *subscription, f *Frame, filter *broker.SelectorFilter) (*broker.Queue, error) {
	d := s.dest
	switch d.kind {
	case "queue":
		return c.vhost.EnsureQueue(c.client, d.name)
	case "amq-queue":
		q, ok := c.vhost.Queue(d.name)
		if !ok {
			return nil, errorf("no queue '%s' in vhost '%s'", d.name, c.vhost.Name())
		}
		return q, nil
	case "temp-queue":
		real, err := c.tempQueue(d.name)
		if err != nil {
			return nil, err
		}
		q, _ := c.vhost.Queue(real)
		return q, nil
	}
	exchange, key := "amq.topic", bindingKey(d.name)
	if d.kind == "exchange" {
		exchange, key = d.name, d.key
	}
	spec := broker.QueueSpec{Exclusive: true, AutoDelete: true}
	if name := f.Value("activemq.subscriptionName"); name != "" {
		// ActiveMQ's durable subscriptions: the same (client ID, name) a
		// JMS durable subscriber uses, so both share one subscription.
		clientID := c.clientID
		if clientID == "" {
			return nil, errorf("a durable subscription needs a client-id header on CONNECT")
		}
		s.durable = clientID + ":" + name
	} else if f.Value("durable") == "true" || f.Value("persistent") == "true" {
		s.durable, s.rabbitMQ = "stomp-subscription-"+s.id, true
	}
	if s.durable != "" {
		spec = broker.QueueSpec{Name: s.durable, Durable: true, Implicit: true, Args: broker.ImplicitQueueArgs()}
	}
	q, err := c.vhost.DeclareQueue(c.client, spec, false)
	if err != nil {
		return nil, err
	}
	var bf broker.Filter
	if filter != nil {
		bf = filter
	}
	if err := c.vhost.QueueBindFiltered(c.client, q.Name(), exchange, key, bf); err != nil {
		return nil, err
	}
	return q, nil
}

func (c *conn) unsubscribe(f *Frame) error {
	id, ok := f.Get("id")
	if !ok {
		if c.version != "1.0" {
			return errorf("UNSUBSCRIBE without an id header")
		}
		id = f.Value("destination")
	}
	c.mu.Lock()
	s := c.subs[id]
	delete(c.subs, id)
	c.mu.Unlock()
	if s == nil {
		return errorf("no subscription %q", id)
	}
	s.cancel()
	c.mu.Lock()
	held := s.pending
	s.pending = nil
	for _, p := range held {
		delete(c.acks, p.id)
	}
	c.mu.Unlock()
	settlePending(held, broker.Requeue)
	// Removing a durable subscription: ActiveMQ names it again in
	// UNSUBSCRIBE; RabbitMQ repeats durable:true.
	if s.durable != "" && (f.Value("activemq.subscriptionName") != "" || (s.rabbitMQ && f.Value("durable") == "true")) {
		_, err := c.vhost.DeleteQueue(c.client, s.durable, false, false)
		return err
	}
	return nil
}

func (s *subscription) cancel() {
	if s.bc != nil {
		s.bc.Cancel()
	}
}

// Deliver implements broker.Sink; it runs under the queue's lock.
func (s *subscription) Deliver(d broker.Delivery) {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	id := fmt.Sprintf("%s-%d", c.session, c.nextID)
	if d.Entry != nil {
		p := &pending{id: id, sub: s, queue: d.Queue, entry: d.Entry}
		s.pending = append(s.pending, p)
		c.acks[id] = p
	}
	f := c.messageFrame(s, d, id)
	c.out.Append(func(b []byte) []byte {
		if s.ackMode == "auto" {
			c.out.Charge(s, len(d.Message.Body))
		}
		return AppendFrame(b, f, c.version)
	})
}

// Written implements outbound.Credit: auto-ack deliveries free their
// window once written. It does not need the core consumer, which may not
// be known yet when the first deliveries race Consume's return.
func (s *subscription) Written(n int, bytes int64) {
	broker.Kick(s.limit.Release(n, bytes))
}

// ConsumerCancelled implements broker.Sink: the queue was deleted.
func (s *subscription) ConsumerCancelled(*broker.Consumer) {
	c := s.c
	c.mu.Lock()
	if c.subs[s.id] != s {
		c.mu.Unlock()
		return
	}
	delete(c.subs, s.id)
	c.mu.Unlock()
	e := &Frame{Command: "ERROR"}
	e.Set("message", "subscription "+s.id+" was cancelled: its queue was deleted")
	c.write(e)
}

// ack settles by ACK (ok) or NACK. STOMP 1.2 names the message by the id
// the MESSAGE frame carried in its ack header; 1.0 and 1.1 by message-id.
func (c *conn) ack(f *Frame, ok bool) error {
	id := f.Value("message-id")
	if c.version == "1.2" {
		id = f.Value("id")
	}
	if id == "" {
		return errorf("%s without a message id", f.Command)
	}
	c.mu.Lock()
	p := c.acks[id]
	var settled []*pending
	if p != nil {
		s := p.sub
		idx := 0
		for i, x := range s.pending {
			if x == p {
				idx = i
				break
			}
		}
		if s.ackMode == "client" && ok {
			// Cumulative: this message and every earlier one.
			settled = append(settled, s.pending[:idx+1]...)
			s.pending = append(s.pending[:0:0], s.pending[idx+1:]...)
		} else {
			settled = []*pending{p}
			s.pending = append(s.pending[:idx:idx], s.pending[idx+1:]...)
		}
		for _, x := range settled {
			delete(c.acks, x.id)
		}
	}
	c.mu.Unlock()
	if p == nil {
		return errorf("%s for unknown message id %q", f.Command, id)
	}
	o := broker.Ack
	if !ok {
		o = broker.Requeue
		if f.Value("requeue") == "false" {
			o = broker.Reject
		}
	}
	if txID, inTx := f.Get("transaction"); inTx {
		t, err := c.tx(txID)
		if err != nil {
			return err
		}
		t.acked = append(t.acked, settled...)
		for _, x := range settled {
			t.tx.Settle(x.queue, []*broker.Entry{x.entry}, o)
		}
		return nil
	}
	settlePending(settled, o)
	return nil
}

func settlePending(ps []*pending, o broker.Outcome) {
	for _, p := range ps {
		p.queue.Settle([]*broker.Entry{p.entry}, o)
	}
}

// stompTx is a BEGIN ... COMMIT/ABORT transaction.
type stompTx struct {
	tx    *broker.Tx
	acked []*pending
}

func (c *conn) tx(id string) (*stompTx, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.txs[id]
	if t == nil {
		return nil, errorf("transaction %q is not active", id)
	}
	return t, nil
}

func (c *conn) begin(f *Frame) error {
	id := f.Value("transaction")
	if id == "" {
		return errorf("BEGIN without a transaction header")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.txs[id]; ok {
		return errorf("transaction %q is already active", id)
	}
	c.txs[id] = &stompTx{tx: broker.NewTx(c.client)}
	return nil
}

func (c *conn) endTx(f *Frame) (*stompTx, error) {
	id := f.Value("transaction")
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.txs[id]
	if t == nil {
		return nil, errorf("transaction %q is not active", id)
	}
	delete(c.txs, id)
	return t, nil
}

func (c *conn) commit(f *Frame, done func(error)) error {
	t, err := c.endTx(f)
	if err != nil {
		return err
	}
	t.tx.Commit(done)
	return nil
}

// abort discards the transaction's sends; its acknowledged messages are
// unacknowledged again and may be acknowledged later.
func (c *conn) abort(f *Frame) error {
	t, err := c.endTx(f)
	if err != nil {
		return err
	}
	t.tx.Rollback()
	c.mu.Lock()
	for _, p := range t.acked {
		p.sub.pending = append(p.sub.pending, p)
		c.acks[p.id] = p
	}
	c.mu.Unlock()
	return nil
}

// send publishes a SEND frame; done runs once the message is safe (on disk
// when it is persistent and reaches durable queues).
func (c *conn) send(f *Frame, done func(error)) error {
	destHeader, ok := f.Get("destination")
	if !ok {
		return errorf("SEND without a destination header")
	}
	d, err := parseDestination(destHeader)
	if err != nil {
		return err
	}
	if _, wait := c.srv.broker.Blocked(); wait != nil {
		// A resource alarm: stop reading until it clears (STOMP has no
		// flow-control frame).
		select {
		case <-wait:
		case <-c.done:
		}
	}
	exchange, key, err := c.route(d)
	if err != nil {
		return err
	}
	msg, err := c.coreMessage(f, exchange, key)
	if err != nil {
		return err
	}
	if txID, inTx := f.Get("transaction"); inTx {
		t, err := c.tx(txID)
		if err != nil {
			return err
		}
		t.tx.Publish(c.client, msg, nil, nil)
		done(nil)
		return nil
	}
	res, err := c.vhost.PublishDurable(c.client, msg, nil, done)
	if err != nil {
		return err
	}
	if !res.Stored {
		done(nil)
	}
	if res.Full != nil {
		// A queue over the destination memory limit: stop reading this
		// connection a while, as ActiveMQ blocks a STOMP producer's
		// transport and RabbitMQ puts its connection in flow.
		res.Full.Throttle(c.done)
	}
	return nil
}
