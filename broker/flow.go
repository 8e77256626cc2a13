package broker

import "time"

// MemoryBytes is the size of the ready messages whose bodies q holds in
// memory (paged-out ones are on disk and do not count): what a
// destination memory limit, ActiveMQ's per-destination producer flow
// control, is measured against.
func (q *Queue) MemoryBytes() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.ready.bytes - q.pagedBytes
}

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
	return len(q.consumers) > 0 && q.ready.bytes-q.pagedBytes >= limit
}

// WaitMemoryBelow returns once q holds less than limit bytes in memory, q
// is deleted, stop is closed, or max has passed (0: no bound); it reports
// whether it had to wait. A protocol that can only stop reading a whole
// connection waits a bounded time, so the same connection's acks, which
// drain the queue, still get read between two waits.
func (q *Queue) WaitMemoryBelow(limit int64, max time.Duration, stop <-chan struct{}) bool {
	waited := false
	var deadline time.Time
	if max > 0 {
		deadline = time.Now().Add(max)
	}
	for {
		q.mu.Lock()
		over := !q.deleted && q.ready.bytes-q.pagedBytes >= limit
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
