package stomp_test

import (
	"fmt"
	"testing"

	"github.com/go-stomp/stomp/v3"
)

// leftover subscribes a new connection to q and returns the bodies of the n
// messages still there, checking there are no more.
func leftover(t *testing.T, b *broker, q string, n int) []*stomp.Message {
	t.Helper()
	s := subscribe(t, b.dial(t), q, stomp.AckAuto)
	out := make([]*stomp.Message, n)
	for i := range out {
		out[i] = recv(t, s, fmt.Sprintf("leftover %d of %d", i+1, n))
	}
	noMessage(t, s, fmt.Sprintf("%d messages left", n))
	return out
}

func bodiesOf(ms []*stomp.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m.Body)
	}
	return out
}

func sendN(t *testing.T, b *broker, q string, n int) {
	t.Helper()
	c := b.dial(t)
	for i := 1; i <= n; i++ {
		send(t, c, q, fmt.Sprintf("m%d", i))
	}
}

func TestAutoAckRemovesMessagesOnDelivery(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := "/queue/" + name(t, "q")
	sendN(t, b, q, 3)
	c := b.dial(t, stomp.ConnOpt.AcceptVersion(stomp.V12))
	s := subscribe(t, c, q, stomp.AckAuto)
	var ms []*stomp.Message
	for i := 0; i < 3; i++ {
		ms = append(ms, recv(t, s, "auto delivery"))
	}
	if got := bodiesOf(ms); !equal(got, []string{"m1", "m2", "m3"}) {
		t.Fatalf("received %v, want [m1 m2 m3]", got)
	}
	for _, m := range ms {
		if v, ok := header(m, "ack"); ok {
			t.Errorf("MESSAGE %q of an auto subscription carries ack:%s", m.Body, v)
		}
	}
	if err := c.Disconnect(); err != nil {
		t.Fatalf("disconnect: %v", err)
	}
	leftover(t, b, q, 0)
}

// In ack:client mode an ACK acknowledges the message and every earlier one
// of the subscription, in every version (1.0/1.1 name it by message-id,
// 1.2 by the ack header).
func TestClientAckIsCumulative(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	for _, v := range []stomp.Version{stomp.V10, stomp.V11, stomp.V12} {
		t.Run(string(v), func(t *testing.T) {
			q := "/queue/" + name(t, "q")
			sendN(t, b, q, 4)
			c := b.dial(t, stomp.ConnOpt.AcceptVersion(v))
			s := subscribe(t, c, q, stomp.AckClient)
			var ms []*stomp.Message
			for i := 0; i < 4; i++ {
				ms = append(ms, recv(t, s, "client-ack delivery"))
			}
			if v == stomp.V12 {
				if _, ok := header(ms[0], "ack"); !ok {
					t.Errorf("1.2 MESSAGE in client mode has no ack header")
				}
			}
			if err := c.Ack(ms[1]); err != nil {
				t.Fatalf("ACK m2: %v", err)
			}
			barrier(t, c)
			if err := c.Disconnect(); err != nil {
				t.Fatalf("disconnect: %v", err)
			}
			left := leftover(t, b, q, 2)
			if got := bodiesOf(left); !equal(got, []string{"m3", "m4"}) {
				t.Errorf("after ACK of m2 (cumulative) the queue holds %v, want [m3 m4]", got)
			}
			for _, m := range left {
				wantHeader(t, m, "redelivered", "true")
			}
		})
	}
}

func TestClientIndividualAckSettlesOnlyThatMessage(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := "/queue/" + name(t, "q")
	sendN(t, b, q, 3)
	c := b.dial(t)
	s := subscribe(t, c, q, stomp.AckClientIndividual)
	ms := []*stomp.Message{recv(t, s, "m1"), recv(t, s, "m2"), recv(t, s, "m3")}
	if err := c.Ack(ms[1]); err != nil {
		t.Fatalf("ACK m2: %v", err)
	}
	barrier(t, c)
	if err := c.Disconnect(); err != nil {
		t.Fatalf("disconnect: %v", err)
	}
	if got := bodiesOf(leftover(t, b, q, 2)); !equal(got, []string{"m1", "m3"}) {
		t.Errorf("after ACK of m2 alone the queue holds %v, want [m1 m3]", got)
	}
}

