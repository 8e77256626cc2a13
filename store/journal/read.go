package journal

import (
	"fmt"
)

// Read returns the record at p, whether or not it is still live, as long as
// its segment exists; records still in the write buffer are returned too.
// A position in a reclaimed segment, or one that is not the start of a
// record, gives ErrNotFound. The returned payload belongs to the caller.
//
// A caller that keeps positions must switch to the new one when Relocated
// reports a move: after the old segment is deleted, Read(old) fails with
// ErrNotFound.
func (j *Journal) Read(p Pos) (Record, error) {
	j.mu.Lock()
	s := j.segs[p.Seg]
	if s == nil || p.Off < segHeaderSize || p.Off >= s.size {
		j.mu.Unlock()
		return Record{}, fmt.Errorf("read %v: %w", p, ErrNotFound)
	}
	if p.Off >= s.written {
		r, err := j.readBufferedLocked(s, p)
		j.mu.Unlock()
		return r, err
	}
	size := uint32(0)
	if i := s.find(p.Off); i >= 0 {
		size = s.recs[i].size
	}
	written := s.written // guarded by j.mu; the writer advances it
	j.mu.Unlock()

	s.fmu.RLock()
	defer s.fmu.RUnlock()
	if s.closed {
		return Record{}, fmt.Errorf("read %v: %w", p, ErrNotFound)
	}
	if size == 0 { // not a positive record: learn the size from the header
		var hb [hdrSize]byte
		if _, err := s.f.ReadAt(hb[:], int64(p.Off)); err != nil {
			return Record{}, fmt.Errorf("read %v: %w", p, err)
		}
		size = hdrSize + min(decodeHeader(hb[:]).length, maxPayload)
	}
	if size > written-p.Off {
		return Record{}, fmt.Errorf("read %v: %w", p, ErrNotFound)
	}
	buf := make([]byte, size)
	if _, err := s.f.ReadAt(buf, int64(p.Off)); err != nil {
		return Record{}, fmt.Errorf("read %v: %w", p, err)
	}
	return decodeAt(buf, p)
}

// readBufferedLocked finds p in a chunk that is pending or being written.
func (j *Journal) readBufferedLocked(s *segment, p Pos) (Record, error) {
	for _, list := range [][]*chunk{j.inflight, j.pending} {
		for _, c := range list {
			if c.seg != s || p.Off < c.off || p.Off >= c.off+uint32(len(c.buf)) {
				continue
			}
			b := c.buf[p.Off-c.off:]
			if len(b) < hdrSize {
				break
			}
			n := hdrSize + int(decodeHeader(b).length)
			if n > len(b) {
				break
			}
			r, err := decodeAt(b[:n], p)
			if err == nil {
				r.Payload = append([]byte(nil), r.Payload...)
			}
			return r, err
		}
	}
	return Record{}, fmt.Errorf("read %v: %w", p, ErrNotFound)
}

// decodeAt checks one whole encoded record read from position p.
func decodeAt(b []byte, p Pos) (Record, error) { return decodeChecked(b, p, true) }

// decodeChecked is decodeAt that checks the checksum only if asked.
func decodeChecked(b []byte, p Pos, checksum bool) (Record, error) {
	h := decodeHeader(b)
	if int(h.length) != len(b)-hdrSize || checkShape(b, h, p) != nil || (checksum && !checksumOK(b, b[hdrSize:], h)) {
		return Record{}, fmt.Errorf("read %v: %w", p, ErrNotFound)
	}
	r := Record{Type: h.typ, Payload: b[hdrSize:]}
	switch h.kind {
	case kindNegative:
		r.Cancels = h.ref
	case kindPositive, kindMoved:
	default: // seals and compaction's own cancels are not records of the caller
		return Record{}, fmt.Errorf("read %v: %w", p, ErrNotFound)
	}
	return r, nil
}
