package store

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/junctionmq/junction/store/journal"
)

// Options configure a Store. The zero value is usable.
type Options struct {
	// Sync is the durability policy (default journal.SyncAlways): done
	// callbacks run after the fsync that covers their record.
	Sync journal.SyncPolicy
	// SegmentSize is the journal segment size (default 64 MiB).
	SegmentSize int64
	// CompactRatio, CompactMinAge and MaintainEvery are passed to the
	// journal (see journal.Options). MaintainEvery also paces the store's
	// own check for purge records that are no longer needed.
	CompactRatio  float64
	CompactMinAge int
	MaintainEvery time.Duration
	// MaxBuffered bounds bytes appended but not yet written (journal
	// default 32 MiB); writers wait beyond it.
	MaxBuffered int
	// Linger is how long a message stored with EnqueueForConsumer may wait
	// for the journal's writer in the hope that its consumer acknowledges
	// it first (default DefaultLinger; negative: never).
	Linger time.Duration
	// NoPrealloc turns off segment preallocation.
	NoPrealloc bool
	// Logger receives recovery warnings (default slog.Default()).
	Logger *slog.Logger
}

// DefaultLinger is Options.Linger's default: longer than a consumer's
// acknowledgement takes on a healthy connection, and a bounded extra wait
// for the publisher's confirm when the acknowledgement does not come.
const DefaultLinger = time.Millisecond

// QueueID identifies a queue. The broker chooses it and keeps it in the
// queue's definition.
type QueueID uint64

// Target is one queue reference of a message: the queue and the broker's
// per-queue sequence number, which orders the queue after a restart.
type Target struct {
	Queue QueueID
	Seq   uint64
}

// MsgRef identifies a stored message body for ReadMessage. It stays valid
// while any queue still references the message (or its transaction is
// pending or prepared).
type MsgRef struct {
	id  uint64
	q   QueueID
	seq uint64
}

// ID is the store's identifier of the message, unique within the store.
func (r MsgRef) ID() uint64 { return r.id }

// RefAt is the reference to message id at seq in queue q: any of a
// fan-out message's queues reaches its body, so a holder that knows its
// queue and position keeps only the id (8 bytes a queued message instead
// of a whole MsgRef).
func RefAt(q QueueID, seq, id uint64) MsgRef { return MsgRef{id: id, q: q, seq: seq} }

// TxID names a transaction: a local id (LocalTx) or an XA xid (XATx). It
// is comparable. Local ids must be unique among open transactions only.
type TxID struct {
	xa     bool
	Local  uint64
	Format int32
	Global string
	Branch string
}

// LocalTx names a local transaction (AMQP tx, JMS transacted session).
func LocalTx(id uint64) TxID { return TxID{Local: id} }

// XATx names an XA transaction branch. Global and branch are at most 64
// bytes each.
func XATx(format int32, global, branch []byte) (TxID, error) {
	if len(global) > maxXIDPart || len(branch) > maxXIDPart {
		return TxID{}, fmt.Errorf("store: xid parts of %d and %d bytes: at most %d each", len(global), len(branch), maxXIDPart)
	}
	return TxID{xa: true, Format: format, Global: string(global), Branch: string(branch)}, nil
}

// IsXA reports whether t is an XA xid.
func (t TxID) IsXA() bool { return t.xa }

func (t TxID) String() string {
	if !t.xa {
		return "local:" + strconv.FormatUint(t.Local, 10)
	}
	return fmt.Sprintf("xa:%d:%x:%x", t.Format, t.Global, t.Branch)
}

var (
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("store: closed")
	// ErrNotRecovered is returned by writes before Recover has run.
	ErrNotRecovered = errors.New("store: Recover must be called before any write")
	// ErrNoMessage is returned for a queue reference or MsgRef the store
	// does not hold (never enqueued, acked, or purged).
	ErrNoMessage = errors.New("store: no such message")
	// ErrDuplicate is returned when a (queue, seq) is already referenced.
	ErrDuplicate = errors.New("store: queue sequence already in use")
	// ErrUnknownTx is returned for a transaction the store does not know.
	ErrUnknownTx = errors.New("store: unknown transaction")
	// ErrTxState is returned for an operation the transaction's state
	// forbids (say, TxEnqueue after Prepare).
	ErrTxState = errors.New("store: transaction state forbids this")
)

