package jms

import (
	"context"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/junctionmq/junction/servertest"
)

// interop is the AMQP half of scenario amqp_interop: a JMS producer sends to
// queue to, and an AMQP publisher has put a message on queue from for the
// JMS consumer.
type interop struct {
	url      string
	to, from string
}

func prepareInterop(t *testing.T, b *servertest.Broker) *interop {
	t.Helper()
	i := &interop{url: b.AMQPURL(), to: "q", from: "q.from-amqp"}
	conn, err := amqp.Dial(i.url)
	if err != nil {
		t.Errorf("amqp_interop: dial %s: %v", i.url, err)
		return i
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Errorf("amqp_interop: channel: %v", err)
		return i
	}
	if _, err := ch.QueueDeclare(i.from, true, false, false, false, nil); err != nil {
		t.Errorf("amqp_interop: declare %s: %v", i.from, err)
		return i
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = ch.PublishWithContext(ctx, "", i.from, false, false, amqp.Publishing{
		ContentType:   "text/plain",
		CorrelationId: "amqp-corr-1",
		Headers:       amqp.Table{"origin": "amqp091"},
		DeliveryMode:  amqp.Persistent,
		Body:          []byte("hello from AMQP"),
	})
	if err != nil {
		t.Errorf("amqp_interop: publish to %s: %v", i.from, err)
	}
	return i
}

// check gets the JMS scenario's message from the AMQP side.
func (i *interop) check(t *testing.T) {
	conn, err := amqp.Dial(i.url)
	if err != nil {
		t.Fatalf("dial %s: %v", i.url, err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("channel: %v", err)
	}
	d, ok, err := ch.Get(i.to, true)
	if err != nil {
		t.Fatalf("basic.get from queue %q: %v", i.to, err)
	}
	if !ok {
		t.Fatalf("queue %q is empty on the AMQP side after the JMS producer sent to it", i.to)
	}
	if got := string(d.Body); got != "hello from JMS" {
		t.Errorf("body = %q, want %q", got, "hello from JMS")
	}
	if d.CorrelationId != "jms-corr-1" {
		t.Errorf("correlation-id = %q, want %q (JMSCorrelationID)", d.CorrelationId, "jms-corr-1")
	}
	if got := d.Headers["color"]; got != "red" {
		t.Errorf("headers[color] = %#v, want \"red\" (String property)", got)
	}
	if got := d.Headers["n"]; got != int32(42) {
		t.Errorf("headers[n] = %#v, want int32(42) (int property)", got)
	}
	if d.DeliveryMode != amqp.Persistent {
		t.Errorf("delivery-mode = %d, want %d (JMSDeliveryMode PERSISTENT)", d.DeliveryMode, amqp.Persistent)
	}
	if _, ok, err := ch.Get(i.to, true); err != nil || ok {
		t.Errorf("second basic.get from %q: ok=%v err=%v, want an empty queue (one JMS send, one message)", i.to, ok, err)
	}
}
