package broker

import (
	"time"

	"github.com/junctionmq/junction/message"
)

// deadLetter republishes messages a queue rejected, expired or dropped to
// its dead-letter exchange, recording the death in the x-death header the
// way RabbitMQ does, so tools written for RabbitMQ read it unchanged.
func (v *VHost) deadLetter(q *Queue, dls []deadLetter) {
	if !q.cfg.hasDLX {
		return
	}
	now := time.Now()
	for _, dl := range dls {
		if q.cfg.dlPersistentOnly && !dl.msg.Persistent {
			continue
		}
		msg, keys := makeDeadLetter(dl.msg, q, dl.reason, dl.cause, now)
		v.mu.RLock()
		x, ok := v.exchanges[q.cfg.dlx]
		if !ok {
			v.mu.RUnlock()
			v.log().Debug("dead-letter exchange missing; message dropped", "vhost", v.name, "queue", q.name, "dlx", q.cfg.dlx)
			continue
		}
		rs := routeSets.Get().(*routeSet)
		v.routeLocked(x, keys[0], keys[1:], msg, rs)
		v.mu.RUnlock()
		deaths, _ := msg.Props().Headers["x-death"].([]any)
		targets := make([]*Queue, 0, len(rs.queues))
		for _, target := range rs.queues {
			if isDeadLetterCycle(deaths, target.name) {
				v.log().Warn("dead-letter cycle detected; message dropped for that queue", "vhost", v.name, "from", q.name, "to", target.name, "reason", dl.reason)
				continue
			}
			targets = append(targets, target)
		}
		rs.release()
		if msg.ID == 0 {
			msg.ID = nextMessageID.Add(1)
		}
		v.deliver(msg, targets, nil, nil)
	}
}

// makeDeadLetter builds the dead-lettered copy of m and the routing keys to
// publish it with.
func makeDeadLetter(m *message.Message, q *Queue, reason, cause string, now time.Time) (*message.Message, []string) {
	p := m.Props().Clone()
	if p.Headers == nil {
		p.Headers = message.Table{}
	}
	h := p.Headers
	originalKeys := append([]string{m.RoutingKey}, stringList(h["CC"])...)
	keys := originalKeys
	if q.cfg.hasDLRK {
		keys = []string{q.cfg.dlrk}
		delete(h, "CC")
	}

	rks := make([]any, len(originalKeys))
	for i, k := range originalKeys {
		rks[i] = k
	}
	entry := message.Table{
		"count":        int64(1),
		"reason":       reason,
		"queue":        q.name,
		"time":         now.Truncate(time.Second),
		"exchange":     m.Exchange,
		"routing-keys": rks,
	}
	if p.Expiration != "" {
		// The copy must not expire again in the queues it reaches.
		entry["original-expiration"] = p.Expiration
		p.Expiration = ""
	}
	deaths, _ := h["x-death"].([]any)
	updated := make([]any, 0, len(deaths)+1)
	for _, d := range deaths {
		t, ok := d.(message.Table)
		if ok && sameString(t["queue"], q.name) && sameString(t["reason"], reason) {
			// The same death again: count it and move it to the front.
			n, _ := IntValue(t["count"])
			entry["count"] = n + 1
			continue
		}
		updated = append(updated, d)
	}
	h["x-death"] = append([]any{entry}, updated...)
	if cause != "" {
		h["dlqDeliveryFailureCause"] = cause
	}
	if _, ok := h["x-first-death-queue"]; !ok {
		h["x-first-death-queue"] = q.name
		h["x-first-death-reason"] = reason
		h["x-first-death-exchange"] = m.Exchange
	}

	d := m.Derive(p)
	d.Exchange = q.cfg.dlx
	d.RoutingKey = keys[0]
	d.ExpiresAt = 0
	return d, keys
}

// isDeadLetterCycle reports whether dead-lettering to target would loop
// without any client having rejected the message on the way: RabbitMQ drops
// the message for such a queue rather than circulate it forever.
func isDeadLetterCycle(deaths []any, target string) bool {
	// deaths starts with the death happening now, so a queue dead-lettering
	// expired messages to itself is a cycle too.
	for _, d := range deaths {
		t, ok := d.(message.Table)
		if !ok {
			continue
		}
		if sameString(t["reason"], "rejected") {
			return false
		}
		if sameString(t["queue"], target) {
			return true
		}
	}
	return false
}

func sameString(v any, s string) bool {
	x, ok := stringValue(v)
	return ok && x == s
}

func stringList(v any) []string {
	arr, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		if s, ok := stringValue(e); ok {
			out = append(out, s)
		}
	}
	return out
}
