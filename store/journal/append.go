package journal

import (
	"errors"
	"fmt"
	"time"
)

// errNotMoved tells compaction that the record it was copying died meanwhile.
var errNotMoved = errors.New("journal: record died while being moved")

// chunk is a run of encoded bytes for one segment, starting at off.
type chunk struct {
	seg    *segment
	off    uint32
	buf    []byte
	create bool // buf starts with the segment header: the file is new
	seals  bool // buf ends with the seal record
}

type waiter struct {
	seq uint64
	fn  func(error)
}

type syncWaiter struct {
	seq  uint64
	done chan error
}

// Append buffers r and returns its position without waiting for the disk.
// onDurable, if not nil, runs exactly once: with nil after the record is
// durable under the sync policy, or with the error that prevented it.
//
// Callbacks run one after another, in append order, on the journal's writer
// goroutine: they must be quick. They may call Append, Release, Read, Live
// and Stats, but must not call AppendSync, Sync, Compact or Close, which
// wait for that same goroutine.
//
// A negative record (non-zero Cancels) kills its target at once; Append
// returns ErrNotLive and writes nothing if the target is not a live positive
// record. A target that compaction has moved is followed to its new position
// until the old segment is deleted.
func (j *Journal) Append(r Record, onDurable func(error)) (Pos, error) {
	if len(r.Payload) > maxPayload {
		return Pos{}, fmt.Errorf("append %d bytes: %w", len(r.Payload), ErrTooLarge)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return Pos{}, ErrClosed
	}
	if j.phase == phaseOpened {
		j.startMaintenanceLocked()
	}
	kind := kindPositive
	if !r.Cancels.IsZero() {
		kind = kindNegative
	}
	p, err := j.appendLocked(kind, r.Type, r.Cancels, r.Payload, onDurable,
		appendOpt{linger: r.Linger && kind == kindPositive && j.opts.Linger > 0, erase: r.Erase})
	if err != nil {
		return Pos{}, err
	}
	j.st.appends++
	j.st.appendBytes += uint64(len(r.Payload))
	return p, nil
}

// AppendSync appends r and waits until it is durable under the sync policy.
func (j *Journal) AppendSync(r Record) (Pos, error) {
	done := make(chan error, 1)
	p, err := j.Append(r, func(err error) { done <- err })
	if err != nil {
		return Pos{}, err
	}
	return p, <-done
}

// Sync writes and fsyncs everything appended so far, whatever the policy.
func (j *Journal) Sync() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return ErrClosed
	}
	j.mu.Unlock()
	return j.syncTo(0)
}

// syncTo waits for an fsync covering sequence seq (0: everything appended).
func (j *Journal) syncTo(seq uint64) error {
	j.mu.Lock()
	if seq == 0 {
		seq = j.nextSeq - 1
	}
	if j.err != nil {
		err := j.err
		j.mu.Unlock()
		return err
	}
	if j.closing { // the writer may be gone; Close makes everything durable
		j.mu.Unlock()
		return ErrClosed
	}
	if j.durable >= seq {
		j.mu.Unlock()
		return nil
	}
	done := make(chan error, 1)
	j.syncWait = append(j.syncWait, syncWaiter{seq, done})
	j.forceSeq = max(j.forceSeq, seq)
	j.mu.Unlock()
	j.kick()
	return <-done
}

// Release marks the positive record at p dead without writing anything: the
// caller knows by its own means that the record is dead and will know again
// after a restart (and then release it again). Releasing a dead, unknown or
// reclaimed position does nothing. A record that compaction has moved is
// followed to its new position until the old segment is deleted.
//
// A Linger record still waiting for the writer is erased (see Record.Erase)
// rather than written.
func (j *Journal) Release(p Pos) {
	j.mu.Lock()
	defer j.mu.Unlock()
	_, s, i := j.lookupLocked(p)
	if i < 0 || j.eraseLocked(p, s, i) {
		return
	}
	if s.kill(i) {
		j.deadChangedLocked(s)
	}
}

// Live reports whether p is a live positive record (following a relocation
// like Release does).
func (j *Journal) Live(p Pos) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	_, s, i := j.lookupLocked(p)
	return i >= 0 && s.isLive(i)
}

// lookupLocked resolves p, following compaction forwards, to its segment and
// index among the positive records; i is -1 if p is not a positive record.
func (j *Journal) lookupLocked(p Pos) (Pos, *segment, int) {
	for range 4 { // a forward chain is at most a couple of links long
		s := j.segs[p.Seg]
		if s == nil {
			return p, nil, -1
		}
		if np, ok := s.fwd[p.Off]; ok {
			p = np
			continue
		}
		return p, s, s.find(p.Off)
	}
	return p, nil, -1
}

// deadChangedLocked nudges maintenance when a sealed segment becomes
// entirely dead, so its disk space is returned promptly.
func (j *Journal) deadChangedLocked(s *segment) {
	if s.live == 0 && s.sealed {
		select {
		case j.maintWake <- struct{}{}:
		default:
		}
	}
}

// appendOpt carries Record.Linger and Record.Erase to appendLocked.
type appendOpt struct{ linger, erase bool }

