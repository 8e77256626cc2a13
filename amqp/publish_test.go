package amqp_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"
)

// Small messages share one allocation with their content, larger ones do
// not; bodies of every size across that boundary (properties plus body of
// 64 bytes) must arrive whole, with their properties, in order.
func TestMessagesOfEverySizeAroundTheInlineLimitArriveIntact(t *testing.T) {
	ch, q := declareOnFreshBroker(t, "sizes")
	deliveries, err := ch.Consume(q.Name, "", true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := func(n int) []byte { return bytes.Repeat([]byte{byte('a' + n%26)}, n) }
	const largest = 130
	for n := 0; n <= largest; n++ {
		pub := amqp091.Publishing{ContentType: "text/plain", MessageId: string(rune('A' + n%26)), Body: body(n)}
		if err := ch.PublishWithContext(context.Background(), "", q.Name, false, false, pub); err != nil {
			t.Fatal(err)
		}
	}
	for n := 0; n <= largest; n++ {
		select {
		case d := <-deliveries:
			if !bytes.Equal(d.Body, body(n)) || d.ContentType != "text/plain" || d.MessageId != string(rune('A'+n%26)) {
				t.Fatalf("message %d: body %q content-type %q message-id %q, want %q, text/plain, %q", n, d.Body, d.ContentType, d.MessageId, body(n), string(rune('A'+n%26)))
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("message %d not delivered", n)
		}
	}
}
