package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/servertest"
)

// stompURL starts an in-process Junction with a STOMP listener.
func stompURL(t *testing.T) string {
	t.Helper()
	b := servertest.Start(t, func(c *config.Config) { c.Listeners.STOMP = "127.0.0.1:0" })
	return "stomp://guest:guest@" + b.Addr("stomp").String() + "/"
}

func runSTOMP(t *testing.T, o Options) Result {
	t.Helper()
	o.Protocol = "stomp"
	if o.Duration == 0 {
		o.Duration = 20 * time.Second
	}
	return mustRun(t, o, 30*time.Second)
}

func TestSTOMPPersistentSendsWithReceiptWindowAreAllConfirmedAndConsumed(t *testing.T) {
	res := runSTOMP(t, Options{URL: stompURL(t), Producers: 2, Consumers: 2, Queues: 2,
		Size: 256, Persistent: true, Confirm: 50, Prefetch: 100, Count: 1500})
	if res.Published != 3000 || res.Consumed != 3000 {
		t.Fatalf("published %d, consumed %d; want 3000 each", res.Published, res.Consumed)
	}
	if res.LatencyMicros.P50 <= 0 || res.LatencyMicros.Max < res.LatencyMicros.P99 {
		t.Fatalf("latency percentiles not recorded in order: %+v", res.LatencyMicros)
	}
}

func TestSTOMPCumulativeClientAcksReleaseThePrefetchWindow(t *testing.T) {
	// With a prefetch of 20 the consumer stalls after 20 messages unless
	// every 10th message's ACK (ack mode client) settles the ones before.
	res := runSTOMP(t, Options{URL: stompURL(t), Producers: 1, Consumers: 1,
		Size: 16, Prefetch: 20, MultiAck: 10, Count: 1000})
	if res.Consumed != 1000 {
		t.Fatalf("consumed %d of 1000", res.Consumed)
	}
}

func TestSTOMPFanoutDeliversEveryMessageToEveryTopicSubscriber(t *testing.T) {
	res := runSTOMP(t, Options{URL: stompURL(t), Producers: 1, Consumers: 3,
		Size: 64, Fanout: true, AutoAck: true, Count: 400})
	if res.Published != 400 || res.Consumed != 1200 {
		t.Fatalf("published %d, consumed %d; want 400 and 1200", res.Published, res.Consumed)
	}
}

func TestSTOMPRefusedLoginReportsTheBrokersError(t *testing.T) {
	u := strings.Replace(stompURL(t), "guest:guest", "guest:wrong", 1)
	_, err := dialSTOMP(context.Background(), u)
	if err == nil || !strings.Contains(err.Error(), "broker sent ERROR: Access refused") {
		t.Fatalf("dial with a wrong passcode: err = %v, want the broker's Access refused", err)
	}
}

func TestSTOMPURLMustUseStompOrTCPScheme(t *testing.T) {
	_, err := dialSTOMP(context.Background(), "amqp://guest:guest@127.0.0.1:1/")
	if err == nil || !strings.Contains(err.Error(), "scheme must be stomp:// or tcp://") {
		t.Fatalf("err = %v, want a scheme error", err)
	}
}

func TestSTOMPIdleConnectionsStayOpenForTheRun(t *testing.T) {
	u := stompURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- stompDriver{}.Idle(ctx, &Options{URL: u}) }()
	select {
	case err := <-done:
		t.Fatalf("Idle returned before its context ended: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Idle after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Idle did not return after its context ended")
	}
}
