package store

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/junctionmq/junction/store/journal"
)

// Recovery receives what survived, once, from Recover. Nil callbacks are
// skipped. The callbacks run on the goroutine that called Recover, after
// the store has settled its state; they may call the Store.
type Recovery struct {
	// Definitions is called for each definition, sorted by kind and key.
	Definitions func(kind, key string, value []byte)
	// Message is called for each (queue, seq) still referenced: queues in
	// ascending id, seqs ascending within a queue. deliveries is the last
	// count given to Delivered (0: never delivered; the broker should mark
	// the message redelivered when it is above 0). body is nil when not
	// loaded (see BodiesPerQueue): keep ref and call ReadMessage at
	// dispatch. A fan-out message is reported once per queue, same ref.
	// body is valid only until Message returns (it may point into the
	// store's read buffer): copy what you keep.
	Message func(q QueueID, seq uint64, ref MsgRef, body []byte, deliveries uint32)
	// Prepared is called for each prepared transaction, sorted by xid,
	// with its enqueues (not visible until Commit) and its acks (the broker
	// keeps those messages locked until Commit or Rollback).
	Prepared func(tx TxID, enqueues []PreparedEnqueue, acks []Target)
	// BodiesPerQueue says which bodies Message gets: 0 none, n > 0 the
	// first n of each queue (by seq), negative all. Prepared enqueues get
	// their bodies unless it is 0.
	BodiesPerQueue int
	// Noted, if set, is called instead of Message for a reference beyond
	// BodiesPerQueue that has a note: what the note function given to
	// CloseNoting returned for it at the last clean shutdown. No body is
	// read for it. Should Noted return false, the store reads the body
	// and calls Message for the reference after all.
	Noted func(q QueueID, seq uint64, ref MsgRef, note []byte, deliveries uint32) bool
	// StreamRest also passes the bodies beyond BodiesPerQueue, read from
	// the journal one message at a time as it is reported, so the caller
	// can index a backlog larger than memory without the store holding
	// every body at once.
	StreamRest bool
}

// PreparedEnqueue is one enqueue of a prepared transaction.
type PreparedEnqueue struct {
	Ref     MsgRef
	Targets []Target
	Body    []byte
}

type rdef struct {
	pos   journal.Pos
	seq   uint64
	value []byte
}

type rtx struct {
	pos journal.Pos
	rec txRec
}

type rref struct {
	pos journal.Pos
	rec refRec
}

type rpurge struct {
	pos journal.Pos
	rec purgeRec
}

// rstate collects what Replay shows; Replay order is not the order of
// events (compaction moves records), so nothing is decided until the end.
type rstate struct {
	max      uint64
	defs     map[defKey][]rdef
	txmsgs   map[uint64][]*message // by transaction number
	prepares map[uint64]rtx
	commits  map[uint64]rtx
	ackrefs  []rref
	delivs   []rref
	purges   []rpurge
}

// Recover reads the journal, rebuilds the store's state and reports it
// through r. Call it once, after Open and before any write. On error the
// store stays unusable for writes; Close it.
func (s *Store) Recover(r Recovery) error {
	rep, err := s.rebuild(r)
	if err != nil {
		return err
	}
	return s.deliver(r, rep)
}

// rebuild replays the journal and settles the state under s.mu.
func (s *Store) rebuild(r Recovery) (*report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phase != phaseOpened {
		if s.phase == phaseClosed {
			return nil, ErrClosed
		}
		return nil, errors.New("store: Recover called twice")
	}
	s.phase = phaseRecovering
	if ck := s.j.Checkpoint(); ck != nil {
		return s.resumeLocked(ck, r.BodiesPerQueue)
	}
	rs := &rstate{
		defs:     make(map[defKey][]rdef),
		txmsgs:   make(map[uint64][]*message),
		prepares: make(map[uint64]rtx),
		commits:  make(map[uint64]rtx),
	}
	err := s.j.Replay(func(p journal.Pos, rec journal.Record) error {
		if !rec.Cancels.IsZero() {
			return nil // the journal already applied it to liveness
		}
		if err := s.collect(rs, p, rec); err != nil {
			return fmt.Errorf("record at %v (type %d): %w", p, rec.Type, err)
		}
		return nil
	})
	if err == nil {
		err = s.resolveLocked(rs)
	}
	if err != nil {
		s.failed = fmt.Errorf("store: recover: %w", err)
		return nil, s.failed
	}
	s.next = rs.max + 1
	s.phase = phaseRunning
	go s.maintain()
	return s.reportLocked(func(k defKey, d defEntry) []byte {
		for _, c := range rs.defs[k] {
			if c.pos == d.pos {
				return c.value
			}
		}
		return nil
	}, nil, r.BodiesPerQueue), nil
}

