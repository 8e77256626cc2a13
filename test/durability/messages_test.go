package durability

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// delivered is what a consumer can see of a message, minus what belongs to
// one delivery (tag, consumer, redelivered flag).
type delivered struct {
	Exchange, RoutingKey string
	ContentType          string
	ContentEncoding      string
	Headers              amqp.Table
	DeliveryMode         uint8
	Priority             uint8
	CorrelationId        string
	ReplyTo              string
	Expiration           string
	MessageId            string
	Timestamp            time.Time
	Type                 string
	UserId               string
	AppId                string
	Body                 []byte
}

func seen(d amqp.Delivery) delivered {
	return delivered{
		Exchange: d.Exchange, RoutingKey: d.RoutingKey, ContentType: d.ContentType, ContentEncoding: d.ContentEncoding,
		Headers: d.Headers, DeliveryMode: d.DeliveryMode, Priority: d.Priority, CorrelationId: d.CorrelationId,
		ReplyTo: d.ReplyTo, Expiration: d.Expiration, MessageId: d.MessageId, Timestamp: d.Timestamp, Type: d.Type,
		UserId: d.UserId, AppId: d.AppId, Body: d.Body,
	}
}

func (d delivered) String() string {
	body := d.Body
	if len(body) > 40 {
		body = body[:40]
	}
	return fmt.Sprintf("{exchange=%q key=%q ct=%q ce=%q headers=%v mode=%d prio=%d corr=%q reply=%q exp=%q id=%q ts=%v type=%q user=%q app=%q body[%d]=%q...}",
		d.Exchange, d.RoutingKey, d.ContentType, d.ContentEncoding, d.Headers, d.DeliveryMode, d.Priority, d.CorrelationId,
		d.ReplyTo, d.Expiration, d.MessageId, d.Timestamp, d.Type, d.UserId, d.AppId, len(d.Body), body)
}

// richMessages are persistent messages that use every AMQP property, every
// field-table type amqp091-go writes, and bodies from empty to 1 MiB.
func richMessages() []amqp.Publishing {
	binary := make([]byte, 1024)
	for i := range binary {
		binary[i] = byte(i)
	}
	big := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(r.Uint32())
	}
	full := amqp.Publishing{
		ContentType:     "application/octet-stream",
		ContentEncoding: "identity",
		Headers: amqp.Table{
			"bool": true, "byte": byte(200), "int8": int8(-8), "int16": int16(-1600), "int32": int32(-320000),
			"int64": int64(-64000000000), "uint16": uint16(65000), "uint32": uint32(4000000000),
			"float32": float32(3.25), "float64": float64(-6.125), "decimal": amqp.Decimal{Scale: 2, Value: 12345},
			"string": "ünïcödé ✓", "bytes": []byte{0, 1, 2, 255}, "time": time.Unix(1700000000, 0).UTC(),
			"table": amqp.Table{"nested": "yes", "n": int32(7)}, "array": []any{"a", int32(1), true},
			"void": nil, "empty": "",
		},
		DeliveryMode:  amqp.Persistent,
		Priority:      3,
		CorrelationId: "corr-1",
		ReplyTo:       "dur.reply",
		Expiration:    "600000",
		MessageId:     "msg-1",
		Timestamp:     time.Unix(1700000001, 0).UTC(),
		Type:          "test.type",
		UserId:        "guest",
		AppId:         "durability-suite",
		Body:          binary,
	}
	return []amqp.Publishing{
		full,
		{DeliveryMode: amqp.Persistent},
		{DeliveryMode: amqp.Persistent, ContentType: "text/plain; charset=utf-8", Body: []byte("héllo wörld ✓")},
		{DeliveryMode: amqp.Persistent, MessageId: "big", Body: big},
	}
}

