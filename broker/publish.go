package broker

import (
	"sync"
	"sync/atomic"

	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/store"
)

// PublishResult says where a published message went.
type PublishResult struct {
	// Matched is the number of queues routing selected.
	Matched int
	// Rejected is the number of those that refused the message because they
	// were full (x-overflow reject-publish); an AMQP publisher confirm then
	// becomes a nack.
	Rejected int
	// Stored is true when the message was written to the store: the
	// publish's onStored callback runs once the write is durable.
	Stored bool
	// Full is a queue the message went to that holds more than the
	// broker's flow limit in memory (checked on a sample of publishes), or
	// nil: the publisher should slow down (see Queue.WaitMemoryBelow).
	Full *Queue
}

// Routed reports whether routing found at least one queue (AMQP's
// mandatory flag asks for a basic.return when it did not).
func (r PublishResult) Routed() bool { return r.Matched > 0 }

// nextMessageID numbers messages for message.Message.ID.
var nextMessageID atomic.Uint64

// routeSet collects a message's destinations without duplicates. Pooled:
// routing happens for every message.
type routeSet struct {
	queues    []*Queue
	exchanges []*Exchange
}

var routeSets = sync.Pool{New: func() any { return &routeSet{} }}

func (rs *routeSet) addQueue(q *Queue) {
	for _, x := range rs.queues {
		if x == q {
			return
		}
	}
	rs.queues = append(rs.queues, q)
}

func (rs *routeSet) addExchange(x *Exchange) {
	for _, y := range rs.exchanges {
		if y == x {
			return
		}
	}
	rs.exchanges = append(rs.exchanges, x)
}

func (rs *routeSet) release() {
	clear(rs.queues)
	clear(rs.exchanges)
	rs.queues, rs.exchanges = rs.queues[:0], rs.exchanges[:0]
	routeSets.Put(rs)
}

// Publish routes msg from msg.Exchange by msg.RoutingKey (and extraKeys,
// e.g. AMQP's CC and BCC headers) and enqueues it on every matched queue.
// A persistent message reaching durable queues is stored first; nothing
// waits for the write.
func (v *VHost) Publish(c *Client, msg *message.Message, extraKeys []string) (PublishResult, error) {
	return v.PublishDurable(c, msg, extraKeys, nil)
}

// PublishDurable is Publish with a callback for the store write: when the
// result says Stored, onStored runs (on the store's goroutine) once the
// message is durable, with the error if it could not be written. That is
// when a publisher confirm, a synchronous send's response or a receipt may
// go out.
func (v *VHost) PublishDurable(c *Client, msg *message.Message, extraKeys []string, onStored func(error)) (PublishResult, error) {
	rs, err := v.route(c, msg, extraKeys)
	if err != nil {
		return PublishResult{}, err
	}
	res, _ := v.deliver(msg, rs.queues, nil, onStored)
	rs.release()
	return res, nil
}

// route checks the publish and collects its queues.
func (v *VHost) route(c *Client, msg *message.Message, extraKeys []string) (*routeSet, error) {
	if err := c.checkExchange(v, writeAccess, msg.Exchange); err != nil {
		return nil, err
	}
	if msg.ID == 0 {
		msg.ID = nextMessageID.Add(1)
	}
	rs := routeSets.Get().(*routeSet)
	v.mu.RLock()
	defer v.mu.RUnlock()
	x, ok := v.exchanges[msg.Exchange]
	if !ok {
		rs.release()
		return nil, v.notFoundExchange(msg.Exchange)
	}
	if x.internal && c != nil && c.User != nil {
		rs.release()
		return nil, errorf(KindAccessRefused, "cannot publish to internal exchange '%s' in vhost '%s'", x.name, v.name)
	}
	// The common case, a publish to the default exchange, needs no
	// routing walk.
	if x.name == "" && len(extraKeys) == 0 {
		if q := v.queues[msg.RoutingKey]; q != nil {
			rs.queues = append(rs.queues, q)
		}
		return rs, nil
	}
	v.routeLocked(x, msg.RoutingKey, extraKeys, msg, rs)
	return rs, nil
}

// reservation is a stored message waiting to become visible in a queue.
type reservation struct {
	q   *Queue
	msg *message.Message
	seq uint64
	ref store.MsgRef
}

