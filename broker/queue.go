package broker

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/store"
)

type entryState uint8

const (
	stateReady entryState = iota
	stateUnacked
	stateSettled
)

// Entry is one message's place in one queue. Protocol sessions hold the
// entries they delivered and hand them back to settle them.
type Entry struct {
	msg      *message.Message
	consumer *Consumer
	seq      uint64
	// id is the store's id of a stored entry's message. A stored entry deep
	// in a long queue keeps only what dispatch needs (msg is nil): the body
	// is read back from the store (refLocked) when the message nears the
	// head, so a huge backlog does not live in memory.
	id        uint64
	expiresAt int64
	// group is nil for the usual message without a JMSXGroupID: the entry
	// is 64 bytes, not 80, and a backlog keeps one per message.
	group      *string
	size       uint32
	deliveries uint32
	priority   uint8
	state      entryState
	inDeque    bool
	stored     bool // the store holds it: settling it writes an ack
}

// groupOf is the entry's message group, "" for none.
func (e *Entry) groupOf() string {
	if e.group == nil {
		return ""
	}
	return *e.group
}

// groupRef is how an entry keeps group g.
func groupRef(g string) *string {
	if g == "" {
		return nil
	}
	// Not &g: that would move the parameter to the heap on every call,
	// groupless messages included.
	p := new(string)
	*p = g
	return p
}

// entrySize is how an entry keeps a body size; bodies are far below 4 GiB
// (frame limits), so the clamp never applies in practice.
func entrySize(n int) uint32 { return uint32(min(max(n, 0), math.MaxUint32)) }

// Message returns the entry's message (nil while paged out; deliveries
// always carry the message).
func (e *Entry) Message() *message.Message { return e.msg }

// Seq is the entry's position in its queue, increasing in enqueue order.
func (e *Entry) Seq() uint64 { return e.seq }

// QueueSpec is a queue declaration.
type QueueSpec struct {
	Name       string
	Durable    bool
	Exclusive  bool
	AutoDelete bool
	Args       message.Table
	// Implicit marks a queue a client created by using it (a JMS or STOMP
	// destination) rather than by declaring it. Such a queue accepts later
	// declarations whatever their arguments: an AMQP client declaring the
	// queue a JMS producer created must not fail for not repeating the
	// JMS defaults.
	Implicit bool
}

// QueueStats are cumulative counters for management and metrics.
type QueueStats struct {
	Published   uint64
	Delivered   uint64
	Acked       uint64
	Redelivered uint64
	Expired     uint64
	Dropped     uint64
}

// Queue holds messages and dispatches them to consumers. All state below mu
// is guarded by it; operations that must reach outside the queue
// (dead-letter publishes, consumer cancel notifications, auto-delete) are
// collected as effects and run after mu is released, so a queue never holds
// its lock while taking another queue's.
type Queue struct {
	vhost      *VHost
	name       string
	durable    bool
	exclusive  bool
	autoDelete bool
	implicit   bool
	id         store.QueueID // non-zero for queues whose messages are stored
	owner      uint64
	args       message.Table
	cfg        queueConfig

	mu           sync.Mutex
	ready        readyList
	unacked      int
	nextSeq      uint64
	consumers    []*Consumer
	groups       []consumerGroup
	active       *Consumer // the single active consumer, if x-single-active-consumer
	consumerSeq  uint64
	hadConsumers bool
	scanning     int // consumers that may refuse messages (selectors), forcing a scan past the head
	solos        int // consumers with ActiveMQ exclusive-consumer semantics
	msgGroups    map[string]*Consumer
	paged        int           // ready entries whose bodies are only in the store
	pagedBytes   int64         // their sizes
	flowTick     atomic.Uint32 // publishes, for the flow check's sampling
	deleted      bool
	stats        QueueStats

	expiryTimer *time.Timer
	expiryAt    int64
	// expiring is set for good once the queue has held an entry with an
	// expiry: until then no comparison against the clock can succeed, so
	// publishes and acks need not read it (see clockLocked).
	expiring bool
	// direct is the entry of a message delivered straight to a no-ack
	// consumer (see deliverDirectLocked); zero between uses.
	direct      Entry
	unusedTimer *time.Timer
	unusedGen   uint64
}

