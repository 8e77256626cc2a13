package journal

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// diskModel follows the writer through its hooks: which positions have been
// written and which of those an fsync that started afterwards has covered.
type diskModel struct {
	mu        sync.Mutex
	written   Pos // everything before this has been written
	covering  Pos // what the running fsync covers
	durable   Pos // everything before this is covered by a finished fsync
	fsyncs    int
	blockNext chan struct{} // if set, the next fsync waits on it
}

func before(a, b Pos) bool { return a.Seg < b.Seg || a.Seg == b.Seg && a.Off < b.Off }

func (m *diskModel) hooks() *hooks {
	return &hooks{
		wrote: func(p Pos) { m.mu.Lock(); m.written = p; m.mu.Unlock() },
		syncStart: func() {
			m.mu.Lock()
			m.covering = m.written
			block := m.blockNext
			m.blockNext = nil
			m.mu.Unlock()
			if block != nil {
				<-block
			}
		},
		syncEnd: func() { m.mu.Lock(); m.durable = m.covering; m.fsyncs++; m.mu.Unlock() },
	}
}

func (m *diskModel) isDurable(p Pos) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return before(p, m.durable)
}

func (m *diskModel) isWritten(p Pos) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return before(p, m.written)
}

// appendAll appends n records from each of g goroutines and waits for every
// callback. check runs inside each callback with the record's position.
func appendAll(t *testing.T, j *Journal, g, n int, check func(p Pos) string) {
	t.Helper()
	var (
		wg     sync.WaitGroup
		calls  sync.Map // Pos -> *int32
		bad    atomic.Value
		fired  sync.WaitGroup
		pcount atomic.Int64
	)
	for w := range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				var p Pos
				var once int32
				ready := make(chan struct{})
				fired.Add(1)
				pp, err := j.Append(Record{Type: uint8(w), Payload: payloadFor(uint64(w*n+i), 1024)}, func(err error) {
					<-ready
					if atomic.AddInt32(&once, 1) != 1 {
						bad.Store("callback for " + p.String() + " ran twice")
					}
					if err != nil {
						bad.Store("callback error: " + err.Error())
					} else if msg := check(p); msg != "" {
						bad.Store(msg)
					}
					calls.Store(p, &once)
					fired.Done()
				})
				if err != nil {
					t.Errorf("Append: %v", err)
					fired.Done()
					continue
				}
				p = pp
				close(ready)
				pcount.Add(1)
			}
		}()
	}
	wg.Wait()
	fired.Wait()
	if msg := bad.Load(); msg != nil {
		t.Fatal(msg)
	}
	n2 := 0
	calls.Range(func(_, v any) bool {
		if atomic.LoadInt32(v.(*int32)) != 1 {
			t.Errorf("a callback ran %d times", atomic.LoadInt32(v.(*int32)))
		}
		n2++
		return true
	})
	if int64(n2) != pcount.Load() || n2 != g*n {
		t.Fatalf("%d callbacks for %d appends", n2, g*n)
	}
}

func TestConcurrentAppendersEachGetOneCallbackAfterAnFsyncCoveringThem(t *testing.T) {
	m := &diskModel{}
	o := quiet(256 << 10) // several segment rolls during the run
	o.hooks = m.hooks()
	j := openT(t, t.TempDir(), o)
	appendAll(t, j, 64, 50, func(p Pos) string {
		if !m.isDurable(p) {
			return "callback for " + p.String() + " before an fsync covered it"
		}
		return ""
	})
	st := j.Stats()
	if st.Appends != 64*50 || st.Fsyncs == 0 || int(st.Fsyncs) != m.fsyncs {
		t.Fatalf("stats: %d appends, %d fsyncs (model saw %d)", st.Appends, st.Fsyncs, m.fsyncs)
	}
	t.Logf("%d appends, %d fsyncs", st.Appends, st.Fsyncs)
}

