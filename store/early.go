package store

import (
	"sync"
	"sync/atomic"
)

// A message that its consumers took and acknowledged while its record was
// still on its way to the disk needs the disk no more: nothing is left to
// lose. AckConsumed then runs the enqueue's done callback at once instead
// of after the fsync, so a synchronous producer waits for the consumer's
// round trip rather than for the disk, as RabbitMQ confirms a message
// "delivered and acknowledged" before persisting it, and ActiveMQ's
// concurrent store-and-dispatch cancels the store write of a message
// already acknowledged. The records are still written, unless the message
// was stored with EnqueueForConsumer and is still lingering in the
// journal's buffer: then the ack erases both (see journal.Record.Erase).
type earlyDone struct {
	mu sync.Mutex
	m  map[uint64]*pendingDone // by message id, until the fsync
}

type pendingDone struct {
	fn    func(error)
	fired atomic.Bool
	// spoiled: a reference of this message died other than by a
	// consumer's ack (dead-lettered, dropped, expired); whatever replaced
	// it may not be on disk, so only the fsync may complete the enqueue.
	spoiled atomic.Bool
}

func (p *pendingDone) fire(err error) {
	if p.fired.CompareAndSwap(false, true) {
		p.fn(err)
	}
}

func (e *earlyDone) add(id uint64, p *pendingDone) {
	e.mu.Lock()
	if e.m == nil {
		e.m = make(map[uint64]*pendingDone)
	}
	e.m[id] = p
	e.mu.Unlock()
}

// take removes and returns id's pending callback, if its fsync has not
// completed yet.
func (e *earlyDone) take(id uint64) *pendingDone {
	e.mu.Lock()
	p := e.m[id]
	if p != nil {
		delete(e.m, id)
	}
	e.mu.Unlock()
	return p
}

func (e *earlyDone) peek(id uint64) *pendingDone {
	e.mu.Lock()
	p := e.m[id]
	e.mu.Unlock()
	return p
}

// enqueueCallback returns the journal callback for an enqueue of message
// id whose caller waits with done, registering it for early completion.
func (s *Store) enqueueCallback(id uint64, done func(error)) func(error) {
	if done == nil {
		return nil
	}
	p := &pendingDone{fn: done}
	s.early.add(id, p)
	return func(err error) {
		s.early.take(id)
		s.note.post(p.fire, err)
	}
}

// AckConsumed is Ack for a message a consumer took: delivered without
// acknowledgement mode, or acknowledged. When that was the message's last
// reference and its enqueue is still waiting for the fsync, the enqueue's
// done callback runs now.
func (s *Store) AckConsumed(q QueueID, seq uint64) error {
	return s.ack(q, seq, nil, true)
}

// settleEarlyLocked completes or spoils a pending enqueue after one of its
// references was acknowledged.
func (s *Store) settleEarlyLocked(sl slot, consumed bool) {
	if !consumed {
		if p := s.early.peek(sl.id); p != nil {
			p.spoiled.Store(true)
		}
		return
	}
	if sl.shared && s.shared[sl.id] != nil {
		return // other queues still hold it
	}
	if p := s.early.take(sl.id); p != nil && !p.spoiled.Load() {
		s.note.post(p.fire, nil)
	}
}
