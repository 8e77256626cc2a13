package amqp091_test

import (
	"slices"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// ttl is the message TTL used by the expiry tests: short, so the suite stays
// fast, yet long against local round trips.
const ttl = 150

func TestQueueMessageTTLExpiresWaitingMessages(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", amqp.Table{"x-message-ttl": int32(ttl)})
	s.sendBodies("", q, "old")
	time.Sleep(3 * ttl * time.Millisecond)
	s.sendBodies("", q, "new")
	if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("new")) {
		t.Errorf("after the TTL passed the queue holds %q, want only [new]", got)
	}
}

func TestQueueMessageTTLDoesNotExpireDeliveredUnackedMessages(t *testing.T) {
	s := newSession(t)
	dlq := s.queue("dlq", nil)
	q := s.queue("q", amqp.Table{
		"x-message-ttl":             int32(ttl),
		"x-dead-letter-exchange":    "",
		"x-dead-letter-routing-key": dlq,
	})
	c := s.channel()
	d := consume(t, c, q, false, nil)
	s.sendBodies("", q, "held")
	m := recv(t, d, "delivery before expiry")
	time.Sleep(3 * ttl * time.Millisecond)
	if got := getBodies(t, s.ch, dlq); len(got) != 0 {
		t.Fatalf("a delivered, unacked message was expired (dead-lettered %q)", got)
	}
	if err := m.Ack(false); err != nil {
		t.Fatalf("ack: %v", err)
	}
	// A synchronous call proves the late ack was accepted, not refused
	// with an unknown delivery tag.
	if n, _ := ready(t, c, q); n != 0 {
		t.Errorf("queue holds %d messages after the ack, want 0", n)
	}
}

func TestPerMessageExpirationExpiresOnlyThatMessage(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.send("", q,
		amqp.Publishing{Expiration: "100", Body: []byte("short")},
		amqp.Publishing{Body: []byte("forever")},
		amqp.Publishing{Expiration: "60000", Body: []byte("long")},
	)
	time.Sleep(400 * time.Millisecond)
	if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("forever", "long")) {
		t.Errorf("queue holds %q, want [forever long]", got)
	}
}

func TestPerMessageExpirationMustBeANonNegativeInteger406(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	notify := s.ch.NotifyClose(make(chan *amqp.Error, 1))
	publish(t, s.ch, "", q, amqp.Publishing{Expiration: "soon", Body: []byte("x")})
	channelClosedAsync(t, s.conn, notify, codePreconditionFailed, "publish with expiration \"soon\"")
}

func TestTTLZeroMessageGoesToAWaitingConsumerElseIsDropped(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", amqp.Table{"x-message-ttl": int32(0)})
	s.sendBodies("", q, "nobody-waiting")
	if n, _ := ready(t, s.ch, q); n != 0 {
		t.Fatalf("TTL 0 message without a consumer stayed in the queue (%d)", n)
	}
	d := consume(t, s.channel(), q, true, nil)
	s.sendBodies("", q, "consumer-waiting")
	if m := recv(t, d, "TTL 0 message with a waiting consumer"); string(m.Body) != "consumer-waiting" {
		t.Errorf("got %q, want consumer-waiting", m.Body)
	}
	noDelivery(t, d, "the dropped message")
}

func TestQueueExpiresDeletesAnUnusedQueue(t *testing.T) {
	s := newSession(t)
	q := name(t, "expiring")
	if _, err := s.ch.QueueDeclare(q, false, false, false, false, amqp.Table{"x-expires": int32(300)}); err != nil {
		t.Fatalf("declare: %v", err)
	}
	s.cleanup(func(ch *amqp.Channel) { _, _ = ch.QueueDelete(q, false, false, false) })
	// Polling with passive declares would renew the lease (RabbitMQ counts
	// a redeclare as use), so look once, well after the expiry.
	time.Sleep(1200 * time.Millisecond)
	_, err := s.ch.QueueDeclarePassive(q, false, false, false, false, nil)
	channelClosedWith(t, s.conn, err, codeNotFound, "unused queue 1.2s after x-expires 300ms")
}

func TestQueueExpiresSparesAQueueWithAConsumer(t *testing.T) {
	s := newSession(t)
	// The lease must outlast the channel open and basic.consume that follow
	// the declare even on a loaded machine, so it is a second, not less.
	q := s.queue("q", amqp.Table{"x-expires": int32(1000)})
	consume(t, s.channel(), q, false, nil)
	time.Sleep(2500 * time.Millisecond)
	if _, c := ready(t, s.ch, q); c != 1 {
		t.Fatalf("queue with a consumer: %d consumers, want 1", c)
	}
}

func TestMaxLengthDropHeadDropsTheOldest(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", amqp.Table{"x-max-length": int32(2)})
	s.sendBodies("", q, "1", "2", "3", "4")
	if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("3", "4")) {
		t.Errorf("queue holds %q, want the newest two [3 4]", got)
	}
}

func TestMaxLengthRejectPublishNacksTheNewest(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", amqp.Table{"x-max-length": int32(1), "x-overflow": "reject-publish"})
	c := s.channel()
	confirms := confirmed(t, c)
	publishBodies(t, c, "", q, "kept", "refused")
	if cf := awaitConfirm(t, confirms); cf.DeliveryTag != 1 || !cf.Ack {
		t.Errorf("first confirm %+v, want ack of tag 1", cf)
	}
	if cf := awaitConfirm(t, confirms); cf.DeliveryTag != 2 || cf.Ack {
		t.Errorf("second confirm %+v, want nack of tag 2", cf)
	}
	if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("kept")) {
		t.Errorf("queue holds %q, want [kept]", got)
	}
}

