package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/junctionmq/junction/servertest"
)

// leanURL is an in-process Junction's AMQP URL, or AMQPLEAN_TEST_URL
// (e.g. a RabbitMQ node) when set, so the same tests check the client
// against another broker.
func leanURL(t *testing.T) string {
	t.Helper()
	if u := os.Getenv("AMQPLEAN_TEST_URL"); u != "" {
		return u
	}
	return servertest.Start(t, nil).AMQPURL()
}

// runLean runs the harness with the lean driver, or with d standing in
// for it when d is not nil.
func runLean(t *testing.T, d Driver, o Options) (Result, error) {
	t.Helper()
	o.Protocol = "amqp-lean"
	if d != nil {
		o.Protocol = "amqp-lean-test-" + t.Name()
		Drivers[o.Protocol] = d
		t.Cleanup(func() { delete(Drivers, o.Protocol) })
	}
	if o.QueuePrefix == "" {
		o.QueuePrefix = "lean-" + t.Name()
	}
	if o.Duration == 0 {
		o.Duration = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	return Run(ctx, o)
}

func mustRunLean(t *testing.T, d Driver, o Options) Result {
	t.Helper()
	res, err := runLean(t, d, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

func TestLeanTransientRunDeliversEveryPublishedMessageExactlyOnce(t *testing.T) {
	res := mustRunLean(t, nil, Options{URL: leanURL(t), Producers: 1, Consumers: 1, Size: 16, AutoAck: true, Count: 20000})
	if res.Published != 20000 || res.Consumed != 20000 {
		t.Fatalf("published %d, consumed %d; want 20000 each", res.Published, res.Consumed)
	}
	if res.Protocol != "amqp-lean" {
		t.Errorf("result protocol %q, want amqp-lean", res.Protocol)
	}
	if res.LatencyMicros.P50 <= 0 || res.LatencyMicros.Max < res.LatencyMicros.P99 {
		t.Errorf("latency percentiles not recorded in order: %+v", res.LatencyMicros)
	}
}

func TestLeanPersistentConfirmedRunCountsOnlyConfirmedPublishes(t *testing.T) {
	res := mustRunLean(t, nil, Options{URL: leanURL(t), Producers: 2, Consumers: 2, Queues: 2, Size: 256,
		Persistent: true, Confirm: 100, Prefetch: 100, Count: 3000})
	if res.Published != 6000 || res.Consumed != 6000 {
		t.Fatalf("published %d, consumed %d; want 6000 each", res.Published, res.Consumed)
	}
}

// depthDriver is the lean driver that, before deleting the queues,
// records how many messages each still holds.
type depthDriver struct {
	leanDriver
	url    string
	depths []int
}

func (d *depthDriver) Teardown(o *Options) error {
	conn, ch, err := dialChannel(d.url)
	if err != nil {
		return err
	}
	defer conn.Close()
	for i := range o.Queues {
		q, err := ch.QueueDeclarePassive(amqpDriver{}.queue(o, i), o.Persistent, false, false, false, nil)
		if err != nil {
			return err
		}
		d.depths = append(d.depths, q.Messages)
	}
	return leanDriver{}.Teardown(o)
}

func TestLeanMultipleAcksSettleEveryMessageWithinThePrefetchWindow(t *testing.T) {
	// Prefetch 100 stalls the consumer after 100 deliveries unless every
	// 10th message's multiple ack reaches the broker; messages left
	// unacknowledged would be back in the queue after the run.
	u := leanURL(t)
	d := &depthDriver{url: u}
	res := mustRunLean(t, d, Options{URL: u, Producers: 1, Consumers: 1, Size: 64, Prefetch: 100, MultiAck: 10, Count: 5000})
	if res.Published != 5000 || res.Consumed != 5000 {
		t.Fatalf("published %d, consumed %d; want 5000 each", res.Published, res.Consumed)
	}
	if len(d.depths) != 1 || d.depths[0] != 0 {
		t.Fatalf("queue depths after the run %v, want [0]: every message acknowledged", d.depths)
	}
}

func TestLeanManualAcksOfEachMessageLeaveNothingUnacknowledged(t *testing.T) {
	u := leanURL(t)
	d := &depthDriver{url: u}
	res := mustRunLean(t, d, Options{URL: u, Producers: 1, Consumers: 1, Size: 32, Prefetch: 10, MultiAck: 1, Count: 1000})
	if res.Consumed != 1000 || len(d.depths) != 1 || d.depths[0] != 0 {
		t.Fatalf("consumed %d, depths %v; want 1000 and [0]", res.Consumed, d.depths)
	}
}

// perConsumerDriver counts each consumer's deliveries.
type perConsumerDriver struct {
	leanDriver
	counts []atomic.Int64
}

func (d *perConsumerDriver) Consume(ctx context.Context, o *Options, id int, ready func(), got func([]byte)) error {
	return d.leanDriver.Consume(ctx, o, id, ready, func(b []byte) {
		d.counts[id].Add(1)
		got(b)
	})
}

func TestLeanFanoutDeliversEveryMessageToEveryConsumer(t *testing.T) {
	d := &perConsumerDriver{counts: make([]atomic.Int64, 3)}
	res := mustRunLean(t, d, Options{URL: leanURL(t), Producers: 1, Consumers: 3, Size: 64, Fanout: true, AutoAck: true, Count: 2000})
	if res.Published != 2000 || res.Consumed != 6000 {
		t.Fatalf("published %d, consumed %d; want 2000 and 6000", res.Published, res.Consumed)
	}
	for i := range d.counts {
		if n := d.counts[i].Load(); n != 2000 {
			t.Errorf("consumer %d got %d messages, want 2000", i, n)
		}
	}
}

// patternDriver sends bodies whose bytes after the 8-byte time stamp are
// a function of the message's sequence number, and checks each received
// body against it.
type patternDriver struct {
	leanDriver
	mu       sync.Mutex
	checked  int
	problems []string
}

func fillPattern(b []byte, seq uint64) {
	binary.BigEndian.PutUint64(b[8:], seq)
	for i := 16; i < len(b); i++ {
		b[i] = byte(uint64(i)*31 + seq)
	}
}

func (d *patternDriver) Produce(ctx context.Context, o *Options, id int, next func() []byte, sent func()) error {
	var seq uint64
	return d.leanDriver.Produce(ctx, o, id, func() []byte {
		b := next()
		if b != nil {
			seq++
			fillPattern(b, seq)
		}
		return b
	}, sent)
}

func (d *patternDriver) Consume(ctx context.Context, o *Options, id int, ready func(), got func([]byte)) error {
	want := make([]byte, o.Size)
	var seq uint64
	return d.leanDriver.Consume(ctx, o, id, ready, func(b []byte) {
		seq++
		fillPattern(want, seq)
		d.mu.Lock()
		d.checked++
		switch {
		case len(b) != len(want):
			d.problems = append(d.problems, fmt.Sprintf("message %d: %d bytes, want %d", seq, len(b), len(want)))
		case string(b[8:]) != string(want[8:]):
			i := 8
			for b[i] == want[i] {
				i++
			}
			d.problems = append(d.problems, fmt.Sprintf("message %d differs first at byte %d", seq, i))
		}
		d.mu.Unlock()
		got(b)
	})
}

func TestLeanOneMebibyteBodiesSpanningManyFramesArriveIntact(t *testing.T) {
	d := &patternDriver{}
	res := mustRunLean(t, d, Options{URL: leanURL(t), Producers: 1, Consumers: 1, Size: 1 << 20, Prefetch: 2, MultiAck: 1, Count: 12})
	if res.Published != 12 || res.Consumed != 12 {
		t.Fatalf("published %d, consumed %d; want 12 each", res.Published, res.Consumed)
	}
	if d.checked != 12 || len(d.problems) > 0 {
		t.Fatalf("checked %d bodies, problems %q", d.checked, d.problems)
	}
}

func TestLeanSmallBodiesKeepTheirOrderAndContent(t *testing.T) {
	d := &patternDriver{}
	res := mustRunLean(t, d, Options{URL: leanURL(t), Producers: 1, Consumers: 1, Size: 100, AutoAck: true, Count: 5000})
	if res.Consumed != 5000 || d.checked != 5000 || len(d.problems) > 0 {
		t.Fatalf("consumed %d, checked %d, problems %.5q", res.Consumed, d.checked, d.problems)
	}
}

// noSetupDriver declares nothing, so publishes go to an exchange that
// does not exist.
type noSetupDriver struct{ leanDriver }

func (noSetupDriver) Setup(context.Context, *Options) error { return nil }
func (noSetupDriver) Teardown(*Options) error               { return nil }

func TestLeanPublishToAMissingExchangeFailsTheRunWithTheBrokersChannelClose(t *testing.T) {
	u := leanURL(t)
	for _, tc := range []struct {
		name  string
		count int
	}{
		// 100 publishes fit in one batch: the close meets the objection.
		{"one batch", 100},
		// Publishing flat out: the producer notices between batches.
		{"until stopped", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := runLean(t, noSetupDriver{}, Options{URL: u, Producers: 1, Consumers: 0, Size: 16, Fanout: true,
				QueuePrefix: "lean-missing", Count: tc.count, Duration: 20 * time.Second})
			if err == nil {
				t.Fatal("Run succeeded, want the broker's channel.close")
			}
			for _, want := range []string{"channel closed by broker: 404 NOT_FOUND", "lean-missing-fanout", "failing method 60/40"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("the error took %v to surface; the run should end as soon as the channel closes", d)
			}
		})
	}
}

func TestLeanConnectWithAWrongPasswordFails(t *testing.T) {
	b := servertest.Start(t, nil)
	o := Options{URL: b.AMQPURLFor("guest", "wrong", "")}
	err := leanDriver{}.Idle(context.Background(), &o)
	if err == nil {
		t.Fatal("Idle connected with a wrong password")
	}
	// Junction announces authentication_failure_close, so the refusal
	// comes as a connection.close rather than a dropped socket.
	if !strings.Contains(err.Error(), "connection closed by broker: 403 ACCESS_REFUSED") {
		t.Errorf("error %q does not carry the broker's 403 ACCESS_REFUSED", err)
	}
}

func TestLeanIdleConnectionsHoldUntilTheRunEnds(t *testing.T) {
	res := mustRunLean(t, nil, Options{URL: leanURL(t), Producers: 0, Consumers: 0, Idle: 5, Duration: 300 * time.Millisecond})
	if res.Published != 0 || res.Consumed != 0 {
		t.Fatalf("idle run moved messages: %+v", res)
	}
}
