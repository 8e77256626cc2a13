package journal

import (
	"os"
	"sort"
	"sync"
)

// recEntry locates one positive record inside its segment.
type recEntry struct{ off, size uint32 }

// segment is one NNNNNNNN.jnl file and the liveness accounting for it.
//
// Memory per positive record is 8 bytes plus one bit, so a backlog of ten
// million records costs about 80 MB of index.
type segment struct {
	id      uint32
	baseSeq uint64
	path    string

	// fmu keeps f open while a reader or the writer uses it; reclaim takes it
	// exclusively to close the file.
	fmu    sync.RWMutex
	f      *os.File // nil until the writer creates the file
	closed bool

	// Everything below is guarded by Journal.mu.
	size    uint32 // logical end, including records still buffered
	written uint32 // bytes known to be in the file
	sealed  bool   // no record will be added
	disk    int64  // bytes the file occupies, preallocation included

	recs      []recEntry // positive records in offset order
	dead      []uint64   // bit i set: recs[i] is dead
	live      int
	liveBytes int64

	// refs counts records here that name a record in another segment
	// (cancels, and the originals of moved copies). While such a target
	// segment exists, this one must not be deleted first.
	refs map[uint32]int

	// fwd maps offsets of records that compaction copied elsewhere to their
	// new position, until this segment is deleted.
	fwd map[uint32]Pos
}

func newSegment(dir string, id uint32, baseSeq uint64) *segment {
	return &segment{id: id, baseSeq: baseSeq, path: dir + string(os.PathSeparator) + segmentName(id)}
}

func (s *segment) addPositive(off, size uint32) {
	i := len(s.recs)
	s.recs = append(s.recs, recEntry{off, size})
	if i/64 >= len(s.dead) {
		s.dead = append(s.dead, 0)
	}
	s.live++
	s.liveBytes += int64(size)
}

// find returns the index of the positive record at off, or -1.
func (s *segment) find(off uint32) int {
	i := sort.Search(len(s.recs), func(i int) bool { return s.recs[i].off >= off })
	if i < len(s.recs) && s.recs[i].off == off {
		return i
	}
	return -1
}

func (s *segment) isLive(i int) bool { return s.dead[i/64]&(1<<(i%64)) == 0 }

// kill marks recs[i] dead and reports whether it was live.
func (s *segment) kill(i int) bool {
	if !s.isLive(i) {
		return false
	}
	s.dead[i/64] |= 1 << (i % 64)
	s.live--
	s.liveBytes -= int64(s.recs[i].size)
	return true
}

func (s *segment) addRef(target uint32) {
	if target == s.id {
		return
	}
	if s.refs == nil {
		s.refs = make(map[uint32]int)
	}
	s.refs[target]++
}
