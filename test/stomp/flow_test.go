package stomp_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3"

	"github.com/junctionmq/junction/config"
)

// A STOMP producer sending into a queue over the destination memory limit
// is slowed, as ActiveMQ blocks a producer's transport and RabbitMQ puts
// its connection in flow: the broker stops reading it for a while. Nothing
// sent is lost, and once the consumer keeps up every message arrives in
// order.
func TestSendsIntoAQueueOverTheMemoryLimitAreReadSlowly(t *testing.T) {
	t.Parallel()
	b := start(t, func(c *config.Config) { c.Limits.DestinationMemoryLimit = 16 << 10 })
	qn := name(t, "backlog")
	consumer := b.dial(t)
	s := subscribe(t, consumer, "/queue/"+qn, stomp.AckClientIndividual, hdr("activemq.prefetchSize", "1"))

	const sends = 640
	producer := b.dial(t)
	body := strings.Repeat("x", 1000)
	start := time.Now()
	for i := 1; i <= sends; i++ {
		// No receipts: the client writes on without waiting for the broker.
		if err := producer.Send("/queue/"+qn, "text/plain", fmt.Appendf(nil, "%04d%s", i, body)); err != nil {
			t.Fatalf("SEND %d: %v", i, err)
		}
	}
	first := recv(t, s, "the message the consumer holds")
	time.Sleep(300*time.Millisecond - time.Since(start))

	q, err := b.amqpChannel(t).QueueDeclarePassive(qn, false, false, false, false, nil)
	if err != nil {
		t.Fatalf("inspect %s: %v", qn, err)
	}
	// About 11 ready 1 KB messages fill 16 KiB; from then on every 64th
	// SEND holds the reader for 50 ms, so in 300 ms at most 7 × 64 are in.
	if q.Messages > 7*64 {
		t.Fatalf("%d of %d messages queued after 300 ms with a consumer holding one: the full queue did not slow the producer", q.Messages, sends)
	}

	m := first
	for i := 1; i <= sends; i++ {
		if i > 1 {
			m = recv(t, s, fmt.Sprintf("message %d of %d", i, sends))
		}
		if got, want := string(m.Body[:4]), fmt.Sprintf("%04d", i); got != want {
			t.Fatalf("message %d starts %q, want %q", i, got, want)
		}
		if err := consumer.Ack(m); err != nil {
			t.Fatalf("ACK %d: %v", i, err)
		}
	}
	noMessage(t, s, "every message was received once")
}
