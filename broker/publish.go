package broker

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/junctionmq/junction/message"
)

// PublishResult says where a published message went.
type PublishResult struct {
	// Matched is the number of queues routing selected.
	Matched int
	// Rejected is the number of those that refused the message because they
	// were full (x-overflow reject-publish); an AMQP publisher confirm then
	// becomes a nack.
	Rejected int
}

// Routed reports whether routing found at least one queue (AMQP's
// mandatory flag asks for a basic.return when it did not).
func (r PublishResult) Routed() bool { return r.Matched > 0 }

// routeSet collects a message's destinations without duplicates. Pooled:
// routing happens for every message.
type routeSet struct {
	queues    []*Queue
	exchanges []*Exchange
}

// nextMessageID numbers messages for message.Message.ID.
var nextMessageID atomic.Uint64

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

func (rs *routeSet) reset() {
	clear(rs.queues)
	clear(rs.exchanges)
	rs.queues, rs.exchanges = rs.queues[:0], rs.exchanges[:0]
}

// Publish routes msg from msg.Exchange by msg.RoutingKey (and extraKeys,
// e.g. AMQP's CC and BCC headers) and enqueues it on every matched queue.
func (v *VHost) Publish(c *Client, msg *message.Message, extraKeys []string) (PublishResult, error) {
	if err := c.checkExchange(v, writeAccess, msg.Exchange); err != nil {
		return PublishResult{}, err
	}
	if msg.ID == 0 {
		msg.ID = nextMessageID.Add(1)
	}
	now := time.Now().UnixMilli()
	v.mu.RLock()
	x, ok := v.exchanges[msg.Exchange]
	if !ok {
		v.mu.RUnlock()
		return PublishResult{}, v.notFoundExchange(msg.Exchange)
	}
	if x.internal && c != nil && c.User != nil {
		v.mu.RUnlock()
		return PublishResult{}, errorf(KindAccessRefused, "cannot publish to internal exchange '%s' in vhost '%s'", x.name, v.name)
	}
	// The common case, a publish to the default exchange, needs no routing
	// set.
	if x.name == "" && len(extraKeys) == 0 {
		q := v.queues[msg.RoutingKey]
		v.mu.RUnlock()
		if q == nil {
			return PublishResult{}, nil
		}
		res := PublishResult{Matched: 1}
		if !q.enqueue(msg, now) {
			res.Rejected = 1
		}
		return res, nil
	}
	rs := routeSets.Get().(*routeSet)
	v.routeLocked(x, msg.RoutingKey, extraKeys, msg, rs)
	v.mu.RUnlock()
	res := PublishResult{Matched: len(rs.queues)}
	for _, q := range rs.queues {
		if !q.enqueue(msg, now) {
			res.Rejected++
		}
	}
	rs.reset()
	routeSets.Put(rs)
	return res, nil
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
