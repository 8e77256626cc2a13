package durability

import (
	"fmt"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

// getN takes n messages with basic.get, leaving them unacknowledged.
func getN(t *testing.T, ch *amqp.Channel, queue string, n int) []amqp.Delivery {
	t.Helper()
	var out []amqp.Delivery
	for i := 0; i < n; i++ {
		d, ok := get(t, ch, queue)
		if !ok {
			t.Fatalf("basic.get %d from %s: queue empty", i+1, queue)
		}
		out = append(out, d)
	}
	return out
}

// flags lists "body:redelivered" for each delivery, to compare at once
// what came back, in which order and with which flag.
func flags(ds []amqp.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = fmt.Sprintf("%s:%v", d.Body, d.Redelivered)
	}
	return out
}

// Acknowledged and rejected messages do not come back; messages delivered
// but not acknowledged come back first, with redelivered=true, followed by
// the never-delivered ones with redelivered=false, in queue order. A
// multiple ack covers what it names; a message nacked back to the queue
// before the restart comes back redelivered.
func TestAcksSurviveAndUnackedComeBackRedelivered(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		conn := dial(t, b)
		pub := confirming(t, conn)
		for _, q := range []string{"dur.a.single", "dur.a.multi", "dur.a.nacked"} {
			declareQueue(t, pub, q, nil)
			publish(t, pub, "", q, texts("m", 6)...)
		}
		// The consumer's connection stays open until the broker goes down.
		// One channel per queue: a multiple ack or nack covers every
		// delivery of its channel up to its tag.
		cc := dial(t, b)
		single := getN(t, channel(t, cc), "dur.a.single", 4)
		if err := single[0].Ack(false); err != nil {
			t.Fatalf("ack m-1: %v", err)
		}
		if err := single[1].Reject(false); err != nil {
			t.Fatalf("reject m-2: %v", err)
		}
		if err := single[2].Ack(false); err != nil {
			t.Fatalf("ack m-3: %v", err)
		}
		multi := getN(t, channel(t, cc), "dur.a.multi", 4)
		if err := multi[2].Ack(true); err != nil {
			t.Fatalf("multiple ack up to m-3: %v", err)
		}
		nacked := getN(t, channel(t, cc), "dur.a.nacked", 2)
		if err := nacked[0].Nack(true, true); err != nil {
			t.Fatalf("nack m-1, m-2 with requeue: %v", err)
		}
		// Acks have no reply, and delivery counts ride the next write.
		settle(t, b)

		b.restart()

		for _, c := range []struct {
			queue string
			want  []string
		}{
			{"dur.a.single", []string{"m-4:true", "m-5:false", "m-6:false"}},
			{"dur.a.multi", []string{"m-4:true", "m-5:false", "m-6:false"}},
			{"dur.a.nacked", []string{"m-1:true", "m-2:true", "m-3:false", "m-4:false", "m-5:false", "m-6:false"}},
		} {
			if got := flags(drain(t, b, c.queue)); !equalStrings(got, c.want) {
				t.Errorf("after the restart %s holds %q, want %q (body:redelivered)", c.queue, got, c.want)
			}
		}
	})
}

// AMQP transactions: what a commit-ok confirmed is there after the
// restart, without anything else made durable after it; rolled-back and
// uncommitted publishes are not; a committed ack holds, rolled-back and
// uncommitted acks leave the message to come back redelivered; a
// transaction that moves a message (get, publish elsewhere, ack) is
// applied whole or not at all.
func TestAMQPTransactionsAreAtomicAndCommitsDurable(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		conn := dial(t, b)
		pub := confirming(t, conn)
		for _, q := range []string{"dur.t.pub", "dur.t.acks", "dur.t.src", "dur.t.dst"} {
			declareQueue(t, pub, q, nil)
		}
		publish(t, pub, "", "dur.t.acks", texts("a", 4)...)
		publish(t, pub, "", "dur.t.src", texts("x", 3)...)

		tx := channel(t, dial(t, b))
		if err := tx.Tx(); err != nil {
			t.Fatalf("tx.select: %v", err)
		}
		step := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		send := func(q, body string) {
			t.Helper()
			step("publish "+body, tx.Publish("", q, false, false, persistent(body)))
		}
		// Moves: x-1 committed, x-2 rolled back, x-3 left open.
		moved := getN(t, tx, "dur.t.src", 3)
		send("dur.t.dst", "y-1")
		step("ack x-1", moved[0].Ack(false))
		step("commit move 1", tx.TxCommit())
		send("dur.t.dst", "y-2")
		step("ack x-2", moved[1].Ack(false))
		step("rollback move 2", tx.TxRollback())
		// Acks: a-1 committed, a-2 rolled back, a-3 left open.
		acks := getN(t, tx, "dur.t.acks", 3)
		step("ack a-1", acks[0].Ack(false))
		step("commit ack a-1", tx.TxCommit())
		step("ack a-2", acks[1].Ack(false))
		step("rollback ack a-2", tx.TxRollback())
		// Publishes: c-1, c-2 and c-3 committed, r-1 rolled back.
		send("dur.t.pub", "c-1")
		send("dur.t.pub", "c-2")
		step("commit c-1 c-2", tx.TxCommit())
		send("dur.t.pub", "r-1")
		step("rollback r-1", tx.TxRollback())
		send("dur.t.pub", "c-3")
		step("commit c-3", tx.TxCommit())
		// Left open when the broker goes down.
		step("ack a-3", acks[2].Ack(false))
		send("dur.t.dst", "y-3")
		step("ack x-3", moved[2].Ack(false))
		send("dur.t.pub", "u-1")

		// No settle: a commit-ok is the promise under test.
		b.restart()

		for _, c := range []struct {
			queue string
			want  []string
		}{
			{"dur.t.pub", []string{"c-1:false", "c-2:false", "c-3:false"}},
			{"dur.t.acks", []string{"a-2:true", "a-3:true", "a-4:false"}},
			{"dur.t.src", []string{"x-2:true", "x-3:true"}},
			{"dur.t.dst", []string{"y-1:false"}},
		} {
			if got := flags(drain(t, b, c.queue)); !equalStrings(got, c.want) {
				t.Errorf("after the restart %s holds %q, want %q (body:redelivered)", c.queue, got, c.want)
			}
		}
	})
}