// resumeLocked continues from the state a clean Close saved. Should it
// not decode, which a checksummed file only does after a bug, Recover
// fails; the checkpoint is gone by then, so the next start replays the
// journal.
func (s *Store) resumeLocked(ck []byte, bodies int) (*report, error) {
	lists, err := s.adoptCheckpointLocked(ck)
	if err == nil {
		err = s.j.Replay(func(journal.Pos, journal.Record) error {
			return errors.New("journal replayed records after adopting a checkpoint")
		})
	}
	if err != nil {
		s.failed = fmt.Errorf("store: recover from the clean-shutdown checkpoint (the next start replays the journal instead): %w", err)
		return nil, s.failed
	}
	s.phase = phaseRunning
	go s.maintain()
	return s.reportLocked(func(k defKey, d defEntry) []byte {
		rec, err := s.j.Read(d.pos)
		if err != nil {
			s.log.Error("store: recover: reading a definition", "kind", k.kind, "key", k.key, "err", err)
			return nil
		}
		v, err := decodeDef(rec.Payload)
		if err != nil {
			s.log.Error("store: recover: decoding a definition", "kind", k.kind, "key", k.key, "err", err)
			return nil
		}
		return v.value
	}, lists, bodies), nil
}

func (rs *rstate) bump(vs ...uint64) {
	for _, v := range vs {
		rs.max = max(rs.max, v)
	}
}

// collect decodes one positive record. Every id it names raises the next
// sequence, live or not, so that no new id ever matches an old record.
func (s *Store) collect(rs *rstate, p journal.Pos, rec journal.Record) error {
	live := s.j.Live(p)
	switch rec.Type {
	case recDef:
		d, err := decodeDef(rec.Payload)
		if err != nil {
			return err
		}
		rs.bump(d.seq)
		if live {
			k := defKey{d.kind, d.key}
			rs.defs[k] = append(rs.defs[k], rdef{pos: p, seq: d.seq, value: bytes.Clone(d.value)})
		}
	case recMsg, recTxMsg:
		var one [1]Target
		d, err := decodeMsgInto(rec.Payload, one[:0])
		if err != nil {
			return err
		}
		rs.bump(d.id, d.x)
		if !live {
			return nil
		}
		size := uint32(len(d.body))
		if rec.Type == recMsg && d.x == 0 && len(d.targets) == 1 {
			s.countMsgLocked(int(size))
			return s.recoverBareLocked(d.id, p, size, d.targets[0])
		}
		m := &message{id: d.id, pos: p, size: size, targets: slices.Clone(d.targets)}
		if rec.Type == recTxMsg {
			rs.txmsgs[d.x] = append(rs.txmsgs[d.x], m)
			return nil
		}
		m.vis = visOf(d)
		s.countMsgLocked(int(size))
		return s.recoverVisibleLocked(m)
	case recAckRef, recDelivered:
		d, err := decodeRef(rec.Payload, rec.Type == recDelivered)
		if err != nil {
			return err
		}
		rs.bump(d.id)
		if live && rec.Type == recAckRef {
			rs.ackrefs = append(rs.ackrefs, rref{p, d})
		} else if live {
			rs.delivs = append(rs.delivs, rref{p, d})
		}
	case recPurge:
		d, err := decodePurge(rec.Payload)
		if err != nil {
			return err
		}
		rs.bump(d.seq)
		if live {
			rs.purges = append(rs.purges, rpurge{p, d})
		}
	case recPrepare, recCommit:
		d, err := decodeTx(rec.Payload, rec.Type == recPrepare)
		if err != nil {
			return err
		}
		rs.bump(d.num, d.seq)
		for _, a := range d.acks {
			rs.bump(a.id)
		}
		to := rs.commits
		if rec.Type == recPrepare {
			to = rs.prepares
		}
		if _, dup := to[d.num]; dup && live {
			return fmt.Errorf("transaction %d has two live records of this type", d.num)
		}
		if live {
			to[d.num] = rtx{p, d}
		}
	default:
		return fmt.Errorf("unknown or misplaced record type %d", rec.Type)
	}
	return nil
}

