package durability

import (
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

// routed is one message of the binding test and the queues it must reach.
type routed struct {
	exchange, key string
	headers       amqp.Table
	body          string
	to            []string
}

// Bindings between durable things survive: queue bindings of direct and
// topic exchanges, an exchange-to-exchange binding, headers bindings with
// their x-match arguments; an unbinding survives too. Messages published
// before the restart (stored once, referenced by several queues) and after
// it land exactly where the bindings say.
func TestBindingsSurviveAndStillRoute(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		conn := dial(t, b)
		ch := confirming(t, conn)
		for _, x := range []exchangeSpec{
			{name: "dur.b.direct", kind: "direct", durable: true},
			{name: "dur.b.topic", kind: "topic", durable: true},
			{name: "dur.b.fan", kind: "fanout", durable: true},
			{name: "dur.b.headers", kind: "headers", durable: true},
		} {
			declareExchange(t, ch, x)
		}
		queues := []string{"dur.b.q1", "dur.b.q2", "dur.b.q3", "dur.b.q4", "dur.b.q5", "dur.b.q6"}
		for _, q := range queues {
			declareQueue(t, ch, q, nil)
		}
		bind := func(q, key, x string, args amqp.Table) {
			t.Helper()
			if err := ch.QueueBind(q, key, x, false, args); err != nil {
				t.Fatalf("bind %s to %s with %q %v: %v", q, x, key, args, err)
			}
		}
		bind("dur.b.q1", "k1", "dur.b.direct", nil)
		bind("dur.b.q1", "k2", "dur.b.direct", nil)
		bind("dur.b.q2", "a.*.c", "dur.b.topic", nil)
		bind("dur.b.q3", "#.end", "dur.b.topic", nil)
		if err := ch.ExchangeBind("dur.b.fan", "e2e.#", "dur.b.topic", false, nil); err != nil {
			t.Fatalf("bind exchange dur.b.fan to dur.b.topic: %v", err)
		}
		bind("dur.b.q4", "", "dur.b.fan", nil)
		bind("dur.b.q5", "", "dur.b.headers", amqp.Table{"x-match": "all", "a": int32(1), "b": "two"})
		bind("dur.b.q6", "", "dur.b.headers", amqp.Table{"x-match": "any", "a": int32(1), "c": true})
		if err := ch.QueueUnbind("dur.b.q1", "k2", "dur.b.direct", nil); err != nil {
			t.Fatalf("unbind k2: %v", err)
		}
		// Bindings with a transient end must not come back, nor break
		// recovery of the others.
		if _, err := ch.QueueDeclare("dur.b.transient", false, false, false, false, nil); err != nil {
			t.Fatalf("declare transient queue: %v", err)
		}
		bind("dur.b.transient", "k1", "dur.b.direct", nil)
		declareExchange(t, ch, exchangeSpec{name: "dur.b.transientx", kind: "fanout"})
		bind("dur.b.q1", "", "dur.b.transientx", nil)

		msgs := []routed{
			{exchange: "dur.b.direct", key: "k1", body: "direct k1", to: []string{"dur.b.q1"}},
			{exchange: "dur.b.direct", key: "k2", body: "direct k2 (unbound)"},
			{exchange: "dur.b.topic", key: "a.b.c", body: "topic a.b.c", to: []string{"dur.b.q2"}},
			{exchange: "dur.b.topic", key: "p.q.end", body: "topic p.q.end", to: []string{"dur.b.q3"}},
			{exchange: "dur.b.topic", key: "e2e.x.end", body: "topic e2e.x.end", to: []string{"dur.b.q3", "dur.b.q4"}},
			{exchange: "dur.b.topic", key: "a.b.c.d", body: "topic a.b.c.d"},
			{exchange: "dur.b.headers", headers: amqp.Table{"a": int32(1), "b": "two"}, body: "headers a b", to: []string{"dur.b.q5", "dur.b.q6"}},
			{exchange: "dur.b.headers", headers: amqp.Table{"a": int32(1)}, body: "headers a", to: []string{"dur.b.q6"}},
			{exchange: "dur.b.headers", headers: amqp.Table{"c": true}, body: "headers c", to: []string{"dur.b.q6"}},
			{exchange: "dur.b.headers", headers: amqp.Table{"b": "two"}, body: "headers b"},
			{exchange: "dur.b.headers", headers: amqp.Table{"a": int32(1), "b": "two", "c": true}, body: "headers a b c", to: []string{"dur.b.q5", "dur.b.q6"}},
		}
		send := func(ch *amqp.Channel, phase string) {
			t.Helper()
			for _, m := range msgs {
				p := persistent(phase + " " + m.body)
				p.Headers = m.headers
				publish(t, ch, m.exchange, m.key, p)
			}
		}
		send(ch, "before")
		_ = conn.Close()

		b.restart()

		conn = dial(t, b)
		send(confirming(t, conn), "after")
		want := map[string][]string{}
		for _, phase := range []string{"before", "after"} {
			for _, m := range msgs {
				for _, q := range m.to {
					want[q] = append(want[q], phase+" "+m.body)
				}
			}
		}
		for _, q := range queues {
			if got := drainBodies(t, b, q); !equalStrings(got, want[q]) {
				t.Errorf("after restart %s holds %q, want %q", q, got, want[q])
			}
		}
		if ok, _ := queueExists(t, b, "dur.b.transient"); ok {
			t.Errorf("transient queue dur.b.transient exists after the restart")
		}
		if exchangeExists(t, b, "dur.b.transientx") {
			t.Errorf("transient exchange dur.b.transientx exists after the restart")
		}
	})
}