type phase uint8

const (
	phaseOpened phase = iota
	phaseRecovering
	phaseRunning
	phaseClosed
)

// slot is one visible queue reference. A shared slot's message (fan-out,
// or still in transactional form, or with partial acks) lives in
// Store.shared and pos/size here are unused.
type slot struct {
	id     uint64
	pos    journal.Pos
	size   uint32
	shared bool
	used   bool // a live entry of a seqIndex window (set by seqIndex)
}

type delivery struct {
	pos   journal.Pos
	count uint32
}

type queue struct {
	id     QueueID
	refs   seqIndex
	deliv  map[uint64]delivery // only references delivered at least once
	purges []*purge            // live purge records of this queue
}

// message is the state of a message that a single slot cannot describe.
type message struct {
	id      uint64
	vis     uint64 // visibility sequence (purges apply to vis < their seq)
	pos     journal.Pos
	size    uint32
	refs    int // live visible references
	targets []Target
	ackrefs []journal.Pos // partial acks, live while the record needs them
	tx      *txn          // pending or prepared: not visible
	commit  *commit       // visible, but the record is still transactional
	body    []byte        // a pending transaction's body, until written
}

// txn is an open or prepared transaction.
type txn struct {
	id       TxID
	num      uint64 // transaction number once written (Prepare)
	msgs     []*message
	acks     []ackTarget
	prepared bool
	ppos     journal.Pos // prepare record
}

// commit is a commit record that must stay live: it makes transactional
// message records (still in that form) count as committed, and carries the
// acks to re-apply until they are durable.
type commit struct {
	num         uint64
	pos         journal.Pos
	orig        int // live messages whose record is still transactional
	acksPending bool
}

// purge is a purge record that must stay live while a message record it
// killed (or took a reference from) may still be read back at recovery.
type purge struct {
	rec  purgeRec
	pos  journal.Pos
	segs map[uint32]probe // segments holding such records
	// ackrefs of messages this purge killed: they must outlive the message
	// record, so they go with the purge.
	ackrefs map[journal.Pos]struct{}
}

// probe is the smallest record the store knows in a segment; reading it
// tells whether the segment still exists.
type probe struct {
	pos  journal.Pos
	size uint32
}

type defKey struct{ kind, key string }

type defEntry struct {
	pos journal.Pos
	seq uint64
}

// Store is the broker's durable state over one journal. All methods are
// safe for concurrent use.
type Store struct {
	j    *journal.Journal
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	phase   phase
	failed  error  // a journal write error: the store refuses further writes
	next    uint64 // next store sequence: ids, transaction numbers, seqs
	queues  map[QueueID]*queue
	shared  map[uint64]*message // by id
	defs    map[defKey]defEntry
	txs     map[TxID]*txn
	commits map[uint64]*commit // by transaction number
	purges  map[uint64]*purge  // by purge seq
	orphans map[journal.Pos]*purge
	moving  map[journal.Pos]moved // Rewrite → Relocated, one segment at a time
	movSeg  uint32
	cnt     counters

	note      notifier
	early     earlyDone
	maintStop chan struct{}
	maintDone chan struct{}
}

type counters struct {
	msgs, bytes, refs int64
}