// recoverBareLocked indexes a recovered message of one queue outside any
// transaction (a bare slot: no message struct). Should two live records
// claim one (queue, seq), which the store never writes, the newer message
// keeps it.
func (s *Store) recoverBareLocked(id uint64, pos journal.Pos, size uint32, t Target) error {
	qs := s.queueLocked(t.Queue)
	if old, dup := qs.refs.get(t.Seq); dup {
		if old.id == id {
			return fmt.Errorf("two live messages with id %d", id)
		}
		if old.id > id {
			s.log.Warn("store: recover: two messages for one queue seq", "queue", t.Queue, "seq", t.Seq)
			s.killRecoveredLocked(pos)
			s.cnt.msgs--
			s.cnt.bytes -= int64(size)
			return nil
		}
		s.dropRefLocked(qs, t.Seq, old)
	}
	qs.refs.set(t.Seq, slot{id: id, pos: pos, size: size})
	s.cnt.refs++
	return nil
}

// recoverVisibleLocked indexes any other recovered visible message (more
// than one queue, or a visibility of its own) as a shared one, as
// recoverBareLocked does a bare one.
func (s *Store) recoverVisibleLocked(m *message) error {
	if s.shared[m.id] != nil {
		return fmt.Errorf("two live messages with id %d", m.id)
	}
	s.shared[m.id] = m
	for _, t := range m.targets {
		qs := s.queueLocked(t.Queue)
		if old, dup := qs.refs.get(t.Seq); dup {
			if old.id == m.id {
				return fmt.Errorf("two live messages with id %d", m.id)
			}
			s.log.Warn("store: recover: two messages for one queue seq", "queue", t.Queue, "seq", t.Seq)
			if old.id > m.id {
				s.disclaimLocked(m, t)
				continue
			}
			s.dropRefLocked(qs, t.Seq, old)
		}
		qs.refs.set(t.Seq, slot{id: m.id, shared: true})
		m.refs++
		s.cnt.refs++
	}
	return nil
}

// dropRefLocked removes a conflicting reference found during recovery; a
// message left without references is cancelled.
func (s *Store) dropRefLocked(qs *queue, seq uint64, sl slot) {
	qs.refs.del(seq)
	s.cnt.refs--
	if !sl.shared {
		s.killRecoveredLocked(sl.pos)
		s.cnt.msgs--
		s.cnt.bytes -= int64(sl.size)
		return
	}
	m := s.shared[sl.id]
	if m.refs--; m.refs == 0 {
		s.dropRecoveredLocked(m)
		return
	}
	s.disclaimLocked(m, Target{qs.id, seq})
}

// disclaimLocked writes a partial ack of a shared message's target that
// recovery gave to another message, so the next recovery decides alike.
func (s *Store) disclaimLocked(m *message, t Target) {
	var b [24]byte
	p, err := s.appendRawLocked(journal.Record{Type: recAckRef, Payload: encodeRef(b[:0], refRec{id: m.id, q: t.Queue, seq: t.Seq}, false)}, nil)
	if err != nil {
		s.log.Error("store: recover: recording a dropped reference", "err", err)
		return
	}
	m.ackrefs = append(m.ackrefs, p)
}

