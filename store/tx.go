package store

import (
	"fmt"

	"github.com/junctionmq/junction/store/journal"
)

// txLocked returns the transaction, creating an empty one if asked.
func (s *Store) txLocked(id TxID, create bool) *txn {
	t := s.txs[id]
	if t == nil && create {
		t = &txn{id: id}
		s.txs[id] = t
	}
	return t
}

// TxEnqueue adds a message to transaction tx. Nothing is written until
// Prepare or Commit; the body is copied and kept in memory until then. The
// targets' seqs order the queues after a restart, so a broker that routes
// at commit should call TxEnqueue at commit time with its final seqs.
// The returned ref reads the body back (ReadMessage) before and after the
// commit.
func (s *Store) TxEnqueue(tx TxID, msg []byte, targets []Target) (MsgRef, error) {
	if err := checkMessage(msg, targets); err != nil {
		return MsgRef{}, fmt.Errorf("store: tx %v enqueue: %w", tx, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writableLocked(); err != nil {
		return MsgRef{}, err
	}
	t := s.txLocked(tx, true)
	if t.prepared {
		return MsgRef{}, fmt.Errorf("store: tx %v enqueue: prepared: %w", tx, ErrTxState)
	}
	if err := s.checkFreeLocked(targets); err != nil {
		return MsgRef{}, fmt.Errorf("store: tx %v enqueue: %w", tx, err)
	}
	m := &message{
		id:      s.next,
		size:    uint32(len(msg)),
		targets: append([]Target(nil), targets...),
		tx:      t,
		body:    append([]byte{}, msg...),
	}
	s.next++
	t.msgs = append(t.msgs, m)
	s.shared[m.id] = m
	return MsgRef{id: m.id, q: targets[0].Queue, seq: targets[0].Seq}, nil
}

// TxAck adds the ack of (q, seq) to transaction tx; it takes effect at
// commit. The reference must exist now; if it is gone by the commit (a
// purge), the ack is skipped.
func (s *Store) TxAck(tx TxID, q QueueID, seq uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writableLocked(); err != nil {
		return err
	}
	var sl slot
	ok := false
	if qs := s.queues[q]; qs != nil {
		sl, ok = qs.refs.get(seq)
	}
	if !ok {
		return fmt.Errorf("store: tx %v ack queue %d seq %d: %w", tx, q, seq, ErrNoMessage)
	}
	t := s.txLocked(tx, true)
	if t.prepared {
		return fmt.Errorf("store: tx %v ack: prepared: %w", tx, ErrTxState)
	}
	for _, a := range t.acks {
		if a.q == q && a.seq == seq {
			return nil
		}
	}
	t.acks = append(t.acks, ackTarget{id: sl.id, q: q, seq: seq})
	return nil
}

// checkTxTargetsLocked fails if two of t's messages share a target or one
// is already visible.
func (s *Store) checkTxTargetsLocked(t *txn) error {
	seen := make(map[Target]struct{})
	for _, m := range t.msgs {
		for _, tg := range m.targets {
			if _, dup := seen[tg]; dup {
				return fmt.Errorf("queue %d seq %d twice: %w", tg.Queue, tg.Seq, ErrDuplicate)
			}
			seen[tg] = struct{}{}
		}
		if err := s.checkFreeLocked(m.targets); err != nil {
			return err
		}
	}
	return nil
}

// writeTxMsgsLocked writes t's buffered messages as transactional records.
func (s *Store) writeTxMsgsLocked(t *txn, c *countdown) error {
	for _, m := range t.msgs {
		bp := getBuf(msgHeaderSize(len(m.targets)) + len(m.body))
		*bp = encodeMsg(*bp, msgRec{id: m.id, x: t.num, targets: m.targets, body: m.body})
		p, err := c.appendLocked(s, journal.Record{Type: recTxMsg, Payload: *bp})
		putBuf(bp)
		if err != nil {
			return err
		}
		m.pos, m.body = p, nil
		s.countMsgLocked(int(m.size))
	}
	return nil
}

// liveAcksLocked returns t's acks whose references still exist.
func (s *Store) liveAcksLocked(t *txn) []ackTarget {
	var out []ackTarget
	for _, a := range t.acks {
		if qs := s.queues[a.q]; qs != nil {
			if sl, ok := qs.refs.get(a.seq); ok && sl.id == a.id {
				out = append(out, a)
			}
		}
	}
	return out
}

// Prepare makes transaction tx durable without making it visible (XA
// phase 1): its messages and a prepare record naming the xid and the acks
// are written; done runs once they are durable. After a restart, Recover
// lists it (Recovery.Prepared) until Commit or Rollback. A transaction
// with no work is prepared too (it is listed, and commits to nothing).
func (s *Store) Prepare(tx TxID, done func(error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writableLocked(); err != nil {
		return err
	}
	t := s.txLocked(tx, true)
	if t.prepared {
		return fmt.Errorf("store: prepare %v: already prepared: %w", tx, ErrTxState)
	}
	if err := s.checkTxTargetsLocked(t); err != nil {
		return fmt.Errorf("store: prepare %v: %w", tx, err)
	}
	t.num = s.next
	s.next++
	c := s.note.countdown(done)
	if err := s.writeTxMsgsLocked(t, c); err != nil {
		return fmt.Errorf("store: prepare %v: %w", tx, err)
	}
	rec := txRec{num: t.num, nmsgs: uint32(len(t.msgs)), xid: tx, acks: t.acks}
	p, err := c.appendLocked(s, journal.Record{Type: recPrepare, Payload: encodeTx(nil, rec, true)})
	if err != nil {
		return fmt.Errorf("store: prepare %v: %w", tx, err)
	}
	t.ppos, t.prepared = p, true
	c.finish()
	return nil
}

// Commit makes transaction tx visible: one-phase for an open transaction,
// or phase 2 after Prepare (also after a restart). done runs once the
// commit is durable; from then on, a crash keeps all its enqueues and all
// its acks (acks not yet durable are re-applied by Recover). Before that,
// a crash keeps none of its enqueues; its acks may then be lost, and the
// acked messages come back with their delivery counts.
//
// A transaction of a single enqueue (or a single ack) and nothing else
// is written as a plain enqueue (ack): one record, atomic by itself.
func (s *Store) Commit(tx TxID, done func(error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writableLocked(); err != nil {
		return err
	}
	t := s.txs[tx]
	if t == nil {
		return fmt.Errorf("store: commit %v: %w", tx, ErrUnknownTx)
	}
	if !t.prepared {
		if err := s.checkTxTargetsLocked(t); err != nil {
			return fmt.Errorf("store: commit %v: %w", tx, err)
		}
	}
	acks := s.liveAcksLocked(t)
	var err error
	switch {
	case !t.prepared && len(t.msgs) == 0 && len(acks) == 0:
		s.note.post(done, nil)
	case !t.prepared && len(t.msgs) == 0 && len(acks) == 1:
		a := acks[0]
		qs := s.queues[a.q]
		err = s.ackLocked(a.q, qs, a.seq, qs.refs.at(a.seq), s.note.wrap(done), false)
	case !t.prepared && len(t.msgs) == 1 && len(acks) == 0:
		err = s.commitSingleLocked(t.msgs[0], done)
	default:
		err = s.commitLocked(t, acks, done)
	}
	if err != nil {
		return fmt.Errorf("store: commit %v: %w", tx, err)
	}
	delete(s.txs, tx)
	return nil
}

// commitSingleLocked writes a lone transactional enqueue as a plain
// message record. Its visibility sequence is taken now, at the commit, so
// that a purge between TxEnqueue and Commit does not apply to it.
func (s *Store) commitSingleLocked(m *message, done func(error)) error {
	vis := s.next
	bp := getBuf(msgHeaderSize(len(m.targets)) + len(m.body))
	defer putBuf(bp)
	*bp = encodeMsg(*bp, msgRec{id: m.id, x: vis, targets: m.targets, body: m.body})
	p, err := s.appendLocked(journal.Record{Type: recMsg, Payload: *bp}, done)
	if err != nil {
		return err
	}
	s.next++
	delete(s.shared, m.id)
	m.pos, m.vis, m.body, m.tx = p, vis, nil, nil
	s.countMsgLocked(int(m.size))
	s.addVisibleLocked(m)
	return nil
}

// commitLocked is the general commit: transactional message records (if
// not prepared), the commit record with the acks, the ack records, and
// the cancel of the prepare record. done runs when all are durable.
func (s *Store) commitLocked(t *txn, acks []ackTarget, done func(error)) error {
	c := s.note.countdown(done)
	if !t.prepared {
		t.num = s.next
		s.next++
		if err := s.writeTxMsgsLocked(t, c); err != nil {
			return err
		}
	}
	cm := &commit{num: t.num}
	rec := txRec{num: t.num, seq: s.next, nmsgs: uint32(len(t.msgs)), acks: acks}
	p, err := c.appendLocked(s, journal.Record{Type: recCommit, Payload: encodeTx(nil, rec, false)})
	if err != nil {
		return err
	}
	s.next++
	cm.pos = p
	s.commits[cm.num] = cm
	for _, m := range t.msgs {
		delete(s.shared, m.id)
		m.tx, m.vis, m.commit = nil, rec.seq, cm
		cm.orig++
		s.addVisibleLocked(m)
	}
	if len(acks) > 0 {
		// The commit record must stay until its acks are durable: until
		// then, Recover re-applies them from it.
		cm.acksPending = true
		ac := s.note.countdown(func(err error) {
			if err != nil {
				return
			}
			s.mu.Lock()
			cm.acksPending = false
			s.maybeEndCommitLocked(cm)
			s.mu.Unlock()
		})
		for _, a := range acks {
			qs := s.queues[a.q]
			one, two := c.add(), ac.add()
			if err := s.ackLocked(a.q, qs, a.seq, qs.refs.at(a.seq), func(err error) { one(err); two(err) }, false); err != nil {
				one(err)
				two(err)
				return err
			}
		}
		ac.finish()
	}
	if t.prepared {
		if _, err := c.appendLocked(s, journal.Record{Type: recEndTx, Cancels: t.ppos}); err != nil {
			return err
		}
	}
	s.maybeEndCommitLocked(cm)
	c.finish()
	return nil
}

// maybeEndCommitLocked releases a commit record nothing needs any more:
// no live message record of its transaction is still in transactional
// form, and its acks are durable.
func (s *Store) maybeEndCommitLocked(c *commit) {
	if c.orig > 0 || c.acksPending || s.commits[c.num] != c {
		return
	}
	s.j.Release(c.pos)
	delete(s.commits, c.num)
}

// Rollback discards transaction tx. A prepared transaction's prepare
// record is cancelled (done runs when that is durable) and its messages
// released; an open one only forgets its buffered work.
func (s *Store) Rollback(tx TxID, done func(error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writableLocked(); err != nil {
		return err
	}
	t := s.txs[tx]
	if t == nil {
		return fmt.Errorf("store: rollback %v: %w", tx, ErrUnknownTx)
	}
	if t.prepared {
		if _, err := s.appendLocked(journal.Record{Type: recEndTx, Cancels: t.ppos}, done); err != nil {
			return fmt.Errorf("store: rollback %v: %w", tx, err)
		}
	} else {
		s.note.post(done, nil)
	}
	for _, m := range t.msgs {
		delete(s.shared, m.id)
		if !m.pos.IsZero() {
			s.j.Release(m.pos)
			s.cnt.msgs--
			s.cnt.bytes -= int64(m.size)
		}
	}
	delete(s.txs, tx)
	return nil
}
