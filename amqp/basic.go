package amqp

import (
	"fmt"

	"github.com/junctionmq/junction/amqp/wire"
	"github.com/junctionmq/junction/broker"
)

// noAckWindow bounds deliveries to a no-ack consumer that are buffered but
// not yet written to its socket, so a slow client cannot make the broker
// buffer a whole queue.
const (
	noAckWindow      = 2000
	noAckWindowBytes = 32 << 20
)

func (ch *channel) qos(m *wire.BasicQos) error {
	if m.Global {
		broker.Kick(ch.shared.SetLimits(int(m.PrefetchCount), int64(m.PrefetchSize)))
	} else {
		ch.prefetchCount, ch.prefetchSize = int(m.PrefetchCount), int64(m.PrefetchSize)
	}
	ch.mu.Lock()
	if m.Global {
		ch.settings.GlobalPrefetchCount = int(m.PrefetchCount)
	} else {
		ch.settings.PrefetchCount = int(m.PrefetchCount)
	}
	ch.mu.Unlock()
	ch.conn.writeMethod(ch.id, &wire.BasicQosOK{})
	return nil
}

// queueName applies AMQP's "empty name means the last declared queue".
func (ch *channel) queueName(name string, m wire.Method) (string, error) {
	if name != "" {
		return name, nil
	}
	if ch.currentName == "" {
		return "", &wire.Error{Code: wire.NotFound, Text: "no previously declared queue", ClassID: m.ClassID(), MethodID: m.MethodID()}
	}
	return ch.currentName, nil
}

func (ch *channel) lookupQueue(name string, m wire.Method) (*broker.Queue, error) {
	name, err := ch.queueName(name, m)
	if err != nil {
		return nil, err
	}
	q, ok := ch.conn.vhost.Queue(name)
	if !ok {
		return nil, &wire.Error{Code: wire.NotFound, Text: fmt.Sprintf("no queue '%s' in vhost '%s'", name, ch.conn.vhost.Name()), ClassID: m.ClassID(), MethodID: m.MethodID()}
	}
	return q, nil
}

func (ch *channel) consume(m *wire.BasicConsume) error {
	q, err := ch.lookupQueue(m.Queue, m)
	if err != nil {
		return err
	}
	tag := m.ConsumerTag
	ch.mu.Lock()
	if tag == "" {
		tag = generateTag()
	}
	_, dup := ch.consumers[tag]
	ch.mu.Unlock()
	if dup {
		return &wire.Error{Code: wire.NotAllowed, Text: fmt.Sprintf("attempt to reuse consumer tag '%s'", tag), ClassID: 60, MethodID: 20}
	}
	priority := 0
	if v, ok := m.Arguments["x-priority"]; ok {
		n, ok := broker.IntValue(v)
		if !ok {
			return &wire.Error{Code: wire.PreconditionFailed, Text: fmt.Sprintf("invalid arg 'x-priority' for consumer: %v", v), ClassID: 60, MethodID: 20}
		}
		priority = int(n)
	}
	opts := broker.ConsumerOptions{
		Tag:       tag,
		NoAck:     m.NoAck,
		Exclusive: m.Exclusive,
		Priority:  priority,
		Shared:    ch.shared,
		Args:      m.Arguments,
	}
	switch {
	case m.NoAck:
		opts.Limit = broker.NewLimiter(noAckWindow, noAckWindowBytes)
	case ch.prefetchCount > 0 || ch.prefetchSize > 0:
		opts.Limit = broker.NewLimiter(ch.prefetchCount, ch.prefetchSize)
	}
	cs := &consumer{ch: ch, tag: tag, noAck: m.NoAck}
	ch.mu.Lock()
	ch.consumers[tag] = cs
	ch.mu.Unlock()
	bc, err := q.Consume(ch.conn.client, opts, cs)
	if err != nil {
		ch.mu.Lock()
		delete(ch.consumers, tag)
		ch.mu.Unlock()
		return brokerError(err, m)
	}
	cs.bc = bc
	if !m.NoWait {
		ch.conn.writeMethod(ch.id, &wire.BasicConsumeOK{ConsumerTag: tag})
	}
	cs.activate()
	return nil
}

func (ch *channel) cancel(m *wire.BasicCancel) error {
	ch.mu.Lock()
	cs := ch.consumers[m.ConsumerTag]
	delete(ch.consumers, m.ConsumerTag)
	ch.mu.Unlock()
	if !m.NoWait {
		// Written before the cancel takes effect in the queue would let a
		// delivery follow cancel-ok; that is allowed by the spec, and the
		// client tolerates it. We cancel first all the same.
		defer ch.conn.writeMethod(ch.id, &wire.BasicCancelOK{ConsumerTag: m.ConsumerTag})
	}
	if cs != nil && cs.bc != nil {
		cs.bc.Cancel()
	}
	return nil
}