// dropRecoveredLocked cancels a message that recovery found unreferenced.
func (s *Store) dropRecoveredLocked(m *message) {
	s.killRecoveredLocked(m.pos)
	if s.shared[m.id] == m {
		s.messageDiedLocked(m, nil)
	} else {
		s.cnt.msgs--
		s.cnt.bytes -= int64(m.size)
	}
}

// killRecoveredLocked cancels a record durably: recovery cannot tell what
// else would keep a released record dead after the next restart.
func (s *Store) killRecoveredLocked(p journal.Pos) {
	if _, err := s.appendRawLocked(journal.Record{Type: recAck, Cancels: p}, nil); err != nil && !errors.Is(err, journal.ErrNotLive) {
		s.log.Error("store: recover: cancelling a dead record", "pos", p.String(), "err", err)
	}
}

// resolveLocked turns the collected records into the live state, writing
// what recovery learned must be written (cancels of superseded records,
// acks of committed transactions not yet applied).
func (s *Store) resolveLocked(rs *rstate) error {
	for k, list := range rs.defs {
		best := 0
		for i, d := range list {
			if d.seq > list[best].seq {
				best = i
			}
		}
		for i, d := range list {
			if i != best {
				s.appendRawLocked(journal.Record{Type: recUndef, Cancels: d.pos}, nil)
			}
		}
		s.defs[k] = defEntry{pos: list[best].pos, seq: list[best].seq}
	}
	acks, err := s.resolveTxsLocked(rs)
	if err != nil {
		return err
	}
	for _, a := range rs.ackrefs {
		t := Target{a.rec.q, a.rec.seq}
		m := s.shared[a.rec.id]
		if m == nil || m.tx != nil || !s.isSharedRefLocked(t, m.id) {
			s.j.Release(a.pos)
			continue
		}
		qs := s.queues[t.Queue]
		qs.refs.del(t.Seq)
		s.cnt.refs--
		m.refs--
		m.ackrefs = append(m.ackrefs, a.pos)
	}
	sort.Slice(rs.purges, func(a, b int) bool { return rs.purges[a].rec.seq < rs.purges[b].rec.seq })
	for _, rp := range rs.purges {
		s.recoverPurgeLocked(rp)
	}
	for _, m := range s.shared {
		if m.tx == nil && m.refs == 0 { // all its queues acked it: cancel lost
			s.dropRecoveredLocked(m)
		}
	}
	for _, ca := range acks {
		s.reapplyAcksLocked(ca.cm, ca.acks)
	}
	for _, c := range s.commits {
		s.maybeEndCommitLocked(c)
	}
	for _, d := range rs.delivs {
		s.recoverDeliveryLocked(d)
	}
	for _, m := range s.shared {
		if m.tx == nil && m.commit == nil && len(m.targets) == 1 {
			s.maybeDemoteLocked(m)
		}
	}
	for q, qs := range s.queues {
		s.dropQueueIfEmptyLocked(q, qs)
	}
	return nil
}

type commitAcks struct {
	cm   *commit
	acks []ackTarget
}

