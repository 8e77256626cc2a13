// Package bench is Junction's load generator, modelled on RabbitMQ
// PerfTest: producers and consumers over a chosen protocol, live
// per-second rates, and a final JSON summary with throughput and latency
// percentiles. The same harness drives Junction, RabbitMQ and ActiveMQ so
// their figures compare.
package bench

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Options describe a run.
type Options struct {
	URL         string
	Protocol    string
	Producers   int
	Consumers   int
	Queues      int
	QueuePrefix string
	Size        int
	Persistent  bool
	// Confirm is the publisher-confirm window (in-flight messages per
	// producer); 0 publishes without confirms.
	Confirm int
	// Prefetch per consumer; 0 is unlimited.
	Prefetch int
	AutoAck  bool
	// MultiAck acknowledges every N messages with multiple=true (1 = each).
	MultiAck int
	Duration time.Duration
	// Warmup runs the workload this long before Duration starts, counting
	// nothing: brokers and clients on a JIT (ActiveMQ, the Java client)
	// reach their steady speed only after their hot paths are compiled.
	Warmup time.Duration
	// Count stops each producer after this many messages (0 = until Duration).
	Count int
	// Rate limits all producers together to this many msgs/s (0 = flat out).
	Rate int
	// Fanout binds every consumer's own queue to one fanout exchange.
	Fanout bool
	// Idle connections to open and hold (for memory-per-connection runs).
	Idle int
	Out  io.Writer
}

// Result is the final summary.
type Result struct {
	Protocol      string      `json:"protocol"`
	Producers     int         `json:"producers"`
	Consumers     int         `json:"consumers"`
	Size          int         `json:"size"`
	Persistent    bool        `json:"persistent"`
	Confirm       int         `json:"confirm"`
	WarmupSeconds float64     `json:"warmup_seconds"`
	Seconds       float64     `json:"seconds"`
	Published     int64       `json:"published"`
	Consumed      int64       `json:"consumed"`
	PublishedRate float64     `json:"published_msgs_per_sec"`
	ConsumedRate  float64     `json:"consumed_msgs_per_sec"`
	LatencyMicros Percentiles `json:"latency_us"`
}

// Percentiles of end-to-end latency in microseconds.
type Percentiles struct {
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
}

// Driver connects producers and consumers over one protocol.
type Driver interface {
	// Setup declares queues (and bindings) for the run.
	Setup(ctx context.Context, o *Options) error
	// Produce publishes until ctx ends or n messages (n > 0) were sent,
	// calling sent after each accepted (confirmed, if confirms) message.
	Produce(ctx context.Context, o *Options, id int, next func() []byte, sent func()) error
	// Consume receives until ctx ends, calling got with each body.
	Consume(ctx context.Context, o *Options, id int, ready func(), got func(body []byte)) error
	// Idle opens a connection that does nothing until ctx ends.
	Idle(ctx context.Context, o *Options) error
	// Teardown removes what Setup declared.
	Teardown(o *Options) error
}

// Drivers maps protocol names to drivers; each protocol registers itself.
var Drivers = map[string]Driver{}

