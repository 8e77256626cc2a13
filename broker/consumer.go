package broker

import (
	"sort"

	"github.com/junctionmq/junction/message"
)

// Delivery is a message handed to a consumer (or returned by Get).
type Delivery struct {
	Queue *Queue
	// Entry identifies the delivery for settlement; nil when the message was
	// delivered without acknowledgement.
	Entry   *Entry
	Message *message.Message
	// Redelivered is true if the message was delivered before.
	Redelivered bool
	// DeliveryCount is how many times the message was delivered before this
	// delivery (JMS's redelivery counter).
	DeliveryCount uint32
	Consumer      *Consumer
}

// Sink is the protocol session side of a consumer.
type Sink interface {
	// Deliver hands over a message. It is called with the queue's lock held:
	// it must not block and must not call back into the queue.
	Deliver(d Delivery)
	// ConsumerCancelled tells the session the broker ended the consumer
	// (its queue was deleted). Called without queue locks held.
	ConsumerCancelled(c *Consumer)
}

// Filter decides per message whether a consumer wants it (a JMS selector,
// JMS no-local). Messages a consumer's filter refuses stay in the queue for
// other consumers.
type Filter interface {
	Match(m *message.Message) bool
}

// ConsumerOptions describe a new consumer.
type ConsumerOptions struct {
	Tag       string
	NoAck     bool
	Exclusive bool
	Priority  int
	// Limit bounds this consumer's unsettled deliveries (nil = unlimited).
	// For NoAck consumers it bounds deliveries not yet written to the
	// client; the session releases it as it writes.
	Limit *Limiter
	// Shared bounds the unsettled deliveries of a group of consumers (AMQP
	// global qos: the channel). Nil for none.
	Shared *Limiter
	Filter Filter
	Args   message.Table
	// Solo asks for ActiveMQ's exclusive-consumer semantics: while a solo
	// consumer is subscribed it receives everything and other consumers
	// stand by; when it leaves, the next solo consumer (by priority, then
	// age) takes over. Unlike Exclusive, other consumers are not refused.
	Solo bool
}

// Consumer is a subscription to a queue.
type Consumer struct {
	queue     *Queue
	tag       string
	noAck     bool
	exclusive bool
	priority  int
	limit     *Limiter
	shared    *Limiter
	filter    Filter
	sink      Sink
	args      message.Table
	seq       uint64
	cancelled bool
	client    *Client
	solo      bool
}

// Tag returns the consumer tag.
func (c *Consumer) Tag() string { return c.tag }

// Queue returns the consumer's queue.
func (c *Consumer) Queue() *Queue { return c.queue }

// NoAck reports whether deliveries need no acknowledgement.
func (c *Consumer) NoAck() bool { return c.noAck }

// Priority returns the consumer priority.
func (c *Consumer) Priority() int { return c.priority }

// Exclusive reports whether the consumer has exclusive access.
func (c *Consumer) Exclusive() bool { return c.exclusive }

// Limit returns the consumer's own limiter (nil if unlimited).
func (c *Consumer) Limit() *Limiter { return c.limit }

// Args returns the consumer's arguments.
func (c *Consumer) Args() message.Table { return c.args }

// Client returns the connection the consumer belongs to.
func (c *Consumer) Client() *Client { return c.client }

// tryTake reserves capacity for one delivery on both limiters.
func (c *Consumer) tryTake(size int) bool {
	if c.limit != nil && !c.limit.tryTake(c.queue, size) {
		return false
	}
	if c.shared != nil && !c.shared.tryTake(c.queue, size) {
		if c.limit != nil {
			c.limit.untake(size)
		}
		return false
	}
	return true
}

// release returns the capacity of one settled delivery.
func (c *Consumer) release(size int) []*Queue {
	var kicks []*Queue
	if c.limit != nil && !c.noAck {
		kicks = c.limit.Release(1, int64(size))
	}
	if c.shared != nil {
		kicks = append(kicks, c.shared.Release(1, int64(size))...)
	}
	return kicks
}

// Written is called by a no-ack consumer's session once it has written n
// deliveries totalling size bytes, freeing write-buffer allowance.
func (c *Consumer) Written(n int, size int64) {
	if c.limit != nil {
		Kick(c.limit.Release(n, size))
	}
}

