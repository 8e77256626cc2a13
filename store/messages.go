package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/junctionmq/junction/store/journal"
)

// bufPool recycles encode buffers: the journal copies a payload before
// Append returns, so a buffer is free again at once.
var bufPool = sync.Pool{New: func() any { return new([]byte) }}

const maxPooled = 256 << 10

func getBuf(n int) *[]byte {
	bp := bufPool.Get().(*[]byte)
	if cap(*bp) < n {
		*bp = make([]byte, 0, max(n, 4<<10))
	}
	*bp = (*bp)[:0]
	return bp
}

func putBuf(bp *[]byte) {
	if cap(*bp) <= maxPooled {
		bufPool.Put(bp)
	}
}

// maxPayload is the journal's payload limit.
const maxPayload = 1 << 30

func checkMessage(msg []byte, targets []Target) error {
	if n := msgHeaderSize(len(targets)) + len(msg); n > maxPayload {
		return fmt.Errorf("message of %d bytes: over the %d byte limit", len(msg), maxPayload-msgHeaderSize(len(targets)))
	}
	return checkTargets(targets)
}

func checkTargets(targets []Target) error {
	switch n := len(targets); {
	case n == 0:
		return errors.New("no targets")
	case n > maxTargets:
		return fmt.Errorf("%d targets, at most %d", n, maxTargets)
	case n <= 16:
		for i := range targets {
			for k := range i {
				if targets[k] == targets[i] {
					return fmt.Errorf("target %v given twice", targets[i])
				}
			}
		}
	default:
		seen := make(map[Target]struct{}, n)
		for _, t := range targets {
			if _, dup := seen[t]; dup {
				return fmt.Errorf("target %v given twice", t)
			}
			seen[t] = struct{}{}
		}
	}
	return nil
}

// checkFreeLocked fails if a target's (queue, seq) is already referenced.
func (s *Store) checkFreeLocked(targets []Target) error {
	for _, t := range targets {
		if qs := s.queues[t.Queue]; qs != nil {
			if _, dup := qs.refs.get(t.Seq); dup {
				return fmt.Errorf("queue %d seq %d: %w", t.Queue, t.Seq, ErrDuplicate)
			}
		}
	}
	return nil
}

// Enqueue stores msg for the targets as one record; a fan-out stores the
// body once. done (may be nil) runs once the record is durable under the
// sync policy, on the store's callback goroutine, in append order: send
// the publisher confirm from it. Enqueue does not wait for the disk.
// msg may be reused once Enqueue returns.
func (s *Store) Enqueue(msg []byte, targets []Target, done func(error)) (MsgRef, error) {
	return s.enqueue(msg, targets, done, false)
}

// EnqueueForConsumer is Enqueue for a message that goes straight to a
// consumer waiting on its only queue. Its record may wait up to
// Options.Linger for the writer: if the consumer acknowledges it first
// (AckConsumed), the message and its ack never reach the disk, as ActiveMQ
// cancels the store of a message acknowledged during concurrent
// store-and-dispatch. done runs as for Enqueue.
func (s *Store) EnqueueForConsumer(msg []byte, targets []Target, done func(error)) (MsgRef, error) {
	return s.enqueue(msg, targets, done, len(targets) == 1)
}

func (s *Store) enqueue(msg []byte, targets []Target, done func(error), linger bool) (MsgRef, error) {
	if err := checkMessage(msg, targets); err != nil {
		return MsgRef{}, fmt.Errorf("store: enqueue: %w", err)
	}
	// Encoded outside the lock; the id is patched in under it.
	bp := getBuf(msgHeaderSize(len(targets)) + len(msg))
	defer putBuf(bp)
	*bp = encodeMsg(*bp, msgRec{targets: targets, body: msg})

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writableLocked(); err != nil {
		return MsgRef{}, err
	}
	if err := s.checkFreeLocked(targets); err != nil {
		return MsgRef{}, fmt.Errorf("store: enqueue: %w", err)
	}
	id := s.next
	binary.LittleEndian.PutUint64(*bp, id)
	pos, err := s.appendRawLocked(journal.Record{Type: recMsg, Payload: *bp, Linger: linger}, s.enqueueCallback(id, done))
	if err != nil {
		s.early.take(id)
		return MsgRef{}, fmt.Errorf("store: enqueue: %w", err)
	}
	s.next++
	s.countMsgLocked(len(msg))
	s.addVisibleLocked(&message{id: id, vis: id, pos: pos, size: uint32(len(msg)), targets: targets})
	return MsgRef{id: id, q: targets[0].Queue, seq: targets[0].Seq}, nil
}

func (s *Store) countMsgLocked(size int) {
	s.cnt.msgs++
	s.cnt.bytes += int64(size)
}

