package durability

import (
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// exchangeSpec is one exchange.declare.
type exchangeSpec struct {
	name, kind                    string
	durable, autoDelete, internal bool
	args                          amqp.Table
}

func declareExchange(t *testing.T, ch *amqp.Channel, x exchangeSpec) {
	t.Helper()
	if err := ch.ExchangeDeclare(x.name, x.kind, x.durable, x.autoDelete, x.internal, false, x.args); err != nil {
		t.Fatalf("declare exchange %+v: %v", x, err)
	}
}

// redeclare declares x again on a fresh channel and returns the reply code
// (0: declare-ok).
func redeclare(t *testing.T, conn *amqp.Connection, x exchangeSpec) int {
	t.Helper()
	ch := channel(t, conn)
	err := ch.ExchangeDeclare(x.name, x.kind, x.durable, x.autoDelete, x.internal, false, x.args)
	if err == nil {
		_ = ch.Close()
	}
	return amqpCode(err)
}

// Durable exchanges of every type come back with their type, flags and
// alternate exchange: declaring them again identically is accepted, with
// another type or alternate exchange refused (406), and unroutable messages
// still go to the alternate exchange. Transient and deleted exchanges do
// not come back.
func TestDurableExchangesSurviveWithTypeFlagsAndAlternateExchange(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		conn, ch := session(t, b)
		ae := exchangeSpec{name: "dur.ae", kind: "fanout", durable: true}
		declareExchange(t, ch, ae)
		declareQueue(t, ch, "dur.ae.q", nil)
		if err := ch.QueueBind("dur.ae.q", "", "dur.ae", false, nil); err != nil {
			t.Fatalf("bind dur.ae.q: %v", err)
		}
		withAE := amqp.Table{"alternate-exchange": "dur.ae"}
		typed := []exchangeSpec{
			{name: "dur.x.direct", kind: "direct", durable: true, args: withAE},
			{name: "dur.x.fanout", kind: "fanout", durable: true, args: withAE},
			{name: "dur.x.topic", kind: "topic", durable: true, args: withAE},
			{name: "dur.x.headers", kind: "headers", durable: true, args: withAE},
		}
		for _, x := range typed {
			declareExchange(t, ch, x)
		}
		internal := exchangeSpec{name: "dur.x.internal", kind: "topic", durable: true, internal: true}
		autoDel := exchangeSpec{name: "dur.x.autodelete", kind: "direct", durable: true, autoDelete: true}
		declareExchange(t, ch, internal)
		declareExchange(t, ch, autoDel)
		declareQueue(t, ch, "dur.autodelete.q", nil)
		if err := ch.QueueBind("dur.autodelete.q", "k", autoDel.name, false, nil); err != nil {
			t.Fatalf("bind to the auto-delete exchange: %v", err)
		}
		declareExchange(t, ch, exchangeSpec{name: "dur.x.transient", kind: "direct"})
		declareExchange(t, ch, exchangeSpec{name: "dur.x.deleted", kind: "direct", durable: true})
		if err := ch.ExchangeDelete("dur.x.deleted", false, false); err != nil {
			t.Fatalf("delete dur.x.deleted: %v", err)
		}
		_ = conn.Close()

		b.restart()

		conn = dial(t, b)
		for _, x := range append(typed, ae, internal, autoDel) {
			if code := redeclare(t, conn, x); code != 0 {
				t.Errorf("after restart, declaring %s again as before got reply %d, want declare-ok", x.name, code)
			}
		}
		for _, x := range typed {
			other := x
			other.kind = map[string]string{"direct": "topic", "fanout": "direct", "topic": "headers", "headers": "fanout"}[x.kind]
			if code := redeclare(t, conn, other); code != codePreconditionFailed {
				t.Errorf("after restart, declaring %s as %s got reply %d, want 406: its type was %s", x.name, other.kind, code, x.kind)
			}
			otherAE := x
			otherAE.args = amqp.Table{"alternate-exchange": "dur.other"}
			if code := redeclare(t, conn, otherAE); code != codePreconditionFailed {
				t.Errorf("after restart, declaring %s with another alternate-exchange got reply %d, want 406", x.name, code)
			}
		}
		notInternal := internal
		notInternal.internal = false
		if code := redeclare(t, conn, notInternal); code != codePreconditionFailed {
			t.Errorf("after restart, declaring the internal exchange as not internal got reply %d, want 406", code)
		}

		// Nothing is bound to the typed exchanges: every message is
		// unroutable and must reach the alternate exchange's queue.
		pub := confirming(t, conn)
		for _, x := range typed {
			publish(t, pub, x.name, "no.such.key", persistent("via "+x.name))
		}
		want := []string{"via dur.x.direct", "via dur.x.fanout", "via dur.x.topic", "via dur.x.headers"}
		if got := drainBodies(t, b, "dur.ae.q"); !equalStrings(got, want) {
			t.Errorf("after restart the alternate exchange's queue holds %q, want %q", got, want)
		}

		ch = channel(t, conn)
		closed := ch.NotifyClose(make(chan *amqp.Error, 1))
		if err := ch.Publish(internal.name, "k", false, false, persistent("x")); err != nil {
			t.Fatalf("publish to the internal exchange: %v", err)
		}
		select {
		case e := <-closed:
			if e == nil || e.Code != codeAccessRefused {
				t.Errorf("after restart, publishing to an internal exchange closed the channel with %v, want 403", e)
			}
		case <-time.After(wait):
			t.Errorf("after restart, publishing to an internal exchange was accepted: the exchange lost its internal flag")
		}

		// Still auto-delete: removing its last binding deletes it.
		ch = channel(t, conn)
		if err := ch.QueueUnbind("dur.autodelete.q", "k", autoDel.name, nil); err != nil {
			t.Fatalf("unbind from the auto-delete exchange: %v", err)
		}
		if exchangeExists(t, b, autoDel.name) {
			t.Errorf("after restart, the durable auto-delete exchange outlived its last binding")
		}

		for _, gone := range []string{"dur.x.transient", "dur.x.deleted"} {
			if exchangeExists(t, b, gone) {
				t.Errorf("exchange %s exists after the restart; only durable, undeleted exchanges may", gone)
			}
		}
	})
}
