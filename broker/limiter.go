package broker

import "sync"

// Limiter bounds how many messages (and body bytes) may be delivered and not
// yet settled: AMQP prefetch (per consumer or, with global qos, per
// channel), JMS prefetch windows, and the write-buffer allowance of
// no-ack consumers. A zero limit is unlimited.
//
// Queues consult limiters under their own lock; a limiter never calls into a
// queue while its lock is held. When capacity frees after a queue was refused,
// Release returns that queue so the caller can re-run its dispatch once it
// holds no locks.
type Limiter struct {
	mu       sync.Mutex
	maxCount int
	maxBytes int64
	count    int
	bytes    int64
	paused   bool
	// extra widens the count window (JMS DELIVERED acks let dispatch run
	// past the prefetch without settling anything).
	extra int
	// pull limiters allow only deliveries granted one by one (JMS prefetch
	// 0 with MessagePull); credits counts the grants not yet used.
	pull    bool
	credits int
	// waiting holds queues refused since the last release, to be kicked.
	waiting map[*Queue]struct{}
}

// NewLimiter returns a limiter with the given bounds (0 = unlimited).
func NewLimiter(maxCount int, maxBytes int64) *Limiter {
	return &Limiter{maxCount: maxCount, maxBytes: maxBytes}
}

// NewPullLimiter returns a limiter that allows a delivery only for each
// Grant: a consumer that receives only what it asks for.
func NewPullLimiter() *Limiter { return &Limiter{pull: true} }

// Grant allows n more deliveries on a pull limiter and returns queues to
// kick.
func (l *Limiter) Grant(n int) []*Queue {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.credits += n
	return l.wakeLocked()
}

// Revoke withdraws unused grants, reporting how many there were (a pull
// that timed out must not be satisfied later).
func (l *Limiter) Revoke() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.credits
	l.credits = 0
	return n
}

// Extend widens the window by n deliveries and returns queues to kick.
func (l *Limiter) Extend(n int) []*Queue {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.extra += n
	return l.wakeLocked()
}

// Shrink narrows a widened window by up to n.
func (l *Limiter) Shrink(n int) {
	l.mu.Lock()
	l.extra = max(l.extra-n, 0)
	l.mu.Unlock()
}

// SetPrefetch switches to a count window of n (0: pull mode, where only
// grants allow deliveries) and returns queues that may now dispatch.
func (l *Limiter) SetPrefetch(n int) []*Queue {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pull = n <= 0
	l.maxCount = max(n, 0)
	return l.wakeLocked()
}

// SetLimits changes the bounds and returns queues that may now dispatch.
func (l *Limiter) SetLimits(maxCount int, maxBytes int64) []*Queue {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maxCount, l.maxBytes = maxCount, maxBytes
	return l.wakeLocked()
}

// Limits returns the configured bounds.
func (l *Limiter) Limits() (int, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.maxCount, l.maxBytes
}

// InFlight returns the messages and bytes currently counted.
func (l *Limiter) InFlight() (int, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count, l.bytes
}

// allows reports whether one more message of size bytes fits. A message
// larger than the byte limit is let through when nothing is in flight, or it
// could never be delivered.
func (l *Limiter) allowsLocked(size int) bool {
	if l.paused {
		return false
	}
	if l.pull {
		return l.credits > 0
	}
	if l.maxCount > 0 && l.count >= l.maxCount+l.extra {
		return false
	}
	if l.maxBytes > 0 && l.count > 0 && l.bytes+int64(size) > l.maxBytes {
		return false
	}
	return true
}

// tryTake counts a delivery if it fits; otherwise it remembers q so that a
// later release wakes it.
func (l *Limiter) tryTake(q *Queue, size int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.allowsLocked(size) {
		if l.waiting == nil {
			l.waiting = map[*Queue]struct{}{}
		}
		l.waiting[q] = struct{}{}
		return false
	}
	l.count++
	l.bytes += int64(size)
	if l.pull {
		l.credits--
	}
	return true
}

// allows checks without taking or registering.
func (l *Limiter) allows(size int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.allowsLocked(size)
}

// untake reverses a tryTake that was not followed by a delivery.
func (l *Limiter) untake(size int) {
	l.mu.Lock()
	l.count--
	l.bytes -= int64(size)
	if l.pull {
		l.credits++
	}
	l.mu.Unlock()
}

// Release returns capacity for n settled messages of total size bytes and
// the queues waiting for it.
func (l *Limiter) Release(n int, size int64) []*Queue {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count -= n
	l.bytes -= size
	if l.count < 0 {
		l.count = 0
	}
	if l.bytes < 0 {
		l.bytes = 0
	}
	return l.wakeLocked()
}

// Pause stops deliveries through this limiter (AMQP channel.flow).
func (l *Limiter) Pause() {
	l.mu.Lock()
	l.paused = true
	l.mu.Unlock()
}

// Resume restarts deliveries and returns queues to kick.
func (l *Limiter) Resume() []*Queue {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.paused = false
	return l.wakeLocked()
}

func (l *Limiter) wakeLocked() []*Queue {
	if len(l.waiting) == 0 || !l.allowsLocked(0) {
		return nil
	}
	out := make([]*Queue, 0, len(l.waiting))
	for q := range l.waiting {
		out = append(out, q)
	}
	clear(l.waiting)
	return out
}

// Kick re-runs dispatch on each queue. Call it holding no broker locks.
func Kick(qs []*Queue) {
	for _, q := range qs {
		q.kick()
	}
}