// consumerGroup is a run of consumers of equal priority within q.consumers
// and the round-robin cursor over it.
type consumerGroup struct {
	start, end int
	cursor     int
}

func newQueue(v *VHost, spec QueueSpec, cfg queueConfig, owner uint64) *Queue {
	q := &Queue{
		vhost:      v,
		name:       spec.Name,
		durable:    spec.Durable,
		exclusive:  spec.Exclusive,
		autoDelete: spec.AutoDelete,
		implicit:   spec.Implicit,
		owner:      owner,
		args:       spec.Args,
		cfg:        cfg,
		ready:      newReadyList(cfg.maxPriority),
	}
	return q
}

// Name returns the queue's name.
func (q *Queue) Name() string { return q.name }

// VHost returns the vhost the queue lives in.
func (q *Queue) VHost() *VHost { return q.vhost }

// Spec returns the queue's declaration.
func (q *Queue) Spec() QueueSpec {
	return QueueSpec{Name: q.name, Durable: q.durable, Exclusive: q.exclusive, AutoDelete: q.autoDelete, Args: q.args}
}

// Owner returns the connection owning an exclusive queue (0 if none).
func (q *Queue) Owner() uint64 { return q.owner }

// Counts returns ready and unacknowledged messages and the consumer count.
func (q *Queue) Counts() (ready, unacked, consumers int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.ready.count, q.unacked, len(q.consumers)
}

// ReadyBytes returns the body bytes of ready messages.
func (q *Queue) ReadyBytes() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.ready.bytes
}

// Stats returns the queue's cumulative counters.
func (q *Queue) Stats() QueueStats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.stats
}

// effects are actions decided under a queue's lock and carried out after
// it is released.
type effects struct {
	deadLetters []deadLetter
	cancelled   []*Consumer
	kicks       []*Queue
	deleteQueue bool
	armExpiry   bool
}

type deadLetter struct {
	msg    *message.Message
	reason string
	cause  string // why a client gave up on it, if it said
}

func (q *Queue) run(fx *effects) {
	if fx.armExpiry {
		q.mu.Lock()
		q.armExpiryLocked()
		q.mu.Unlock()
	}
	for _, c := range fx.cancelled {
		c.sink.ConsumerCancelled(c)
	}
	if len(fx.deadLetters) > 0 {
		q.vhost.deadLetter(q, fx.deadLetters)
	}
	for _, k := range fx.kicks {
		if k != q {
			k.kick()
		}
	}
	if fx.deleteQueue {
		q.vhost.deleteQueueInternal(q)
	}
}

// enqueue adds a published message. It reports false when the queue refused
// it (x-overflow reject-publish) or no longer exists.
func (q *Queue) enqueue(msg *message.Message, now int64) bool {
	var fx effects
	q.mu.Lock()
	ok := q.enqueueLocked(msg, now, &fx)
	q.mu.Unlock()
	q.run(&fx)
	return ok
}

func (q *Queue) enqueueLocked(msg *message.Message, now int64, fx *effects) bool {
	if !q.admitLocked(msg, fx) {
		return false
	}
	q.nextSeq++
	if !q.deliverDirectLocked(msg, q.nextSeq, now) {
		q.addLocked(msg, q.nextSeq, false, now, fx)
	}
	return true
}

