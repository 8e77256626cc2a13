package broker

import "time"

func nowMillis() int64 { return time.Now().UnixMilli() }

// clockUnread stands for the current time not yet read: a publish or ack
// passes it so the clock is read only when the queue needs it.
const clockUnread int64 = 0

// clockLocked returns now, reading the clock if now is clockUnread and some
// entry of the queue could expire. Otherwise the time is of no consequence:
// every expiry check first asks for a non-zero expiresAt, so clockUnread
// (0) decides nothing.
func (q *Queue) clockLocked(now int64) int64 {
	if now == clockUnread && q.expiring {
		return nowMillis()
	}
	return now
}

// expireHeadsLocked removes expired messages from the head of each priority
// level. Like RabbitMQ, a message expires when it reaches the head: a
// long-lived message ahead of it delays that.
func (q *Queue) expireHeadsLocked(now int64, fx *effects) {
	for {
		var victim *Entry
		q.ready.heads(func(e *Entry) {
			if victim == nil && e.expiresAt != 0 && e.expiresAt <= now {
				victim = e
			}
		})
		if victim == nil {
			return
		}
		q.expireLocked(victim, fx)
	}
}

// armExpiryLocked schedules the expiry timer for the earliest head expiry.
func (q *Queue) armExpiryLocked() {
	if q.deleted {
		return
	}
	var next int64
	q.ready.heads(func(e *Entry) {
		if e.expiresAt != 0 && (next == 0 || e.expiresAt < next) {
			next = e.expiresAt
		}
	})
	if next == 0 || (q.expiryAt != 0 && q.expiryAt <= next) {
		return
	}
	q.expiryAt = next
	d := time.Duration(next-nowMillis()) * time.Millisecond
	if d < 0 {
		d = 0
	}
	if q.expiryTimer == nil {
		q.expiryTimer = time.AfterFunc(d, q.expiryFired)
	} else {
		q.expiryTimer.Reset(d)
	}
}

func (q *Queue) expiryFired() {
	var fx effects
	q.mu.Lock()
	q.expiryAt = 0
	now := nowMillis()
	q.expireHeadsLocked(now, &fx)
	q.dispatchLocked(now, nil, &fx)
	q.armExpiryLocked()
	q.mu.Unlock()
	q.run(&fx)
}

// The x-expires timer runs while the queue is unused: no consumers, no
// basic.get, no redeclaration for the configured time.

func (q *Queue) startUnusedLocked() {
	if q.cfg.expires <= 0 || q.deleted || len(q.consumers) > 0 {
		return
	}
	q.unusedGen++
	gen := q.unusedGen
	d := time.Duration(q.cfg.expires) * time.Millisecond
	if q.unusedTimer != nil {
		q.unusedTimer.Stop()
	}
	q.unusedTimer = time.AfterFunc(d, func() { q.unusedFired(gen) })
}

func (q *Queue) stopUnusedLocked() {
	q.unusedGen++
	if q.unusedTimer != nil {
		q.unusedTimer.Stop()
		q.unusedTimer = nil
	}
}

// touchUnusedLocked restarts the unused period (a get or a redeclare).
func (q *Queue) touchUnusedLocked() {
	if q.unusedTimer != nil {
		q.startUnusedLocked()
	}
}

func (q *Queue) unusedFired(gen uint64) {
	q.mu.Lock()
	expired := gen == q.unusedGen && !q.deleted && len(q.consumers) == 0
	q.mu.Unlock()
	if expired {
		q.vhost.log().Info("queue expired after being unused", "vhost", q.vhost.name, "queue", q.name, "x-expires", q.cfg.expires)
		q.vhost.deleteQueueInternal(q)
	}
}

// stopTimersLocked stops every timer of a deleted queue.
func (q *Queue) stopTimersLocked() {
	if q.expiryTimer != nil {
		q.expiryTimer.Stop()
	}
	q.stopUnusedLocked()
}