func TestNackRequeuesTheMessageAsRedelivered(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := "/queue/" + name(t, "q")
	sendN(t, b, q, 1)
	c := b.dial(t)
	s := subscribe(t, c, q, stomp.AckClientIndividual)
	first := recv(t, s, "first delivery")
	if v, ok := header(first, "redelivered"); ok && v != "false" {
		t.Errorf("first delivery has redelivered:%s", v)
	}
	if err := c.Nack(first); err != nil {
		t.Fatalf("NACK: %v", err)
	}
	again := recv(t, s, "after NACK")
	if string(again.Body) != "m1" {
		t.Errorf("redelivered body %q, want m1", again.Body)
	}
	wantHeader(t, again, "redelivered", "true")
	if err := c.Ack(again); err != nil {
		t.Fatalf("ACK: %v", err)
	}
	barrier(t, c)
	noMessage(t, s, "acknowledged after one NACK")
}

// RabbitMQ's requeue:false on NACK rejects the message; implicit queues
// dead-letter to ActiveMQ.DLQ, as ActiveMQ does.
// Queues STOMP creates follow ActiveMQ: only persistent messages are
// dead-lettered (a rejected non-persistent message is dropped).
func TestNackWithRequeueFalseDeadLettersPersistentMessages(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := "/queue/" + name(t, "q")
	pub := b.dial(t)
	for _, body := range []string{"m1", "m2"} {
		if err := pub.Send(q, "text/plain", []byte(body), stomp.SendOpt.Header("persistent", "true")); err != nil {
			t.Fatal(err)
		}
	}
	c := rawDial(t, b.addr)
	c.connect()
	c.send("SUBSCRIBE", "", "id:0", "destination:"+q, "ack:client-individual")
	m1, m2 := c.expect("MESSAGE"), c.expect("MESSAGE")
	c.receipt("NACK", "", "n1", "id:"+m1.value("ack"), "requeue:false")
	c.receipt("ACK", "", "a2", "id:"+m2.value("ack"))
	c.receipt("DISCONNECT", "", "bye")

	dlq := leftover(t, b, "/queue/ActiveMQ.DLQ", 1)
	if got := string(dlq[0].Body); got != "m1" {
		t.Errorf("dead-letter queue holds %q, want m1", got)
	}
	leftover(t, b, q, 0)
}

func TestUnsubscribeStopsDelivery(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := "/queue/" + name(t, "q")
	c := b.dial(t)
	s := subscribe(t, c, q, stomp.AckAuto)
	pub := b.dial(t)
	send(t, pub, q, "before")
	if got := string(recv(t, s, "before unsubscribing").Body); got != "before" {
		t.Fatalf("received %q, want before", got)
	}
	if err := s.Unsubscribe(); err != nil {
		t.Fatalf("UNSUBSCRIBE: %v", err)
	}
	send(t, pub, q, "after")
	// The connection has no subscription left: the message waits in the
	// queue for the next subscriber.
	if got := bodiesOf(leftover(t, b, q, 1)); !equal(got, []string{"after"}) {
		t.Errorf("queue holds %v after unsubscribing, want [after]", got)
	}

	topic := "/topic/" + name(t, "t")
	ts := subscribe(t, c, topic, stomp.AckAuto)
	keep := subscribe(t, b.dial(t), topic, stomp.AckAuto)
	if err := ts.Unsubscribe(); err != nil {
		t.Fatalf("UNSUBSCRIBE topic: %v", err)
	}
	send(t, pub, topic, "t1")
	if got := string(recv(t, keep, "remaining topic subscriber").Body); got != "t1" {
		t.Errorf("remaining subscriber received %q, want t1", got)
	}
	if m, ok := <-ts.C; ok {
		t.Errorf("unsubscribed topic subscription still delivered %v", m)
	}
}

func TestCommittedTransactionSendsInOrder(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := "/queue/" + name(t, "q")
	s := subscribe(t, b.dial(t), q, stomp.AckAuto)
	c := b.dial(t)
	tx := c.Begin()
	for _, body := range []string{"t1", "t2", "t3"} {
		if err := tx.Send(q, "text/plain", []byte(body)); err != nil {
			t.Fatalf("SEND in transaction: %v", err)
		}
	}
	barrier(t, c)
	noMessage(t, s, "transaction not committed yet")
	if err := tx.CommitWithReceipt(); err != nil {
		t.Fatalf("COMMIT: %v", err)
	}
	if got := recvBodies(t, s, 3); !equal(got, []string{"t1", "t2", "t3"}) {
		t.Errorf("after COMMIT received %v, want [t1 t2 t3]", got)
	}
	noMessage(t, s, "three messages committed")
}