// deliverDirectLocked hands an arriving transient message straight to a
// consumer when nothing is ready ahead of it and dispatch would pick the
// head without scanning: what addLocked's push, dispatch and take would
// do, minus the ready list. A no-ack consumer's entry is settled on
// delivery and referenced by nobody afterwards, so it is built in the
// queue's scratch entry, saving an allocation per message. It reports
// false when the message must take the normal path (addLocked).
func (q *Queue) deliverDirectLocked(msg *message.Message, seq uint64, now int64) bool {
	if q.ready.count != 0 || len(q.consumers) == 0 || q.scanning > 0 || msg.GroupID != "" {
		return false
	}
	if q.cfg.overflow == DropHead && q.overLimit(1, int64(msg.Size())) {
		// addLocked would drop the message itself before dispatching it.
		return false
	}
	e := &q.direct
	q.initEntryLocked(e, msg, seq, false, now)
	c := q.pick(e)
	if c == nil {
		*e = Entry{}
		return false
	}
	if !c.noAck {
		// An unacked entry lives on with the consumer.
		e = new(Entry)
		*e = q.direct
	}
	q.stats.Published++
	d := q.deliveryLocked(e, c, c.noAck)
	q.direct = Entry{} // drops the message reference
	c.sink.Deliver(d)
	return true
}

// admitLocked applies x-overflow's refusals to an arriving message.
func (q *Queue) admitLocked(msg *message.Message, fx *effects) bool {
	if q.deleted {
		return false
	}
	if q.overLimit(1, int64(msg.Size())) {
		switch q.cfg.overflow {
		case RejectPublish:
			q.stats.Dropped++
			return false
		case RejectPublishDLX:
			q.stats.Dropped++
			fx.deadLetters = append(fx.deadLetters, deadLetter{msg: msg, reason: "maxlen"})
			return false
		}
	}
	return true
}

// reserve admits a persistent message and gives it a sequence number
// before the store writes it; enqueueReserved then makes it visible.
// It also reports whether msg will likely go straight to a consumer (one is
// attached and nothing is ready ahead of it), and whether the queue has a
// message TTL (the store then keeps the arrival time it runs from).
func (q *Queue) reserve(msg *message.Message) (seq uint64, ok, direct, ttl bool) {
	var fx effects
	q.mu.Lock()
	ok = q.admitLocked(msg, &fx)
	if ok {
		q.nextSeq++
		seq = q.nextSeq
		direct = len(q.consumers) > 0 && q.ready.count == 0
		ttl = q.cfg.messageTTL >= 0
	}
	q.mu.Unlock()
	q.run(&fx)
	return seq, ok, direct, ttl
}

func (q *Queue) enqueueReserved(msg *message.Message, seq uint64, ref store.MsgRef, now int64) {
	var fx effects
	q.mu.Lock()
	if !q.deleted {
		e := q.addLocked(msg, seq, true, now, &fx)
		e.id = ref.ID()
		q.maybePageOutLocked(e)
	}
	q.mu.Unlock()
	q.run(&fx)
}

// addLocked makes an admitted message ready and dispatches. now may be
// clockUnread.
func (q *Queue) addLocked(msg *message.Message, seq uint64, stored bool, now int64, fx *effects) *Entry {
	e := new(Entry)
	now = q.initEntryLocked(e, msg, seq, stored, now)
	q.stats.Published++
	if stored {
		// Reserved sequence numbers may arrive out of order.
		q.ready.insert(e)
	} else {
		q.ready.push(e)
	}
	if q.cfg.overflow == DropHead {
		q.dropHeadLocked(fx)
	}
	// A message that expires on arrival (TTL 0) still goes to a consumer
	// that can take it right now, as in RabbitMQ.
	q.dispatchLocked(now, e, fx)
	if e.state == stateReady && e.expiresAt != 0 && (q.expiryAt == 0 || e.expiresAt < q.expiryAt) {
		fx.armExpiry = true
	}
	return e
}

