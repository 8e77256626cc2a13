package store

import (
	"github.com/junctionmq/junction/store/journal"
)

// moved is what rewrite learned about a record compaction is copying, for
// relocated to find the record's owner by identity: positions are not
// kept in payloads, ids are.
type moved struct {
	typ      uint8
	id       uint64 // message, partial ack, delivery: message id; tx: number; purge: seq
	q        QueueID
	seq      uint64
	key      defKey
	targets  []Target      // message: the targets the copy lists
	vis      uint64        // message: the copy's visibility (0: transactional)
	size     uint32        // message: body size
	plain    bool          // a transactional record was rewritten plain
	obsolete []journal.Pos // partial acks the rewritten copy no longer needs
}

// rewrite is journal.Options.Rewrite. It makes copies self-contained where
// it can: a committed transactional message becomes a plain one (so it no
// longer needs its commit record), and a fan-out message lists only the
// queues still referencing it (so its partial acks and purges can go).
func (s *Store) rewrite(p journal.Pos, r journal.Record) journal.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Compaction copies one segment, then reports its moves, then goes on
	// to the next: what is left from another segment is stale.
	if p.Seg != s.movSeg {
		clear(s.moving)
		s.movSeg = p.Seg
	}
	mv := moved{typ: r.Type}
	out := r
	var err error
	switch r.Type {
	case recMsg, recTxMsg:
		out, err = s.rewriteMsgLocked(r, &mv)
	case recAckRef, recDelivered:
		var d refRec
		d, err = decodeRef(r.Payload, r.Type == recDelivered)
		mv.id, mv.q, mv.seq = d.id, d.q, d.seq
	case recDef:
		var d defRec
		d, err = decodeDef(r.Payload)
		mv.key = defKey{d.kind, d.key}
	case recPurge:
		var d purgeRec
		d, err = decodePurge(r.Payload)
		mv.id = d.seq
	case recPrepare, recCommit:
		var d txRec
		d, err = decodeTx(r.Payload, r.Type == recPrepare)
		mv.id = d.num
	default:
		s.log.Warn("store: compaction met an unknown record type", "pos", p.String(), "type", r.Type)
		return r
	}
	if err != nil {
		s.log.Warn("store: compaction met an undecodable record", "pos", p.String(), "type", r.Type, "err", err)
		return r
	}
	s.moving[p] = mv
	return out
}

func (s *Store) rewriteMsgLocked(r journal.Record, mv *moved) (journal.Record, error) {
	d, err := decodeMsg(r.Payload)
	if err != nil {
		return r, err
	}
	mv.id, mv.size, mv.targets = d.id, uint32(len(d.body)), d.targets
	if r.Type == recMsg {
		mv.vis = visOf(d)
	}
	m := s.shared[d.id]
	if m == nil || m.tx != nil {
		return r, nil // a bare slot (nothing to change), or prepared
	}
	live := s.liveTargetsLocked(m)
	committed := r.Type == recTxMsg && m.commit != nil
	if len(live) == 0 || (!committed && len(live) == len(d.targets)) {
		return r, nil
	}
	mv.targets, mv.vis, mv.plain = live, m.vis, committed
	mv.obsolete = append([]journal.Pos(nil), m.ackrefs...)
	payload := encodeMsg(make([]byte, 0, msgHeaderSize(len(live))+len(d.body)),
		msgRec{id: m.id, x: m.vis, targets: live, body: d.body})
	return journal.Record{Type: recMsg, Payload: payload}, nil
}

// visOf is the visibility sequence of a plain message record.
func visOf(d msgRec) uint64 {
	if d.x == 0 {
		return d.id
	}
	return d.x
}

// liveTargetsLocked returns the targets through which shared message m is
// still referenced.
func (s *Store) liveTargetsLocked(m *message) []Target {
	var live []Target
	for _, t := range m.targets {
		if s.isSharedRefLocked(t, m.id) {
			live = append(live, t)
		}
	}
	return live
}

func (s *Store) isSharedRefLocked(t Target, id uint64) bool {
	if qs := s.queues[t.Queue]; qs != nil {
		sl, ok := qs.refs.get(t.Seq)
		return ok && sl.id == id && sl.shared
	}
	return false
}

