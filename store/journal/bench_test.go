package journal

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// benchAppend runs b.N appends of 1 KiB records from g goroutines. With
// wait, each goroutine waits for durability before its next append (a
// publisher waiting for its confirm); otherwise appends are fire-and-forget.
func benchAppend(b *testing.B, policy SyncPolicy, g int, wait bool) {
	o := quiet(0)
	o.Sync = policy
	j := openT(b, b.TempDir(), o)
	payload := make([]byte, 1024)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range g {
		n := b.N / g
		if w < b.N%g {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				var err error
				if wait {
					_, err = j.AppendSync(Record{Payload: payload})
				} else {
					_, err = j.Append(Record{Payload: payload}, nil)
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := j.Sync(); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start).Seconds()
	b.StopTimer()
	st := j.Stats()
	b.ReportMetric(float64(b.N)/elapsed, "appends/s")
	b.ReportMetric(float64(st.Fsyncs)/elapsed, "fsyncs/s")
	if st.Fsyncs > 0 {
		b.ReportMetric(float64(b.N)/float64(st.Fsyncs), "appends/fsync")
		b.ReportMetric(float64(st.FsyncTotal.Microseconds())/float64(st.Fsyncs), "µs/fsync")
	}
}

func BenchmarkAppend(b *testing.B) {
	for _, g := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("SyncNever/appenders=%d", g), func(b *testing.B) { benchAppend(b, SyncNever, g, false) })
	}
	for _, g := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("SyncAlways/appenders=%d", g), func(b *testing.B) { benchAppend(b, SyncAlways, g, true) })
	}
	// Appends that do not wait, durable under SyncAlways: the writer's
	// ceiling when callers pipeline (e.g. many publishers per connection).
	b.Run("SyncAlways/pipelined", func(b *testing.B) { benchAppend(b, SyncAlways, 1, false) })
}

func BenchmarkRead(b *testing.B) {
	o := quiet(0)
	j := openT(b, b.TempDir(), o)
	var ps []Pos
	for i := range 10_000 {
		ps = append(ps, mustAppend(b, j, Record{Payload: payloadFor(uint64(i), 1024)}))
	}
	if err := j.Sync(); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	b.SetBytes(1024)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := j.Read(ps[rng.IntN(len(ps))]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplay measures Open plus Replay of 100k 1 KiB records (about
// 100 MiB, mostly in the page cache).
func BenchmarkReplay(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	o := quiet(0)
	o.Sync = SyncNever
	j := openT(b, dir, o)
	for i := range n {
		mustAppend(b, j, Record{Payload: payloadFor(uint64(i), 1024)})
	}
	closeT(b, j)
	b.SetBytes(n * 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		j, err := Open(dir, o)
		if err != nil {
			b.Fatal(err)
		}
		count := 0
		if err := j.Replay(func(Pos, Record) error { count++; return nil }); err != nil {
			b.Fatal(err)
		}
		if count != n {
			b.Fatalf("replayed %d records, want %d", count, n)
		}
		b.StopTimer()
		j.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}