// Consume registers a consumer and starts dispatching to it.
func (q *Queue) Consume(cl *Client, opts ConsumerOptions, sink Sink) (*Consumer, error) {
	if err := cl.check(q.vhost, readAccess, q.name); err != nil {
		return nil, err
	}
	if err := q.checkOwner(cl); err != nil {
		return nil, err
	}
	c := &Consumer{
		queue:     q,
		tag:       opts.Tag,
		noAck:     opts.NoAck,
		exclusive: opts.Exclusive,
		priority:  opts.Priority,
		limit:     opts.Limit,
		shared:    opts.Shared,
		filter:    opts.Filter,
		sink:      sink,
		args:      opts.Args,
		client:    cl,
		solo:      opts.Solo,
	}
	if opts.NoAck {
		// A no-ack consumer settles at delivery, so only its own write
		// allowance bounds it; the channel's prefetch does not apply.
		c.shared = nil
	}
	var fx effects
	q.mu.Lock()
	if q.deleted {
		q.mu.Unlock()
		return nil, errorf(KindNotFound, "no queue '%s' in vhost '%s'", q.name, q.vhost.name)
	}
	if len(q.consumers) > 0 && (opts.Exclusive || q.consumers[0].exclusive || q.hasExclusiveLocked()) {
		q.mu.Unlock()
		return nil, errorf(KindAccessRefused, "queue '%s' in vhost '%s' in exclusive use", q.name, q.vhost.name)
	}
	q.consumerSeq++
	c.seq = q.consumerSeq
	q.consumers = append(q.consumers, c)
	q.sortConsumersLocked()
	if c.filter != nil {
		q.scanning++
	}
	if c.solo {
		q.solos++
	}
	q.hadConsumers = true
	if q.cfg.singleActive && q.active == nil {
		q.active = c
	}
	q.stopUnusedLocked()
	q.dispatchLocked(nowMillis(), nil, &fx)
	q.mu.Unlock()
	q.run(&fx)
	return c, nil
}

func (q *Queue) hasExclusiveLocked() bool {
	for _, c := range q.consumers {
		if c.exclusive {
			return true
		}
	}
	return false
}

// sortConsumersLocked orders consumers by priority (highest first), keeping
// registration order within a priority, and rebuilds the round-robin groups.
func (q *Queue) sortConsumersLocked() {
	sort.SliceStable(q.consumers, func(i, j int) bool { return q.consumers[i].priority > q.consumers[j].priority })
	q.groups = q.groups[:0]
	for i := 0; i < len(q.consumers); {
		j := i + 1
		for j < len(q.consumers) && q.consumers[j].priority == q.consumers[i].priority {
			j++
		}
		q.groups = append(q.groups, consumerGroup{start: i, end: j})
		i = j
	}
}

// Cancel removes the consumer. Its unsettled deliveries stay with the
// session, which settles or requeues them; an auto-delete queue whose last
// consumer leaves is deleted.
func (c *Consumer) Cancel() {
	q := c.queue
	var fx effects
	q.mu.Lock()
	q.removeConsumerLocked(c, &fx)
	q.mu.Unlock()
	q.run(&fx)
}

func (q *Queue) removeConsumerLocked(c *Consumer, fx *effects) {
	if c.cancelled {
		return
	}
	c.cancelled = true
	for i, x := range q.consumers {
		if x == c {
			q.consumers = append(q.consumers[:i], q.consumers[i+1:]...)
			break
		}
	}
	q.sortConsumersLocked()
	if c.filter != nil {
		q.scanning--
	}
	if c.solo {
		q.solos--
	}
	for g, owner := range q.msgGroups {
		if owner == c {
			delete(q.msgGroups, g)
		}
	}
	if q.active == c {
		q.active = nil
		var next *Consumer
		for _, x := range q.consumers {
			if next == nil || x.seq < next.seq {
				next = x
			}
		}
		q.active = next
	}
	if len(q.consumers) == 0 {
		if q.autoDelete && q.hadConsumers && !q.deleted {
			fx.deleteQueue = true
			return
		}
		q.startUnusedLocked()
	}
	q.dispatchLocked(nowMillis(), nil, fx)
}

// ConsumerCount returns the number of consumers.
func (q *Queue) ConsumerCount() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.consumers)
}

// Consumers returns a snapshot of the queue's consumers.
func (q *Queue) Consumers() []*Consumer {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]*Consumer(nil), q.consumers...)
}

// soloOwnerLocked is the solo consumer that receives everything: the
// first by priority and then age (consumers are kept in that order).
func (q *Queue) soloOwnerLocked() *Consumer {
	for _, c := range q.consumers {
		if c.solo {
			return c
		}
	}
	return nil
}

