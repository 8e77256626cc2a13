package bench

import (
	"context"
	"encoding/binary"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// pipeDriver is an in-memory "broker": producers hand bodies to consumers
// over a channel. While slow is set it stamps every body as sent a second
// ago, so a latency sample taken then stands out.
type pipeDriver struct {
	ch       chan []byte
	slow     atomic.Bool
	produced atomic.Int64
}

func newPipeDriver() *pipeDriver { return &pipeDriver{ch: make(chan []byte, 1024)} }

func (d *pipeDriver) Setup(context.Context, *Options) error { return nil }
func (d *pipeDriver) Teardown(*Options) error               { return nil }
func (d *pipeDriver) Idle(ctx context.Context, _ *Options) error {
	<-ctx.Done()
	return nil
}

func (d *pipeDriver) Produce(ctx context.Context, _ *Options, _ int, next func() []byte, sent func()) error {
	for {
		body := next()
		if body == nil || ctx.Err() != nil {
			return nil
		}
		b := append([]byte(nil), body...)
		if d.slow.Load() {
			binary.BigEndian.PutUint64(b, uint64(time.Now().Add(-time.Second).UnixNano()))
		}
		select {
		case d.ch <- b:
			d.produced.Add(1)
			sent()
		case <-ctx.Done():
			return nil
		}
	}
}

func (d *pipeDriver) Consume(ctx context.Context, _ *Options, _ int, ready func(), got func([]byte)) error {
	ready()
	for {
		select {
		case b := <-d.ch:
			got(b)
		case <-ctx.Done():
			return nil
		}
	}
}

func runPipe(t *testing.T, d *pipeDriver, o Options) Result {
	t.Helper()
	o.Protocol = "pipe-test-" + t.Name()
	Drivers[o.Protocol] = d
	t.Cleanup(func() { delete(Drivers, o.Protocol) })
	return mustRun(t, o, 20*time.Second)
}

// mustRun runs the harness, failing the test on an error or after limit.
func mustRun(t *testing.T, o Options, limit time.Duration) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	res, err := Run(ctx, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

func TestWarmupMessagesAndLatenciesAreNotCounted(t *testing.T) {
	d := newPipeDriver()
	d.slow.Store(true)
	// The driver turns fast well inside the warm-up, so only samples taken
	// during the warm-up can be a second old.
	time.AfterFunc(200*time.Millisecond, func() { d.slow.Store(false) })
	res := runPipe(t, d, Options{Producers: 1, Consumers: 1, Size: 16, Rate: 2000,
		Warmup: 600 * time.Millisecond, Duration: 600 * time.Millisecond})

	total := d.produced.Load()
	if res.WarmupSeconds != 0.6 {
		t.Errorf("warmup_seconds %v, want 0.6", res.WarmupSeconds)
	}
	if res.Seconds < 0.55 || res.Seconds > 0.9 {
		t.Errorf("measured for %.3f s, want about the 0.6 s duration, not warm-up and duration together", res.Seconds)
	}
	// At 2000 msgs/s about 1200 messages are sent in the warm-up and as
	// many after it; only the second half counts.
	if res.Published <= 0 || res.Published >= total*3/4 {
		t.Errorf("counted %d published of %d sent in all; want only those after the warm-up (about half)", res.Published, total)
	}
	if res.Consumed <= 0 || res.Consumed > res.Published+1024 {
		t.Errorf("counted %d consumed against %d published", res.Consumed, res.Published)
	}
	if res.LatencyMicros.Max >= 500_000 {
		t.Errorf("max latency %.0f µs: a sample from the warm-up (stamped a second old) was counted", res.LatencyMicros.Max)
	}
	if res.LatencyMicros.P50 <= 0 {
		t.Errorf("no latency recorded after the warm-up: %+v", res.LatencyMicros)
	}
}

func TestWithoutWarmupEverySampleCounts(t *testing.T) {
	d := newPipeDriver()
	d.slow.Store(true)
	time.AfterFunc(200*time.Millisecond, func() { d.slow.Store(false) })
	res := runPipe(t, d, Options{Producers: 1, Consumers: 1, Size: 16, Rate: 2000, Duration: 600 * time.Millisecond})
	if res.WarmupSeconds != 0 {
		t.Errorf("warmup_seconds %v, want 0", res.WarmupSeconds)
	}
	if res.Published != d.produced.Load() {
		t.Errorf("counted %d published, sent %d", res.Published, d.produced.Load())
	}
	if res.LatencyMicros.Max < 900_000 {
		t.Errorf("max latency %.0f µs; the slow start (a second) should be in it", res.LatencyMicros.Max)
	}
}

func TestWarmupWithAMessageCountIsRefused(t *testing.T) {
	o := Options{Protocol: "amqp-lean", Count: 10, Warmup: time.Second, Duration: time.Second}
	_, err := Run(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "warm-up") {
		t.Fatalf("Run with -count and -warmup: %v, want a refusal naming the warm-up", err)
	}
}
