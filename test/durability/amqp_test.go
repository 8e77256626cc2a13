package durability

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// wait bounds every receive and reply; quiet is how long a test watches
// for something that must not arrive.
const (
	wait  = 5 * time.Second
	quiet = 300 * time.Millisecond
)

// AMQP reply codes the tests expect.
const (
	codeAccessRefused      = 403
	codeNotFound           = 404
	codePreconditionFailed = 406
)

// dial connects to the broker's AMQP listener. amqp091-go's synchronous
// calls wait forever for a reply, so a watchdog closes the socket under a
// call the broker never answers and the test fails instead of hanging.
func dial(t *testing.T, b *broker) *amqp.Connection {
	t.Helper()
	var nc net.Conn
	cfg := amqp.Config{Dial: func(network, addr string) (net.Conn, error) {
		c, err := net.DialTimeout(network, addr, wait)
		if err != nil {
			return nil, err
		}
		_ = c.SetDeadline(time.Now().Add(wait))
		nc = c
		return c, nil
	}}
	conn, err := amqp.DialConfig(b.amqpURL(), cfg)
	if err != nil {
		t.Fatalf("dial %s: %v", b.amqpURL(), err)
	}
	dog := time.AfterFunc(30*time.Second, func() {
		t.Errorf("watchdog: an AMQP connection was still in use after 30s; closing its socket")
		_ = nc.Close()
	})
	t.Cleanup(func() { dog.Stop(); _ = conn.Close() })
	return conn
}

func channel(t *testing.T, conn *amqp.Connection) *amqp.Channel {
	t.Helper()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("open channel: %v", err)
	}
	return ch
}

// session opens a connection and a channel.
func session(t *testing.T, b *broker) (*amqp.Connection, *amqp.Channel) {
	t.Helper()
	conn := dial(t, b)
	return conn, channel(t, conn)
}

// confirming opens a channel in confirm mode.
func confirming(t *testing.T, conn *amqp.Connection) *amqp.Channel {
	t.Helper()
	ch := channel(t, conn)
	if err := ch.Confirm(false); err != nil {
		t.Fatalf("confirm.select: %v", err)
	}
	return ch
}

// publish sends messages on a confirm-mode channel and waits until the
// broker has confirmed every one: from then on they are on disk.
func publish(t *testing.T, ch *amqp.Channel, exchange, key string, msgs ...amqp.Publishing) {
	t.Helper()
	var pending []*amqp.DeferredConfirmation
	for i, m := range msgs {
		dc, err := ch.PublishWithDeferredConfirm(exchange, key, false, false, m)
		if err != nil {
			t.Fatalf("publish %d to %q/%q: %v", i, exchange, key, err)
		}
		pending = append(pending, dc)
	}
	for i, dc := range pending {
		select {
		case <-dc.Done():
			if !dc.Acked() {
				t.Fatalf("publish %d to %q/%q: nacked by the broker", i, exchange, key)
			}
		case <-time.After(wait):
			t.Fatalf("publish %d to %q/%q: no confirm within %v", i, exchange, key, wait)
		}
	}
}

// persistent and transient build messages with a text body.
func persistent(body string) amqp.Publishing {
	return amqp.Publishing{DeliveryMode: amqp.Persistent, Body: []byte(body)}
}

func transient(body string) amqp.Publishing {
	return amqp.Publishing{DeliveryMode: amqp.Transient, Body: []byte(body)}
}

func texts(prefix string, n int) []amqp.Publishing {
	out := make([]amqp.Publishing, n)
	for i := range out {
		out[i] = persistent(fmt.Sprintf("%s-%d", prefix, i+1))
	}
	return out
}

// settle makes everything the broker did so far durable before a kill: a
// confirmed publish is on disk, and the store keeps records in append
// order, so every ack, purge and delivery count recorded before it is too.
func settle(t *testing.T, b *broker) {
	t.Helper()
	conn := dial(t, b)
	ch := confirming(t, conn)
	if _, err := ch.QueueDeclare("durability.settle", true, false, false, false, nil); err != nil {
		t.Fatalf("declare the settle queue: %v", err)
	}
	publish(t, ch, "", "durability.settle", persistent("settle"))
	_ = conn.Close()
}

func declareQueue(t *testing.T, ch *amqp.Channel, name string, args amqp.Table) {
	t.Helper()
	if _, err := ch.QueueDeclare(name, true, false, false, false, args); err != nil {
		t.Fatalf("declare durable queue %q %v: %v", name, args, err)
	}
}

// amqpCode is the reply code of a channel or connection exception, 0 if
// err is not one.
func amqpCode(err error) int {
	var e *amqp.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// queueExists reports whether a passive declare finds the queue, and its
// ready-message count. Any answer but found or 404 fails the test.
func queueExists(t *testing.T, b *broker, name string) (bool, int) {
	t.Helper()
	conn := dial(t, b)
	defer conn.Close()
	ch := channel(t, conn)
	q, err := ch.QueueDeclarePassive(name, false, false, false, false, nil)
	switch {
	case err == nil:
		return true, q.Messages
	case amqpCode(err) == codeNotFound:
		return false, 0
	}
	t.Fatalf("passive declare of queue %q: %v", name, err)
	return false, 0
}

// exchangeExists is queueExists for exchanges.
func exchangeExists(t *testing.T, b *broker, name string) bool {
	t.Helper()
	conn := dial(t, b)
	defer conn.Close()
	ch := channel(t, conn)
	err := ch.ExchangeDeclarePassive(name, "direct", false, false, false, false, nil)
	switch {
	case err == nil:
		return true
	case amqpCode(err) == codeNotFound:
		return false
	}
	t.Fatalf("passive declare of exchange %q: %v", name, err)
	return false
}

// get takes one message with basic.get (no ack: the caller decides).
func get(t *testing.T, ch *amqp.Channel, queue string) (amqp.Delivery, bool) {
	t.Helper()
	d, ok, err := ch.Get(queue, false)
	if err != nil {
		t.Fatalf("basic.get from %q: %v", queue, err)
	}
	return d, ok
}

// drain takes every message in the queue with basic.get, acks them all,
// and returns them in order.
func drain(t *testing.T, b *broker, queue string) []amqp.Delivery {
	t.Helper()
	conn := dial(t, b)
	defer conn.Close()
	ch := channel(t, conn)
	var out []amqp.Delivery
	for {
		d, ok := get(t, ch, queue)
		if !ok {
			break
		}
		out = append(out, d)
		if len(out) > 100000 {
			t.Fatalf("queue %q does not run dry", queue)
		}
	}
	if len(out) > 0 {
		if err := out[len(out)-1].Ack(true); err != nil {
			t.Fatalf("ack the drained messages of %q: %v", queue, err)
		}
	}
	return out
}

// bodies lists the deliveries' bodies as text.
func bodies(ds []amqp.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = string(d.Body)
	}
	return out
}

// drainBodies is drain, as text.
func drainBodies(t *testing.T, b *broker, queue string) []string {
	t.Helper()
	return bodies(drain(t, b, queue))
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
