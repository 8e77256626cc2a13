package amqp

import (
	"sort"

	"github.com/junctionmq/junction/amqp/wire"
	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/message"
)

// unackedRecord is one delivery awaiting acknowledgement.
type unackedRecord struct {
	tag   uint64
	queue *broker.Queue
	entry *broker.Entry
}

// unackedList holds a channel's unacknowledged deliveries in tag order.
// Tags only grow, so lookups are binary searches and a multiple ack pops a
// prefix; single acks leave holes that are compacted lazily.
type unackedList struct {
	recs  []unackedRecord
	head  int
	count int
}

func (l *unackedList) push(r unackedRecord) {
	if l.head > 0 && l.head >= len(l.recs)/2 {
		n := copy(l.recs, l.recs[l.head:])
		clear(l.recs[n:])
		l.recs = l.recs[:n]
		l.head = 0
	}
	l.recs = append(l.recs, r)
	l.count++
}

// take removes one tag, reporting whether it was outstanding.
func (l *unackedList) take(tag uint64) (unackedRecord, bool) {
	live := l.recs[l.head:]
	i := sort.Search(len(live), func(i int) bool { return live[i].tag >= tag })
	if i == len(live) || live[i].tag != tag || live[i].entry == nil {
		return unackedRecord{}, false
	}
	r := live[i]
	live[i].entry = nil
	l.count--
	l.trim()
	return r, true
}

// takeUpTo removes every outstanding tag ≤ tag (all of them for tag 0).
func (l *unackedList) takeUpTo(tag uint64, out []unackedRecord) []unackedRecord {
	for l.head < len(l.recs) && (tag == 0 || l.recs[l.head].tag <= tag) {
		if r := l.recs[l.head]; r.entry != nil {
			out = append(out, r)
			l.count--
		}
		l.recs[l.head] = unackedRecord{}
		l.head++
	}
	l.trim()
	return out
}

func (l *unackedList) trim() {
	for l.head < len(l.recs) && l.recs[l.head].entry == nil {
		l.recs[l.head] = unackedRecord{}
		l.head++
	}
	if l.head == len(l.recs) {
		l.recs, l.head = l.recs[:0], 0
	}
}

// has reports whether tag is outstanding.
func (l *unackedList) has(tag uint64) bool {
	live := l.recs[l.head:]
	i := sort.Search(len(live), func(i int) bool { return live[i].tag >= tag })
	return i < len(live) && live[i].tag == tag && live[i].entry != nil
}

func (l *unackedList) drain() []unackedRecord { return l.takeUpTo(0, nil) }

// restore puts records back (a rolled-back transaction's acks).
func (l *unackedList) restore(recs []unackedRecord) {
	all := append(l.takeUpTo(0, nil), recs...)
	sort.Slice(all, func(i, j int) bool { return all[i].tag < all[j].tag })
	for _, r := range all {
		l.push(r)
	}
}

// settleRecords settles records grouped by queue, preserving tag order
// within each queue.
func settleRecords(recs []unackedRecord, o broker.Outcome) {
	settleRecordsWith(recs, o, nil)
}

// settleRecordsWith is settleRecords reusing scratch for the common case
// of a single queue; it returns the scratch for the next call.
func settleRecordsWith(recs []unackedRecord, o broker.Outcome, scratch []*broker.Entry) []*broker.Entry {
	if len(recs) == 0 {
		return scratch
	}
	q := recs[0].queue
	single := true
	for _, r := range recs[1:] {
		if r.queue != q {
			single = false
			break
		}
	}
	if single {
		entries := scratch[:0]
		for _, r := range recs {
			entries = append(entries, r.entry)
		}
		q.Settle(entries, o)
		clear(entries)
		return entries[:0]
	}
	byQueue := map[*broker.Queue][]*broker.Entry{}
	var order []*broker.Queue
	for _, r := range recs {
		if _, ok := byQueue[r.queue]; !ok {
			order = append(order, r.queue)
		}
		byQueue[r.queue] = append(byQueue[r.queue], r.entry)
	}
	for _, q := range order {
		q.Settle(byQueue[q], o)
	}
	return scratch
}

// consumer is the AMQP side of a broker consumer.
type consumer struct {
	ch    *channel
	tag   string
	noAck bool
	bc    *broker.Consumer
	// active is false until basic.consume-ok is written; deliveries made
	// before that wait in pending so they never precede the consume-ok.
	active  bool
	pending []broker.Delivery
}

// Deliver implements broker.Sink. It runs under the queue's lock.
func (cs *consumer) Deliver(d broker.Delivery) {
	ch := cs.ch
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.released {
		// The channel is going away: keep the entry so release requeues it.
		if d.Entry != nil {
			ch.nextTag++
			ch.unacked.push(unackedRecord{tag: ch.nextTag, queue: d.Queue, entry: d.Entry})
		}
		return
	}
	if !cs.active {
		cs.pending = append(cs.pending, d)
		return
	}
	ch.writeDeliveryLocked(cs, d)
}

// activate writes deliveries that raced ahead of basic.consume-ok.
func (cs *consumer) activate() {
	ch := cs.ch
	ch.mu.Lock()
	defer ch.mu.Unlock()
	cs.active = true
	for _, d := range cs.pending {
		if ch.released {
			break
		}
		ch.writeDeliveryLocked(cs, d)
	}
	cs.pending = nil
}

// ConsumerCancelled implements broker.Sink: the queue was deleted.
func (cs *consumer) ConsumerCancelled(*broker.Consumer) {
	ch := cs.ch
	ch.mu.Lock()
	if ch.consumers[cs.tag] != cs {
		ch.mu.Unlock()
		return
	}
	delete(ch.consumers, cs.tag)
	released := ch.released
	ch.mu.Unlock()
	if !released && ch.conn.hasCapability("consumer_cancel_notify") {
		ch.conn.writeMethod(ch.id, &wire.BasicCancel{ConsumerTag: cs.tag})
	}
}

// writeDeliveryLocked assigns a delivery tag and writes basic.deliver with
// the message's content. Call with ch.mu held.
func (ch *channel) writeDeliveryLocked(cs *consumer, d broker.Delivery) {
	ch.nextTag++
	tag := ch.nextTag
	if d.Entry != nil {
		ch.unacked.push(unackedRecord{tag: tag, queue: d.Queue, entry: d.Entry})
	}
	msg := d.Message
	c := ch.conn
	wd := wire.Delivery{
		ConsumerTag: cs.tag,
		DeliveryTag: tag,
		Redelivered: d.Redelivered,
		Exchange:    msg.Exchange,
		RoutingKey:  msg.RoutingKey,
		Props:       amqpProps(msg),
		Body:        msg.Body,
	}
	c.out.Append(func(b []byte) []byte {
		b, err := wire.AppendDelivery(b, ch.id, &wd, c.frameMax)
		if err != nil {
			c.log.Error("cannot encode basic.deliver", "err", err)
			return b
		}
		if cs.noAck {
			c.out.Charge(cs.bc, len(msg.Body))
		}
		return b
	})
}

// amqpProps returns the message's basic properties in AMQP encoding: the
// publisher's own bytes for AMQP messages, an encoding of the neutral
// properties otherwise.
func amqpProps(m *message.Message) []byte {
	if m.Origin == message.AMQP && m.Raw != nil {
		return m.Raw
	}
	return encodeProps(m)
}