// initEntryLocked fills in a new entry for msg, applying the queue's
// message TTL, and returns now, read from the clock if it was needed.
func (q *Queue) initEntryLocked(e *Entry, msg *message.Message, seq uint64, stored bool, now int64) int64 {
	*e = Entry{msg: msg, seq: seq, size: entrySize(msg.Size()), priority: msg.Priority, expiresAt: msg.ExpiresAt, stored: stored, group: groupRef(msg.GroupID)}
	if e.expiresAt != 0 || q.cfg.messageTTL >= 0 {
		q.expiring = true
	}
	now = q.clockLocked(now)
	if q.cfg.messageTTL >= 0 {
		if exp := now + q.cfg.messageTTL; e.expiresAt == 0 || exp < e.expiresAt {
			e.expiresAt = exp
		}
	}
	return now
}

// maybePageOutLocked drops a stored ready entry's body when the queue
// already keeps its in-memory window of bodies.
func (q *Queue) maybePageOutLocked(e *Entry) {
	if e.stored && e.state == stateReady && e.msg != nil && q.overWindowLocked() {
		e.msg = nil
		q.pagedOutLocked(e)
	}
}

// overWindowLocked says whether the ready entries hold more bodies than
// the queue keeps in memory.
func (q *Queue) overWindowLocked() bool { return q.pagesAtLocked(q.ready.count, q.ready.bytes) }

// pagesAtLocked is overWindowLocked for a ready list of count entries and
// bytes body bytes.
func (q *Queue) pagesAtLocked(count int, bytes int64) bool {
	limit := q.vhost.broker.pageLimit
	// Stored bodies also go out before they fill half the flow limit, so a
	// persistent backlog never makes its own publishers wait for memory.
	flow := q.vhost.broker.flowLimit
	return limit > 0 && (count > limit || flow > 0 && memoryOf(count-q.paged, bytes-q.pagedBytes) > flow/2)
}

// pagedOutLocked counts in an entry whose body is on disk only.
func (q *Queue) pagedOutLocked(e *Entry) {
	q.paged++
	q.pagedBytes += int64(e.size)
}

// unpagedLocked counts out a paged-out entry that was read back or left
// the queue.
func (q *Queue) unpagedLocked(e *Entry) {
	q.paged--
	q.pagedBytes -= int64(e.size)
}

// messageLocked returns an entry's message, reading a paged-out body back
// from the store. A body that cannot be read is reported and the entry
// dropped (nil).
func (q *Queue) messageLocked(e *Entry) *message.Message {
	if e.msg != nil {
		return e.msg
	}
	body, err := q.vhost.broker.store.ReadMessage(q.refLocked(e))
	var m *message.Message
	if err == nil {
		m, err = message.Decode(body)
	}
	if err != nil {
		q.vhost.log().Error("cannot read a paged-out message back from the store; it is dropped", "queue", q.name, "seq", e.seq, "err", err)
		return nil
	}
	e.msg = m
	q.unpagedLocked(e)
	return m
}

// refLocked is where the store keeps a stored entry's body.
func (q *Queue) refLocked(e *Entry) store.MsgRef { return store.RefAt(q.id, e.seq, e.id) }

// forgetLocked tells the store a stored entry is gone for good.
func (q *Queue) forgetLocked(e *Entry) { q.forgetStoredLocked(e, false) }

// forgetConsumedLocked is forgetLocked for an entry a consumer took (an
// ack, or a delivery in no-ack mode): the store may then release a
// publisher still waiting for this message's fsync.
func (q *Queue) forgetConsumedLocked(e *Entry) { q.forgetStoredLocked(e, true) }

func (q *Queue) forgetStoredLocked(e *Entry, consumed bool) {
	st := q.vhost.broker.store
	if !e.stored || q.id == 0 || st == nil {
		return
	}
	var err error
	if consumed {
		err = st.AckConsumed(q.id, e.seq)
	} else {
		err = st.Ack(q.id, e.seq, nil)
	}
	if err != nil {
		q.vhost.log().Error("cannot record an ack in the store", "queue", q.name, "err", err)
	}
	e.stored = false
}

