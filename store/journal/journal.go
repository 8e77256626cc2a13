package journal

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Pos is the position of a record: segment number and byte offset of its
// header. The zero Pos names no record.
type Pos struct{ Seg, Off uint32 }

// IsZero reports whether p names no record.
func (p Pos) IsZero() bool { return p == Pos{} }

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Seg, p.Off) }

// Record is one journal entry. A record with a non-zero Cancels is negative:
// it declares the positive record at Cancels dead. Every other record is
// positive and stays live until cancelled or released.
type Record struct {
	Type    uint8
	Payload []byte
	Cancels Pos
	// Linger, on a positive record, says the caller expects to cancel it
	// soon (a message handed straight to a waiting consumer): the writer
	// may hold it back up to Options.Linger so that the cancel arrives
	// while it is still in memory.
	Linger bool
	// Erase, on a negative record, lets the journal erase the record it
	// cancels instead of writing this one, if that record is a Linger
	// record still waiting for the writer: then neither needs the disk and
	// Append returns the zero Pos. The target's bytes become a void record
	// of the same size, so positions and sequence numbers stay as they
	// were.
	Erase bool
}

// SyncPolicy says when appended records are fsynced and durability
// callbacks run. The zero value is SyncAlways.
type SyncPolicy struct {
	mode     syncMode
	interval time.Duration
}

type syncMode uint8

const (
	modeAlways syncMode = iota
	modeInterval
	modeNever
)

var (
	// SyncAlways fsyncs after every write batch; callbacks run after the
	// fsync that covers their record. This is the default.
	SyncAlways = SyncPolicy{}
	// SyncNever never fsyncs on its own (Sync, Compact and Close still do);
	// callbacks run once the record has been written to the file. For tests
	// and benchmarks: a process crash loses nothing, but a machine crash may
	// lose confirmed records and leave older segments torn (see SkipCorrupt).
	SyncNever = SyncPolicy{mode: modeNever}
)

// SyncInterval fsyncs at most once per d; callbacks run after the fsync that
// covers their record.
func SyncInterval(d time.Duration) SyncPolicy {
	if d <= 0 {
		return SyncAlways
	}
	return SyncPolicy{mode: modeInterval, interval: d}
}

func (p SyncPolicy) String() string {
	switch p.mode {
	case modeInterval:
		return "interval(" + p.interval.String() + ")"
	case modeNever:
		return "never"
	}
	return "always"
}

// Options configure a Journal. The zero value is usable.
type Options struct {
	// SegmentSize is the size at which a segment is sealed and the next one
	// started (default 64 MiB, at least 4 KiB, at most 1 GiB). A record that
	// does not fit an empty segment gets a segment of its own.
	SegmentSize int64
	// Sync is the durability policy (default SyncAlways).
	Sync SyncPolicy
	// NoPrealloc turns off reserving each new segment's full size up front
	// (fallocate). Preallocation makes fsyncs cheaper on ext4 and xfs.
	NoPrealloc bool
	// Linger is how long the writer may hold back Linger records while
	// nothing else waits (0: never).
	Linger time.Duration
	// MaxBuffered bounds the bytes appended but not yet handed to the
	// writer (default 32 MiB); Append waits for room beyond it.
	MaxBuffered int
	// SkipCorrupt makes Open log and skip the rest of an older segment
	// that is corrupt instead of failing with a *CorruptError.
	SkipCorrupt bool

	// CompactRatio: a segment whose live share (live positive bytes plus
	// the references it must keep) falls below this is compacted (default
	// 0.3; negative disables compaction; dead segments are reclaimed anyway).
	CompactRatio float64
	// CompactMinAge is how many segments newer than a segment must exist
	// before it is compacted (default 2), so young data gets time to die.
	CompactMinAge int
	// MaintainEvery is the period of the background reclaim and compaction
	// pass (default 1s; negative: only when a segment is sealed or Compact
	// is called).
	MaintainEvery time.Duration
	// Rewrite, if set, may replace a live record's type and payload while
	// compaction copies it (say, to make a committed transactional record
	// plain, so that it no longer depends on a commit record that may be
	// reclaimed); Cancels of the result is ignored. The record may die while
	// Rewrite runs; the copy is then dropped. Rewrite runs on the
	// maintenance goroutine without journal locks held, like Relocated.
	Rewrite func(p Pos, r Record) Record
	// Relocated, if set, learns each record compaction moved, after the copy
	// is durable and before the old segment is deleted; the record may have
	// died since the move. From the move until the old segment is deleted,
	// Release, Live and cancels of old are forwarded to new; after that, old
	// is unknown (Release ignores it, a cancel gets ErrNotLive, Read gets
	// ErrNotFound), so callers must switch to new when told. It runs on the
	// maintenance goroutine without journal locks held and may call any
	// method except Compact and Close.
	Relocated func(old, new Pos)

	// Logger receives reports of skipped corruption and truncated tails
	// (default slog.Default()).
	Logger *slog.Logger

	hooks *hooks
}

