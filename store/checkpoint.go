package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/junctionmq/junction/store/journal"
)

// A clean Close saves the store's state with the journal's checkpoint
// (journal.CloseCheckpoint), and Recover continues from it as if the
// process had never stopped: no record is replayed and no body read
// beyond each queue's first BodiesPerQueue, for which the caller kept a
// note. A crash, or any state a restart would have to settle (prepared or
// committing transactions, compaction half done), leaves no checkpoint,
// and Recover replays the journal as before.
//
// Layout (uvarints unless noted; positions packed as segment<<32|offset;
// "Δ" a zigzag difference from the previous value in the same list):
//
//	version (1) | next store sequence
//	defs:    n × (kind, key as uvarint length + bytes | pos | seq)
//	commits: n × (num | pos | orig)
//	shared:  n × (id | vis | pos | size | live refs | commit num or 0 | targets n × (queue, seq) | ackrefs n × pos)
//	purges:  n × (seq | queue | upTo | pos | probes n × (pos, size) | ackrefs n × pos)
//	queues:  n × (id | refs n × (Δseq | Δid | shared flag | [bare: Δpos | size] | note length + bytes)
//	              | deliveries n × (seq | pos | count) | purge seqs n × seq)
const checkpointVersion = 1

// NoteFunc gives the caller's note for each message a queue holds, asked
// in ascending seq order, with the store's message id; nil: none.
type NoteFunc func(seq, id uint64) []byte

// CloseNoting is Close, keeping with the checkpoint a note per message
// from notes (called once per queue that holds messages, after every
// write has finished and without the store's lock; it may return nil).
// Recover hands each note back through Recovery.Noted, so a restart can
// index a backlog without reading its bodies.
func (s *Store) CloseNoting(notes func(QueueID) NoteFunc) error {
	return s.close(notes)
}

// queueIDs returns the queues that hold references.
func (s *Store) queueIDs() []QueueID {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]QueueID, 0, len(s.queues))
	for q, qs := range s.queues {
		if qs.refs.len() > 0 {
			ids = append(ids, q)
		}
	}
	return ids
}

