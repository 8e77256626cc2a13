package openwire

import (
	"sync"
	"time"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/openwire/wire"
)

// consumer is a JMS MessageConsumer: one or more core subscriptions (one
// per queue of a composite destination; one subscription queue for a
// topic) sharing a prefetch window, and the list of messages dispatched and
// not yet settled, in dispatch order, which acknowledgements refer to.
type consumer struct {
	c       *conn
	info    *wire.ConsumerInfo
	key     consumerKey
	limit   *broker.Limiter
	pull    bool
	durable bool
	subs    []*broker.Consumer

	mu         sync.Mutex
	dispatched []*dispatched
	closed     bool
	pulling    bool // a MessagePull waits for a message
	pullTimer  *time.Timer
	copies     dispatchCopies
	spare      []*dispatched // settled records, for reuse
}

// dispatched is one message delivered to the consumer and not settled.
type dispatched struct {
	id        msgKey
	queue     *broker.Queue
	entry     *broker.Entry
	brokerSeq int64
	delivered bool // the client reported it delivered (DELIVERED ack)
	tx        *txn // the transaction whose ack covers it, if any
}

// msgKey identifies a dispatched message the way acks name it.
type msgKey struct {
	producer       string
	session, value int64
	producerSeq    int64
	brokerSeq      int64
}

func keyOf(id *wire.MessageId) msgKey {
	if id == nil {
		return msgKey{}
	}
	k := msgKey{producerSeq: id.ProducerSequenceId, brokerSeq: id.BrokerSequenceId}
	if p := id.ProducerId; p != nil {
		k.producer, k.session, k.value = p.ConnectionId, p.SessionId, p.Value
	}
	return k
}

// sink receives deliveries for one of the consumer's core subscriptions.
type sink struct {
	cs *consumer
	q  *broker.Queue
}

func (s *sink) Deliver(d broker.Delivery)          { s.cs.deliver(d, s.q) }
func (s *sink) ConsumerCancelled(*broker.Consumer) {}

func (c *conn) addConsumer(info *wire.ConsumerInfo) error {
	if info.ConsumerId == nil || info.Destination == nil {
		return &jmsError{class: "JMSException", msg: "ConsumerInfo without ConsumerId or Destination"}
	}
	filter, err := broker.NewSelectorFilter(info.Selector.Value, info.NoLocal, c.client.ID, false)
	if err != nil {
		return &jmsError{class: "InvalidSelectorException", msg: err.Error()}
	}
	if filter.Empty() {
		filter = nil
	}
	k := consumerKey{info.ConsumerId.SessionId, info.ConsumerId.Value}
	c.addSession(k.session)
	cs := &consumer{c: c, info: info, key: k}
	if info.Browser {
		return c.browse(cs, filter)
	}
	if info.PrefetchSize <= 0 {
		cs.pull = true
		cs.limit = broker.NewPullLimiter()
	} else {
		cs.limit = broker.NewLimiter(int(info.PrefetchSize), 0)
	}
	c.mu.Lock()
	c.consumers[k] = cs
	c.sessions[k.session].consumers[k] = true
	c.mu.Unlock()
	if err := c.subscribe(cs, filter); err != nil {
		c.mu.Lock()
		delete(c.consumers, k)
		delete(c.sessions[k.session].consumers, k)
		c.mu.Unlock()
		cs.close(wire.LastDeliveredNone)
		return err
	}
	if info.Destination.Kind.IsTopic() {
		c.srv.temps.replayAdvisories(cs)
	}
	c.adviseConsumer(info, true)
	return nil
}

// subscribe creates the core subscriptions of a consumer.
func (c *conn) subscribe(cs *consumer, filter *broker.SelectorFilter) error {
	info := cs.info
	opts := broker.ConsumerOptions{
		Tag:      info.ConsumerId.String(),
		Priority: int(info.Priority),
		Limit:    cs.limit,
		Solo:     info.Exclusive,
	}
	if !info.Destination.Kind.IsTopic() {
		// Queues: the selector is evaluated per consumer at dispatch;
		// messages it refuses stay for other consumers.
		if filter != nil {
			opts.Filter = filter
		}
		for _, d := range compositeDests(info.Destination) {
			name := d.PhysicalName
			var q *broker.Queue
			var err error
			if d.Kind == wire.TempQueue {
				var ok bool
				if q, ok = c.vhost.Queue(name); !ok {
					return &jmsError{class: "InvalidDestinationException", msg: "Cannot subscribe to a deleted Destination: " + destinationURI(info.Destination)}
				}
			} else if q, err = c.ensureQueue(name); err != nil {
				return err
			}
			if err := cs.consume(q, opts); err != nil {
				return err
			}
		}
		return nil
	}
	// Topics: the subscriber owns a queue bound to the topic exchange; the
	// selector and no-local are applied at routing, so messages nobody
	// wants never reach the queue.
	q, err := c.topicQueue(cs, filter)
	if err != nil {
		return err
	}
	return cs.consume(q, opts)
}