func (o Options) withDefaults() (Options, error) {
	if o.SegmentSize == 0 {
		o.SegmentSize = 64 << 20
	}
	if o.SegmentSize < 4<<10 || o.SegmentSize > 1<<30 {
		return o, fmt.Errorf("segment size %d outside [4 KiB, 1 GiB]", o.SegmentSize)
	}
	if o.MaxBuffered <= 0 {
		o.MaxBuffered = 32 << 20
	}
	if o.CompactRatio == 0 {
		o.CompactRatio = 0.3
	}
	if o.CompactMinAge <= 0 {
		o.CompactMinAge = 2
	}
	if o.MaintainEvery == 0 {
		o.MaintainEvery = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

var (
	// ErrClosed is returned by operations on a closed journal.
	ErrClosed = errors.New("journal: closed")
	// ErrNotFound is returned by Read for a position that holds no record,
	// for example one in a segment that has been reclaimed.
	ErrNotFound = errors.New("journal: no record at position")
	// ErrNotLive is returned by Append for a negative record whose target is
	// not a live positive record. Nothing is written.
	ErrNotLive = errors.New("journal: cancelled record is not live")
	// ErrTooLarge is returned for a payload over 1 GiB.
	ErrTooLarge = errors.New("journal: payload too large")
	// ErrCorrupt is matched (errors.Is) by every *CorruptError.
	ErrCorrupt = errors.New("journal: corrupt segment")
)

// CorruptError reports an unreadable record in a segment that is not the
// newest, where a torn write cannot explain it.
type CorruptError struct {
	Seg    uint32
	Off    uint32
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("journal: corrupt segment %s at offset %d: %s", segmentName(e.Seg), e.Off, e.Reason)
}

func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

type phase uint8

const (
	phaseOpened    phase = iota // recovered; Replay still allowed
	phaseReplaying              // inside Replay
	phaseRunning                // Replay done or skipped; maintenance may run
)

// Journal is a segmented append-only log with group commit, recovery and
// space reclaim. All methods are safe for concurrent use.
type Journal struct {
	dir  string
	opts Options
	log  *slog.Logger
	dirf *os.File
	lock *os.File

	mu        sync.Mutex
	spaceCond *sync.Cond // Append waiting for buffer room
	segs      map[uint32]*segment
	order     []*segment // ascending id, the log order
	head      *segment
	nextSeq   uint64
	pending   []*chunk // appended, not yet taken by the writer
	pendBytes int
	// Of the records in pending: Linger records that may still be erased,
	// by position, the oldest one's arrival, and how many others there are.
	lingering   map[Pos]struct{}
	lingerSince time.Time
	pendOther   int
	inflight    []*chunk // being written
	freeBufs    [][]byte
	waiters     []waiter
	syncWait    []syncWaiter
	forceSeq    uint64 // Sync asked for an fsync up to here
	written     uint64 // highest sequence in the files
	durable     uint64 // highest sequence covered by an fsync
	inCB        bool   // the writer is running durability callbacks
	err         error  // sticky write or fsync failure
	closed      bool   // Close called: no more public appends
	closing     bool   // the writer should drain and exit
	phase       phase
	plan        []planned        // what Replay visits, fixed at Open
	supersede   map[Pos]struct{} // originals whose moved copy exists
	ckState     []byte           // the caller's state from an adopted checkpoint
	adopted     bool             // Open adopted a checkpoint
	st          counters

	wake       chan struct{}
	writerDone chan struct{}

	maintMu   sync.Mutex // one maintenance pass at a time
	maintOff  bool       // guarded by maintMu: Close has begun
	maintWake chan struct{}
	maintStop chan struct{}
	maintDone chan struct{}
}

// planned is a segment as recovered: Replay reads it up to end.
type planned struct {
	seg *segment
	end uint32
}

// Open opens or creates the journal in dir and recovers it: every segment is
// read and checked, a torn tail of the newest segment is cut off, and the
// liveness accounting is rebuilt. Call Replay next to read the records.
func Open(dir string, opts Options) (*Journal, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("journal: open: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", dir, err)
	}
	dirf, err := os.Open(dir)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("journal: open: %w", err)
	}
	j := &Journal{
		dir: dir, opts: o, log: o.Logger, dirf: dirf, lock: lock,
		segs:       make(map[uint32]*segment),
		wake:       make(chan struct{}, 1),
		writerDone: make(chan struct{}),
		maintWake:  make(chan struct{}, 1),
		maintStop:  make(chan struct{}),
		maintDone:  make(chan struct{}),
	}
	j.spaceCond = sync.NewCond(&j.mu)
	if err := j.recover(); err != nil {
		j.closeFiles()
		return nil, fmt.Errorf("journal: open %s: %w", dir, err)
	}
	go j.writeLoop()
	return j, nil
}

