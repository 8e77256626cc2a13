package amqp_test

import (
	"context"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/junctionmq/junction/servertest"
)

func TestSmokePublishConsume(t *testing.T) {
	ch, q := declareOnFreshBroker(t, "smoke")
	if err := ch.PublishWithContext(context.Background(), "", q.Name, false, false, amqp091.Publishing{Body: []byte("hello")}); err != nil {
		t.Fatal(err)
	}
	d, err := ch.Consume(q.Name, "", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-d:
		if string(m.Body) != "hello" {
			t.Fatalf("body %q", m.Body)
		}
		m.Ack(false)
	case <-time.After(3 * time.Second):
		t.Fatal("no delivery")
	}
}

// declareOnFreshBroker starts a broker, connects amqp091-go to it and
// declares a transient queue; all is closed when the test ends.
func declareOnFreshBroker(t *testing.T, queue string) (*amqp091.Channel, amqp091.Queue) {
	t.Helper()
	b := servertest.Start(t, nil)
	conn, err := amqp091.Dial(b.AMQPURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	q, err := ch.QueueDeclare(queue, false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ch, q
}