// resolveTxsLocked settles transactions: committed ones become visible
// (their acks are returned, to re-apply), prepared ones are rebuilt, and
// messages of transactions that reached neither state are released.
func (s *Store) resolveTxsLocked(rs *rstate) ([]commitAcks, error) {
	nums := make(map[uint64]struct{})
	for n := range rs.txmsgs {
		nums[n] = struct{}{}
	}
	for n := range rs.prepares {
		nums[n] = struct{}{}
	}
	for n := range rs.commits {
		nums[n] = struct{}{}
	}
	var out []commitAcks
	for n := range nums {
		msgs := rs.txmsgs[n]
		// Replay order is not append order after compaction; ids are.
		slices.SortFunc(msgs, func(a, b *message) int { return cmp.Compare(a.id, b.id) })
		c, committed := rs.commits[n]
		p, prepared := rs.prepares[n]
		switch {
		case committed:
			cm := &commit{num: n, pos: c.pos}
			s.commits[n] = cm
			for _, m := range msgs {
				m.vis, m.commit = c.rec.seq, cm
				cm.orig++
				s.countMsgLocked(int(m.size))
				if err := s.recoverVisibleLocked(m); err != nil {
					return nil, err
				}
			}
			if prepared {
				s.appendRawLocked(journal.Record{Type: recEndTx, Cancels: p.pos}, nil)
			}
			out = append(out, commitAcks{cm, c.rec.acks})
		case prepared:
			id := p.rec.xid
			if _, dup := s.txs[id]; dup {
				return nil, fmt.Errorf("two prepared transactions named %v", id)
			}
			t := &txn{id: id, num: n, prepared: true, ppos: p.pos, acks: p.rec.acks, msgs: msgs}
			for _, m := range msgs {
				if s.shared[m.id] != nil {
					return nil, fmt.Errorf("two live messages with id %d", m.id)
				}
				m.tx = t
				s.shared[m.id] = m
				s.countMsgLocked(int(m.size))
			}
			if len(msgs) != int(p.rec.nmsgs) {
				s.log.Warn("store: recover: prepared transaction is missing messages",
					"tx", id.String(), "want", p.rec.nmsgs, "have", len(msgs))
			}
			s.txs[id] = t
		default:
			for _, m := range msgs {
				s.j.Release(m.pos) // never committed nor prepared
			}
		}
	}
	return out, nil
}

// recoverPurgeLocked applies a purge record to what recovery rebuilt. It
// stays live if it dropped anything: those records are still on disk.
func (s *Store) recoverPurgeLocked(rp rpurge) {
	p := &purge{rec: rp.rec, pos: rp.pos, segs: make(map[uint32]probe)}
	qs := s.queues[rp.rec.q]
	if qs != nil {
		for seq, sl := range qs.refs.all() {
			vis := sl.id
			if sl.shared {
				vis = s.shared[sl.id].vis
			}
			if p.covers(Target{rp.rec.q, seq}, vis) {
				s.purgeRefLocked(qs, seq, sl, p)
			}
		}
	}
	if len(p.segs) == 0 {
		s.j.Release(p.pos)
		return
	}
	s.addPurgeLocked(s.queueLocked(rp.rec.q), p)
}

// reapplyAcksLocked applies a commit record's acks that did not become
// durable before the crash; the record stays until they are.
func (s *Store) reapplyAcksLocked(cm *commit, acks []ackTarget) {
	var ac *countdown
	for _, a := range acks {
		t := Target{a.q, a.seq}
		if !s.isLiveRefLocked(t, a.id) {
			continue
		}
		if ac == nil {
			cm.acksPending = true
			ac = s.note.countdown(func(err error) {
				if err != nil {
					return
				}
				s.mu.Lock()
				cm.acksPending = false
				s.maybeEndCommitLocked(cm)
				s.mu.Unlock()
			})
		}
		qs := s.queues[a.q]
		if err := s.ackLocked(a.q, qs, a.seq, qs.refs.at(a.seq), ac.add(), false); err != nil {
			s.log.Error("store: recover: re-applying a committed ack", "queue", a.q, "seq", a.seq, "err", err)
		}
	}
	if ac != nil {
		ac.finish()
	}
}

// recoverDeliveryLocked keeps the highest delivery count per reference.
func (s *Store) recoverDeliveryLocked(d rref) {
	t := Target{d.rec.q, d.rec.seq}
	if !s.isLiveRefLocked(t, d.rec.id) {
		s.j.Release(d.pos)
		return
	}
	qs := s.queues[t.Queue]
	if qs.deliv == nil {
		qs.deliv = make(map[uint64]delivery)
	}
	if old, ok := qs.deliv[t.Seq]; ok {
		if old.count >= d.rec.count {
			s.j.Release(d.pos)
			return
		}
		s.j.Release(old.pos)
	}
	qs.deliv[t.Seq] = delivery{pos: d.pos, count: d.rec.count}
}