func (ch *channel) get(m *wire.BasicGet) error {
	q, err := ch.lookupQueue(m.Queue, m)
	if err != nil {
		return err
	}
	if err := ch.conn.client.CheckRead(q); err != nil {
		return brokerError(err, m)
	}
	d, remaining, ok := q.Get(m.NoAck)
	if !ok {
		ch.conn.writeMethod(ch.id, &wire.BasicGetEmpty{})
		return nil
	}
	ch.mu.Lock()
	ch.nextTag++
	tag := ch.nextTag
	if d.Entry != nil {
		ch.unacked.push(unackedRecord{tag: tag, queue: q, entry: d.Entry})
	}
	ch.mu.Unlock()
	msg := d.Message
	props := amqpProps(msg)
	c := ch.conn
	c.out.Append(func(b []byte) []byte {
		start := len(b)
		b, err := (&wire.BasicGetOK{DeliveryTag: tag, Redelivered: d.Redelivered, Exchange: msg.Exchange, RoutingKey: msg.RoutingKey, MessageCount: uint32(remaining)}).AppendFrame(b, ch.id)
		if err != nil {
			return b[:start]
		}
		b = wire.AppendContentHeaderFrame(b, ch.id, 60, uint64(len(msg.Body)), props)
		return wire.AppendBodyFrames(b, ch.id, msg.Body, c.frameMax)
	})
	return nil
}

// takeAcked removes the acknowledged deliveries from the unacked list,
// failing like RabbitMQ for a tag that is not outstanding.
func (ch *channel) takeAcked(tag uint64, multiple bool, m wire.Method) ([]unackedRecord, error) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	// The result reuses a scratch slice owned by the reader goroutine; it
	// is valid until the next call.
	out := ch.ackScratch[:0]
	defer func() { ch.ackScratch = out[:0] }()
	if multiple && tag == 0 {
		out = ch.unacked.takeUpTo(0, out)
		return out, nil
	}
	if !ch.unacked.has(tag) {
		return nil, &wire.Error{Code: wire.PreconditionFailed, Text: fmt.Sprintf("unknown delivery tag %d", tag), ClassID: m.ClassID(), MethodID: m.MethodID()}
	}
	if multiple {
		out = ch.unacked.takeUpTo(tag, out)
		return out, nil
	}
	r, _ := ch.unacked.take(tag)
	out = append(out, r)
	return out, nil
}

func (ch *channel) ack(tag uint64, multiple bool, m wire.Method) error {
	recs, err := ch.takeAcked(tag, multiple, m)
	if err != nil {
		return err
	}
	ch.settle(recs, broker.Ack)
	return nil
}

func (ch *channel) nack(tag uint64, multiple, requeue bool, m wire.Method) error {
	recs, err := ch.takeAcked(tag, multiple, m)
	if err != nil {
		return err
	}
	o := broker.Reject
	if requeue {
		o = broker.Requeue
	}
	ch.settle(recs, o)
	return nil
}

// settle applies an outcome now, or at commit inside a transaction.
func (ch *channel) settle(recs []unackedRecord, o broker.Outcome) {
	if ch.tx == nil {
		ch.entryScratch = settleRecordsWith(recs, o, ch.entryScratch[:0])
		return
	}
	ch.txAcks = append(ch.txAcks, recs...)
	for _, r := range recs {
		ch.tx.Settle(r.queue, []*broker.Entry{r.entry}, o)
	}
}

func (ch *channel) recover(requeue bool, m wire.Method, sync bool) error {
	if !requeue {
		return &wire.Error{Code: wire.NotImplemented, Text: "requeue=false", ClassID: m.ClassID(), MethodID: m.MethodID()}
	}
	ch.mu.Lock()
	recs := ch.unacked.drain()
	ch.mu.Unlock()
	settleRecords(recs, broker.Requeue)
	if sync {
		ch.conn.writeMethod(ch.id, &wire.BasicRecoverOK{})
	}
	return nil
}

func (ch *channel) txSelect(m *wire.TxSelect) error {
	if ch.confirm.enabled {
		return &wire.Error{Code: wire.PreconditionFailed, Text: "cannot switch from confirm to tx mode", ClassID: 90, MethodID: 10}
	}
	if ch.tx == nil {
		ch.tx = broker.NewTx(ch.conn.client)
		ch.mu.Lock()
		ch.settings.Transactional = true
		ch.mu.Unlock()
	}
	ch.conn.writeMethod(ch.id, &wire.TxSelectOK{})
	return nil
}

func (ch *channel) txCommit(m *wire.TxCommit) error {
	if ch.tx == nil {
		return &wire.Error{Code: wire.PreconditionFailed, Text: "channel is not transactional", ClassID: 90, MethodID: 20}
	}
	ch.txAcks = nil
	// commit-ok only once the transaction is on disk.
	ch.tx.Commit(func(err error) {
		if err != nil {
			ch.conn.log.Error("transaction could not be stored", "channel", ch.id, "err", err)
			ch.conn.forceClose("transaction could not be stored")
			return
		}
		ch.conn.writeMethod(ch.id, &wire.TxCommitOK{})
	})
	return nil
}

func (ch *channel) txRollback(m *wire.TxRollback) error {
	if ch.tx == nil {
		return &wire.Error{Code: wire.PreconditionFailed, Text: "channel is not transactional", ClassID: 90, MethodID: 30}
	}
	ch.tx.Rollback()
	// Acks inside the transaction are undone: those deliveries are
	// outstanding again and may be acknowledged later, as in RabbitMQ.
	ch.mu.Lock()
	ch.unacked.restore(ch.txAcks)
	ch.mu.Unlock()
	ch.txAcks = nil
	ch.conn.writeMethod(ch.id, &wire.TxRollbackOK{})
	return nil
}