func (s *Store) isLiveRefLocked(t Target, id uint64) bool {
	if qs := s.queues[t.Queue]; qs != nil {
		sl, ok := qs.refs.get(t.Seq)
		return ok && sl.id == id
	}
	return false
}

// relocated is journal.Options.Relocated: the copy at new is durable and
// the record at old is about to go. Whoever holds old switches to new.
func (s *Store) relocated(old, new journal.Pos) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mv, ok := s.moving[old]
	if !ok {
		return // not decodable; nothing of ours points at it
	}
	delete(s.moving, old)
	switch mv.typ {
	case recMsg, recTxMsg:
		s.relocateMsgLocked(old, new, mv)
	case recAckRef:
		if m := s.shared[mv.id]; m != nil {
			for i, p := range m.ackrefs {
				if p == old {
					m.ackrefs[i] = new
				}
			}
		} else if p := s.orphans[old]; p != nil {
			delete(s.orphans, old)
			delete(p.ackrefs, old)
			s.orphans[new] = p
			p.ackrefs[new] = struct{}{}
		}
	case recDelivered:
		if qs := s.queues[mv.q]; qs != nil {
			if d, ok := qs.deliv[mv.seq]; ok && d.pos == old {
				d.pos = new
				qs.deliv[mv.seq] = d
			}
		}
	case recDef:
		if d, ok := s.defs[mv.key]; ok && d.pos == old {
			d.pos = new
			s.defs[mv.key] = d
		}
	case recPurge:
		if p := s.purges[mv.id]; p != nil && p.pos == old {
			p.pos = new
		}
	case recCommit:
		if c := s.commits[mv.id]; c != nil && c.pos == old {
			c.pos = new
		}
	case recPrepare:
		for _, t := range s.txs {
			if t.num == mv.id && t.ppos == old {
				t.ppos = new
			}
		}
	}
}

func (s *Store) relocateMsgLocked(old, new journal.Pos, mv moved) {
	if m := s.shared[mv.id]; m != nil && m.pos == old {
		m.pos = new
		if mv.plain && m.commit != nil {
			c := m.commit
			m.commit = nil
			c.orig--
			s.maybeEndCommitLocked(c)
		}
		for _, o := range mv.obsolete {
			for i, p := range m.ackrefs {
				if p == o {
					m.ackrefs = append(m.ackrefs[:i], m.ackrefs[i+1:]...)
					s.j.Release(o)
					break
				}
			}
		}
		if len(mv.targets) == 1 && mv.vis != 0 { // the copy is plain, one queue
			s.maybeDemoteLocked(m)
		}
	} else if m == nil {
		for _, t := range mv.targets {
			if qs := s.queues[t.Queue]; qs != nil {
				if sl, ok := qs.refs.get(t.Seq); ok && sl.id == mv.id && !sl.shared && sl.pos == old {
					sl.pos = new
					qs.refs.set(t.Seq, sl)
				}
			}
		}
	}
	// The copy may list a reference that a purge dropped after rewrite
	// looked (or, the message having died, it may list them all): that
	// purge must then outlive the copy's segment too.
	if mv.vis == 0 {
		return
	}
	for _, t := range mv.targets {
		if s.isLiveRefLocked(t, mv.id) {
			continue
		}
		if qs := s.queues[t.Queue]; qs != nil {
			for _, p := range qs.purges {
				if p.covers(t, mv.vis) {
					p.addSeg(new, mv.size)
				}
			}
		}
	}
}

// maybeDemoteLocked turns a shared message whose plain record lists a
// single live queue into a bare slot. Only if that queue is its first
// target: MsgRefs name the first target, and a bare slot is found through
// it.
func (s *Store) maybeDemoteLocked(m *message) {
	if m.tx != nil || m.commit != nil || len(m.ackrefs) > 0 || m.refs != 1 {
		return
	}
	live := s.liveTargetsLocked(m)
	if len(live) != 1 || live[0] != m.targets[0] {
		return
	}
	t := live[0]
	s.queues[t.Queue].refs.set(t.Seq, slot{id: m.id, pos: m.pos, size: m.size})
	delete(s.shared, m.id)
}
