package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// A checkpoint is what a clean Close knows and a scan would have to
// rebuild: every segment's liveness accounting, plus the caller's own
// state. Open adopts it instead of reading every record when the segments
// are exactly as Close left them, so a restart with a large backlog costs
// reading one file rather than the whole journal.
//
// It is used at most once. Open removes the file (and fsyncs the
// directory) before anything can be appended, so a checkpoint on disk
// always describes the journal as it is: a crash after Open, or any write,
// leaves no checkpoint and the next Open scans. Open still checks that the
// segments match (names, headers, lengths, nothing written past the
// recorded end of the newest), so a data directory changed by a version
// that does not know the file, or copied together from different moments,
// is scanned rather than trusted.
//
// Layout: magic "JNLCKPT1", then uvarints: next sequence, segment count,
// and per segment its id, base sequence, logical end, sealed flag, record
// count, each record's offset (as the gap from the previous record's end)
// and size, the dead-bit words (u64 each), the cross-segment reference
// counts and the forwarding entries; then the caller's state (uvarint
// length and bytes) and a CRC-32C of everything before it.
const (
	checkpointFile  = "checkpoint"
	checkpointMagic = "JNLCKPT1"
)

// CloseCheckpoint is Close, and saves a checkpoint that the next Open
// adopts instead of scanning. state runs once, after the writer has
// written and fsynced everything and handed over every durability
// callback, and before the files are closed; it returns the caller's
// state to save with the journal's (nil: save no checkpoint). ok is false
// when the journal met a write error or compaction is half done; nothing is
// saved then, whatever state returns.
func (j *Journal) CloseCheckpoint(state func(ok bool) []byte) error {
	return j.close(state)
}

// Checkpoint returns the caller's state saved by CloseCheckpoint when Open
// adopted a checkpoint, nil when it scanned the segments. It hands the
// state over: later calls return nil, so the journal does not keep it.
// Replay visits nothing after an adopted checkpoint: the state stands for
// every record.
func (j *Journal) Checkpoint() []byte {
	j.mu.Lock()
	defer j.mu.Unlock()
	b := j.ckState
	j.ckState = nil
	return b
}

// Adopted reports whether Open adopted a checkpoint rather than scanning.
func (j *Journal) Adopted() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.adopted
}

// checkpointableLocked reports whether the accounting in memory is what a
// restart may continue from: no write failed and no compaction is between
// copying records and deleting their segment.
func (j *Journal) checkpointableLocked() bool {
	if j.err != nil || len(j.pending) > 0 || len(j.inflight) > 0 {
		return false
	}
	for _, s := range j.order {
		if len(s.fwd) > 0 || s.size != s.written {
			return false
		}
	}
	return true
}