// encodeCheckpointLocked returns the state to save, or nil when a restart
// must settle something a checkpoint does not describe. notes has the
// caller's note function of each queue that has one.
func (s *Store) encodeCheckpointLocked(notes map[QueueID]NoteFunc) []byte {
	if s.failed != nil || len(s.moving) > 0 {
		return nil
	}
	for _, t := range s.txs {
		if t.prepared || t.num != 0 {
			return nil
		}
	}
	for _, c := range s.commits {
		if c.acksPending {
			return nil
		}
	}
	e := &ckEnc{b: make([]byte, 0, 64+16*int(s.cnt.refs))}
	e.uv(checkpointVersion)
	e.uv(s.next)

	e.uv(uint64(len(s.defs)))
	for _, k := range slices.SortedFunc(maps.Keys(s.defs), compareDefKeys) {
		d := s.defs[k]
		e.str(k.kind)
		e.str(k.key)
		e.pos(d.pos)
		e.uv(d.seq)
	}

	e.uv(uint64(len(s.commits)))
	for _, num := range slices.Sorted(maps.Keys(s.commits)) {
		c := s.commits[num]
		e.uv(c.num)
		e.pos(c.pos)
		e.uv(uint64(c.orig))
	}

	var shared []*message
	for _, m := range s.shared {
		if m.tx == nil { // pending transactions are lost on any restart
			shared = append(shared, m)
		}
	}
	slices.SortFunc(shared, func(a, b *message) int { return cmp.Compare(a.id, b.id) })
	e.uv(uint64(len(shared)))
	for _, m := range shared {
		e.uv(m.id)
		e.uv(m.vis)
		e.pos(m.pos)
		e.uv(uint64(m.size))
		e.uv(uint64(m.refs))
		var num uint64
		if m.commit != nil {
			num = m.commit.num
		}
		e.uv(num)
		e.uv(uint64(len(m.targets)))
		for _, t := range m.targets {
			e.uv(uint64(t.Queue))
			e.uv(t.Seq)
		}
		e.uv(uint64(len(m.ackrefs)))
		for _, a := range m.ackrefs {
			e.pos(a)
		}
	}

	e.uv(uint64(len(s.purges)))
	for _, seq := range slices.Sorted(maps.Keys(s.purges)) {
		p := s.purges[seq]
		e.uv(p.rec.seq)
		e.uv(uint64(p.rec.q))
		e.uv(p.rec.upTo)
		e.pos(p.pos)
		e.uv(uint64(len(p.segs)))
		for _, seg := range slices.Sorted(maps.Keys(p.segs)) {
			pr := p.segs[seg]
			e.pos(pr.pos)
			e.uv(uint64(pr.size))
		}
		e.uv(uint64(len(p.ackrefs)))
		for _, a := range slices.SortedFunc(maps.Keys(p.ackrefs), comparePos) {
			e.pos(a)
		}
	}

	e.uv(uint64(len(s.queues)))
	for _, q := range slices.Sorted(maps.Keys(s.queues)) {
		qs := s.queues[q]
		e.uv(uint64(q))
		note := notes[q]
		refs := make([]uint64, 0, qs.refs.len())
		for seq := range qs.refs.all() {
			refs = append(refs, seq)
		}
		if !qs.refs.inOrder() {
			slices.Sort(refs)
		}
		e.uv(uint64(len(refs)))
		var prevSeq, prevID, prevPos uint64
		for _, seq := range refs {
			sl := qs.refs.at(seq)
			e.uv(seq - prevSeq)
			e.zz(sl.id, prevID)
			prevSeq, prevID = seq, sl.id
			if sl.shared {
				e.uv(1)
			} else {
				e.uv(0)
				pp := packPos(sl.pos)
				e.zz(pp, prevPos)
				prevPos = pp
				e.uv(uint64(sl.size))
			}
			var n []byte
			if note != nil {
				n = note(seq, sl.id)
			}
			e.bytes(n)
		}
		e.uv(uint64(len(qs.deliv)))
		for _, seq := range slices.Sorted(maps.Keys(qs.deliv)) {
			d := qs.deliv[seq]
			e.uv(seq)
			e.pos(d.pos)
			e.uv(uint64(d.count))
		}
		e.uv(uint64(len(qs.purges)))
		for _, p := range qs.purges {
			e.uv(p.rec.seq)
		}
	}
	return e.b
}

// ckQueue is a queue's references as the checkpoint lists them: Recover
// reports them by reading the list again rather than gathering a million
// entries into one of its own.
type ckQueue struct {
	refs []byte // the list after its count
	n    int
}