// A persistent message comes back from a restart exactly as a live broker
// delivered it before: exchange, routing key, every property, every header
// value and type, the body byte for byte (empty to 1 MiB). The same
// messages are fanned out to two queues; one is read before the restart,
// the other after.
func TestPersistentMessagesKeepEveryPropertyAndTheirBody(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		conn := dial(t, b)
		ch := confirming(t, conn)
		declareExchange(t, ch, exchangeSpec{name: "dur.m.fan", kind: "fanout", durable: true})
		for _, q := range []string{"dur.m.before", "dur.m.after"} {
			declareQueue(t, ch, q, nil)
			if err := ch.QueueBind(q, "", "dur.m.fan", false, nil); err != nil {
				t.Fatalf("bind %s: %v", q, err)
			}
		}
		sent := richMessages()
		publish(t, ch, "dur.m.fan", "the.key", sent...)
		before := drain(t, b, "dur.m.before")
		if len(before) != len(sent) {
			t.Fatalf("before the restart dur.m.before holds %d messages, want %d", len(before), len(sent))
		}
		for i, d := range before {
			if !bytes.Equal(d.Body, sent[i].Body) || d.MessageId != sent[i].MessageId {
				t.Fatalf("before the restart, message %d came back as %v; the broker changes messages even without a restart", i, seen(d))
			}
		}
		_ = conn.Close()

		b.restart()

		after := drain(t, b, "dur.m.after")
		if len(after) != len(sent) {
			t.Fatalf("after the restart dur.m.after holds %d messages, want %d", len(after), len(sent))
		}
		for i := range after {
			if after[i].Redelivered {
				t.Errorf("message %d was never delivered but came back with redelivered=true", i)
			}
			if got, want := seen(after[i]), seen(before[i]); !reflect.DeepEqual(got, want) {
				t.Errorf("message %d after the restart:\n got %v\nwant %v (as delivered before the restart)", i, got, want)
			}
		}
	})
}

// Transient messages on a durable queue are dropped by a restart; the
// persistent ones around them come back in their order.
func TestTransientMessagesDoNotSurvive(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		conn := dial(t, b)
		ch := confirming(t, conn)
		declareQueue(t, ch, "dur.m.mixed", nil)
		publish(t, ch, "", "dur.m.mixed",
			persistent("p1"), transient("t1"), persistent("p2"), transient("t2"), transient("t3"), persistent("p3"), transient("t4"))
		_ = conn.Close()

		b.restart()

		if got, want := drainBodies(t, b, "dur.m.mixed"), []string{"p1", "p2", "p3"}; !equalStrings(got, want) {
			t.Errorf("after the restart the queue holds %q, want only the persistent messages %q", got, want)
		}
	})
}

// Thousands of persistent messages published to three queues in turn come
// back complete and in each queue's order; one queue holds more than the
// broker keeps in memory per queue (broker.DefaultPageLimit, 10,000), so
// part of it is recovered paged out and read back from the store.
func TestQueueOrderSurvivesRestart(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		const n = 13000
		queues := []string{"dur.o.a", "dur.o.b", "dur.o.c"}
		conn := dial(t, b)
		ch := confirming(t, conn)
		for _, q := range queues {
			declareQueue(t, ch, q, nil)
		}
		want := map[string][]string{}
		var batch []amqp.Publishing
		var keys []string
		flush := func() {
			var pending []*amqp.DeferredConfirmation
			for i, m := range batch {
				dc, err := ch.PublishWithDeferredConfirm("", keys[i], false, false, m)
				if err != nil {
					t.Fatalf("publish: %v", err)
				}
				pending = append(pending, dc)
			}
			for _, dc := range pending {
				if ok, err := dc.WaitContext(t.Context()); !ok || err != nil {
					t.Fatalf("publish not confirmed: %v", err)
				}
			}
			batch, keys = batch[:0], keys[:0]
		}
		for i := 0; i < n; i++ {
			// 80 % to dur.o.a (10,400 messages), 10 % to each other.
			q := queues[max(0, i%10-7)]
			body := fmt.Sprintf("%s-%05d", q, i)
			want[q] = append(want[q], body)
			batch = append(batch, persistent(body))
			keys = append(keys, q)
			if len(batch) == 500 {
				flush()
			}
		}
		flush()
		_ = conn.Close()

		b.restart()
		if b.mode == clean && !b.checkpointed {
			t.Error("the clean stop saved no checkpoint: the restart replayed the journal")
		}

		for _, q := range queues {
			got := drainBodies(t, b, q)
			if !equalStrings(got, want[q]) {
				t.Errorf("after the restart %s holds %d messages (first %q), want %d in publish order", q, len(got), head(got), len(want[q]))
			}
		}
	})
}

func head(s []string) []string {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}