func TestOneFsyncCoversEverythingAppendedWhileThePreviousRan(t *testing.T) {
	m := &diskModel{}
	o := quiet(0)
	o.hooks = m.hooks()
	j := openT(t, t.TempDir(), o)

	release := make(chan struct{})
	m.mu.Lock()
	m.blockNext = release
	m.mu.Unlock()
	first := make(chan error, 1)
	if _, err := j.Append(Record{Payload: []byte("first")}, func(err error) { first <- err }); err != nil {
		t.Fatal(err)
	}
	// Wait until the writer sits in the blocked fsync for "first".
	for !m.isWritten(Pos{1, segHeaderSize + 1}) {
		time.Sleep(time.Millisecond)
	}
	var done sync.WaitGroup
	var wg sync.WaitGroup
	for g := range 100 {
		wg.Add(1)
		done.Add(1)
		go func() {
			defer wg.Done()
			if _, err := j.Append(Record{Payload: payloadFor(uint64(g), 100)}, func(error) { done.Done() }); err != nil {
				t.Error(err)
				done.Done()
			}
		}()
	}
	wg.Wait() // all 100 are buffered behind the running fsync
	if got := j.Stats().Fsyncs; got != 0 {
		t.Fatalf("%d fsyncs finished while the first was blocked", got)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	done.Wait()
	if got := j.Stats().Fsyncs; got != 2 {
		t.Fatalf("%d fsyncs for one record plus 100 appended during its fsync, want 2", got)
	}
}

func TestSyncNeverRunsCallbacksAfterWriteWithoutFsync(t *testing.T) {
	m := &diskModel{}
	o := quiet(0)
	o.Sync = SyncNever
	o.hooks = m.hooks()
	j := openT(t, t.TempDir(), o)
	appendAll(t, j, 8, 100, func(p Pos) string {
		if !m.isWritten(p) {
			return "callback for " + p.String() + " before its write"
		}
		return ""
	})
	if got := j.Stats().Fsyncs; got != 0 {
		t.Fatalf("SyncNever made %d fsyncs", got)
	}
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := j.Stats().Fsyncs; got != 1 {
		t.Fatalf("Sync under SyncNever made %d fsyncs, want 1", got)
	}
}

func TestSyncIntervalFsyncsAtMostOncePerIntervalAndCallbacksWaitForIt(t *testing.T) {
	m := &diskModel{}
	o := quiet(0)
	const every = 20 * time.Millisecond
	o.Sync = SyncInterval(every)
	o.hooks = m.hooks()
	j := openT(t, t.TempDir(), o)
	start := time.Now()
	appendAll(t, j, 4, 300, func(p Pos) string {
		if !m.isDurable(p) {
			return "callback for " + p.String() + " before an fsync covered it"
		}
		return ""
	})
	elapsed := time.Since(start)
	fsyncs := j.Stats().Fsyncs
	if limit := uint64(elapsed/every) + 2; fsyncs == 0 || fsyncs > limit {
		t.Fatalf("%d fsyncs in %v at one per %v, want between 1 and %d", fsyncs, elapsed, every, limit)
	}
}

func TestSyncAlwaysMakesAppendSyncDurableOnReturn(t *testing.T) {
	m := &diskModel{}
	o := quiet(0)
	o.hooks = m.hooks()
	j := openT(t, t.TempDir(), o)
	for i := range 20 {
		p, err := j.AppendSync(Record{Payload: payloadFor(uint64(i), 50)})
		if err != nil {
			t.Fatal(err)
		}
		if !m.isDurable(p) {
			t.Fatalf("AppendSync returned before an fsync covered %v", p)
		}
	}
}

func TestCallbackMayAppendWithoutDeadlock(t *testing.T) {
	o := quiet(0)
	o.MaxBuffered = 1 // every append beyond the first would wait for room
	j := openT(t, t.TempDir(), o)
	done := make(chan Pos, 1)
	_, err := j.Append(Record{Payload: []byte("parent")}, func(error) {
		for range 10 {
			mustAppend(t, j, Record{Payload: []byte("from callback")})
		}
		p, _ := j.Append(Record{Payload: []byte("child")}, nil)
		done <- p
	})
	if err != nil {
		t.Fatal(err)
	}
	child := <-done
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	if r, err := j.Read(child); err != nil || string(r.Payload) != "child" {
		t.Fatalf("Read(child) = %q, %v", r.Payload, err)
	}
}

func TestCloseRunsPendingCallbacks(t *testing.T) {
	o := quiet(0)
	o.Sync = SyncInterval(time.Hour)
	j := openT(t, t.TempDir(), o)
	var n atomic.Int32
	for range 10 {
		if _, err := j.Append(Record{Payload: []byte("x")}, func(err error) {
			if err == nil {
				n.Add(1)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	closeT(t, j)
	if n.Load() != 10 {
		t.Fatalf("%d of 10 callbacks ran by Close", n.Load())
	}
}