// deliver enqueues msg on queues. Persistent messages for durable queues
// get their sequence numbers reserved and are written to the store once
// for all of them. Outside a transaction they then become visible; inside
// one (tx given) the reservations are returned, to be made visible once
// the transaction's commit record is appended.
func (v *VHost) deliver(msg *message.Message, queues []*Queue, tx *store.TxID, onStored func(error)) (PublishResult, []reservation) {
	res := PublishResult{Matched: len(queues)}
	// Each queue reads the clock under its lock if it has expiring
	// messages; most never do.
	now := clockUnread
	st := v.broker.store
	var targets []store.Target
	var storedQueues []*Queue
	direct, ttl := false, false
	for _, q := range queues {
		if st != nil && msg.Persistent && q.id != 0 {
			seq, ok, d, t := q.reserve(msg)
			if !ok {
				res.Rejected++
				continue
			}
			direct = d
			ttl = ttl || t
			targets = append(targets, store.Target{Queue: q.id, Seq: seq})
			storedQueues = append(storedQueues, q)
			continue
		}
		if !q.enqueue(msg, now) {
			res.Rejected++
		}
	}
	if lim := v.broker.flowLimit; lim > 0 {
		res.Full = fullQueue(queues, lim)
	}
	if len(targets) == 0 {
		return res, nil
	}
	// A queue's message TTL runs from the arrival, also after a restart
	// (as in RabbitMQ), so the store keeps the arrival time for such a
	// queue. A transaction's messages arrive at its commit: they are
	// stored without one, and a restart runs their TTL from the recovery.
	var arrived int64
	if ttl && tx == nil {
		now = nowMillis()
		arrived = now
	}
	enc, err := message.EncodeArrived(msg, arrived)
	var ref store.MsgRef
	if err == nil {
		if tx != nil {
			ref, err = st.TxEnqueue(*tx, enc, targets)
		} else {
			if direct {
				// Its consumer's ack may well beat the disk: the store may
				// then skip writing the message at all.
				ref, err = st.EnqueueForConsumer(enc, targets, onStored)
			} else {
				ref, err = st.Enqueue(enc, targets, onStored)
			}
			res.Stored = err == nil
		}
	}
	stored := err == nil
	if err != nil {
		v.log().Error("cannot store a persistent message; it is kept in memory only", "exchange", msg.Exchange, "routing_key", msg.RoutingKey, "err", err)
	}
	var held []reservation
	for i, q := range storedQueues {
		switch {
		case stored && tx != nil:
			held = append(held, reservation{q: q, msg: msg, seq: targets[i].Seq, ref: ref})
		case stored:
			q.enqueueReserved(msg, targets[i].Seq, ref, now)
		default:
			q.mu.Lock()
			var fx effects
			q.addLocked(msg, targets[i].Seq, false, now, &fx)
			q.mu.Unlock()
			q.run(&fx)
		}
	}
	return res, held
}

// routeLocked collects the queues msg reaches from x, following
// exchange-to-exchange bindings and alternate exchanges. Each exchange is
// visited once, which also breaks binding cycles.
func (v *VHost) routeLocked(x *Exchange, key string, extraKeys []string, msg *message.Message, rs *routeSet) {
	rs.addExchange(x)
	for i := 0; i < len(rs.exchanges); i++ {
		cur := rs.exchanges[i]
		matched := false
		visit := func(b *Binding) {
			if b.Filter != nil && !b.Filter.Match(msg) {
				return
			}
			matched = true
			if b.Queue != nil {
				rs.addQueue(b.Queue)
			} else {
				rs.addExchange(b.Exchange)
			}
		}
		if cur.name == "" {
			for _, k := range append([]string{key}, extraKeys...) {
				if q, ok := v.queues[k]; ok {
					matched = true
					rs.addQueue(q)
				}
			}
		} else {
			cur.route(key, msg, visit)
			for _, k := range extraKeys {
				cur.route(k, msg, visit)
			}
		}
		if !matched && cur.alternate != "" {
			if ae, ok := v.exchanges[cur.alternate]; ok {
				rs.addExchange(ae)
			}
		}
	}
}