// Open opens or creates the store in dir. Call Recover next: writes are
// refused until it has run.
func Open(dir string, o Options) (*Store, error) {
	if o.Linger == 0 {
		o.Linger = DefaultLinger
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := newStore(o)
	j, err := journal.Open(dir, journal.Options{
		SegmentSize:   o.SegmentSize,
		Sync:          o.Sync,
		Linger:        max(o.Linger, 0),
		NoPrealloc:    o.NoPrealloc,
		MaxBuffered:   o.MaxBuffered,
		CompactRatio:  o.CompactRatio,
		CompactMinAge: o.CompactMinAge,
		MaintainEvery: o.MaintainEvery,
		Rewrite:       s.rewrite,
		Relocated:     s.relocated,
		Logger:        o.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	s.j = j
	s.note.start()
	return s, nil
}

// newStore returns a store with empty state and no journal yet.
func newStore(o Options) *Store {
	return &Store{
		opts:      o,
		log:       o.Logger,
		queues:    make(map[QueueID]*queue),
		shared:    make(map[uint64]*message),
		defs:      make(map[defKey]defEntry),
		txs:       make(map[TxID]*txn),
		commits:   make(map[uint64]*commit),
		purges:    make(map[uint64]*purge),
		orphans:   make(map[journal.Pos]*purge),
		moving:    make(map[journal.Pos]moved),
		next:      1,
		maintStop: make(chan struct{}),
		maintDone: make(chan struct{}),
	}
}

// Close makes everything appended durable, runs the remaining done
// callbacks, saves a checkpoint for the next Recover (see CloseNoting) and
// closes the journal.
func (s *Store) Close() error { return s.close(nil) }

// close is Close; a store that recovered and never failed also leaves a
// checkpoint (checkpoint.go), with notes from notes if given.
func (s *Store) close(notes func(QueueID) NoteFunc) error {
	s.mu.Lock()
	if s.phase == phaseClosed {
		s.mu.Unlock()
		return ErrClosed
	}
	started := s.phase == phaseRunning
	s.phase = phaseClosed
	s.mu.Unlock()
	close(s.maintStop)
	if started {
		<-s.maintDone
	}
	// Not under s.mu: the journal waits for its maintenance goroutine,
	// which may be waiting for s.mu in rewrite or relocated.
	stopped := false
	err := s.j.CloseCheckpoint(func(ok bool) []byte {
		// Every done callback the writer handed over runs first: they
		// change the state the checkpoint describes.
		s.note.stop()
		stopped = true
		if !ok || !started {
			return nil
		}
		// The caller's note functions are asked for without s.mu: the
		// broker takes its queues' locks, and holds them when it calls
		// the store.
		fns := make(map[QueueID]NoteFunc)
		if notes != nil {
			for _, q := range s.queueIDs() {
				if fn := notes(q); fn != nil {
					fns[q] = fn
				}
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.encodeCheckpointLocked(fns)
	})
	if !stopped {
		s.note.stop()
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// writable checks that writes are allowed; s.mu is held.
func (s *Store) writableLocked() error {
	switch {
	case s.phase == phaseClosed:
		return ErrClosed
	case s.phase != phaseRunning:
		return ErrNotRecovered
	case s.failed != nil:
		return s.failed
	}
	return nil
}

// appendLocked appends one record; done (may be nil) runs on the notifier
// goroutine once it is durable. A journal failure makes the store refuse
// further writes: its in-memory state may no longer match the disk.
func (s *Store) appendLocked(r journal.Record, done func(error)) (journal.Pos, error) {
	return s.appendRawLocked(r, s.note.wrap(done))
}

// appendRawLocked is appendLocked with a callback that runs on the
// journal's writer goroutine: it must not take s.mu.
func (s *Store) appendRawLocked(r journal.Record, cb func(error)) (journal.Pos, error) {
	p, err := s.j.Append(r, cb)
	if err != nil && !errors.Is(err, journal.ErrNotLive) {
		s.failed = fmt.Errorf("store: journal failed: %w", err)
	}
	return p, err
}

func (s *Store) queueLocked(q QueueID) *queue {
	qs := s.queues[q]
	if qs == nil {
		qs = &queue{id: q}
		s.queues[q] = qs
	}
	return qs
}

// dropQueueIfEmptyLocked forgets a queue that holds nothing.
func (s *Store) dropQueueIfEmptyLocked(q QueueID, qs *queue) {
	if qs.refs.len() == 0 && len(qs.deliv) == 0 && len(qs.purges) == 0 {
		delete(s.queues, q)
	}
}

// Stats is a snapshot for metrics.
type Stats struct {
	Journal      journal.Stats
	Messages     int64 // message bodies stored (visible or prepared)
	MessageBytes int64 // their body bytes
	Refs         int64 // visible queue references
	Queues       int   // queues with state
	Definitions  int
	OpenTxs      int // transactions with buffered work, prepared included
	PreparedTxs  int
	Commits      int // commit records still needed
	Purges       int // purge records still needed
}

// Stats returns current figures.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	st := Stats{
		Messages:     s.cnt.msgs,
		MessageBytes: s.cnt.bytes,
		Refs:         s.cnt.refs,
		Queues:       len(s.queues),
		Definitions:  len(s.defs),
		OpenTxs:      len(s.txs),
		Commits:      len(s.commits),
		Purges:       len(s.purges),
	}
	for _, t := range s.txs {
		if t.prepared {
			st.PreparedTxs++
		}
	}
	s.mu.Unlock()
	st.Journal = s.j.Stats()
	return st
}

// Compact runs one journal reclaim and compaction pass now (tests and
// operators; the journal also does it in the background).
func (s *Store) Compact() error {
	if err := s.j.Compact(); err != nil {
		return fmt.Errorf("store: compact: %w", err)
	}
	s.checkPurges()
	return nil
}

// maintain periodically releases purge records whose segments are gone.
func (s *Store) maintain() {
	defer close(s.maintDone)
	every := s.opts.MaintainEvery
	if every == 0 {
		every = time.Second
	}
	var tick <-chan time.Time
	if every > 0 { // negative: only Compact checks
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	var seen uint64
	for {
		select {
		case <-s.maintStop:
			return
		case <-tick:
		}
		if r := s.j.Stats().Reclaimed; r != seen {
			seen = r
			s.checkPurges()
		}
	}
}

// notifier runs done callbacks on its own goroutine, in the order the
// journal reports them. The journal's writer must never wait for the
// store's lock: a writer holding s.mu may be waiting in Append for the
// writer to make room.
type notifier struct {
	mu    sync.Mutex
	calls []call
	wake  chan struct{}
	quit  chan struct{}
	done  chan struct{}
}

type call struct {
	fn  func(error)
	err error
}

func (n *notifier) start() {
	n.wake = make(chan struct{}, 1)
	n.quit = make(chan struct{})
	n.done = make(chan struct{})
	go n.loop()
}

func (n *notifier) wrap(fn func(error)) func(error) {
	if fn == nil {
		return nil
	}
	return func(err error) { n.post(fn, err) }
}

func (n *notifier) post(fn func(error), err error) {
	if fn == nil {
		return
	}
	n.mu.Lock()
	n.calls = append(n.calls, call{fn, err})
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *notifier) loop() {
	defer close(n.done)
	var batch []call
	for {
		quit := false
		select {
		case <-n.wake:
		case <-n.quit:
			quit = true
		}
		n.mu.Lock()
		batch, n.calls = n.calls, batch[:0]
		n.mu.Unlock()
		for i, c := range batch {
			c.fn(c.err)
			batch[i] = call{}
		}
		if quit {
			n.mu.Lock()
			more := len(n.calls) > 0
			n.mu.Unlock()
			if !more {
				return
			}
		}
	}
}

// stop runs what is queued and ends the goroutine; the journal is closed,
// so nothing more arrives.
func (n *notifier) stop() {
	close(n.quit)
	<-n.done
}

// countdown calls done once, after every record of a multi-record
// operation is durable: add one per record, then finish. done runs on the
// notifier goroutine, never on the caller's, which may hold s.mu.
type countdown struct {
	n    *notifier
	mu   sync.Mutex
	left int
	err  error
	done func(error)
}

func (n *notifier) countdown(done func(error)) *countdown {
	return &countdown{n: n, left: 1, done: done}
}

// add returns the journal callback for one more record. It runs on the
// journal's writer and only takes c.mu.
func (c *countdown) add() func(error) {
	c.mu.Lock()
	c.left++
	c.mu.Unlock()
	return c.one
}

func (c *countdown) one(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.left--
	fire := c.left == 0
	err = c.err
	c.mu.Unlock()
	if fire && c.done != nil {
		c.n.post(c.done, err)
	}
}

// appendLocked appends r as one more record of the operation.
func (c *countdown) appendLocked(s *Store, r journal.Record) (journal.Pos, error) {
	cb := c.add()
	p, err := s.appendRawLocked(r, cb)
	if err != nil {
		cb(err)
	}
	return p, err
}

// finish drops the initial count; done is posted now if every record was
// already durable.
func (c *countdown) finish() { c.one(nil) }