func TestAbortedTransactionDiscardsSends(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := "/queue/" + name(t, "q")
	s := subscribe(t, b.dial(t), q, stomp.AckAuto)
	c := b.dial(t)
	tx := c.Begin()
	if err := tx.Send(q, "text/plain", []byte("discarded")); err != nil {
		t.Fatalf("SEND in transaction: %v", err)
	}
	if err := tx.AbortWithReceipt(); err != nil {
		t.Fatalf("ABORT: %v", err)
	}
	send(t, c, q, "outside")
	if got := string(recv(t, s, "after ABORT").Body); got != "outside" {
		t.Errorf("received %q, want only the message sent outside the transaction", got)
	}
	noMessage(t, s, "aborted send")
}

func TestTransactionalAckTakesEffectOnCommitOnly(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	for _, commit := range []bool{true, false} {
		t.Run(map[bool]string{true: "commit", false: "abort"}[commit], func(t *testing.T) {
			q := "/queue/" + name(t, "q")
			sendN(t, b, q, 2)
			c := b.dial(t)
			s := subscribe(t, c, q, stomp.AckClientIndividual)
			m1 := recv(t, s, "m1")
			recv(t, s, "m2")
			tx := c.Begin()
			if err := tx.Ack(m1); err != nil {
				t.Fatalf("ACK in transaction: %v", err)
			}
			if commit {
				err := tx.CommitWithReceipt()
				if err != nil {
					t.Fatalf("COMMIT: %v", err)
				}
			} else if err := tx.AbortWithReceipt(); err != nil {
				t.Fatalf("ABORT: %v", err)
			}
			if err := c.Disconnect(); err != nil {
				t.Fatalf("disconnect: %v", err)
			}
			want := []string{"m2"}
			if !commit {
				want = []string{"m1", "m2"}
			}
			if got := bodiesOf(leftover(t, b, q, len(want))); !equal(got, want) {
				t.Errorf("queue holds %v, want %v", got, want)
			}
		})
	}
}

// After ABORT the acknowledged messages are unacknowledged again and can be
// acknowledged outside the transaction.
func TestAbortedAckCanBeRepeated(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := "/queue/" + name(t, "q")
	sendN(t, b, q, 1)
	c := b.dial(t)
	s := subscribe(t, c, q, stomp.AckClientIndividual)
	m := recv(t, s, "m1")
	tx := c.Begin()
	if err := tx.Ack(m); err != nil {
		t.Fatalf("ACK in transaction: %v", err)
	}
	if err := tx.AbortWithReceipt(); err != nil {
		t.Fatalf("ABORT: %v", err)
	}
	if err := c.Ack(m); err != nil {
		t.Fatalf("ACK after ABORT: %v", err)
	}
	barrier(t, c)
	if err := c.Disconnect(); err != nil {
		t.Fatalf("disconnect: %v", err)
	}
	leftover(t, b, q, 0)
}

func TestPrefetchCountLimitsUnacknowledgedDeliveries(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	for _, h := range []string{"prefetch-count", "activemq.prefetchSize"} {
		t.Run(h, func(t *testing.T) {
			q := "/queue/" + name(t, "q")
			sendN(t, b, q, 5)
			c := b.dial(t)
			s := subscribe(t, c, q, stomp.AckClientIndividual, hdr(h, "2"))
			m1, m2 := recv(t, s, "m1"), recv(t, s, "m2")
			if string(m1.Body) != "m1" || string(m2.Body) != "m2" {
				t.Fatalf("received %q, %q, want m1, m2", m1.Body, m2.Body)
			}
			noMessage(t, s, h+":2 with two unacknowledged")
			if err := c.Ack(m1); err != nil {
				t.Fatalf("ACK: %v", err)
			}
			if got := string(recv(t, s, "after one ACK").Body); got != "m3" {
				t.Errorf("after ACK received %q, want m3", got)
			}
			noMessage(t, s, h+":2 with two unacknowledged again")
		})
	}
}