// Bindings of durable queues to the predeclared amq.* exchanges survive,
// as in RabbitMQ (those exchanges are durable): amq.direct, amq.topic,
// amq.fanout, amq.headers and amq.match, and an exchange-to-exchange
// binding into amq.fanout. Durable JMS and STOMP topic subscriptions are
// bindings to amq.topic, so they depend on this too.
func TestBindingsToPredeclaredExchangesSurvive(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		conn := dial(t, b)
		ch := confirming(t, conn)
		binds := []struct {
			queue, exchange, key string
			args                 amqp.Table
		}{
			{"dur.p.direct", "amq.direct", "k", nil},
			{"dur.p.topic", "amq.topic", "a.#", nil},
			{"dur.p.fanout", "amq.fanout", "", nil},
			{"dur.p.headers", "amq.headers", "", amqp.Table{"x-match": "any", "h": int32(1)}},
			{"dur.p.match", "amq.match", "", amqp.Table{"x-match": "all", "m": "yes"}},
		}
		for _, bd := range binds {
			declareQueue(t, ch, bd.queue, nil)
			if err := ch.QueueBind(bd.queue, bd.key, bd.exchange, false, bd.args); err != nil {
				t.Fatalf("bind %s to %s: %v", bd.queue, bd.exchange, err)
			}
		}
		declareExchange(t, ch, exchangeSpec{name: "dur.p.src", kind: "direct", durable: true})
		if err := ch.ExchangeBind("amq.fanout", "to-fanout", "dur.p.src", false, nil); err != nil {
			t.Fatalf("bind amq.fanout to dur.p.src: %v", err)
		}
		_ = conn.Close()

		b.restart()

		conn = dial(t, b)
		ch = confirming(t, conn)
		publish(t, ch, "amq.direct", "k", persistent("direct"))
		publish(t, ch, "amq.topic", "a.b.c", persistent("topic"))
		publish(t, ch, "amq.fanout", "", persistent("fanout"))
		publish(t, ch, "amq.headers", "", amqp.Publishing{DeliveryMode: amqp.Persistent, Headers: amqp.Table{"h": int32(1)}, Body: []byte("headers")})
		publish(t, ch, "amq.match", "", amqp.Publishing{DeliveryMode: amqp.Persistent, Headers: amqp.Table{"m": "yes"}, Body: []byte("match")})
		publish(t, ch, "dur.p.src", "to-fanout", persistent("via dur.p.src"))
		want := map[string][]string{
			"dur.p.direct":  {"direct"},
			"dur.p.topic":   {"topic"},
			"dur.p.fanout":  {"fanout", "via dur.p.src"},
			"dur.p.headers": {"headers"},
			"dur.p.match":   {"match"},
		}
		for _, bd := range binds {
			if got := drainBodies(t, b, bd.queue); !equalStrings(got, want[bd.queue]) {
				t.Errorf("after the restart %s (bound to %s) holds %q, want %q", bd.queue, bd.exchange, got, want[bd.queue])
			}
		}
	})
}
