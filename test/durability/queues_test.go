package durability

import (
	"sort"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// redeclareQueue declares a durable queue again on a fresh channel and
// returns the reply code (0: declare-ok).
func redeclareQueue(t *testing.T, conn *amqp.Connection, name string, args amqp.Table) int {
	t.Helper()
	ch := channel(t, conn)
	_, err := ch.QueueDeclare(name, true, false, false, false, args)
	if err == nil {
		_ = ch.Close()
	}
	return amqpCode(err)
}

// A durable queue comes back with every argument it was declared with:
// declaring it again with the same arguments is accepted, and changing any
// argument RabbitMQ compares is refused with 406.
func TestDurableQueueKeepsEveryArgument(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		args := amqp.Table{
			"x-message-ttl":             int32(60000),
			"x-expires":                 int32(3600000),
			"x-max-length":              int32(100),
			"x-max-length-bytes":        int32(1000000),
			"x-overflow":                "reject-publish",
			"x-dead-letter-exchange":    "dur.dlx",
			"x-dead-letter-routing-key": "dead",
			"x-max-priority":            int32(5),
			"x-single-active-consumer":  true,
			"x-queue-type":              "classic",
		}
		conn, ch := session(t, b)
		declareQueue(t, ch, "dur.q.args", args)
		_ = conn.Close()

		b.restart()

		conn = dial(t, b)
		if code := redeclareQueue(t, conn, "dur.q.args", args); code != 0 {
			t.Fatalf("after restart, declaring dur.q.args again with its arguments got reply %d, want declare-ok", code)
		}
		changed := map[string]any{
			"x-message-ttl":             int32(1),
			"x-expires":                 int32(1000),
			"x-max-length":              int32(1),
			"x-max-length-bytes":        int32(1),
			"x-overflow":                "drop-head",
			"x-dead-letter-exchange":    "dur.other",
			"x-dead-letter-routing-key": "other",
			"x-max-priority":            int32(9),
			"x-single-active-consumer":  false,
		}
		keys := make([]string, 0, len(changed))
		for k := range changed {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			other := amqp.Table{}
			for kk, v := range args {
				other[kk] = v
			}
			other[k] = changed[k]
			if code := redeclareQueue(t, conn, "dur.q.args", other); code != codePreconditionFailed {
				t.Errorf("after restart, declaring dur.q.args with %s=%v (was %v) got reply %d, want 406: the argument was not kept", k, changed[k], args[k], code)
			}
			delete(other, k)
			if code := redeclareQueue(t, conn, "dur.q.args", other); code != codePreconditionFailed {
				t.Errorf("after restart, declaring dur.q.args without %s got reply %d, want 406", k, code)
			}
		}
	})
}