// Close stops maintenance, writes and fsyncs everything appended, runs the
// remaining durability callbacks and closes the files. It returns the first
// write or fsync error the journal met, if any.
func (j *Journal) Close() error { return j.close(nil) }

// close is Close, offering a checkpoint to state (nil: none) once the
// writer has stopped.
func (j *Journal) close(state func(ok bool) []byte) error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return ErrClosed
	}
	j.closed = true
	started := j.phase == phaseRunning
	j.mu.Unlock()

	close(j.maintStop)
	if started {
		<-j.maintDone
	}
	j.maintMu.Lock() // wait for a Compact call in progress
	j.maintOff = true
	j.maintMu.Unlock()

	j.mu.Lock()
	j.closing = true
	j.spaceCond.Broadcast()
	j.mu.Unlock()
	j.kick()
	<-j.writerDone

	j.mu.Lock()
	err := j.err
	ok := j.checkpointableLocked()
	j.mu.Unlock()
	if state != nil {
		if b := state(ok); ok && b != nil {
			// Everything is durable already; without the checkpoint the
			// next Open only takes longer.
			if cerr := j.writeCheckpoint(b); cerr != nil {
				j.log.Warn("journal: no checkpoint saved; the next open reads every segment", "err", cerr.Error())
			}
		}
	}
	if cerr := j.closeFiles(); err == nil {
		err = cerr
	}
	return err
}

func (j *Journal) closeFiles() error {
	var first error
	keep := func(err error) {
		if first == nil && err != nil {
			first = err
		}
	}
	for _, s := range j.order {
		s.fmu.Lock()
		if s.f != nil && !s.closed {
			keep(s.f.Close())
		}
		s.closed = true
		s.fmu.Unlock()
	}
	keep(j.dirf.Close())
	keep(j.lock.Close())
	if first != nil {
		return fmt.Errorf("journal: close: %w", first)
	}
	return nil
}

// kick wakes the writer without blocking.
func (j *Journal) kick() {
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

var _ io.Closer = (*Journal)(nil)
