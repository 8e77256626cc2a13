package journal

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// recover reads every segment, rebuilds the liveness accounting and leaves
// the newest segment ready for appends. Only Open calls it, before the
// writer starts, so it takes no locks.
func (j *Journal) recover() error {
	ids, err := listSegments(j.dir)
	if err != nil {
		return err
	}
	adopted, err := j.loadCheckpoint(ids)
	if err != nil {
		return err
	}
	if adopted {
		return j.openHead()
	}
	var lastSeq uint64
	for i, id := range ids {
		s, last, err := j.recoverSegment(id, lastSeq, i == len(ids)-1)
		if err != nil {
			return err
		}
		lastSeq = max(lastSeq, last)
		j.segs[id] = s
		j.order = append(j.order, s)
		j.plan = append(j.plan, planned{s, s.size})
	}
	j.nextSeq = lastSeq + 1
	j.written, j.durable = lastSeq, lastSeq
	return j.openHead()
}

// openHead makes the newest segment the one appends go to, starting a new
// one if there is none or it is sealed.
func (j *Journal) openHead() error {
	if n := len(j.order); n == 0 || j.order[n-1].sealed {
		id := uint32(1)
		if n > 0 {
			id = j.order[n-1].id + 1
		}
		s := newSegment(j.dir, id, j.nextSeq)
		if err := j.resetSegment(s, true); err != nil {
			return err
		}
		j.segs[id] = s
		j.order = append(j.order, s)
	}
	j.head = j.order[len(j.order)-1]
	return nil
}

// recoverSegment reads one segment. It returns the segment and the sequence
// number of its last good record.
func (j *Journal) recoverSegment(id uint32, prevSeq uint64, newest bool) (*segment, uint64, error) {
	s := newSegment(j.dir, id, 0)
	f, err := os.OpenFile(s.path, os.O_RDWR, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("recover: %w", err)
	}
	s.f = f
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, fmt.Errorf("recover: %w", err)
	}
	fsize := fi.Size()

	hb := make([]byte, segHeaderSize)
	n, _ := f.ReadAt(hb, 0)
	base, herr := decodeSegHeader(hb[:n], id)
	if herr == nil && base <= prevSeq {
		herr = fmt.Errorf("segment header: base sequence %d does not follow %d", base, prevSeq)
	}
	if herr != nil {
		switch {
		case newest:
			// A crash while the file was being created: it holds nothing.
			j.log.Warn("journal: newest segment has no valid header; starting it afresh",
				"segment", segmentName(id), "reason", herr.Error())
			s.baseSeq = prevSeq + 1
			return s, prevSeq, j.resetSegment(s, false)
		case j.opts.SkipCorrupt:
			j.log.Error("journal: skipping segment with a corrupt header",
				"segment", segmentName(id), "reason", herr.Error())
			s.size, s.written, s.sealed, s.disk = segHeaderSize, segHeaderSize, true, fsize
			return s, prevSeq, nil
		default:
			return nil, 0, &CorruptError{Seg: id, Off: 0, Reason: herr.Error()}
		}
	}
	s.baseSeq = base

	end, last := uint32(segHeaderSize), base-1
	var bad *badRecord
	sc := newScanner(f, id, fsize, base)
	sc.noCheck = true // checked here, while the scanner reads ahead
	for r, err := range records(sc) {
		if errors.As(err, &bad) {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("recover segment %s: %w", segmentName(id), err)
		}
		if !r.intact() {
			bad = &badRecord{r.off, "checksum mismatch"}
			break
		}
		end, last = r.off+r.size, r.h.seq
		if r.h.kind == kindSeal {
			s.sealed = true
			break
		}
		j.account(s, r)
	}
	s.size, s.written, s.disk = end, end, fsize

	if !s.sealed && !newest {
		cerr := &CorruptError{Seg: id, Off: end, Reason: "segment ends without a seal"}
		if bad != nil {
			cerr.Reason = bad.reason
		}
		if !j.opts.SkipCorrupt {
			return nil, 0, cerr
		}
		j.log.Error("journal: skipping the rest of a corrupt segment", "err", cerr.Error())
		s.sealed = true
	}
	if newest && !s.sealed && fsize > int64(end) {
		if bad != nil && !zeros(f, int64(end), fsize) {
			j.log.Warn("journal: cutting off a torn tail", "segment", segmentName(id),
				"offset", end, "bytes", fsize-int64(end), "reason", bad.reason)
		}
		if err := j.cutTail(s, end); err != nil {
			return nil, 0, err
		}
	}
	return s, last, nil
}

// account applies one recovered record to the liveness accounting.
func (j *Journal) account(s *segment, r scanned) {
	switch r.h.kind {
	case kindPositive:
		s.addPositive(r.off, r.size)
	case kindMoved, kindInternal:
		if r.h.kind == kindMoved {
			s.addPositive(r.off, r.size)
		}
		// Compaction wrote this while the segment it names still existed
		// (the process stopped before deleting it). A moved copy supersedes
		// its original; an internal cancel stands in for a cancel whose
		// record is gone or going. Either way Replay hides the target, as
		// it would once compaction finished.
		if o := j.segs[r.h.ref.Seg]; o != nil {
			if i := o.find(r.h.ref.Off); i >= 0 {
				o.kill(i)
				if j.supersede == nil {
					j.supersede = make(map[Pos]struct{})
				}
				j.supersede[r.h.ref] = struct{}{}
			}
		}
		s.addRef(r.h.ref.Seg)
	case kindNegative:
		if o := j.segs[r.h.ref.Seg]; o != nil {
			if i := o.find(r.h.ref.Off); i >= 0 {
				o.kill(i)
			}
		} else if r.h.ref.Seg == s.id {
			if i := s.find(r.h.ref.Off); i >= 0 {
				s.kill(i)
			}
		}
		s.addRef(r.h.ref.Seg)
	}
}

