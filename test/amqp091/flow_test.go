package amqp091_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/junctionmq/junction/config"
)

// A publisher into a queue over the destination memory limit is slowed
// while the queue has consumers, as RabbitMQ puts a connection in flow:
// the broker stops reading it for a while. Nothing is lost, and every
// message arrives in order once the consumer keeps up.
func TestPublishesIntoAQueueOverTheMemoryLimitAreReadSlowly(t *testing.T) {
	b := junction(t, func(c *config.Config) { c.Limits.DestinationMemoryLimit = 16 << 10 })
	consumerConn := dialURL(t, b.AMQPURL())
	cch := channel(t, consumerConn)
	q := name(t, "backlog")
	if _, err := cch.QueueDeclare(q, false, false, false, false, nil); err != nil {
		t.Fatalf("declare %s: %v", q, err)
	}
	if err := cch.Qos(1, 0, false); err != nil {
		t.Fatalf("basic.qos: %v", err)
	}
	deliveries := consume(t, cch, q, false, nil)

	pch := channel(t, dialURL(t, b.AMQPURL()))
	const sends = 640
	body := strings.Repeat("x", 1000)
	start := time.Now()
	for i := 1; i <= sends; i++ {
		publish(t, pch, "", q, amqp.Publishing{Body: fmt.Appendf(nil, "%04d%s", i, body)})
	}
	first := recv(t, deliveries, "the message the consumer holds")
	time.Sleep(300*time.Millisecond - time.Since(start))
	// About 11 ready 1 KB messages fill 16 KiB; from then on every 64th
	// publish holds the reader for 50 ms, so in 300 ms at most 7 × 64 are in.
	if n, _ := ready(t, cch, q); n > 7*64 {
		t.Fatalf("%d of %d messages queued after 300 ms with a consumer holding one: the full queue did not slow the publisher", n, sends)
	}

	m := first
	for i := 1; i <= sends; i++ {
		if i > 1 {
			m = recv(t, deliveries, fmt.Sprintf("message %d of %d", i, sends))
		}
		if got, want := string(m.Body[:4]), fmt.Sprintf("%04d", i); got != want {
			t.Fatalf("message %d starts %q, want %q", i, got, want)
		}
		if err := m.Ack(false); err != nil {
			t.Fatalf("ack %d: %v", i, err)
		}
	}
	noDelivery(t, deliveries, "every message was delivered once")
}
