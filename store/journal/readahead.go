package journal

import "fmt"

// ReadAhead reads records in mostly ascending file order, as recovery
// reads a backlog's bodies, with one large read per window instead of one
// system call per record. It is not safe for concurrent use. Anything it
// cannot serve from a window (a record still being written, a negative
// record, one larger than the window) goes through Read.
//
// Records served from a window are checked for shape and length, not
// checksummed: ReadAhead reads back, at a position the journal lists as a
// record, either a record that Open checksummed in this process or one this
// process wrote. The checksum of 1 GiB of backlog cost recovery 0.1 s.
type ReadAhead struct {
	j      *Journal
	window int
	seg    uint32
	off    uint32 // file offset of buf[0]
	buf    []byte
	get    func() []byte // see Handoff
	put    func([]byte)
}

// Handoff makes the reader give each window away instead of reusing it:
// before reading the next window it passes the current one to put, and
// reads into one from get (nil or short is fine: it is replaced by one of
// the window's size). A payload from Peek then stays valid for as long as
// whoever put handed it to keeps the window, so another goroutine can work
// through one window's records while the next is read.
func (r *ReadAhead) Handoff(get func() []byte, put func([]byte)) {
	r.get, r.put = get, put
}

// Window returns the current window (nil if none) and forgets it: the
// next read starts a new one. After Handoff, this is how the last window
// is taken.
func (r *ReadAhead) Window() []byte {
	b := r.buf
	r.buf = nil
	return b
}

// NewReadAhead returns a reader that reads window bytes at a time.
func (j *Journal) NewReadAhead(window int) *ReadAhead {
	return &ReadAhead{j: j, window: window}
}

// Read returns the record at p, as Journal.Read does.
func (r *ReadAhead) Read(p Pos) (Record, error) {
	rec, inWindow, err := r.read(p)
	if err == nil && inWindow {
		rec.Payload = append([]byte(nil), rec.Payload...) // the window is reused
	}
	return rec, err
}

// Peek is Read without the copy: the payload may point into the window, and
// is then valid only until the next call. Recovery streams most of a large
// backlog's bodies straight through to be indexed and dropped; copying each
// one first was a sixth of its CPU time.
func (r *ReadAhead) Peek(p Pos) (Record, error) {
	rec, _, err := r.read(p)
	return rec, err
}

// read returns the record at p and whether its payload is in the window.
func (r *ReadAhead) read(p Pos) (Record, bool, error) {
	j := r.j
	j.mu.Lock()
	s := j.segs[p.Seg]
	if s == nil || p.Off < segHeaderSize || p.Off >= s.written {
		j.mu.Unlock()
		rec, err := j.Read(p)
		return rec, false, err
	}
	size := uint32(0)
	if i := s.find(p.Off); i >= 0 {
		size = s.recs[i].size
	}
	written := s.written
	j.mu.Unlock()
	if size == 0 || int(size) > r.window || size > written-p.Off {
		rec, err := j.Read(p)
		return rec, false, err
	}
	if r.seg != p.Seg || r.buf == nil || p.Off < r.off || p.Off+size > r.off+uint32(len(r.buf)) {
		if err := r.fill(s, p, min(uint32(r.window), written-p.Off)); err != nil {
			return Record{}, false, err
		}
	}
	b := r.buf[p.Off-r.off : p.Off-r.off+size]
	rec, err := decodeChecked(b, p, false)
	return rec, err == nil, err
}

func (r *ReadAhead) fill(s *segment, p Pos, n uint32) error {
	if r.get != nil { // before the file lock: put may wait for the caller
		if r.buf != nil {
			r.put(r.buf)
		}
		r.buf = r.get()
	}
	s.fmu.RLock()
	defer s.fmu.RUnlock()
	if s.closed {
		r.buf = r.buf[:0] // kept: after Handoff it is get's, not garbage
		return fmt.Errorf("read %v: %w", p, ErrNotFound)
	}
	if cap(r.buf) < int(n) {
		r.buf = make([]byte, r.window)
	}
	r.buf = r.buf[:n]
	if _, err := s.f.ReadAt(r.buf, int64(p.Off)); err != nil {
		r.buf = r.buf[:0]
		return fmt.Errorf("read %v: %w", p, err)
	}
	r.seg, r.off = p.Seg, p.Off
	return nil
}