func TestMaxLengthRejectPublishDLXNacksAndDeadLetters(t *testing.T) {
	s := newSession(t)
	dlq := s.queue("dlq", nil)
	q := s.queue("q", amqp.Table{
		"x-max-length":              int32(1),
		"x-overflow":                "reject-publish-dlx",
		"x-dead-letter-exchange":    "",
		"x-dead-letter-routing-key": dlq,
	})
	c := s.channel()
	confirms := confirmed(t, c)
	publishBodies(t, c, "", q, "kept", "refused")
	awaitConfirm(t, confirms)
	if cf := awaitConfirm(t, confirms); cf.Ack {
		t.Errorf("second publish was acked, want nack")
	}
	if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("kept")) {
		t.Errorf("queue holds %q, want [kept]", got)
	}
	waitReady(t, s.ch, dlq, 1)
	m := get(t, s.ch, dlq, true)
	if string(m.Body) != "refused" {
		t.Fatalf("dead-lettered %q, want refused", m.Body)
	}
	if r := m.Headers["x-first-death-reason"]; r != "maxlen" {
		t.Errorf("x-first-death-reason %v, want maxlen", r)
	}
}

func TestMaxLengthBytesDropsOldestUntilBodiesFit(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", amqp.Table{"x-max-length-bytes": int32(10)})
	s.sendBodies("", q, "aaaa", "bbbb", "cccc", "dd")
	// 4+4+4 > 10 drops aaaa; 4+4+2 = 10 fits.
	if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("bbbb", "cccc", "dd")) {
		t.Errorf("queue holds %q, want [bbbb cccc dd]", got)
	}
}

func TestMaxPriorityDeliversHigherPrioritiesFirstFIFOWithin(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", amqp.Table{"x-max-priority": int32(10)})
	var msgs []amqp.Publishing
	for _, m := range []struct {
		prio uint8
		body string
	}{{1, "p1"}, {5, "p5a"}, {9, "p9"}, {0, "p0"}, {5, "p5b"}, {200, "p200"}} {
		msgs = append(msgs, amqp.Publishing{Priority: m.prio, Body: []byte(m.body)})
	}
	msgs = append(msgs, amqp.Publishing{Body: []byte("none")}) // no priority = 0
	s.send("", q, msgs...)
	// Priorities above the maximum count as the maximum.
	want := bodies("p200", "p9", "p5a", "p5b", "p1", "p0", "none")
	if got := getBodies(t, s.ch, q); !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}

func TestSingleActiveConsumerDeliversToTheFirstAndFailsOver(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", amqp.Table{"x-single-active-consumer": true})
	c1, c2 := s.channel(), s.channel()
	d1, err := c1.Consume(q, "first", false, false, false, false, nil)
	if err != nil {
		t.Fatalf("consume: %v", err)
	}
	d2 := consume(t, c2, q, false, nil)
	s.sendBodies("", q, "1", "2", "3")
	for i, b := range recvBodies(t, d1, 3, true) {
		if want := string(rune('1' + i)); b != want {
			t.Errorf("active consumer delivery %d = %q, want %q", i, b, want)
		}
	}
	noDelivery(t, d2, "standby consumer")

	if err := c1.Cancel("first", false); err != nil {
		t.Fatalf("cancel active consumer: %v", err)
	}
	s.sendBodies("", q, "4")
	if m := recv(t, d2, "after failover"); string(m.Body) != "4" {
		t.Errorf("standby got %q after failover, want 4", m.Body)
	}
}

func TestSingleActiveConsumerHandsUnackedMessagesToTheNextOnChannelClose(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", amqp.Table{"x-single-active-consumer": true})
	c1, c2 := s.channel(), s.channel()
	d1 := consume(t, c1, q, false, nil)
	d2 := consume(t, c2, q, false, nil)
	s.sendBodies("", q, "a", "b")
	recvBodies(t, d1, 2, false)
	if err := c1.Close(); err != nil {
		t.Fatalf("close active consumer's channel: %v", err)
	}
	for _, want := range []string{"a", "b"} {
		m := recv(t, d2, "requeued to the new active consumer")
		if string(m.Body) != want || !m.Redelivered {
			t.Errorf("got %q redelivered=%v, want %q redelivered", m.Body, m.Redelivered, want)
		}
	}
}

func TestInvalidQueueArgumentsFail406(t *testing.T) {
	for _, tc := range []struct {
		name string
		args amqp.Table
	}{
		{"x-message-ttl string", amqp.Table{"x-message-ttl": "soon"}},
		{"x-message-ttl negative", amqp.Table{"x-message-ttl": int32(-1)}},
		{"x-expires zero", amqp.Table{"x-expires": int32(0)}},
		{"x-max-length negative", amqp.Table{"x-max-length": int32(-1)}},
		{"x-max-length-bytes string", amqp.Table{"x-max-length-bytes": "big"}},
		{"x-overflow unknown", amqp.Table{"x-overflow": "explode"}},
		{"x-max-priority too large", amqp.Table{"x-max-priority": int32(256)}},
		{"x-dead-letter-routing-key without exchange", amqp.Table{"x-dead-letter-routing-key": "k"}},
		{"x-single-active-consumer string", amqp.Table{"x-single-active-consumer": "yes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			q := name(t, "q")
			s.cleanup(func(ch *amqp.Channel) { _, _ = ch.QueueDelete(q, false, false, false) })
			_, err := s.ch.QueueDeclare(q, false, false, false, false, tc.args)
			channelClosedWith(t, s.conn, err, codePreconditionFailed, "declare with "+tc.name)
		})
	}
}