func (cs *consumer) consume(q *broker.Queue, opts broker.ConsumerOptions) error {
	sub, err := q.Consume(cs.c.client, opts, &sink{cs: cs, q: q})
	if err != nil {
		return err
	}
	cs.mu.Lock()
	cs.subs = append(cs.subs, sub)
	cs.mu.Unlock()
	return nil
}

// topicQueue declares and binds the queue a topic subscriber consumes: an
// exclusive auto-delete queue for an ordinary subscriber, a durable one
// named after client ID and subscription name for a durable subscriber.
func (c *conn) topicQueue(cs *consumer, filter *broker.SelectorFilter) (*broker.Queue, error) {
	info := cs.info
	spec := broker.QueueSpec{Exclusive: true, AutoDelete: true}
	if info.SubscriptionName.Valid && info.SubscriptionName.Value != "" {
		if c.clientID == "" {
			return nil, &jmsError{class: "JMSException", msg: "You cannot create a durable subscriber without specifying a unique clientID on a Connection"}
		}
		cs.durable = true
		name := durableQueueName(c.clientID, info.SubscriptionName.Value)
		wantArgs := durableArgs(info)
		if q, ok := c.vhost.Queue(name); ok {
			if q.ConsumerCount() > 0 {
				return nil, &jmsError{class: "JMSException", msg: "Durable consumer is in use for client: " + c.clientID + " and subscriptionName: " + info.SubscriptionName.Value}
			}
			if sameDurable(q.Spec().Args, wantArgs) {
				return q, nil
			}
			// A changed topic, selector or no-local replaces the
			// subscription, as in ActiveMQ.
			if _, err := c.vhost.DeleteQueue(c.client, name, false, false); err != nil {
				return nil, err
			}
		}
		spec = broker.QueueSpec{Name: name, Durable: true, Args: wantArgs}
	}
	q, err := c.vhost.DeclareQueue(c.client, spec, false)
	if err != nil {
		return nil, err
	}
	for _, name := range compositeNames(info.Destination) {
		var f broker.Filter
		if filter != nil {
			f = filter
		}
		if err := c.vhost.QueueBindFiltered(c.client, q.Name(), topicExchange, bindingKey(name), f); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// deliver runs under the queue's lock: record the delivery and write the
// dispatch in the same critical section, so the dispatched list and the
// wire agree on order.
func (cs *consumer) deliver(d broker.Delivery, q *broker.Queue) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	// The dispatch and, for OpenWire messages, the copy of the message are
	// the consumer's reusable ones (guarded by mu), cleared once written.
	var msg wire.MessageCommand
	if native := nativeMessage(d.Message); native != nil {
		msg = cs.copies.copyOf(native)
		cs.c.srv.stampDispatch(msg.GetMessage(), &cs.copies.id, d, q)
	} else {
		msg = cs.c.srv.dispatchMessage(d, q)
	}
	defer cs.copies.reset()
	md := &cs.copies.md
	*md = wire.MessageDispatch{
		ConsumerId:        cs.info.ConsumerId,
		Destination:       msg.GetMessage().Destination,
		Message:           msg,
		RedeliveryCounter: int32(d.DeliveryCount),
	}
	if d.Entry != nil {
		rec := cs.record()
		*rec = dispatched{
			id:        keyOf(msg.GetMessage().MessageId),
			queue:     q,
			entry:     d.Entry,
			brokerSeq: msg.GetMessage().MessageId.BrokerSequenceId,
		}
		cs.dispatched = append(cs.dispatched, rec)
	}
	if cs.closed {
		return
	}
	if cs.pulling {
		cs.pulling = false
		if cs.pullTimer != nil {
			cs.pullTimer.Stop()
			cs.pullTimer = nil
		}
	}
	cs.c.write(md)
}

// close cancels the consumer's subscriptions and returns what it still
// holds. Messages up to lastDelivered (in dispatch order) reached the
// application and count as delivered; the rest are returned unseen.
func (cs *consumer) close(lastDelivered int64) {
	cs.mu.Lock()
	cs.closed = true
	subs := cs.subs
	if cs.pullTimer != nil {
		cs.pullTimer.Stop()
	}
	cs.mu.Unlock()
	for _, s := range subs {
		s.Cancel()
	}
	cs.mu.Lock()
	held := cs.dispatched
	cs.dispatched = nil
	cs.mu.Unlock()
	var requeue, ret []*dispatched
	for _, d := range held {
		// The client names the last message its application saw (often
		// one already acknowledged); broker sequence numbers grow in
		// dispatch order, so everything up to it was seen and the rest was
		// only prefetched.
		seen := lastDelivered == wire.LastDeliveredUnknown ||
			(lastDelivered != wire.LastDeliveredNone && d.brokerSeq <= lastDelivered)
		if seen {
			requeue = append(requeue, d)
		} else {
			ret = append(ret, d)
		}
	}
	settle(requeue, broker.Requeue)
	settle(ret, broker.Return)
	cs.c.adviseConsumer(cs.info, false)
}

// settlement is what settling a dispatched message takes, copied out of
// its record so that the record can be reused.
type settlement struct {
	queue *broker.Queue
	entry *broker.Entry
}

// settle applies an outcome to dispatched messages, grouped by queue.
func settle(ds []*dispatched, o broker.Outcome) { settleCause(ds, o, "") }

func settleCause(ds []*dispatched, o broker.Outcome, cause string) {
	ss := make([]settlement, len(ds))
	for i, d := range ds {
		ss[i] = settlement{d.queue, d.entry}
	}
	settleAll(ss, o, cause)
}

func settleAll(ss []settlement, o broker.Outcome, cause string) {
	if len(ss) == 0 {
		return
	}
	if q := ss[0].queue; sameQueue(ss, q) {
		// The usual case, one queue: no grouping, and for a few messages
		// no allocation.
		var buf [8]*broker.Entry
		entries := buf[:0]
		for _, s := range ss {
			entries = append(entries, s.entry)
		}
		q.SettleCause(entries, o, cause)
		return
	}
	byQueue := map[*broker.Queue][]*broker.Entry{}
	var order []*broker.Queue
	for _, s := range ss {
		if _, ok := byQueue[s.queue]; !ok {
			order = append(order, s.queue)
		}
		byQueue[s.queue] = append(byQueue[s.queue], s.entry)
	}
	for _, q := range order {
		q.SettleCause(byQueue[q], o, cause)
	}
}

func sameQueue(ss []settlement, q *broker.Queue) bool {
	for _, s := range ss {
		if s.queue != q {
			return false
		}
	}
	return true
}

// span locates the dispatched messages an ack names: from first (or the
// oldest, when first is nil) through last, in dispatch order. Call with mu
// held.
func (cs *consumer) span(first, last *wire.MessageId) (start, end int, ok bool) {
	lastKey := keyOf(last)
	end = -1
	for i, d := range cs.dispatched {
		if d.id == lastKey {
			end = i
			break
		}
	}
	if end < 0 {
		return 0, 0, false
	}
	if first != nil {
		firstKey := keyOf(first)
		for i := 0; i <= end; i++ {
			if cs.dispatched[i].id == firstKey {
				start = i
				break
			}
		}
	}
	return start, end, true
}

// find appends to out the dispatched messages an ack names (see span);
// they stay in the list.
func (cs *consumer) find(out []*dispatched, first, last *wire.MessageId) []*dispatched {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if start, end, ok := cs.span(first, last); ok {
		out = append(out, cs.dispatched[start:end+1]...)
	}
	return out
}

// markDelivered records a DELIVERED ack for the messages it names.
func (cs *consumer) markDelivered(first, last *wire.MessageId) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if start, end, ok := cs.span(first, last); ok {
		for _, d := range cs.dispatched[start : end+1] {
			d.delivered = true
		}
	}
}

