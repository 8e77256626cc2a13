package amqp091_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

func TestServerNamedQueueGetsAnAmqGenName(t *testing.T) {
	s := newSession(t)
	q1, err := s.ch.QueueDeclare("", false, false, true, false, nil)
	if err != nil {
		t.Fatalf("declare server-named queue: %v", err)
	}
	q2, err := s.ch.QueueDeclare("", false, false, true, false, nil)
	if err != nil {
		t.Fatalf("declare second server-named queue: %v", err)
	}
	for _, q := range []amqp.Queue{q1, q2} {
		if !strings.HasPrefix(q.Name, "amq.gen-") || len(q.Name) <= len("amq.gen-") {
			t.Errorf("server-named queue %q, want amq.gen-<id>", q.Name)
		}
	}
	if q1.Name == q2.Name {
		t.Errorf("two server-named queues share the name %q", q1.Name)
	}
	s.sendBodies("", q1.Name, "m")
	if got := getBodies(t, s.ch, q1.Name); !slices.Equal(got, bodies("m")) {
		t.Errorf("server-named queue got %q, want [m]", got)
	}
}

func TestDeclaringAnAmqPrefixedQueueIsRefused403(t *testing.T) {
	s := newSession(t)
	_, err := s.ch.QueueDeclare("amq."+name(t, "q"), false, false, false, false, nil)
	channelClosedWith(t, s.conn, err, codeAccessRefused, "declare queue amq.*")
}

func TestDurableQueueOutlivesItsDeclaringConnection(t *testing.T) {
	s := newSession(t)
	q := name(t, "durable")
	other := s.dial()
	och := channel(t, other)
	if _, err := och.QueueDeclare(q, true, false, false, false, nil); err != nil {
		t.Fatalf("declare durable queue: %v", err)
	}
	s.cleanup(func(ch *amqp.Channel) { _, _ = ch.QueueDelete(q, false, false, false) })
	publish(t, och, "", q, amqp.Publishing{DeliveryMode: amqp.Persistent, Body: []byte("kept")})
	waitReady(t, s.ch, q, 1)
	if err := other.Close(); err != nil {
		t.Fatalf("close declaring connection: %v", err)
	}
	if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("kept")) {
		t.Errorf("after the declaring connection closed the queue holds %q, want [kept]", got)
	}
	if _, err := s.ch.QueueDelete(q, false, false, false); err != nil {
		t.Errorf("delete durable queue: %v", err)
	}
}

func TestExclusiveQueueIsLockedToItsConnectionAndDeletedWithIt(t *testing.T) {
	s := newSession(t)
	owner := s.dial()
	och := channel(t, owner)
	q := name(t, "excl")
	if _, err := och.QueueDeclare(q, false, false, true, false, nil); err != nil {
		t.Fatalf("declare exclusive queue: %v", err)
	}

	// Every other connection is locked out, whatever it tries.
	_, err := s.ch.QueueDeclarePassive(q, false, false, true, false, nil)
	channelClosedWith(t, s.conn, err, codeResourceLocked, "passive declare of another connection's exclusive queue")
	ch := s.channel()
	_, err = ch.Consume(q, "", false, false, false, false, nil)
	channelClosedWith(t, s.conn, err, codeResourceLocked, "consume from another connection's exclusive queue")
	ch = s.channel()
	_, err = ch.QueueDeclare(q, false, false, true, false, nil)
	channelClosedWith(t, s.conn, err, codeResourceLocked, "redeclare another connection's exclusive queue")

	// The owner's other channels may use it.
	och2 := channel(t, owner)
	if _, err := och2.QueueDeclarePassive(q, false, false, true, false, nil); err != nil {
		t.Fatalf("owner's second channel: %v", err)
	}

	if err := owner.Close(); err != nil {
		t.Fatalf("close owner: %v", err)
	}
	ch = s.channel()
	deadline := time.Now().Add(wait)
	for {
		_, err := ch.QueueDeclarePassive(q, false, false, false, false, nil)
		if err == nil {
			if time.Now().After(deadline) {
				t.Fatal("exclusive queue still exists after its connection closed")
			}
			time.Sleep(20 * time.Millisecond)
			continue
		}
		channelClosedWith(t, s.conn, err, codeNotFound, "exclusive queue after its connection closed")
		return
	}
}