// adoptCheckpointLocked installs the state a clean Close saved. It
// returns each queue's reference list (pointing into b).
func (s *Store) adoptCheckpointLocked(b []byte) (map[QueueID]ckQueue, error) {
	d := &ckDec{b: b}
	if v := d.uv(); d.err == nil && v != checkpointVersion {
		return nil, fmt.Errorf("checkpoint version %d", v)
	}
	s.next = d.uv()

	for range d.count() {
		k := defKey{kind: string(d.bytes()), key: string(d.bytes())}
		s.defs[k] = defEntry{pos: d.pos(), seq: d.uv()}
	}
	for range d.count() {
		c := &commit{num: d.uv(), pos: d.pos(), orig: int(d.uv())}
		s.commits[c.num] = c
	}
	for range d.count() {
		m := &message{id: d.uv(), vis: d.uv(), pos: d.pos(), size: uint32(d.uv()), refs: int(d.uv())}
		if num := d.uv(); num != 0 {
			if m.commit = s.commits[num]; m.commit == nil {
				return nil, fmt.Errorf("message %d names commit %d, which is not recorded", m.id, num)
			}
		}
		for range d.count() {
			m.targets = append(m.targets, Target{QueueID(d.uv()), d.uv()})
		}
		if len(m.targets) == 0 && d.err == nil {
			return nil, fmt.Errorf("message %d has no targets", m.id)
		}
		for range d.count() {
			m.ackrefs = append(m.ackrefs, d.pos())
		}
		s.shared[m.id] = m
		s.countMsgLocked(int(m.size))
	}
	for range d.count() {
		p := &purge{rec: purgeRec{seq: d.uv(), q: QueueID(d.uv()), upTo: d.uv()}, pos: d.pos(), segs: make(map[uint32]probe)}
		for range d.count() {
			pr := probe{pos: d.pos(), size: uint32(d.uv())}
			p.segs[pr.pos.Seg] = pr
		}
		for range d.count() {
			if p.ackrefs == nil {
				p.ackrefs = make(map[journal.Pos]struct{})
			}
			a := d.pos()
			p.ackrefs[a] = struct{}{}
			s.orphans[a] = p
		}
		s.purges[p.rec.seq] = p
	}
	lists := make(map[QueueID]ckQueue)
	for range d.count() {
		q := QueueID(d.uv())
		qs := s.queueLocked(q)
		n := d.count()
		qs.refs.reserve(n)
		list := d.b
		var seq, id, pp uint64
		for range n {
			seq += d.uv()
			id = d.unzz(id)
			sl := slot{id: id, shared: d.uv() == 1}
			if sl.shared {
				if s.shared[id] == nil {
					return nil, fmt.Errorf("queue %d seq %d names shared message %d, which is not recorded", q, seq, id)
				}
			} else {
				pp = d.unzz(pp)
				sl.pos, sl.size = unpackPos(pp), uint32(d.uv())
				s.countMsgLocked(int(sl.size))
			}
			d.bytes() // the note, read again by deliverCheckpoint
			if d.err != nil {
				return nil, d.err
			}
			qs.refs.set(seq, sl)
			s.cnt.refs++
		}
		if n > 0 {
			lists[q] = ckQueue{refs: list[:len(list)-len(d.b)], n: n}
		}
		for range d.count() {
			if qs.deliv == nil {
				qs.deliv = make(map[uint64]delivery)
			}
			seq := d.uv()
			qs.deliv[seq] = delivery{pos: d.pos(), count: uint32(d.uv())}
		}
		for range d.count() {
			p := s.purges[d.uv()]
			if p == nil {
				return nil, fmt.Errorf("queue %d names a purge that is not recorded", q)
			}
			qs.purges = append(qs.purges, p)
		}
	}
	if d.err == nil && len(d.b) != 0 {
		return nil, fmt.Errorf("%d bytes left over", len(d.b))
	}
	return lists, d.err
}

// sharedRef is what deliverCheckpoint reports for a fan-out message: the
// ref of its first target, and where its record is.
type sharedRef struct {
	ref MsgRef
	pos journal.Pos
}

// deliverCheckpoint reports every queue's references from the lists a
// checkpoint gave, in order, passing notes to Recovery.Noted so that only
// the bodies the caller asked for are read.
func (s *Store) deliverCheckpoint(r Recovery, rep *report, load func(*journal.ReadAhead, MsgRef, journal.Pos, bool) ([]byte, error)) error {
	ahead := s.j.NewReadAhead(1 << 20)
	for _, q := range rep.queues {
		cq := rep.ck[q]
		deliv := rep.deliv[q]
		d := &ckDec{b: cq.refs}
		var seq, id, pp uint64
		for i := range cq.n {
			seq += d.uv()
			id = d.unzz(id)
			ref, shared := MsgRef{id: id, q: q, seq: seq}, d.uv() == 1
			var pos journal.Pos
			if shared {
				sr := rep.shared[id]
				ref, pos = sr.ref, sr.pos
			} else {
				pp = d.unzz(pp)
				pos = unpackPos(pp)
				d.uv()
			}
			note := d.bytes()
			if d.err != nil {
				return fmt.Errorf("store: recover: checkpoint of queue %d: %w", q, d.err)
			}
			n := deliv[seq]
			read := rep.bodies < 0 || i < rep.bodies
			if !read && len(note) > 0 && r.Noted != nil && r.Noted(q, seq, ref, note, n) {
				continue
			}
			var body []byte
			if read || r.StreamRest {
				b, err := load(ahead, ref, pos, read && shared)
				if err != nil {
					return err
				}
				body = b
			}
			r.Message(q, seq, ref, body, n)
		}
	}
	return nil
}

