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

// WaitMemoryBelow returns once q holds less than limit bytes in memory, q
// is deleted, or stop is closed; it reports whether it had to wait.
func (q *Queue) WaitMemoryBelow(limit int64, stop <-chan struct{}) bool {
	waited := false
	for {
		q.mu.Lock()
		over := !q.deleted && q.ready.bytes-q.pagedBytes >= limit
		q.mu.Unlock()
		if !over {
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
