package journal

import (
	"errors"
	"fmt"
	"io"
	"sort"
)

// compactCandidate returns the oldest segment after segment number from
// that is worth compacting: old enough, and with live positive bytes plus
// the references it must keep below CompactRatio of its data. A segment with
// neither is reclaim's business.
func (j *Journal) compactCandidate(from uint32) *segment {
	if j.opts.CompactRatio < 0 {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	i := sort.Search(len(j.order), func(i int) bool { return j.order[i].id > from })
	for _, s := range j.order[i:] {
		if s == j.head || !s.sealed || s.written != s.size ||
			s.id+uint32(j.opts.CompactMinAge) > j.head.id {
			continue
		}
		kept := s.liveBytes + int64(j.neededRefsLocked(s))*hdrSize
		data := int64(s.size) - segHeaderSize
		if kept == 0 || data <= 0 {
			continue
		}
		if float64(kept) < j.opts.CompactRatio*float64(data) {
			return s
		}
	}
	return nil
}

// neededRefsLocked counts the records of s that name another segment that
// still exists; each must survive s's deletion as a compact internal cancel.
func (j *Journal) neededRefsLocked(s *segment) int {
	n := 0
	for t, c := range s.refs {
		if j.segs[t] != nil {
			n += c
		}
	}
	return n
}

type move struct{ old, new Pos }

// compact copies the live records of s to the head of the log, then lets
// reclaim delete s.
//
// Each live positive record is copied as a "moved" record that names its
// original. The liveness check and the append of the copy happen under one
// lock hold, so a cancel or Release of the original either comes first (and
// the record is not copied) or comes after and is forwarded to the copy;
// nothing is lost and nothing revived. Should the process stop before s is
// deleted, recovery sees the copy supersede the original.
//
// Records of s that name other segments still present (cancels, originals
// of earlier copies) are copied as internal cancels without payload, so the
// reclaim rule can then delete s.
//
// Once the copies are durable, Relocated learns each move; s is deleted by
// the reclaim that follows. Until then Release and cancels of an old
// position are forwarded to the new one, and Read of the old position still
// works.
func (j *Journal) compact(s *segment) error {
	j.mu.Lock()
	end := s.size
	j.mu.Unlock()

	var moves []move
	sc := newScanner(s.f, s.id, int64(end), s.baseSeq)
	for !j.stopping() {
		r, err := sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("journal: compact segment %s: %w", segmentName(s.id), err)
		}
		old := Pos{s.id, r.off}
		switch r.h.kind {
		case kindSeal:
		case kindPositive, kindMoved:
			if r.h.kind == kindMoved {
				if err := j.keepRef(s, r.h.ref); err != nil {
					return err
				}
			}
			m, err := j.moveRecord(s, old, r)
			if err != nil {
				return err
			}
			if !m.new.IsZero() {
				moves = append(moves, m)
			}
		case kindNegative, kindInternal:
			if err := j.keepRef(s, r.h.ref); err != nil {
				return err
			}
		}
	}

	j.mu.Lock()
	if j.stopping() {
		j.mu.Unlock()
	} else {
		// Every reference that mattered now has a copy at the head.
		s.refs = nil
		j.st.compactions++
		j.mu.Unlock()
	}
	if len(moves) == 0 {
		return nil
	}
	if err := j.syncTo(0); err != nil {
		return err
	}
	if j.opts.Relocated != nil {
		for _, m := range moves {
			j.opts.Relocated(m.old, m.new)
		}
	}
	return nil
}

// moveRecord copies one positive record if it is still live. It returns the
// zero move if the record is dead.
func (j *Journal) moveRecord(s *segment, old Pos, r scanned) (move, error) {
	j.mu.Lock()
	i := s.find(old.Off)
	live := i >= 0 && s.isLive(i)
	j.mu.Unlock()
	if !live {
		return move{}, nil
	}
	rec := Record{Type: r.h.typ, Payload: r.payload}
	if j.opts.Rewrite != nil {
		rec = j.opts.Rewrite(old, rec)
	}
	if len(rec.Payload) > maxPayload {
		return move{}, fmt.Errorf("journal: compact: rewrite of %v: %w", old, ErrTooLarge)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	// appendLocked re-checks liveness under this same lock hold.
	p, err := j.appendLocked(kindMoved, rec.Type, old, rec.Payload, nil, appendOpt{})
	if errors.Is(err, errNotMoved) {
		return move{}, nil
	}
	if err != nil {
		return move{}, fmt.Errorf("journal: compact segment %s: %w", segmentName(s.id), err)
	}
	if s.fwd == nil {
		s.fwd = make(map[uint32]Pos)
	}
	s.fwd[old.Off] = p
	j.st.relocated++
	return move{old, p}, nil
}

// keepRef copies a reference of s to another, still existing segment as an
// internal cancel at the head.
func (j *Journal) keepRef(s *segment, ref Pos) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if ref.Seg == s.id || j.segs[ref.Seg] == nil {
		return nil
	}
	if _, err := j.appendLocked(kindInternal, 0, ref, nil, nil, appendOpt{}); err != nil {
		return fmt.Errorf("journal: compact segment %s: %w", segmentName(s.id), err)
	}
	return nil
}