// writeCheckpoint saves the accounting and state next to the segments.
func (j *Journal) writeCheckpoint(state []byte) error {
	b := j.encodeCheckpoint(state)
	tmp := filepath.Join(j.dir, checkpointFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("journal: write checkpoint: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = fdatasync(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(j.dir, checkpointFile))
	}
	if err == nil {
		err = j.dirf.Sync()
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("journal: write checkpoint: %w", err)
	}
	return nil
}

func (j *Journal) encodeCheckpoint(state []byte) []byte {
	n := 64 + len(state)
	for _, s := range j.order {
		n += 32 + 6*len(s.recs) + 8*len(s.dead) + 8*len(s.refs)
	}
	b := make([]byte, 0, n)
	b = append(b, checkpointMagic...)
	b = binary.AppendUvarint(b, j.nextSeq)
	b = binary.AppendUvarint(b, uint64(len(j.order)))
	for _, s := range j.order {
		b = binary.AppendUvarint(b, uint64(s.id))
		b = binary.AppendUvarint(b, s.baseSeq)
		b = binary.AppendUvarint(b, uint64(s.size))
		sealed := uint64(0)
		if s.sealed {
			sealed = 1
		}
		b = binary.AppendUvarint(b, sealed)
		b = binary.AppendUvarint(b, uint64(len(s.recs)))
		end := uint32(0)
		for _, r := range s.recs {
			b = binary.AppendUvarint(b, uint64(r.off-end))
			b = binary.AppendUvarint(b, uint64(r.size))
			end = r.off + r.size
		}
		for i := range (len(s.recs) + 63) / 64 {
			b = binary.LittleEndian.AppendUint64(b, s.dead[i])
		}
		b = binary.AppendUvarint(b, uint64(len(s.refs)))
		for _, id := range slices.Sorted(maps.Keys(s.refs)) {
			b = binary.AppendUvarint(b, uint64(id))
			b = binary.AppendUvarint(b, uint64(s.refs[id]))
		}
	}
	b = binary.AppendUvarint(b, uint64(len(state)))
	b = append(b, state...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// loadCheckpoint adopts a checkpoint if there is one and it matches the
// segments in ids. It reports whether it did; on false nothing is changed
// and recover scans.
func (j *Journal) loadCheckpoint(ids []uint32) (bool, error) {
	// A checkpoint being written when the process died is never renamed
	// into place; drop what it left.
	os.Remove(filepath.Join(j.dir, checkpointFile+".tmp"))
	path := filepath.Join(j.dir, checkpointFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read checkpoint: %w", err)
	}
	if err := os.Remove(path); err != nil {
		return false, fmt.Errorf("remove checkpoint: %w", err)
	}
	if err := j.dirf.Sync(); err != nil {
		return false, fmt.Errorf("remove checkpoint: fsync directory: %w", err)
	}
	segs, next, state, err := j.decodeCheckpoint(b)
	if err == nil {
		err = j.matchSegments(segs, ids)
	}
	if err != nil {
		for _, s := range segs {
			if s.f != nil {
				s.f.Close()
			}
		}
		j.log.Warn("journal: checkpoint does not match the segments; reading every segment", "reason", err.Error())
		return false, nil
	}
	for _, s := range segs {
		j.segs[s.id] = s
		j.order = append(j.order, s)
	}
	j.nextSeq = next
	j.written, j.durable = next-1, next-1
	j.ckState, j.adopted = state, true
	j.log.Info("journal: opened from the clean-shutdown checkpoint", "segments", len(segs))
	return true, nil
}

// ckReader reads a checkpoint's fields, remembering the first failure.
type ckReader struct {
	b   []byte
	err error
}

func (r *ckReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errors.New("truncated")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *ckReader) u32() uint32 {
	v := r.uvarint()
	if v > 1<<32-1 && r.err == nil {
		r.err = fmt.Errorf("value %d out of range", v)
	}
	return uint32(v)
}

func (r *ckReader) u64s(n int) []uint64 {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b) < 8*n {
		r.err = errors.New("truncated")
		return nil
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint64(r.b[8*i:])
	}
	r.b = r.b[8*n:]
	return out
}

func (j *Journal) decodeCheckpoint(b []byte) (segs []*segment, next uint64, state []byte, err error) {
	if len(b) < len(checkpointMagic)+4 || string(b[:len(checkpointMagic)]) != checkpointMagic {
		return nil, 0, nil, errors.New("not a checkpoint")
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, 0, nil, errors.New("checksum mismatch")
	}
	r := &ckReader{b: body[len(checkpointMagic):]}
	next = r.uvarint()
	nsegs := r.uvarint()
	if nsegs > uint64(len(r.b)) {
		return nil, 0, nil, errors.New("segment count out of range")
	}
	for range nsegs {
		s := newSegment(j.dir, r.u32(), r.uvarint())
		s.size = r.u32()
		s.written = s.size
		s.sealed = r.uvarint() == 1
		nrecs := r.uvarint()
		if r.err != nil || nrecs > uint64(len(r.b)) {
			return segs, 0, nil, errors.New("truncated segment")
		}
		s.recs = make([]recEntry, nrecs)
		end := uint32(0)
		for i := range s.recs {
			off := uint64(end) + r.uvarint()
			size := r.u32()
			if off+uint64(size) > uint64(s.size) {
				return segs, 0, nil, fmt.Errorf("segment %d: record past its end", s.id)
			}
			s.recs[i] = recEntry{uint32(off), size}
			end = uint32(off) + size
		}
		s.dead = r.u64s(int(nrecs+63) / 64)
		for i, rec := range s.recs {
			if s.isLive(i) {
				s.live++
				s.liveBytes += int64(rec.size)
			}
		}
		nrefs := r.uvarint()
		if nrefs > uint64(len(r.b)) {
			return segs, 0, nil, errors.New("truncated references")
		}
		for range nrefs {
			if s.refs == nil {
				s.refs = make(map[uint32]int)
			}
			s.refs[r.u32()] = int(r.uvarint())
		}
		segs = append(segs, s)
	}
	n := r.uvarint()
	if r.err != nil || n != uint64(len(r.b)) {
		return segs, 0, nil, errors.New("truncated state")
	}
	if next == 0 || len(segs) == 0 {
		return segs, 0, nil, errors.New("no segments")
	}
	return segs, next, r.b, nil
}

// matchSegments opens the checkpoint's segments and checks that they are
// the files in the directory, unchanged: same names, headers naming the
// same base sequences, at least as long as recorded, and nothing but zeros
// after the newest one's recorded end (an append would have put a record
// there).
func (j *Journal) matchSegments(segs []*segment, ids []uint32) error {
	if len(segs) != len(ids) {
		return fmt.Errorf("%d segments recorded, %d on disk", len(segs), len(ids))
	}
	for i, s := range segs {
		if s.id != ids[i] {
			return fmt.Errorf("segment %s recorded, %s on disk", segmentName(s.id), segmentName(ids[i]))
		}
		f, err := os.OpenFile(s.path, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		s.f = f
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		s.disk = fi.Size()
		if s.disk < int64(s.size) {
			return fmt.Errorf("segment %s: %d bytes, %d recorded", segmentName(s.id), s.disk, s.size)
		}
		hb := make([]byte, segHeaderSize)
		if _, err := f.ReadAt(hb, 0); err != nil {
			return fmt.Errorf("segment %s: read header: %w", segmentName(s.id), err)
		}
		if base, err := decodeSegHeader(hb, s.id); err != nil || base != s.baseSeq {
			return fmt.Errorf("segment %s: header does not match (%v)", segmentName(s.id), err)
		}
		if i == len(segs)-1 && !zeros(f, int64(s.size), min(s.disk, int64(s.size)+hdrSize)) {
			return fmt.Errorf("segment %s: written past the recorded end %d", segmentName(s.id), s.size)
		}
	}
	return nil
}
