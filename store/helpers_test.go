package store

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// quiet returns options that log nothing and do no background work, so
// tests decide when compaction runs.
func quiet(segSize int64) Options {
	return Options{
		SegmentSize:   segSize,
		Logger:        slog.New(slog.DiscardHandler),
		MaintainEvery: -1,
		NoPrealloc:    true,
	}
}

// compacting returns options under which compaction moves records early.
func compacting(segSize int64) Options {
	o := quiet(segSize)
	o.CompactMinAge = 1
	o.CompactRatio = 0.6
	return o
}

type gotMsg struct {
	seq   uint64
	ref   MsgRef
	body  string
	deliv uint32
	hasB  bool
}

type gotTx struct {
	encs []PreparedEnqueue
	acks []Target
}

// recovered is everything Recover reported.
type recovered struct {
	defs     map[string]string // kind + "/" + key
	defOrder []string
	msgs     map[QueueID][]gotMsg
	qOrder   []QueueID
	prepared map[TxID]gotTx
}

// seqs returns the seqs reported for q, in report order.
func (r *recovered) seqs(q QueueID) []uint64 {
	var out []uint64
	for _, m := range r.msgs[q] {
		out = append(out, m.seq)
	}
	return out
}

func (r *recovered) bodies(q QueueID) []string {
	var out []string
	for _, m := range r.msgs[q] {
		out = append(out, m.body)
	}
	return out
}

func (r *recovered) find(q QueueID, seq uint64) (gotMsg, bool) {
	for _, m := range r.msgs[q] {
		if m.seq == seq {
			return m, true
		}
	}
	return gotMsg{}, false
}

// openRecover opens dir and recovers it with the given body policy.
func openRecover(t testing.TB, dir string, o Options, bodies int) (*Store, *recovered) {
	t.Helper()
	s, err := Open(dir, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	rec := &recovered{defs: map[string]string{}, msgs: map[QueueID][]gotMsg{}, prepared: map[TxID]gotTx{}}
	err = s.Recover(Recovery{
		BodiesPerQueue: bodies,
		Definitions: func(kind, key string, value []byte) {
			k := kind + "/" + key
			rec.defs[k] = string(value)
			rec.defOrder = append(rec.defOrder, k)
		},
		Message: func(q QueueID, seq uint64, ref MsgRef, body []byte, deliveries uint32) {
			if len(rec.msgs[q]) == 0 {
				rec.qOrder = append(rec.qOrder, q)
			}
			rec.msgs[q] = append(rec.msgs[q], gotMsg{seq: seq, ref: ref, body: string(body), deliv: deliveries, hasB: body != nil})
		},
		Prepared: func(tx TxID, encs []PreparedEnqueue, acks []Target) {
			if _, dup := rec.prepared[tx]; dup {
				t.Errorf("transaction %v reported twice", tx)
			}
			rec.prepared[tx] = gotTx{encs, acks}
		},
	})
	if err != nil {
		t.Fatalf("Recover: %v", err)
	}
	return s, rec
}

// fresh opens a new empty store.
func fresh(t testing.TB, o Options) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, _ := openRecover(t, dir, o, -1)
	return s, dir
}

func closeT(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// reopen closes s and recovers dir with all bodies.
func reopen(t testing.TB, s *Store, dir string, o Options) (*Store, *recovered) {
	t.Helper()
	closeT(t, s)
	return openRecover(t, dir, o, -1)
}

// crashCopy makes everything appended durable, then copies the segment
// files as a crash would leave them: no Close, in-memory releases lost.
func crashCopy(t testing.TB, s *Store, dir string) string {
	t.Helper()
	if err := s.j.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	// Background reclaim and compaction may delete and create segments
	// while we copy, and a copy that mixes files from before and after
	// such a change is no state a crash could leave. Holding s.mu stalls
	// compaction (its hooks need it); whatever else changed the set of
	// files is detected, and the copy taken again.
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		to := t.TempDir()
		before := segFiles(t, dir)
		copySegments(t, dir, to)
		if slices.Equal(before, segFiles(t, dir)) {
			return to
		}
	}
}

func segFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.jnl"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(m)
	return m
}

func copySegments(t testing.TB, from, to string) {
	t.Helper()
	for _, f := range segFiles(t, from) {
		src, err := os.Open(f)
		if os.IsNotExist(err) {
			continue // reclaimed meanwhile, as a crash might find it
		}
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(filepath.Join(to, filepath.Base(f)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		if err := dst.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// waiter collects done callbacks.
type waiter struct {
	mu    sync.Mutex
	wg    sync.WaitGroup
	order []string
	errs  []error
}

// cb returns a done callback that records name.
func (w *waiter) cb(name string) func(error) {
	w.wg.Add(1)
	return func(err error) {
		w.mu.Lock()
		w.order = append(w.order, name)
		if err != nil {
			w.errs = append(w.errs, fmt.Errorf("%s: %w", name, err))
		}
		w.mu.Unlock()
		w.wg.Done()
	}
}

func (w *waiter) wait(t testing.TB) []string {
	t.Helper()
	ch := make(chan struct{})
	go func() { w.wg.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatal("done callbacks did not run")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.errs) > 0 {
		t.Fatalf("done callbacks failed: %v", w.errs)
	}
	return append([]string(nil), w.order...)
}

func enqueue(t testing.TB, s *Store, body string, done func(error), targets ...Target) MsgRef {
	t.Helper()
	ref, err := s.Enqueue([]byte(body), targets, done)
	if err != nil {
		t.Fatalf("Enqueue %q: %v", body, err)
	}
	return ref
}

func ack(t testing.TB, s *Store, q QueueID, seq uint64) {
	t.Helper()
	if err := s.Ack(q, seq, nil); err != nil {
		t.Fatalf("Ack(%d, %d): %v", q, seq, err)
	}
}

func tg(q QueueID, seq uint64) Target { return Target{Queue: q, Seq: seq} }

func body(n int, tag string) string {
	return tag + strings.Repeat(".", max(0, n-len(tag)))
}

func equalSeqs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func mustXA(t testing.TB, g, b string) TxID {
	t.Helper()
	x, err := XATx(0x1234, []byte(g), []byte(b))
	if err != nil {
		t.Fatal(err)
	}
	return x
}