// report is what Recover hands to the callbacks, gathered under s.mu.
type report struct {
	defs     []rdefOut
	queues   []QueueID
	msgs     map[QueueID][]rmsgOut
	prepared []*preparedOut
	bodies   int // Recovery.BodiesPerQueue

	// After a checkpoint: each queue's list, its delivery counts and the
	// fan-out messages' refs, copied under s.mu (msgs is then empty).
	ck     map[QueueID]ckQueue
	deliv  map[QueueID]map[uint64]uint32
	shared map[uint64]sharedRef
}

type rdefOut struct {
	kind, key string
	value     []byte
}

type rmsgOut struct {
	seq    uint64
	ref    MsgRef
	pos    journal.Pos // where the body was when reported; compaction may move it
	deliv  uint32
	read   bool // load the body before reporting
	shared bool // a fan-out message: other queues report it too
}

type preparedOut struct {
	id   TxID
	encs []PreparedEnqueue
	read []bool
	acks []Target
}

// reportLocked gathers what Recover reports: definitions (their values
// from value; nil skips one), each queue's references in seq order, and
// prepared transactions. After a checkpoint (ck not nil) the references
// are read from its lists as they are reported.
func (s *Store) reportLocked(value func(defKey, defEntry) []byte, ck map[QueueID]ckQueue, bodies int) *report {
	rep := &report{msgs: make(map[QueueID][]rmsgOut, len(s.queues)), bodies: bodies}
	if ck != nil {
		s.reportCheckpointLocked(rep, ck)
	}
	for k, d := range s.defs {
		if v := value(k, d); v != nil {
			rep.defs = append(rep.defs, rdefOut{k.kind, k.key, v})
		}
	}
	sort.Slice(rep.defs, func(a, b int) bool {
		if c := strings.Compare(rep.defs[a].kind, rep.defs[b].kind); c != 0 {
			return c < 0
		}
		return rep.defs[a].key < rep.defs[b].key
	})
	for q, qs := range s.queues {
		if qs.refs.len() == 0 || ck != nil {
			continue
		}
		rep.queues = append(rep.queues, q)
		// One pass over the index, sorted only if some of it came from
		// the index's map.
		list := make([]rmsgOut, 0, qs.refs.len())
		for seq, sl := range qs.refs.all() {
			o := rmsgOut{seq: seq, ref: MsgRef{id: sl.id, q: q, seq: seq}, pos: sl.pos}
			if sl.shared { // one ref for all its queues: the first target's
				m := s.shared[sl.id]
				t := m.targets[0]
				o.ref.q, o.ref.seq = t.Queue, t.Seq
				o.pos, o.shared = m.pos, true
			}
			list = append(list, o)
		}
		if !qs.refs.inOrder() {
			list = sortBySeq(list)
		}
		for i := range list {
			if qs.deliv != nil {
				list[i].deliv = qs.deliv[list[i].seq].count
			}
			list[i].read = bodies < 0 || i < bodies
		}
		rep.msgs[q] = list
	}
	slices.Sort(rep.queues)
	for _, t := range s.txs {
		po := &preparedOut{id: t.id}
		for _, m := range t.msgs {
			pe := PreparedEnqueue{Ref: MsgRef{id: m.id, q: m.targets[0].Queue, seq: m.targets[0].Seq},
				Targets: append([]Target(nil), m.targets...)}
			po.encs = append(po.encs, pe)
			po.read = append(po.read, bodies != 0)
		}
		for _, a := range t.acks {
			po.acks = append(po.acks, Target{a.q, a.seq})
		}
		rep.prepared = append(rep.prepared, po)
	}
	sort.Slice(rep.prepared, func(a, b int) bool { return rep.prepared[a].id.String() < rep.prepared[b].id.String() })
	return rep
}