// cutTail removes everything after the last good record of the newest
// segment, so that bytes of a torn write can never be read as records once
// new ones are appended in front of them.
func (j *Journal) cutTail(s *segment, end uint32) error {
	if err := s.f.Truncate(int64(end)); err != nil {
		return fmt.Errorf("recover: truncate %s: %w", segmentName(s.id), err)
	}
	s.disk = int64(end)
	if !j.opts.NoPrealloc && preallocate(s.f, j.opts.SegmentSize) == nil {
		s.disk = max(s.disk, j.opts.SegmentSize)
	}
	if err := fdatasync(s.f); err != nil {
		return fmt.Errorf("recover: fsync %s: %w", segmentName(s.id), err)
	}
	return nil
}

// resetSegment writes a fresh header for s (creating the file if asked) and
// makes it durable.
func (j *Journal) resetSegment(s *segment, create bool) error {
	if create {
		f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("create segment: %w", err)
		}
		s.f = f
	}
	if err := s.f.Truncate(0); err != nil {
		return fmt.Errorf("reset segment %s: %w", segmentName(s.id), err)
	}
	if _, err := s.f.WriteAt(encodeSegHeader(s.id, s.baseSeq), 0); err != nil {
		return fmt.Errorf("reset segment %s: %w", segmentName(s.id), err)
	}
	s.size, s.written, s.disk = segHeaderSize, segHeaderSize, segHeaderSize
	if !j.opts.NoPrealloc && preallocate(s.f, j.opts.SegmentSize) == nil {
		s.disk = j.opts.SegmentSize
	}
	if err := fdatasync(s.f); err != nil {
		return fmt.Errorf("reset segment %s: %w", segmentName(s.id), err)
	}
	if err := j.dirf.Sync(); err != nil {
		return fmt.Errorf("reset segment %s: fsync directory: %w", segmentName(s.id), err)
	}
	return nil
}

// zeros reports whether the file holds only zero bytes in [from, to).
func zeros(f *os.File, from, to int64) bool {
	buf := make([]byte, 64<<10)
	for from < to {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), to-from)], from)
		for _, b := range buf[:n] {
			if b != 0 {
				return false
			}
		}
		if err != nil {
			return err == io.EOF
		}
		from += int64(n)
	}
	return true
}

// listSegments returns the segment numbers in dir, ascending.
func listSegments(dir string) ([]uint32, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list segments: %w", err)
	}
	var ids []uint32
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".jnl")
		if !ok || e.IsDir() || len(name) < 8 {
			continue
		}
		id, err := strconv.ParseUint(name, 10, 32)
		if err != nil || id == 0 {
			continue
		}
		ids = append(ids, uint32(id))
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	return ids, nil
}

// Replay calls fn for every record recovered by Open, in append order:
// positive records, live or not (ask Live: the journal's liveness is the
// authority), and negative records with Cancels set. A negative may name a
// position that no longer exists (its target's segment was reclaimed).
// Records that compaction copied appear once, at their newest position, and
// records whose cancel compaction carried forward are not shown. The
// payload is valid only until fn returns (it points into the read buffer,
// so replaying a large journal does not allocate a copy of every record):
// copy what you keep. fn may call Append, Release and Live. An error from
// fn stops the replay and is returned.
//
// Replay may be called once, before the first Append (appends made from fn
// are fine; Replay does not visit them). Background reclaim and compaction
// start when it returns, or at the first Append if Replay is never called.
func (j *Journal) Replay(fn func(p Pos, r Record) error) error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return ErrClosed
	}
	if j.phase != phaseOpened {
		j.mu.Unlock()
		return errors.New("journal: Replay must be called once, before the first Append")
	}
	j.phase = phaseReplaying
	plan, sup := j.plan, j.supersede
	j.mu.Unlock()
	defer func() {
		j.mu.Lock()
		j.plan, j.supersede = nil, nil
		if !j.closed {
			j.startMaintenanceLocked()
		}
		j.mu.Unlock()
	}()

	for _, ps := range plan {
		if err := replaySegment(ps, sup, fn); err != nil {
			return err
		}
	}
	return nil
}

// replaySegment is Replay's pass over one segment, read on a second
// goroutine while fn works.
func replaySegment(ps planned, sup map[Pos]struct{}, fn func(p Pos, r Record) error) error {
	s := ps.seg
	sc := newScanner(s.f, s.id, int64(ps.end), s.baseSeq)
	sc.noCheck = true // Open checked every record up to ps.end
	for r, err := range records(sc) {
		if err != nil {
			return fmt.Errorf("journal: replay segment %s: %w", segmentName(s.id), err)
		}
		p := Pos{s.id, r.off}
		rec := Record{Type: r.h.typ}
		switch r.h.kind {
		case kindSeal:
			return nil
		case kindInternal, kindVoid:
			continue
		case kindPositive, kindMoved:
			if _, ok := sup[p]; ok {
				continue
			}
		case kindNegative:
			rec.Cancels = r.h.ref
		}
		rec.Payload = r.payload
		if err := fn(p, rec); err != nil {
			return err
		}
	}
	return nil
}
