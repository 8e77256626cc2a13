package store

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/junctionmq/junction/store/journal"
)

// benchEnqueueAck runs b.N Enqueue+Ack pairs of 1 KiB messages from g
// goroutines under SyncAlways, each on its own queue. With confirm, a
// goroutine waits for its enqueue's done before acking and going on (a
// publisher waiting for its confirm); the acks are not waited for.
func benchEnqueueAck(b *testing.B, g int, confirm bool) {
	o := quiet(0)
	o.Sync = journal.SyncAlways
	o.NoPrealloc = false
	o.MaintainEvery = 0
	s, _ := fresh(b, o)
	msg := make([]byte, 1024)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	var next atomic.Int64
	start := time.Now()
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := QueueID(w + 1)
			done := make(chan error, 1)
			var seq uint64
			for next.Add(1) <= int64(b.N) {
				seq++
				var cb func(error)
				if confirm {
					cb = func(err error) { done <- err }
				}
				if _, err := s.Enqueue(msg, []Target{{q, seq}}, cb); err != nil {
					b.Error(err)
					return
				}
				if confirm {
					if err := <-done; err != nil {
						b.Error(err)
						return
					}
				}
				if err := s.Ack(q, seq, nil); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := s.j.Sync(); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start).Seconds()
	b.StopTimer()
	st := s.Stats().Journal
	b.ReportMetric(float64(b.N)/elapsed, "msgs/s")
	b.ReportMetric(float64(st.Fsyncs)/elapsed, "fsyncs/s")
	if st.Fsyncs > 0 {
		b.ReportMetric(float64(st.FsyncTotal.Microseconds())/float64(st.Fsyncs), "µs/fsync")
	}
}

func BenchmarkEnqueueAckSyncAlways(b *testing.B) {
	for _, g := range []int{1, 16, 64, 256} {
		b.Run(fmt.Sprintf("confirmed/g=%d", g), func(b *testing.B) { benchEnqueueAck(b, g, true) })
	}
	b.Run("pipelined/g=16", func(b *testing.B) { benchEnqueueAck(b, 16, false) })
}

// BenchmarkDiskBytesPer1KMessage reports the journal bytes written for a
// 1 KiB single-queue message (record header and payload), and for it plus
// its ack.
func BenchmarkDiskBytesPer1KMessage(b *testing.B) {
	o := quiet(0)
	o.Sync = journal.SyncNever
	s, _ := fresh(b, o)
	msg := make([]byte, 1024)
	written := func() int64 {
		st := s.j.Stats()
		return int64(st.AppendBytes) + 28*int64(st.Appends)
	}
	base := written()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Enqueue(msg, []Target{{1, uint64(i)}}, nil); err != nil {
			b.Fatal(err)
		}
	}
	queued := written() - base
	for i := range b.N {
		if err := s.Ack(1, uint64(i), nil); err != nil {
			b.Fatal(err)
		}
	}
	all := written() - base
	b.ReportMetric(float64(queued)/float64(b.N), "enqueue-B/msg")
	b.ReportMetric(float64(all)/float64(b.N), "enqueue+ack-B/msg")
}

// BenchmarkRecover1M recovers a store of 1,000,000 1 KiB messages over 10
// queues, with bodies not loaded, the first 1000 per queue, and all. Each
// queue numbers its messages 1, 2, 3, ... as the broker does.
func BenchmarkRecover1M(b *testing.B) {
	const n, queues = 1_000_000, 10
	dir := b.TempDir()
	o := quiet(0)
	o.Sync = journal.SyncNever
	o.NoPrealloc = false
	s, err := Open(dir, o) // not openRecover: its cleanup would keep s in memory
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Recover(Recovery{}); err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 1024)
	for i := range n {
		if _, err := s.Enqueue(msg, []Target{{QueueID(i%queues + 1), uint64(i/queues + 1)}}, nil); err != nil {
			b.Fatal(err)
		}
	}
	disk := s.Stats().Journal.DiskBytes
	closeT(b, s)
	s = nil
	o.Sync = journal.SyncAlways
	for _, bodies := range []int{0, 1000, -1} {
		b.Run(fmt.Sprint("bodies=", bodies), func(b *testing.B) {
			var heap uint64
			for b.Loop() {
				s, err := Open(dir, o)
				if err != nil {
					b.Fatal(err)
				}
				count, loaded := 0, 0
				err = s.Recover(Recovery{BodiesPerQueue: bodies, Message: func(_ QueueID, _ uint64, _ MsgRef, body []byte, _ uint32) {
					count++
					if body != nil {
						loaded++
					}
				}})
				if err != nil || count != n {
					b.Fatalf("recovered %d messages: %v", count, err)
				}
				b.StopTimer()
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				heap = ms.HeapAlloc
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
			b.ReportMetric(float64(disk)/(1<<20), "disk-MiB")
		})
	}
}