// overLimit reports whether adding n messages of size bytes would exceed
// x-max-length or x-max-length-bytes. Only ready messages count, as in
// RabbitMQ.
func (q *Queue) overLimit(n int, size int64) bool {
	if q.cfg.maxLength >= 0 && int64(q.ready.count+n) > q.cfg.maxLength {
		return true
	}
	if q.cfg.maxBytes >= 0 && q.ready.bytes+size > q.cfg.maxBytes {
		return true
	}
	return false
}

func (q *Queue) dropHeadLocked(fx *effects) {
	for q.overLimit(0, 0) {
		e := q.ready.first()
		if e == nil {
			return
		}
		if q.cfg.hasDLX {
			if m := q.messageLocked(e); m != nil {
				fx.deadLetters = append(fx.deadLetters, deadLetter{msg: m, reason: "maxlen"})
			}
		} else if e.msg == nil {
			q.unpagedLocked(e)
		}
		q.ready.take(e)
		e.state = stateSettled
		q.forgetLocked(e)
		q.stats.Dropped++
	}
}

// Purge removes every ready message and returns how many there were.
func (q *Queue) Purge() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := q.ready.count
	var stored []uint64
	q.paged, q.pagedBytes = 0, 0
	q.ready.drain(func(e *Entry) {
		e.state = stateSettled
		if e.stored {
			stored = append(stored, e.seq)
			e.stored = false
		}
	})
	if len(stored) > 0 {
		// Unacknowledged messages stay stored; acknowledge the purged ones
		// individually unless everything up to now went.
		st := q.vhost.broker.store
		if q.unacked == 0 {
			_ = st.PurgeQueue(q.id, q.nextSeq, nil)
		} else {
			for _, seq := range stored {
				_ = st.Ack(q.id, seq, nil)
			}
		}
	}
	return n
}

// Browse visits ready messages in dispatch order without consuming them.
func (q *Queue) Browse(fn func(m *message.Message, redelivered bool) bool) {
	type item struct {
		m           *message.Message
		redelivered bool
	}
	q.mu.Lock()
	items := make([]item, 0, q.ready.count)
	q.ready.each(func(e *Entry) bool {
		m := e.msg
		if m == nil {
			// Read paged-out bodies without keeping them: browsing must
			// not pull a whole backlog into memory.
			if body, err := q.vhost.broker.store.ReadMessage(q.refLocked(e)); err == nil {
				m, _ = message.Decode(body)
			}
		}
		if m != nil {
			items = append(items, item{m, e.deliveries > 0})
		}
		return true
	})
	q.mu.Unlock()
	for _, it := range items {
		if !fn(it.m, it.redelivered) {
			return
		}
	}
}

// dropUnreadableLocked removes a ready entry whose body is lost.
func (q *Queue) dropUnreadableLocked(e *Entry) {
	q.ready.take(e)
	e.state = stateSettled
	q.unpagedLocked(e)
	q.forgetLocked(e)
	q.stats.Dropped++
}

// Get takes the first ready message (AMQP basic.get). With noAck the message
// is settled at once; otherwise the caller must settle the returned entry.
// ok is false when the queue is empty.
func (q *Queue) Get(noAck bool) (d Delivery, remaining int, ok bool) {
	var fx effects
	now := time.Now().UnixMilli()
	q.mu.Lock()
	if q.deleted {
		q.mu.Unlock()
		return Delivery{}, 0, false
	}
	q.expireHeadsLocked(now, &fx)
	for {
		e := q.ready.first()
		if e == nil {
			break
		}
		if q.messageLocked(e) == nil {
			q.dropUnreadableLocked(e)
			continue
		}
		q.ready.take(e)
		d = q.deliveryLocked(e, nil, noAck)
		ok = true
		break
	}
	remaining = q.ready.count
	q.touchUnusedLocked()
	q.mu.Unlock()
	q.run(&fx)
	return d, remaining, ok
}