func TestAutoDeleteQueueGoesWithItsLastConsumer(t *testing.T) {
	s := newSession(t)
	q := name(t, "autodel")
	if _, err := s.ch.QueueDeclare(q, false, true, false, false, nil); err != nil {
		t.Fatalf("declare auto-delete queue: %v", err)
	}
	s.cleanup(func(ch *amqp.Channel) { _, _ = ch.QueueDelete(q, false, false, false) })

	// Never consumed from: it stays.
	time.Sleep(quiet)
	if _, c := ready(t, s.ch, q); c != 0 {
		t.Fatalf("fresh queue has %d consumers", c)
	}

	c1 := s.channel()
	c2 := s.channel()
	if _, err := c1.Consume(q, "first", false, false, false, false, nil); err != nil {
		t.Fatalf("consume: %v", err)
	}
	if _, err := c2.Consume(q, "second", false, false, false, false, nil); err != nil {
		t.Fatalf("consume: %v", err)
	}
	if err := c1.Cancel("first", false); err != nil {
		t.Fatalf("cancel first: %v", err)
	}
	if _, c := ready(t, s.ch, q); c != 1 {
		t.Fatalf("after cancelling one of two consumers: %d consumers, want 1 (queue must still exist)", c)
	}
	if err := c2.Cancel("second", false); err != nil {
		t.Fatalf("cancel second: %v", err)
	}
	_, err := s.ch.QueueDeclarePassive(q, false, true, false, false, nil)
	channelClosedWith(t, s.conn, err, codeNotFound, "auto-delete queue after its last consumer cancelled")
}

func TestPassiveDeclareOfMissingQueueFails404(t *testing.T) {
	s := newSession(t)
	_, err := s.ch.QueueDeclarePassive(name(t, "missing"), false, false, false, false, nil)
	e := amqpError(t, err, codeNotFound, "passive declare of a missing queue")
	if !strings.Contains(e.Reason, "no queue") {
		t.Errorf("reason %q, want it to say no queue", e.Reason)
	}
	channelClosedWith(t, s.conn, err, codeNotFound, "passive declare of a missing queue")
}

func TestRedeclaringAQueueInequivalentlyFails406(t *testing.T) {
	for _, tc := range []struct {
		name    string
		durable bool
		args    amqp.Table
	}{
		{"durable differs", true, nil},
		{"argument differs", false, amqp.Table{"x-max-length": int32(5)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			q := s.queue("q", nil)
			_, err := s.ch.QueueDeclare(q, tc.durable, false, false, false, tc.args)
			channelClosedWith(t, s.conn, err, codePreconditionFailed, "inequivalent redeclare")
		})
	}
}

func TestRedeclaringAQueueEquivalentlyReportsItsCounts(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, "1", "2", "3")
	c := s.channel()
	if err := c.Qos(1, 0, false); err != nil {
		t.Fatalf("qos: %v", err)
	}
	d := consume(t, c, q, false, nil)
	recv(t, d, "first delivery")
	waitReady(t, s.ch, q, 2)
	st, err := s.ch.QueueDeclare(q, false, false, false, false, nil)
	if err != nil {
		t.Fatalf("redeclare: %v", err)
	}
	// message-count excludes the delivered, unacknowledged message.
	if st.Name != q || st.Messages != 2 || st.Consumers != 1 {
		t.Errorf("declare-ok = %+v, want name %s, 2 messages, 1 consumer", st, q)
	}
}

func TestQueuePurgeRemovesReadyMessagesAndReportsTheCount(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, "1", "2", "3", "4")
	held := get(t, s.ch, q, false) // unacked: not purged
	n, err := s.ch.QueuePurge(q, false)
	if err != nil {
		t.Fatalf("purge: %v", err)
	}
	if n != 3 {
		t.Errorf("purge-ok message-count %d, want 3", n)
	}
	if err := held.Nack(false, true); err != nil {
		t.Fatalf("requeue held message: %v", err)
	}
	if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("1")) {
		t.Errorf("after purge and requeue the queue holds %q, want the unacked [1]", got)
	}
}