// eligible reports whether c may receive e, ignoring capacity.
func (q *Queue) eligible(c *Consumer, e *Entry) bool {
	if q.cfg.singleActive && c != q.active {
		return false
	}
	if q.solos > 0 && c != q.soloOwnerLocked() {
		return false
	}
	if c.filter != nil {
		m := q.messageLocked(e)
		if m == nil || !c.filter.Match(m) {
			return false
		}
	}
	if g := e.groupOf(); g != "" {
		if owner, ok := q.msgGroups[g]; ok && owner != c {
			return false
		}
	}
	return true
}

// pick chooses the consumer for e: the highest priority group with an
// eligible consumer that has capacity, round-robin within the group. The
// chosen consumer's capacity is already reserved.
func (q *Queue) pick(e *Entry) *Consumer {
	for gi := range q.groups {
		g := &q.groups[gi]
		n := g.end - g.start
		for k := 0; k < n; k++ {
			i := g.start + (g.cursor+k)%n
			c := q.consumers[i]
			if !q.eligible(c, e) || !c.tryTake(int(e.size)) {
				continue
			}
			g.cursor = (g.cursor + k + 1) % n
			return c
		}
	}
	return nil
}

// dispatchLocked delivers ready messages to consumers with capacity.
// arriving is the entry just enqueued, which may be delivered even if it
// expired on arrival.
func (q *Queue) dispatchLocked(now int64, arriving *Entry, fx *effects) {
	if q.deleted || len(q.consumers) == 0 {
		if arriving == nil {
			q.expireHeadsLocked(now, fx)
		}
		return
	}
	if q.scanning > 0 {
		q.dispatchScanLocked(now, arriving, fx)
		return
	}
	for {
		e := q.ready.first()
		if e == nil {
			return
		}
		if e != arriving && e.expiresAt != 0 && e.expiresAt <= now {
			q.expireLocked(e, fx)
			continue
		}
		if e.group != nil {
			// Message groups pin messages to consumers, so a blocked group
			// must not hold back the rest: fall back to scanning.
			q.dispatchScanLocked(now, arriving, fx)
			return
		}
		if q.messageLocked(e) == nil {
			q.dropUnreadableLocked(e)
			continue
		}
		c := q.pick(e)
		if c == nil {
			return
		}
		q.ready.take(e)
		c.sink.Deliver(q.deliveryLocked(e, c, c.noAck))
	}
}

// dispatchScanLocked is dispatch when some consumer filters messages: a
// message nobody wants stays, and later messages are still offered.
func (q *Queue) dispatchScanLocked(now int64, arriving *Entry, fx *effects) {
	q.expireHeadsLocked(now, fx)
	var expired []*Entry
	// Entries taken during the walk stay as tombstones so the walk's
	// positions stay valid; the fronts are trimmed afterwards.
	q.ready.scanning = true
	defer q.ready.endScan()
	q.ready.each(func(e *Entry) bool {
		if e != arriving && e.expiresAt != 0 && e.expiresAt <= now {
			expired = append(expired, e)
			return true
		}
		c := q.pick(e)
		if c == nil {
			return q.anyCapacity()
		}
		if q.messageLocked(e) == nil {
			q.dropUnreadableLocked(e)
			return true
		}
		if g := e.groupOf(); g != "" {
			if q.msgGroups == nil {
				q.msgGroups = map[string]*Consumer{}
			}
			q.msgGroups[g] = c
		}
		q.ready.take(e)
		c.sink.Deliver(q.deliveryLocked(e, c, c.noAck))
		return true
	})
	for _, e := range expired {
		if e.state == stateReady {
			q.expireLocked(e, fx)
		}
	}
}

// anyCapacity reports whether some consumer could take another message, so
// a dispatch scan stops as soon as nobody can.
func (q *Queue) anyCapacity() bool {
	for _, c := range q.consumers {
		if (c.limit == nil || c.limit.allows(0)) && (c.shared == nil || c.shared.allows(0)) {
			return true
		}
	}
	return false
}

func (q *Queue) expireLocked(e *Entry, fx *effects) {
	if q.cfg.hasDLX {
		if m := q.messageLocked(e); m != nil {
			fx.deadLetters = append(fx.deadLetters, deadLetter{msg: m, reason: "expired"})
		}
	} else if e.msg == nil {
		q.unpagedLocked(e)
	}
	q.ready.take(e)
	e.state = stateSettled
	q.forgetLocked(e)
	q.stats.Expired++
}