func packPos(p journal.Pos) uint64   { return uint64(p.Seg)<<32 | uint64(p.Off) }
func unpackPos(v uint64) journal.Pos { return journal.Pos{Seg: uint32(v >> 32), Off: uint32(v)} }

func comparePos(a, b journal.Pos) int { return cmp.Compare(packPos(a), packPos(b)) }

func compareDefKeys(a, b defKey) int {
	if c := strings.Compare(a.kind, b.kind); c != 0 {
		return c
	}
	return strings.Compare(a.key, b.key)
}

// ckEnc appends a checkpoint's fields.
type ckEnc struct{ b []byte }

func (e *ckEnc) uv(v uint64)             { e.b = binary.AppendUvarint(e.b, v) }
func (e *ckEnc) pos(p journal.Pos)       { e.uv(packPos(p)) }
func (e *ckEnc) str(s string)            { e.uv(uint64(len(s))); e.b = append(e.b, s...) }
func (e *ckEnc) bytes(b []byte)          { e.uv(uint64(len(b))); e.b = append(e.b, b...) }
func (e *ckEnc) zz(v, prev uint64)       { e.b = binary.AppendVarint(e.b, int64(v-prev)) }
func (d *ckDec) unzz(prev uint64) uint64 { return prev + uint64(d.v()) }

// ckDec reads a checkpoint's fields, remembering the first failure.
type ckDec struct {
	b   []byte
	err error
}

var errCheckpointShort = errors.New("checkpoint truncated")

func (d *ckDec) uv() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCheckpointShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

// v reads a varint: a zigzag-coded uvarint, as binary.AppendVarint writes.
func (d *ckDec) v() int64 {
	u := d.uv()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *ckDec) pos() journal.Pos { return unpackPos(d.uv()) }

// count reads a list length, bounded by the bytes left (every element
// takes at least one), so a corrupt length cannot allocate wildly.
func (d *ckDec) count() int {
	n := d.uv()
	if n > uint64(len(d.b)) {
		if d.err == nil {
			d.err = errCheckpointShort
		}
		return 0
	}
	return int(n)
}

func (d *ckDec) bytes() []byte {
	n := d.count()
	if d.err != nil {
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// reportCheckpointLocked copies what deliverCheckpoint needs besides the
// lists: callbacks may change the store while it reports.
func (s *Store) reportCheckpointLocked(rep *report, ck map[QueueID]ckQueue) {
	rep.ck = ck
	rep.deliv = make(map[QueueID]map[uint64]uint32)
	for q := range ck {
		rep.queues = append(rep.queues, q)
		qs := s.queues[q]
		if len(qs.deliv) == 0 {
			continue
		}
		counts := make(map[uint64]uint32, len(qs.deliv))
		for seq, d := range qs.deliv {
			counts[seq] = d.count
		}
		rep.deliv[q] = counts
	}
	rep.shared = make(map[uint64]sharedRef, len(s.shared))
	for id, m := range s.shared {
		if m.tx == nil {
			t := m.targets[0]
			rep.shared[id] = sharedRef{MsgRef{id: id, q: t.Queue, seq: t.Seq}, m.pos}
		}
	}
}