func TestQueueDeleteIfUnusedRefusesAQueueWithConsumers406(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	consume(t, s.channel(), q, false, nil)
	_, err := s.ch.QueueDelete(q, true, false, false)
	channelClosedWith(t, s.conn, err, codePreconditionFailed, "queue.delete if-unused with a consumer")
	ch := s.channel()
	if _, c := ready(t, ch, q); c != 1 {
		t.Errorf("queue lost its consumer: %d consumers", c)
	}
}

func TestQueueDeleteIfEmptyRefusesAQueueWithMessages406(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, "m")
	_, err := s.ch.QueueDelete(q, false, true, false)
	channelClosedWith(t, s.conn, err, codePreconditionFailed, "queue.delete if-empty with a message")
	ch := s.channel()
	if n, _ := ready(t, ch, q); n != 1 {
		t.Errorf("queue has %d messages after the refused delete, want 1", n)
	}
}

func TestQueueDeleteReportsTheMessageCount(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, "1", "2", "3")
	n, err := s.ch.QueueDelete(q, false, false, false)
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	if n != 3 {
		t.Errorf("delete-ok message-count %d, want 3", n)
	}
	// Deleting a queue that does not exist is not an error in RabbitMQ.
	n, err = s.ch.QueueDelete(q, false, false, false)
	if err != nil || n != 0 {
		t.Errorf("delete of a missing queue: count %d, err %v; want 0, nil", n, err)
	}
}

func TestDeletingAQueueCancelsItsConsumersWithBasicCancel(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	c := s.channel()
	cancels := c.NotifyCancel(make(chan string, 1))
	d, err := c.Consume(q, "watcher", false, false, false, false, nil)
	if err != nil {
		t.Fatalf("consume: %v", err)
	}
	if _, err := s.ch.QueueDelete(q, false, false, false); err != nil {
		t.Fatalf("delete: %v", err)
	}
	select {
	case tag := <-cancels:
		if tag != "watcher" {
			t.Errorf("basic.cancel for consumer %q, want watcher", tag)
		}
	case <-time.After(wait):
		t.Fatal("no basic.cancel from the broker after the queue was deleted")
	}
	select {
	case _, ok := <-d:
		if ok {
			t.Error("delivery after cancel")
		}
	case <-time.After(wait):
		t.Error("deliveries channel not closed after basic.cancel")
	}
	// The channel itself stays open.
	if _, err := c.QueueDeclare("", false, true, true, false, nil); err != nil {
		t.Errorf("channel unusable after consumer cancel: %v", err)
	}
}

func TestEmptyQueueNameMeansTheLastQueueDeclaredOnTheChannel(t *testing.T) {
	s := newSession(t)
	x := s.exchange("x", "direct", nil)
	q, err := s.ch.QueueDeclare("", false, false, true, false, nil)
	if err != nil {
		t.Fatalf("declare: %v", err)
	}
	if err := s.ch.QueueBind("", "k", x, false, nil); err != nil {
		t.Fatalf("queue.bind with empty queue name: %v", err)
	}
	s.sendBodies(x, "k", "1", "2")
	m, ok, err := s.ch.Get("", true)
	if err != nil || !ok || string(m.Body) != "1" {
		t.Fatalf("basic.get with empty queue name: ok %v err %v body %q; want 1", ok, err, m.Body)
	}
	if n, err := s.ch.QueuePurge("", false); err != nil || n != 1 {
		t.Fatalf("queue.purge with empty queue name: %d, %v; want 1", n, err)
	}
	d := consume(t, s.ch, "", false, nil)
	s.sendBodies(x, "k", "3")
	if m := recv(t, d, "consume with empty queue name"); string(m.Body) != "3" {
		t.Errorf("got %q, want 3", m.Body)
	}
	if _, c := ready(t, s.channel(), q.Name); c != 1 {
		t.Errorf("%s has %d consumers, want the one subscribed as \"\"", q.Name, c)
	}
}

func TestEmptyQueueNameWithoutADeclaredQueueFails(t *testing.T) {
	s := newSession(t)
	_, _, err := s.ch.Get("", false)
	channelClosedWith(t, s.conn, err, codeNotFound, "basic.get \"\" before any queue.declare")
}