func (q *Queue) deliveryLocked(e *Entry, c *Consumer, noAck bool) Delivery {
	d := Delivery{Queue: q, Message: e.msg, Redelivered: e.deliveries > 0, DeliveryCount: e.deliveries, Consumer: c}
	e.deliveries++
	q.stats.Delivered++
	if d.Redelivered {
		q.stats.Redelivered++
	}
	if noAck {
		e.state = stateSettled
		q.stats.Acked++
		q.forgetConsumedLocked(e)
	} else {
		if e.stored {
			// Recorded so the message comes back redelivered, with its
			// count, after a restart.
			_ = q.vhost.broker.store.Delivered(q.id, e.seq, e.deliveries)
		}
		e.state = stateUnacked
		e.consumer = c
		q.unacked++
		d.Entry = e
	}
	return d
}

// Outcome is how a delivered message is settled.
type Outcome uint8

const (
	// Ack removes the message.
	Ack Outcome = iota
	// Requeue returns the message to its original position, to be
	// redelivered with the redelivered flag.
	Requeue
	// Reject removes the message and dead-letters it (reason "rejected") if
	// the queue has a dead-letter exchange.
	Reject
	// Expire removes the message as expired (dead-lettered with reason
	// "expired").
	Expire
	// Return puts the message back as if this delivery never happened: the
	// client proved it never showed it to the application (JMS consumers
	// closing with prefetched messages), so its delivery count is undone.
	Return
)

// Settle applies an outcome to delivered entries. Entries already settled
// (or never delivered from this queue) are ignored, so a protocol can settle
// everything it holds without tracking races with purges or deletes.
func (q *Queue) Settle(entries []*Entry, o Outcome) {
	q.SettleCause(entries, o, "")
}

// SettleCause is Settle recording why a client rejected the messages: the
// dead-lettered copies carry it in the dlqDeliveryFailureCause header, as
// ActiveMQ's dead-letter queue copies do.
func (q *Queue) SettleCause(entries []*Entry, o Outcome, cause string) {
	var fx effects
	q.mu.Lock()
	q.settleLocked(entries, o, q.clockLocked(clockUnread), cause, false, &fx)
	q.mu.Unlock()
	q.run(&fx)
}

// settleLocked settles entries; skipStore leaves the store alone (a
// transaction's commit record already covers the acks).
func (q *Queue) settleLocked(entries []*Entry, o Outcome, now int64, cause string, skipStore bool, fx *effects) {
	requeued := false
	for _, e := range entries {
		if e.state != stateUnacked {
			continue
		}
		q.unacked--
		if c := e.consumer; c != nil {
			e.consumer = nil
			fx.kicks = append(fx.kicks, c.release(int(e.size))...)
		}
		switch {
		case (o == Requeue || o == Return) && !q.deleted:
			if o == Return && e.deliveries > 0 {
				e.deliveries--
			}
			q.ready.requeue(e)
			requeued = true
		case o == Reject || o == Expire:
			e.state = stateSettled
			if !skipStore {
				q.forgetLocked(e)
			}
			if q.cfg.hasDLX {
				reason := "rejected"
				if o == Expire {
					reason = "expired"
					q.stats.Expired++
				}
				fx.deadLetters = append(fx.deadLetters, deadLetter{msg: e.msg, reason: reason, cause: cause})
			}
		default:
			e.state = stateSettled
			if !skipStore {
				q.forgetConsumedLocked(e)
			}
			q.stats.Acked++
		}
	}
	if requeued {
		// Requeued messages may now exceed the length limit; like RabbitMQ,
		// a drop-head queue trims them from the head.
		if q.cfg.overflow == DropHead {
			q.dropHeadLocked(fx)
		}
		fx.armExpiry = true
	}
	q.dispatchLocked(now, nil, fx)
}

// kick re-runs dispatch after consumer capacity was freed elsewhere.
func (q *Queue) kick() {
	var fx effects
	q.mu.Lock()
	q.dispatchLocked(time.Now().UnixMilli(), nil, &fx)
	q.mu.Unlock()
	q.run(&fx)
}
