package broker

import "time"

// MemoryBytes is the memory taken by the ready messages q holds in
// memory (paged-out ones are on disk and do not count): what a
// destination memory limit, ActiveMQ's per-destination producer flow
// control, is measured against.
func (q *Queue) MemoryBytes() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.memoryLocked()
}

// queuedOverhead is what a message held in memory by a queue costs beside
// its body: the core message and its protocol's header encoding or
// decoded command, and the queue's entry. Measured with the heap profile
// of a queue filled with 16-byte messages: about 310 bytes for AMQP and
// 710 for OpenWire (whose decoded command is kept for OpenWire
// consumers). Counting bodies alone let a limit of 64 MiB hold four
// million small messages, some 3 GB; ActiveMQ likewise charges each
// message a fixed kilobyte on top of its content.
const queuedOverhead = 512

// memoryLocked is MemoryBytes with q.mu held.
func (q *Queue) memoryLocked() int64 {
	return memoryOf(q.ready.count-q.paged, q.ready.bytes-q.pagedBytes)
}

// memoryOf is the memory that count messages of bytes body bytes take.
func memoryOf(count int, bytes int64) int64 { return bytes + int64(count)*queuedOverhead }

// memoryPoll is how often a blocked producer looks again. Blocking is the
// rare, overloaded case, so a short poll is cheaper than waking waiters
// from every dequeue.
const memoryPoll = 5 * time.Millisecond

// flowSample is how often (in publishes per queue) deliver checks a
// queue's memory against the flow limit: often enough to slow a publisher
// soon after the limit, cheap on the hot path.
const flowSample = 64

// fullQueue returns a queue among queues over limit that has consumers,
// checking each on every flowSample-th publish it receives. A queue
// nobody consumes from is left to the memory alarm: slowing its
// publishers would help no consumer keep up.
func fullQueue(queues []*Queue, limit int64) *Queue {
	for _, q := range queues {
		if q.flowTick.Add(1)%flowSample == 0 && q.overFlow(limit) {
			return q
		}
	}
	return nil
}

func (q *Queue) overFlow(limit int64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.consumers) > 0 && q.memoryLocked() >= limit
}

// WaitMemoryBelow returns once q holds less than limit bytes in memory, q
// is deleted, stop is closed, or max has passed (0: no bound); it reports
// whether it had to wait. It holds an answer the producer waits for
// (ActiveMQ's blocking send), consumers or not.
func (q *Queue) WaitMemoryBelow(limit int64, max time.Duration, stop <-chan struct{}) bool {
	return q.waitBelow(limit, max, stop, false)
}

// Throttle slows a publisher to q, a queue over the broker's flow limit,
// for a protocol that can only stop reading a whole connection (TCP then
// pushes back on the client): RabbitMQ's connection flow state, ActiveMQ's
// blocked transport. It waits at most throttlePause, so that acks on the
// same connection, which may be what drains the queue, are still read
// between two waits; and only while q has consumers. Without them, slowing
// the publisher helps nobody keep up, and a client that has sent far ahead
// would have each of its buffered messages held in turn (the memory alarm
// still stops every publisher). It returns early when stop is closed.
func (q *Queue) Throttle(stop <-chan struct{}) {
	if lim := q.vhost.broker.flowLimit; lim > 0 {
		q.waitBelow(lim, throttlePause, stop, true)
	}
}

// throttlePause bounds one Throttle.
const throttlePause = 50 * time.Millisecond

func (q *Queue) waitBelow(limit int64, max time.Duration, stop <-chan struct{}, consumed bool) bool {
	waited := false
	var deadline time.Time
	if max > 0 {
		deadline = time.Now().Add(max)
	}
	for {
		q.mu.Lock()
		over := !q.deleted && q.memoryLocked() >= limit && (!consumed || len(q.consumers) > 0)
		q.mu.Unlock()
		if !over || (max > 0 && !time.Now().Before(deadline)) {
			return waited
		}
		waited = true
		select {
		case <-stop:
			return waited
		case <-time.After(memoryPoll):
		}
	}
}

// FlowLimit is the memory size beyond which publishes report a full queue
// (0: off).
func (b *Broker) FlowLimit() int64 { return b.flowLimit }