// maxSpare bounds the settled records a consumer keeps for reuse.
const maxSpare = 256

// take removes the dispatched messages an ack names (see span) from the
// list and appends what settling them takes to out. Their records are
// reused for later dispatches, except those a transaction acknowledged:
// the transaction's list may still hold them.
func (cs *consumer) take(out []settlement, first, last *wire.MessageId) []settlement {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	start, end, ok := cs.span(first, last)
	if !ok {
		return out
	}
	for _, d := range cs.dispatched[start : end+1] {
		out = append(out, settlement{d.queue, d.entry})
		if d.tx == nil && len(cs.spare) < maxSpare {
			*d = dispatched{}
			cs.spare = append(cs.spare, d)
		}
	}
	if start == 0 && len(cs.dispatched)-end-1 > compactBelow {
		// Acks usually settle the oldest messages: with many left, drop
		// them from the front without moving the rest (a prefetch's worth
		// per ack); append reallocates once the array is used up.
		clear(cs.dispatched[:end+1])
		cs.dispatched = cs.dispatched[end+1:]
	} else {
		// With few left, move them down instead, so that a consumer that
		// keeps up keeps using the same array rather than reallocating a
		// tiny one every few messages.
		n := copy(cs.dispatched[start:], cs.dispatched[end+1:])
		clear(cs.dispatched[start+n:])
		cs.dispatched = cs.dispatched[:start+n]
	}
	return out
}

// compactBelow is the number of unsettled messages up to which take moves
// them to the front of the array.
const compactBelow = 64

// record returns a dispatched record to fill: a spare one if any. Call
// with mu held.
func (cs *consumer) record() *dispatched {
	if n := len(cs.spare); n > 0 {
		d := cs.spare[n-1]
		cs.spare[n-1] = nil
		cs.spare = cs.spare[:n-1]
		return d
	}
	return new(dispatched)
}

// forget removes specific dispatched messages (settled by a transaction).
func (cs *consumer) forget(ds []*dispatched) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	drop := make(map[*dispatched]bool, len(ds))
	for _, d := range ds {
		drop[d] = true
	}
	kept := cs.dispatched[:0]
	for _, d := range cs.dispatched {
		if !drop[d] {
			kept = append(kept, d)
		}
	}
	clear(cs.dispatched[len(kept):])
	cs.dispatched = kept
}