// addVisibleLocked makes a written message visible in its queues. A
// message with one target and a plain record becomes a bare slot.
func (s *Store) addVisibleLocked(m *message) {
	s.cnt.refs += int64(len(m.targets))
	if len(m.targets) == 1 && m.commit == nil {
		t := m.targets[0]
		s.queueLocked(t.Queue).refs.set(t.Seq, slot{id: m.id, pos: m.pos, size: m.size})
		return
	}
	m.targets = append([]Target(nil), m.targets...)
	m.refs = len(m.targets)
	s.shared[m.id] = m
	for _, t := range m.targets {
		s.queueLocked(t.Queue).refs.set(t.Seq, slot{id: m.id, shared: true})
	}
}

// Ack removes queue q's reference seq. The body is dead once no queue
// references it. An ack is one small record: a cancel of the message
// record, or, while other queues of a fan-out still hold the message, a
// partial-ack record. done may be nil.
func (s *Store) Ack(q QueueID, seq uint64, done func(error)) error {
	return s.ack(q, seq, done, false)
}

func (s *Store) ack(q QueueID, seq uint64, done func(error), consumed bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writableLocked(); err != nil {
		return err
	}
	qs := s.queues[q]
	if qs == nil {
		return fmt.Errorf("store: ack queue %d seq %d: %w", q, seq, ErrNoMessage)
	}
	sl, ok := qs.refs.get(seq)
	if !ok {
		return fmt.Errorf("store: ack queue %d seq %d: %w", q, seq, ErrNoMessage)
	}
	if err := s.ackLocked(q, qs, seq, sl, s.note.wrap(done), consumed); err != nil {
		return fmt.Errorf("store: ack queue %d seq %d: %w", q, seq, err)
	}
	s.settleEarlyLocked(sl, consumed)
	return nil
}

// ackLocked writes the ack of one reference and updates the index. cb runs
// on the journal's writer. A consumer's ack (consumed) of a message with one
// reference may erase the message's record instead, if it has not been
// written yet.
func (s *Store) ackLocked(q QueueID, qs *queue, seq uint64, sl slot, cb func(error), consumed bool) error {
	if !sl.shared {
		if _, err := s.appendRawLocked(journal.Record{Type: recAck, Cancels: sl.pos, Erase: consumed}, cb); err != nil {
			return err
		}
		s.cnt.msgs--
		s.cnt.bytes -= int64(sl.size)
	} else {
		m := s.shared[sl.id]
		if m.refs == 1 {
			if _, err := s.appendRawLocked(journal.Record{Type: recAck, Cancels: m.pos}, cb); err != nil {
				return err
			}
			s.messageDiedLocked(m, nil)
		} else {
			var b [24]byte
			payload := encodeRef(b[:0], refRec{id: m.id, q: q, seq: seq}, false)
			p, err := s.appendRawLocked(journal.Record{Type: recAckRef, Payload: payload}, cb)
			if err != nil {
				return err
			}
			m.ackrefs = append(m.ackrefs, p)
			m.refs--
		}
	}
	s.cnt.refs--
	qs.refs.del(seq)
	s.dropDeliveryLocked(qs, seq)
	s.dropQueueIfEmptyLocked(q, qs)
	return nil
}

// messageDiedLocked forgets a shared message whose last reference is gone.
// With a nil killer it died by a durable cancel and its partial acks are
// released; killed by a purge (a Release, nothing durable), its partial
// acks must outlive its record, so they go with the purge.
func (s *Store) messageDiedLocked(m *message, killer *purge) {
	for _, p := range m.ackrefs {
		if killer == nil {
			s.j.Release(p)
			continue
		}
		if killer.ackrefs == nil {
			killer.ackrefs = make(map[journal.Pos]struct{})
		}
		killer.ackrefs[p] = struct{}{}
		s.orphans[p] = killer
	}
	m.ackrefs = nil
	delete(s.shared, m.id)
	s.cnt.msgs--
	s.cnt.bytes -= int64(m.size)
	if c := m.commit; c != nil {
		m.commit = nil
		c.orig--
		s.maybeEndCommitLocked(c)
	}
}

func (s *Store) dropDeliveryLocked(qs *queue, seq uint64) {
	if d, ok := qs.deliv[seq]; ok {
		s.j.Release(d.pos)
		delete(qs.deliv, seq)
	}
}

