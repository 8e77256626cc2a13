package amqp091_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// death is what one x-death entry must say.
type death struct {
	count    int64
	reason   string
	queue    string
	exchange string
	keys     []any
}

// deaths returns the x-death header of m, failing the test if it is missing
// or not an array of tables.
func deaths(t *testing.T, m amqp.Delivery) []amqp.Table {
	t.Helper()
	raw, ok := m.Headers["x-death"].([]any)
	if !ok {
		t.Fatalf("x-death header is %#v, want an array", m.Headers["x-death"])
	}
	out := make([]amqp.Table, len(raw))
	for i, e := range raw {
		if out[i], ok = e.(amqp.Table); !ok {
			t.Fatalf("x-death[%d] is %T, want a table", i, e)
		}
	}
	return out
}

// checkDeath compares one x-death entry field by field, including the field
// types RabbitMQ writes (count is a long, time a timestamp).
func checkDeath(t *testing.T, got amqp.Table, want death, from, to time.Time) {
	t.Helper()
	if c, ok := got["count"].(int64); !ok || c != want.count {
		t.Errorf("x-death count = %#v, want int64 %d", got["count"], want.count)
	}
	for field, w := range map[string]string{"reason": want.reason, "queue": want.queue, "exchange": want.exchange} {
		if g, ok := got[field].(string); !ok || g != w {
			t.Errorf("x-death %s = %#v, want %q", field, got[field], w)
		}
	}
	if !reflect.DeepEqual(got["routing-keys"], want.keys) {
		t.Errorf("x-death routing-keys = %#v, want %#v", got["routing-keys"], want.keys)
	}
	ts, ok := got["time"].(time.Time)
	if !ok {
		t.Errorf("x-death time = %#v, want a timestamp", got["time"])
	} else if ts.Before(from.Truncate(time.Second)) || ts.After(to.Add(time.Second)) {
		t.Errorf("x-death time %v outside [%v, %v]", ts, from, to)
	}
}

// checkFirstDeath checks the x-first-death-* headers.
func checkFirstDeath(t *testing.T, m amqp.Delivery, reason, queue, exchange string) {
	t.Helper()
	for h, w := range map[string]string{"x-first-death-reason": reason, "x-first-death-queue": queue, "x-first-death-exchange": exchange} {
		if g, ok := m.Headers[h].(string); !ok || g != w {
			t.Errorf("%s = %#v, want %q", h, m.Headers[h], w)
		}
	}
}

func TestRejectedMessageIsDeadLetteredWithXDeath(t *testing.T) {
	s := newSession(t)
	x := s.exchange("x", "direct", nil)
	dlx := s.exchange("dlx", "fanout", nil)
	dlq := s.queue("dlq", nil)
	s.bind(dlq, "", dlx, nil)
	q := s.queue("q", amqp.Table{"x-dead-letter-exchange": dlx})
	s.bind(q, "k", x, nil)

	from := time.Now()
	s.send(x, "k", amqp.Publishing{Headers: amqp.Table{"app": "kept"}, Body: []byte("rejected")})
	s.send(x, "k", amqp.Publishing{Body: []byte("nacked")})
	d := consume(t, s.channel(), q, false, nil)
	if err := recv(t, d, "first").Reject(false); err != nil {
		t.Fatalf("reject: %v", err)
	}
	if err := recv(t, d, "second").Nack(false, false); err != nil {
		t.Fatalf("nack: %v", err)
	}
	waitReady(t, s.ch, dlq, 2)
	to := time.Now()

	for _, body := range []string{"rejected", "nacked"} {
		m := get(t, s.ch, dlq, true)
		if string(m.Body) != body {
			t.Fatalf("dead-letter queue gave %q, want %q", m.Body, body)
		}
		// Without x-dead-letter-routing-key the original key is kept.
		if m.Exchange != dlx || m.RoutingKey != "k" {
			t.Errorf("%s: delivered via %q/%q, want %q/k", body, m.Exchange, m.RoutingKey, dlx)
		}
		ds := deaths(t, m)
		if len(ds) != 1 {
			t.Fatalf("%s: %d x-death entries, want 1: %v", body, len(ds), ds)
		}
		checkDeath(t, ds[0], death{1, "rejected", q, x, []any{"k"}}, from, to)
		checkFirstDeath(t, m, "rejected", q, x)
		if body == "rejected" && m.Headers["app"] != "kept" {
			t.Errorf("application header lost: %v", m.Headers)
		}
	}
}