// appendLocked encodes one record at the head of the log and accounts for it.
func (j *Journal) appendLocked(kind, typ uint8, ref Pos, payload []byte, onDurable func(error), opt appendOpt) (Pos, error) {
	size := hdrSize + len(payload)
	for j.err == nil && !j.closing && !j.inCB && j.pendBytes > 0 && j.pendBytes+size > j.opts.MaxBuffered {
		j.spaceCond.Wait()
	}
	if j.err != nil {
		return Pos{}, j.err
	}
	if j.closing {
		return Pos{}, ErrClosed
	}
	// Checked after any wait for room: the target may have died or moved.
	switch kind {
	case kindNegative:
		target, s, i := j.lookupLocked(ref)
		if i < 0 || !s.isLive(i) {
			return Pos{}, fmt.Errorf("append cancel of %v: %w", ref, ErrNotLive)
		}
		ref = target
		if opt.erase && j.eraseLocked(target, s, i) {
			if onDurable != nil {
				// Nothing was written for it; it is as durable as what came before.
				j.waiters = append(j.waiters, waiter{j.nextSeq - 1, onDurable})
			}
			return Pos{}, nil
		}
	case kindMoved:
		if s := j.segs[ref.Seg]; s == nil || s.fwd[ref.Off] != (Pos{}) {
			return Pos{}, errNotMoved
		} else if i := s.find(ref.Off); i < 0 || !s.isLive(i) {
			return Pos{}, errNotMoved
		}
	}

	h := j.head
	if int64(h.size)+int64(size)+hdrSize > j.opts.SegmentSize && h.size > segHeaderSize {
		h = j.rollLocked()
	}
	p := Pos{h.id, h.size}
	c := j.chunkForLocked(h, size)
	c.buf = appendRecord(c.buf, j.nextSeq, kind, typ, ref, payload)
	j.pendBytes += size
	seq := j.nextSeq
	j.nextSeq++
	h.size += uint32(size)

	switch kind {
	case kindPositive, kindMoved:
		h.addPositive(p.Off, uint32(size))
	}
	// Only the first of a run of Linger records wakes the writer, to arm its
	// timer: a wake-up per record would cost more than the write it delays.
	kick := true
	if opt.linger {
		if len(j.lingering) == 0 {
			j.lingerSince = time.Now()
		} else {
			kick = false
		}
		if j.lingering == nil {
			j.lingering = make(map[Pos]struct{})
		}
		j.lingering[p] = struct{}{}
	} else {
		j.pendOther++
	}
	switch kind {
	case kindNegative, kindMoved, kindInternal:
		if _, s, i := j.lookupLocked(ref); i >= 0 && s.kill(i) {
			j.deadChangedLocked(s)
		}
		h.addRef(ref.Seg)
	}
	if onDurable != nil {
		j.waiters = append(j.waiters, waiter{seq, onDurable})
	}
	if kick {
		j.kick()
	}
	return p, nil
}

// chunkBytes is the size of the write buffers. Records go into fixed-size
// buffers chained per batch rather than one growing slice, so a burst never
// copies what it already buffered.
const chunkBytes = 1 << 20

// chunkForLocked returns a pending chunk that continues segment s and has
// room for n more bytes.
func (j *Journal) chunkForLocked(s *segment, n int) *chunk {
	if k := len(j.pending); k > 0 {
		if c := j.pending[k-1]; c.seg == s && cap(c.buf)-len(c.buf) >= n {
			return c
		}
	}
	c := &chunk{seg: s, off: s.size, buf: j.getBufLocked(n)}
	j.pending = append(j.pending, c)
	return c
}

func (j *Journal) getBufLocked(n int) []byte {
	if n > chunkBytes {
		return make([]byte, 0, n)
	}
	if k := len(j.freeBufs); k > 0 {
		b := j.freeBufs[k-1]
		j.freeBufs = j.freeBufs[:k-1]
		return b[:0]
	}
	return make([]byte, 0, chunkBytes)
}

// rollLocked seals the head segment and starts the next one. The writer
// makes the sealed segment durable before it creates the new file, so a
// newer segment on disk always means every older one ends with its seal.
func (j *Journal) rollLocked() *segment {
	old := j.head
	c := j.chunkForLocked(old, hdrSize)
	c.buf = appendRecord(c.buf, j.nextSeq, kindSeal, 0, Pos{}, nil)
	c.seals = true
	j.pendOther++
	j.nextSeq++
	j.pendBytes += hdrSize
	old.size += hdrSize
	old.sealed = true

	s := newSegment(j.dir, old.id+1, j.nextSeq)
	s.size = segHeaderSize
	buf := append(j.getBufLocked(segHeaderSize), encodeSegHeader(s.id, s.baseSeq)...)
	j.pending = append(j.pending, &chunk{seg: s, off: 0, buf: buf, create: true})
	j.pendBytes += segHeaderSize
	j.segs[s.id] = s
	j.order = append(j.order, s)
	j.head = s
	j.deadChangedLocked(old)
	select {
	case j.maintWake <- struct{}{}:
	default:
	}
	return s
}

// eraseLocked voids the Linger record at p (segment s, positive index i) if
// it still waits in a pending chunk, and kills it. It reports whether it did.
func (j *Journal) eraseLocked(p Pos, s *segment, i int) bool {
	if _, ok := j.lingering[p]; !ok {
		return false
	}
	for _, c := range j.pending {
		if c.seg != s || p.Off < c.off || p.Off >= c.off+uint32(len(c.buf)) {
			continue
		}
		voidRecord(c.buf[p.Off-c.off:])
		delete(j.lingering, p)
		j.st.erased++
		if s.kill(i) {
			j.deadChangedLocked(s)
		}
		return true
	}
	return false
}