// The arguments still act after a restart: length limits (drop-head and
// reject-publish), priorities, per-queue TTL with dead-lettering, and
// x-expires. Messages queued before the restart count, and a message's TTL
// keeps running across it.
func TestDurableQueueArgumentsStillApplyAfterRestart(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		conn := dial(t, b)
		ch := confirming(t, conn)
		declareExchange(t, ch, exchangeSpec{name: "dur.dlx", kind: "direct", durable: true})
		declareQueue(t, ch, "dur.dlq", nil)
		if err := ch.QueueBind("dur.dlq", "dead", "dur.dlx", false, nil); err != nil {
			t.Fatalf("bind dur.dlq: %v", err)
		}
		dlx := amqp.Table{"x-dead-letter-exchange": "dur.dlx", "x-dead-letter-routing-key": "dead"}
		declareQueue(t, ch, "dur.q.ttl", amqp.Table{"x-message-ttl": int32(300), "x-dead-letter-exchange": "dur.dlx", "x-dead-letter-routing-key": "dead"})
		declareQueue(t, ch, "dur.q.msgttl", dlx)
		declareQueue(t, ch, "dur.q.drophead", amqp.Table{"x-max-length": int32(2)})
		declareQueue(t, ch, "dur.q.reject", amqp.Table{"x-max-length": int32(1), "x-overflow": "reject-publish"})
		declareQueue(t, ch, "dur.q.prio", amqp.Table{"x-max-priority": int32(9)})
		declareQueue(t, ch, "dur.q.expires", amqp.Table{"x-expires": int32(1500)})

		publish(t, ch, "", "dur.q.drophead", texts("dh", 3)...)
		publish(t, ch, "", "dur.q.reject", persistent("kept"))
		for _, p := range []uint8{1, 9, 5} {
			m := persistent("prio-" + string(rune('0'+p)))
			m.Priority = p
			publish(t, ch, "", "dur.q.prio", m)
		}
		// Expires 2.5 s after its publication, whenever the restart ends.
		m := persistent("per-message ttl")
		m.Expiration = "2500"
		publish(t, ch, "", "dur.q.msgttl", m)
		published := time.Now()
		_ = conn.Close()

		b.restart()

		conn = dial(t, b)
		ch = confirming(t, conn)
		publish(t, ch, "", "dur.q.drophead", persistent("dh-4"))
		if got, want := drainBodies(t, b, "dur.q.drophead"), []string{"dh-3", "dh-4"}; !equalStrings(got, want) {
			t.Errorf("x-max-length 2 queue after restart and one more publish holds %q, want %q", got, want)
		}

		dc, err := ch.PublishWithDeferredConfirm("", "dur.q.reject", false, false, persistent("refused"))
		if err != nil {
			t.Fatalf("publish to the full reject-publish queue: %v", err)
		}
		select {
		case <-dc.Done():
			if dc.Acked() {
				t.Errorf("after restart, a publish to a full x-overflow=reject-publish queue was confirmed, want nack")
			}
		case <-time.After(wait):
			t.Fatalf("no confirm or nack for a publish to the full reject-publish queue")
		}
		if got, want := drainBodies(t, b, "dur.q.reject"), []string{"kept"}; !equalStrings(got, want) {
			t.Errorf("reject-publish queue after restart holds %q, want %q", got, want)
		}

		seven := persistent("prio-7")
		seven.Priority = 7
		publish(t, ch, "", "dur.q.prio", seven)
		if got, want := drainBodies(t, b, "dur.q.prio"), []string{"prio-9", "prio-7", "prio-5", "prio-1"}; !equalStrings(got, want) {
			t.Errorf("x-max-priority queue after restart delivers %q, want %q", got, want)
		}

		publish(t, ch, "", "dur.q.ttl", persistent("queue ttl"))
		dead := waitForMessages(t, b, "dur.dlq", 2, time.Until(published.Add(2500*time.Millisecond))+wait)
		if got, want := bodies(dead), []string{"queue ttl", "per-message ttl"}; !sameSet(got, want) {
			t.Errorf("dead-letter queue after restart holds %q, want %q (x-message-ttl 300 ms and a 2.5 s expiration that ran across the restart)", got, want)
		}
		for _, d := range dead {
			if reason := deathReason(d); reason != "expired" {
				t.Errorf("dead-lettered %q has x-death reason %q, want expired", d.Body, reason)
			}
		}

		deadline := time.Now().Add(1500*time.Millisecond + wait)
		for {
			if ok, _ := queueExists(t, b, "dur.q.expires"); !ok {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("queue with x-expires 1500 ms still exists %v after the restart", wait)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// waitForMessages polls a queue until it holds n messages, then drains it.
func waitForMessages(t *testing.T, b *broker, queue string, n int, within time.Duration) []amqp.Delivery {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		_, have := queueExists(t, b, queue)
		if have >= n || time.Now().After(deadline) {
			return drain(t, b, queue)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func sameSet(a, b []string) bool {
	a = append([]string(nil), a...)
	b = append([]string(nil), b...)
	sort.Strings(a)
	sort.Strings(b)
	return equalStrings(a, b)
}

// deathReason is the reason of the newest x-death entry.
func deathReason(d amqp.Delivery) string {
	deaths, _ := d.Headers["x-death"].([]any)
	if len(deaths) == 0 {
		return ""
	}
	entry, _ := deaths[0].(amqp.Table)
	r, _ := entry["reason"].(string)
	return r
}

// Only durable, non-exclusive queues come back. A durable auto-delete
// queue that had a consumer is deleted by a clean shutdown (closing the
// consumer's connection deletes it, as RabbitMQ 3.10 does) but survives a
// kill -9 (RabbitMQ 3.10 too: nothing ran to delete it), still
// auto-delete; one that never had a consumer survives both.
func TestOnlyDurableNonExclusiveQueuesSurvive(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		conn, ch := session(t, b)
		if _, err := ch.QueueDeclare("dur.q.transient", false, false, false, false, nil); err != nil {
			t.Fatalf("declare transient queue: %v", err)
		}
		if _, err := ch.QueueDeclare("dur.q.exclusive", true, false, true, false, nil); err != nil {
			t.Fatalf("declare durable exclusive queue: %v", err)
		}
		if _, err := ch.QueueDeclare("dur.q.autodelete.idle", true, true, false, false, nil); err != nil {
			t.Fatalf("declare durable auto-delete queue: %v", err)
		}
		if _, err := ch.QueueDeclare("dur.q.autodelete.consumed", true, true, false, false, nil); err != nil {
			t.Fatalf("declare durable auto-delete queue: %v", err)
		}
		if _, err := ch.Consume("dur.q.autodelete.consumed", "", false, false, false, false, nil); err != nil {
			t.Fatalf("consume: %v", err)
		}
		pub := confirming(t, conn)
		for _, q := range []string{"dur.q.transient", "dur.q.exclusive", "dur.q.autodelete.idle"} {
			publish(t, pub, "", q, persistent("in "+q))
		}

		b.restart()

		for _, q := range []string{"dur.q.transient", "dur.q.exclusive"} {
			if ok, _ := queueExists(t, b, q); ok {
				t.Errorf("%s exists after the restart", q)
			}
		}
		if ok, n := queueExists(t, b, "dur.q.autodelete.idle"); !ok || n != 1 {
			t.Errorf("durable auto-delete queue that never had a consumer: exists=%v with %d messages after the restart, want it with its 1 message", ok, n)
		}
		ok, _ := queueExists(t, b, "dur.q.autodelete.consumed")
		switch {
		case b.mode == clean && ok:
			t.Errorf("durable auto-delete queue whose consumer was closed by the shutdown exists after a clean restart")
		case b.mode == crash && !ok:
			t.Errorf("durable auto-delete queue with a consumer is gone after kill -9; RabbitMQ 3.10 keeps it (nothing cancelled the consumer)")
		case b.mode == crash:
			conn := dial(t, b)
			ch := channel(t, conn)
			if _, err := ch.Consume("dur.q.autodelete.consumed", "c", false, false, false, false, nil); err != nil {
				t.Fatalf("consume from the recovered auto-delete queue: %v", err)
			}
			if err := ch.Cancel("c", false); err != nil {
				t.Fatalf("cancel: %v", err)
			}
			if ok, _ := queueExists(t, b, "dur.q.autodelete.consumed"); ok {
				t.Errorf("the auto-delete queue recovered after kill -9 outlived its next consumer: it lost its auto-delete flag")
			}
		}
	})
}

// A deleted queue stays deleted with everything it held, and a queue
// deleted and declared again under the same name keeps only what the new
// one received.
func TestDeletedQueueIsNotResurrected(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		conn := dial(t, b)
		ch := confirming(t, conn)
		declareExchange(t, ch, exchangeSpec{name: "dur.x.route", kind: "direct", durable: true})
		declareQueue(t, ch, "dur.q.deleted", nil)
		if err := ch.QueueBind("dur.q.deleted", "k", "dur.x.route", false, nil); err != nil {
			t.Fatalf("bind: %v", err)
		}
		publish(t, ch, "", "dur.q.deleted", texts("old", 3)...)
		declareQueue(t, ch, "dur.q.recreated", nil)
		publish(t, ch, "", "dur.q.recreated", texts("first-life", 3)...)
		for _, q := range []string{"dur.q.deleted", "dur.q.recreated"} {
			if _, err := ch.QueueDelete(q, false, false, false); err != nil {
				t.Fatalf("delete %s: %v", q, err)
			}
		}
		declareQueue(t, ch, "dur.q.recreated", nil)
		publish(t, ch, "", "dur.q.recreated", persistent("second-life"))

		b.restart()

		if ok, _ := queueExists(t, b, "dur.q.deleted"); ok {
			t.Errorf("deleted queue dur.q.deleted exists after the restart")
		}
		if got, want := drainBodies(t, b, "dur.q.recreated"), []string{"second-life"}; !equalStrings(got, want) {
			t.Errorf("queue deleted and declared again holds %q after the restart, want %q", got, want)
		}
		// Declared again, the deleted queue is empty and its binding gone.
		conn = dial(t, b)
		ch = confirming(t, conn)
		declareQueue(t, ch, "dur.q.deleted", nil)
		publish(t, ch, "dur.x.route", "k", persistent("unroutable now"))
		if got := drainBodies(t, b, "dur.q.deleted"); len(got) != 0 {
			t.Errorf("deleted queue, declared again after the restart, holds %q; want nothing (old messages and binding gone)", got)
		}
	})
}

// A purge survives: only what was published after it comes back.
func TestPurgeSurvivesRestart(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		conn := dial(t, b)
		ch := confirming(t, conn)
		declareQueue(t, ch, "dur.q.purged", nil)
		publish(t, ch, "", "dur.q.purged", texts("before", 5)...)
		if n, err := ch.QueuePurge("dur.q.purged", false); err != nil || n != 5 {
			t.Fatalf("purge: %d messages, %v; want 5", n, err)
		}
		publish(t, ch, "", "dur.q.purged", texts("after", 2)...)
		// purge-ok is not a durability promise (nor is it in RabbitMQ).
		settle(t, b)

		b.restart()

		if got, want := drainBodies(t, b, "dur.q.purged"), []string{"after-1", "after-2"}; !equalStrings(got, want) {
			t.Errorf("purged queue holds %q after the restart, want %q", got, want)
		}
	})
}