func TestExpiredMessageIsDeadLetteredWithOriginalExpiration(t *testing.T) {
	s := newSession(t)
	dlq := s.queue("dlq", nil)
	q := s.queue("q", amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq})
	cc := name(t, "cc-nowhere")

	from := time.Now()
	s.send("", q, amqp.Publishing{
		Expiration: "50",
		Headers:    amqp.Table{"CC": []any{cc}},
		Body:       []byte("expired"),
	})
	waitReady(t, s.ch, dlq, 1)
	to := time.Now()
	m := get(t, s.ch, dlq, true)

	if m.Expiration != "" {
		t.Errorf("dead-lettered message keeps expiration %q, want it removed", m.Expiration)
	}
	if m.RoutingKey != dlq {
		t.Errorf("routing key %q, want the x-dead-letter-routing-key %q", m.RoutingKey, dlq)
	}
	if _, ok := m.Headers["CC"]; ok {
		t.Errorf("CC header kept on the dead-lettered message: %v", m.Headers["CC"])
	}
	ds := deaths(t, m)
	if len(ds) != 1 {
		t.Fatalf("%d x-death entries, want 1: %v", len(ds), ds)
	}
	// routing-keys lists the key and the CC keys it was published with.
	checkDeath(t, ds[0], death{1, "expired", q, "", []any{q, cc}}, from, to)
	if oe := ds[0]["original-expiration"]; oe != "50" {
		t.Errorf("x-death original-expiration = %#v, want \"50\"", oe)
	}
	checkFirstDeath(t, m, "expired", q, "")
}

func TestQueueTTLExpiryDeadLettersWithoutOriginalExpiration(t *testing.T) {
	s := newSession(t)
	dlq := s.queue("dlq", nil)
	q := s.queue("q", amqp.Table{"x-message-ttl": int32(50), "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq})
	s.sendBodies("", q, "expired")
	waitReady(t, s.ch, dlq, 1)
	m := get(t, s.ch, dlq, true)
	ds := deaths(t, m)
	if len(ds) != 1 || ds[0]["reason"] != "expired" {
		t.Fatalf("x-death %v, want one expired entry", ds)
	}
	if oe, ok := ds[0]["original-expiration"]; ok {
		t.Errorf("original-expiration %#v recorded for a message that had none", oe)
	}
}

func TestMaxLengthOverflowDeadLettersTheDroppedHeadWithReasonMaxlen(t *testing.T) {
	s := newSession(t)
	dlq := s.queue("dlq", nil)
	q := s.queue("q", amqp.Table{"x-max-length": int32(1), "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq})
	from := time.Now()
	s.sendBodies("", q, "dropped", "kept")
	waitReady(t, s.ch, dlq, 1)
	to := time.Now()
	m := get(t, s.ch, dlq, true)
	if string(m.Body) != "dropped" {
		t.Fatalf("dead-lettered %q, want the oldest (dropped)", m.Body)
	}
	ds := deaths(t, m)
	if len(ds) != 1 {
		t.Fatalf("%d x-death entries, want 1", len(ds))
	}
	checkDeath(t, ds[0], death{1, "maxlen", q, "", []any{q}}, from, to)
	checkFirstDeath(t, m, "maxlen", q, "")
	if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("kept")) {
		t.Errorf("queue holds %q, want [kept]", got)
	}
}

func TestRepeatedDeathIncrementsCountAndMovesEntryFirst(t *testing.T) {
	s := newSession(t)
	// work rejects into retry; retry expires back into work.
	work, retry := name(t, "work"), name(t, "retry")
	if _, err := s.ch.QueueDeclare(work, false, false, false, false, amqp.Table{
		"x-dead-letter-exchange": "", "x-dead-letter-routing-key": retry,
	}); err != nil {
		t.Fatalf("declare work: %v", err)
	}
	if _, err := s.ch.QueueDeclare(retry, false, false, false, false, amqp.Table{
		"x-message-ttl": int32(30), "x-dead-letter-exchange": "", "x-dead-letter-routing-key": work,
	}); err != nil {
		t.Fatalf("declare retry: %v", err)
	}
	s.cleanup(func(ch *amqp.Channel) {
		_, _ = ch.QueueDelete(work, false, false, false)
		_, _ = ch.QueueDelete(retry, false, false, false)
	})

	from := time.Now()
	s.sendBodies("", work, "job")
	d := consume(t, s.channel(), work, false, nil)
	for attempt := 1; attempt <= 2; attempt++ {
		m := recv(t, d, "attempt")
		if err := m.Reject(false); err != nil {
			t.Fatalf("reject attempt %d: %v", attempt, err)
		}
	}
	m := recv(t, d, "third attempt")
	to := time.Now()
	if err := m.Ack(false); err != nil {
		t.Fatalf("ack: %v", err)
	}
	ds := deaths(t, m)
	if len(ds) != 2 {
		t.Fatalf("%d x-death entries, want one per queue and reason (2): %v", len(ds), ds)
	}
	// The most recent death comes first.
	checkDeath(t, ds[0], death{2, "expired", retry, "", []any{retry}}, from, to)
	checkDeath(t, ds[1], death{2, "rejected", work, "", []any{work}}, from, to)
	checkFirstDeath(t, m, "rejected", work, "")
}