// Delivered records that (q, seq) has been handed to consumers count
// times, so that after a restart it comes back redelivered with that
// count. The record is not fsynced by itself: it rides the next group
// commit. A count not above the recorded one writes nothing.
func (s *Store) Delivered(q QueueID, seq uint64, count uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writableLocked(); err != nil {
		return err
	}
	qs := s.queues[q]
	if qs == nil {
		return fmt.Errorf("store: delivered queue %d seq %d: %w", q, seq, ErrNoMessage)
	}
	sl, ok := qs.refs.get(seq)
	if !ok {
		return fmt.Errorf("store: delivered queue %d seq %d: %w", q, seq, ErrNoMessage)
	}
	old, had := qs.deliv[seq]
	if count == 0 || had && old.count >= count {
		return nil
	}
	var b [28]byte
	payload := encodeRef(b[:0], refRec{id: sl.id, q: q, seq: seq, count: count}, true)
	// Lingering: it is not urgent, and if the message is acknowledged soon
	// (the usual case) releasing it erases it before it is written.
	p, err := s.appendRawLocked(journal.Record{Type: recDelivered, Payload: payload, Linger: true}, nil)
	if err != nil {
		return fmt.Errorf("store: delivered queue %d seq %d: %w", q, seq, err)
	}
	if had {
		s.j.Release(old.pos)
	}
	if qs.deliv == nil {
		qs.deliv = make(map[uint64]delivery)
	}
	qs.deliv[seq] = delivery{pos: p, count: count}
	return nil
}

// PurgeQueue drops every reference of q with seq <= upToSeq (a purge; a
// deleted queue is purged with upToSeq = math.MaxUint64) with one record,
// whatever the number of messages. done (may be nil) runs once it is
// durable. Transactional enqueues not yet committed are not affected.
func (s *Store) PurgeQueue(q QueueID, upToSeq uint64, done func(error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writableLocked(); err != nil {
		return err
	}
	qs := s.queues[q]
	hit := false
	if qs != nil {
		for seq := range qs.refs.all() {
			if seq <= upToSeq {
				hit = true
				break
			}
		}
	}
	if !hit {
		s.note.post(done, nil)
		return nil
	}
	rec := purgeRec{seq: s.next, q: q, upTo: upToSeq}
	var b [24]byte
	pos, err := s.appendLocked(journal.Record{Type: recPurge, Payload: encodePurge(b[:0], rec)}, done)
	if err != nil {
		return fmt.Errorf("store: purge queue %d: %w", q, err)
	}
	s.next++
	p := &purge{rec: rec, pos: pos, segs: make(map[uint32]probe)}
	for seq, sl := range qs.refs.all() {
		if seq <= upToSeq {
			s.purgeRefLocked(qs, seq, sl, p)
		}
	}
	s.addPurgeLocked(qs, p)
	return nil
}

// purgeRefLocked drops one reference on behalf of purge p (appended
// before): the record dies by Release, so p must outlive it.
func (s *Store) purgeRefLocked(qs *queue, seq uint64, sl slot, p *purge) {
	qs.refs.del(seq)
	s.dropDeliveryLocked(qs, seq)
	s.cnt.refs--
	if !sl.shared {
		s.j.Release(sl.pos)
		p.addSeg(sl.pos, sl.size)
		s.cnt.msgs--
		s.cnt.bytes -= int64(sl.size)
		return
	}
	m := s.shared[sl.id]
	p.addSeg(m.pos, m.size)
	m.refs--
	if m.refs == 0 {
		s.j.Release(m.pos)
		s.messageDiedLocked(m, p)
	}
}

// addPurgeLocked registers a live purge record. An older purge of the same
// queue that the new one covers (upTo not above) is folded into it: the
// new record then stands for both.
func (s *Store) addPurgeLocked(qs *queue, p *purge) {
	kept := qs.purges[:0]
	for _, old := range qs.purges {
		if old.rec.upTo > p.rec.upTo {
			kept = append(kept, old)
			continue
		}
		for _, pr := range old.segs {
			p.addSeg(pr.pos, pr.size)
		}
		for a := range old.ackrefs {
			if p.ackrefs == nil {
				p.ackrefs = make(map[journal.Pos]struct{})
			}
			p.ackrefs[a] = struct{}{}
			s.orphans[a] = p
		}
		s.j.Release(old.pos)
		delete(s.purges, old.rec.seq)
	}
	clear(qs.purges[len(kept):])
	qs.purges = append(kept, p)
	s.purges[p.rec.seq] = p
}

func (p *purge) addSeg(pos journal.Pos, size uint32) {
	if cur, ok := p.segs[pos.Seg]; !ok || size < cur.size {
		p.segs[pos.Seg] = probe{pos: pos, size: size}
	}
}

// covers reports whether purge p applies to reference t of a message
// visible from sequence vis.
func (p *purge) covers(t Target, vis uint64) bool {
	return t.Queue == p.rec.q && t.Seq <= p.rec.upTo && vis < p.rec.seq
}

// releasePurgeLocked drops a purge record nothing needs any more.
func (s *Store) releasePurgeLocked(p *purge) {
	s.j.Release(p.pos)
	for a := range p.ackrefs {
		s.j.Release(a)
		delete(s.orphans, a)
	}
	delete(s.purges, p.rec.seq)
	if qs := s.queues[p.rec.q]; qs != nil {
		for i, x := range qs.purges {
			if x == p {
				qs.purges = append(qs.purges[:i], qs.purges[i+1:]...)
				break
			}
		}
		s.dropQueueIfEmptyLocked(p.rec.q, qs)
	}
}

// checkPurges releases purge records whose segments are all deleted:
// no record they apply to can be read back any more.
func (s *Store) checkPurges() {
	type ask struct {
		p   *purge
		seg uint32
		pos journal.Pos
	}
	s.mu.Lock()
	var asks []ask
	for _, p := range s.purges {
		for seg, pr := range p.segs {
			asks = append(asks, ask{p, seg, pr.pos})
		}
	}
	s.mu.Unlock()
	var gone []ask
	for _, a := range asks {
		// Read finds a record, dead or not, as long as its segment exists.
		if _, err := s.j.Read(a.pos); errors.Is(err, journal.ErrNotFound) {
			gone = append(gone, a)
		}
	}
	if len(gone) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phase == phaseClosed {
		return
	}
	for _, a := range gone {
		if s.purges[a.p.rec.seq] != a.p {
			continue
		}
		// A probe replaced meanwhile (a smaller record, a relocated copy)
		// is asked again next time.
		if pr, ok := a.p.segs[a.seg]; ok && pr.pos == a.pos {
			delete(a.p.segs, a.seg)
		}
		if len(a.p.segs) == 0 {
			s.releasePurgeLocked(a.p)
		}
	}
}

// ReadMessage returns the body of a message the store holds: a queued
// message (paged out of the broker's memory), or one of a pending or
// prepared transaction. The slice belongs to the caller.
func (s *Store) ReadMessage(ref MsgRef) ([]byte, error) {
	return s.readMessage(ref, journal.Pos{}, s.j.Read)
}

// readMessage is ReadMessage reading records with read, at hint first
// when one is given.
func (s *Store) readMessage(ref MsgRef, hint journal.Pos, read func(journal.Pos) (journal.Record, error)) ([]byte, error) {
	// A position the caller already knows (recovery's report) saves the
	// lookup under the lock; if compaction has moved the record since, the
	// read or the id check fails and the lookup below finds it.
	if !hint.IsZero() {
		if r, err := read(hint); err == nil {
			if body, ok := bodyOf(r, ref); ok {
				return body, nil
			}
		}
	}
	var last journal.Pos
	for range 3 { // a relocation between lookup and read moves the record
		s.mu.Lock()
		if s.phase == phaseClosed {
			s.mu.Unlock()
			return nil, ErrClosed
		}
		pos, body, ok := s.locateLocked(ref)
		s.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("store: read message %d: %w", ref.id, ErrNoMessage)
		}
		if body != nil {
			return body, nil
		}
		r, err := read(pos)
		if errors.Is(err, journal.ErrNotFound) && pos != last {
			last = pos
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store: read message %d: %w", ref.id, err)
		}
		body, ok = bodyOf(r, ref)
		if !ok {
			return nil, fmt.Errorf("store: read message %d: record at %v is not that message", ref.id, pos)
		}
		return body, nil
	}
	return nil, fmt.Errorf("store: read message %d: %w", ref.id, ErrNoMessage)
}