// sortBySeq orders a queue's references by seq. A backlog's seqs are
// nearly a dense run, so while the run is at most twice as long as the
// list, each goes straight to its place: a comparison sort of a million
// references took a tenth of a restart.
func sortBySeq(list []rmsgOut) []rmsgOut {
	if len(list) < 2 {
		return list
	}
	lo, hi := list[0].seq, list[0].seq
	for _, o := range list {
		lo, hi = min(lo, o.seq), max(hi, o.seq)
	}
	if hi-lo >= 2*uint64(len(list)) || len(list) >= math.MaxInt32 {
		slices.SortFunc(list, func(a, b rmsgOut) int { return cmp.Compare(a.seq, b.seq) })
		return list
	}
	at := make([]int32, hi-lo+1) // index+1 in list; 0: no reference
	for i, o := range list {
		at[o.seq-lo] = int32(i + 1)
	}
	out := make([]rmsgOut, 0, len(list))
	for _, i := range at {
		if i != 0 {
			out = append(out, list[i-1])
		}
	}
	return out
}

// deliver runs the callbacks without s.mu, reading bodies as asked.
func (s *Store) deliver(r Recovery, rep *report) error {
	if r.Definitions != nil {
		for _, d := range rep.defs {
			r.Definitions(d.kind, d.key, d.value)
		}
	}
	// A queue's backlog was mostly appended in order: read it in large
	// windows rather than a system call per message, and hand bodies over
	// from the window without a copy. Only bodies that outlive the call
	// are copied: a fan-out message's, loaded for one queue's window and
	// kept for its other queues, and prepared enqueues'.
	cache := make(map[uint64][]byte)
	load := func(ahead *journal.ReadAhead, ref MsgRef, hint journal.Pos, keep bool) ([]byte, error) {
		if b, ok := cache[ref.id]; ok {
			return b, nil
		}
		read := ahead.Peek
		if keep {
			read = ahead.Read
		}
		b, err := s.readMessage(ref, hint, read)
		if errors.Is(err, ErrNoMessage) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("store: recover: load body: %w", err)
		}
		if keep {
			cache[ref.id] = b
		}
		return b, nil
	}
	if r.Message != nil {
		deliver := s.deliverMessages
		if rep.ck != nil {
			deliver = s.deliverCheckpoint
		}
		if err := deliver(r, rep, load); err != nil {
			return err
		}
	}
	if r.Prepared != nil {
		ahead := s.j.NewReadAhead(1 << 20)
		for _, p := range rep.prepared {
			for i := range p.encs {
				if p.read[i] {
					b, err := load(ahead, p.encs[i].Ref, journal.Pos{}, true)
					if err != nil {
						return err
					}
					p.encs[i].Body = b
				}
			}
			r.Prepared(p.id, p.encs, p.acks)
		}
	}
	return nil
}

// loadedMsg is one reported reference with its body, if read.
type loadedMsg struct {
	q    QueueID
	m    *rmsgOut
	body []byte
}

// deliverMessages reports every queue's references in order. A goroutine
// reads the bodies a few windows ahead of the callbacks, so reading the
// journal and the caller's indexing run on two cores: each was about a
// fifth of a restart with a million messages queued.
func (s *Store) deliverMessages(r Recovery, rep *report, load func(*journal.ReadAhead, MsgRef, journal.Pos, bool) ([]byte, error)) error {
	loaded := journal.RunAhead(func(a *journal.Ahead[loadedMsg]) ([]byte, error) {
		ahead := s.j.NewReadAhead(1 << 20)
		ahead.Handoff(a.Get, a.Put)
		for _, q := range rep.queues {
			list := rep.msgs[q]
			for i := range list {
				m := &list[i]
				var body []byte
				if m.read || r.StreamRest {
					b, err := load(ahead, m.ref, m.pos, m.read && m.shared)
					if err != nil {
						return ahead.Window(), err
					}
					body = b
				}
				if !a.Add(loadedMsg{q: q, m: m, body: body}) {
					return nil, nil
				}
			}
		}
		return ahead.Window(), nil
	})
	for it, err := range loaded {
		if err != nil {
			return err
		}
		r.Message(it.q, it.m.seq, it.m.ref, it.body, it.m.deliv)
	}
	return nil
}