// Run executes a benchmark and returns its summary.
func Run(ctx context.Context, o Options) (Result, error) {
	d, ok := Drivers[o.Protocol]
	if !ok {
		return Result{}, fmt.Errorf("unknown protocol %q", o.Protocol)
	}
	if o.Size < 8 {
		o.Size = 8 // room for the send timestamp
	}
	if o.Count > 0 && o.Warmup > 0 {
		return Result{}, fmt.Errorf("a warm-up needs a run of fixed duration, not -count")
	}
	if o.Queues < 1 {
		o.Queues = 1
	}
	if o.MultiAck < 1 {
		o.MultiAck = 1
	}
	if o.QueuePrefix == "" {
		o.QueuePrefix = "perf-q"
	}
	if err := d.Setup(ctx, &o); err != nil {
		return Result{}, fmt.Errorf("setup: %w", err)
	}
	defer d.Teardown(&o)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var published, consumed atomic.Int64
	// Latencies are recorded only once the warm-up is over.
	var measuring atomic.Bool
	measuring.Store(o.Warmup <= 0)
	hist := newHistogram()
	var histMu sync.Mutex
	errs := make(chan error, o.Producers+o.Consumers+o.Idle)
	var wg sync.WaitGroup

	for i := 0; i < o.Idle; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.Idle(runCtx, &o); err != nil && runCtx.Err() == nil {
				errs <- err
			}
		}()
	}
	var ready sync.WaitGroup
	for i := 0; i < o.Consumers; i++ {
		wg.Add(1)
		ready.Add(1)
		go func(id int) {
			defer wg.Done()
			local := newHistogram()
			flushEvery := 0
			err := d.Consume(runCtx, &o, id, ready.Done, func(body []byte) {
				if len(body) >= 8 && measuring.Load() {
					sentAt := int64(binary.BigEndian.Uint64(body))
					local.record(time.Now().UnixNano() - sentAt)
				}
				consumed.Add(1)
				if flushEvery++; flushEvery == 1000 {
					flushEvery = 0
					histMu.Lock()
					hist.merge(local)
					histMu.Unlock()
					local.reset()
				}
			})
			histMu.Lock()
			hist.merge(local)
			histMu.Unlock()
			if err != nil && runCtx.Err() == nil {
				errs <- err
			}
		}(i)
	}
	ready.Wait()

	var limiter <-chan time.Time
	var perTick int
	if o.Rate > 0 {
		// Release messages in 1 ms ticks so fixed-rate latency is not
		// distorted by bursts.
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		limiter = t.C
		perTick = max(o.Rate/1000, 1)
	}
	tokens := make(chan struct{}, 1<<16)
	if limiter != nil {
		go func() {
			acc := 0.0
			for {
				select {
				case <-runCtx.Done():
					return
				case <-limiter:
					acc += float64(o.Rate) / 1000
					for acc >= 1 {
						acc--
						select {
						case tokens <- struct{}{}:
						default:
						}
					}
				}
			}
		}()
		_ = perTick
	}
	start := time.Now()
	var prodWG sync.WaitGroup
	for i := 0; i < o.Producers; i++ {
		wg.Add(1)
		prodWG.Add(1)
		go func(id int) {
			defer wg.Done()
			defer prodWG.Done()
			body := make([]byte, o.Size)
			next := func() []byte {
				if limiter != nil {
					select {
					case <-tokens:
					case <-runCtx.Done():
						return nil
					}
				}
				binary.BigEndian.PutUint64(body, uint64(time.Now().UnixNano()))
				return body
			}
			if err := d.Produce(runCtx, &o, id, next, func() { published.Add(1) }); err != nil && runCtx.Err() == nil {
				errs <- err
			}
		}(i)
	}

	deadline := time.NewTimer(o.Warmup + o.Duration)
	defer deadline.Stop()
	var warmedUp <-chan time.Time
	phase := ""
	if o.Warmup > 0 {
		t := time.NewTimer(o.Warmup)
		defer t.Stop()
		warmedUp = t.C
		phase = "warm-up "
	}
	var pub0, con0 int64 // counted during the warm-up
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var lastP, lastC int64
	lastT := start
	producersDone := make(chan struct{})
	go func() { prodWG.Wait(); close(producersDone) }()
	expected := int64(0)
	if o.Count > 0 {
		expected = int64(o.Count * o.Producers)
		if o.Fanout {
			expected *= int64(o.Consumers)
		}
	}
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-deadline.C:
			break loop
		case err := <-errs:
			runErr = err
			break loop
		case now := <-warmedUp:
			pub0, con0 = published.Load(), consumed.Load()
			measuring.Store(true)
			start, lastT, lastP, lastC, phase = now, now, pub0, con0, ""
		case now := <-tick.C:
			p, c := published.Load(), consumed.Load()
			dt := now.Sub(lastT).Seconds()
			histMu.Lock()
			p50 := hist.quantile(0.5)
			p99 := hist.quantile(0.99)
			histMu.Unlock()
			if o.Out != nil && dt > 0.5 { // not the tick that lands on the warm-up's end
				fmt.Fprintf(o.Out, "%stime %5.1fs  sent %9.0f msg/s  received %9.0f msg/s  latency p50 %8.0f µs  p99 %8.0f µs\n",
					phase, now.Sub(start).Seconds(), float64(p-lastP)/dt, float64(c-lastC)/dt, p50/1e3, p99/1e3)
			}
			lastP, lastC, lastT = p, c, now
			if expected > 0 && c >= expected {
				break loop
			}
		case <-producersDone:
			if expected == 0 || o.Consumers == 0 {
				if o.Count > 0 {
					break loop
				}
			}
			producersDone = nil
		}
	}
	elapsed := time.Since(start).Seconds()
	cancel()
	wg.Wait()
	histMu.Lock()
	defer histMu.Unlock()
	res := Result{
		Protocol: o.Protocol, Producers: o.Producers, Consumers: o.Consumers, Size: o.Size,
		Persistent: o.Persistent, Confirm: o.Confirm, WarmupSeconds: o.Warmup.Seconds(), Seconds: elapsed,
		Published: published.Load() - pub0, Consumed: consumed.Load() - con0,
	}
	res.PublishedRate = float64(res.Published) / elapsed
	res.ConsumedRate = float64(res.Consumed) / elapsed
	res.LatencyMicros = Percentiles{
		P50: hist.quantile(0.5) / 1e3, P95: hist.quantile(0.95) / 1e3, P99: hist.quantile(0.99) / 1e3,
		P999: hist.quantile(0.999) / 1e3, Max: float64(hist.max) / 1e3,
	}
	return res, runErr
}

// JSON renders the result as one line.
func (r Result) JSON() string {
	b, _ := json.Marshal(r)
	return string(b)
}