// bodyOf returns the body in r if r is ref's message record.
func bodyOf(r journal.Record, ref MsgRef) ([]byte, bool) {
	if r.Type != recMsg && r.Type != recTxMsg {
		return nil, false
	}
	id, body, err := decodeMsgBody(r.Payload)
	return body, err == nil && id == ref.id
}

// locateLocked finds where ref's body is: a record, or a buffered body.
// ref names a queue reference (any of a fan-out message's), or the first
// target of a transaction's message that is not visible yet.
func (s *Store) locateLocked(ref MsgRef) (journal.Pos, []byte, bool) {
	if qs := s.queues[ref.q]; qs != nil {
		if sl, ok := qs.refs.get(ref.seq); ok && sl.id == ref.id {
			if !sl.shared {
				return sl.pos, nil, true
			}
			if m := s.shared[ref.id]; m != nil {
				return m.located()
			}
		}
	}
	if m := s.shared[ref.id]; m != nil && m.targets[0] == (Target{ref.q, ref.seq}) {
		return m.located()
	}
	return journal.Pos{}, nil, false
}

// located is locateLocked's answer for a shared message.
func (m *message) located() (journal.Pos, []byte, bool) {
	if m.pos.IsZero() { // a pending transaction's, not written yet
		return journal.Pos{}, append([]byte{}, m.body...), true
	}
	return m.pos, nil, true
}
