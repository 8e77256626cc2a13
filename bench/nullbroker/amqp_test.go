package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

func dialAMQP(t *testing.T, b *nullBroker) *amqp.Connection {
	t.Helper()
	conn, err := amqp.Dial("amqp://guest:guest@" + b.amqp.Addr().String() + "/")
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestAMQPConfirmsEveryPublishInOrderAndNeverDelivers(t *testing.T) {
	b := startBroker(t)
	conn := dialAMQP(t, b)

	consCh, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := consCh.Qos(100, 0, false); err != nil {
		t.Fatalf("basic.qos: %v", err)
	}
	deliveries, err := consCh.Consume("ceiling", "probe-consumer", false, false, false, false, nil)
	if err != nil {
		t.Fatalf("basic.consume: %v", err)
	}

	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	q, err := ch.QueueDeclare("ceiling", false, false, false, false, nil)
	if err != nil {
		t.Fatalf("queue.declare: %v", err)
	}
	if q.Name != "ceiling" || q.Messages != 0 || q.Consumers != 0 {
		t.Fatalf("declare-ok = %+v, want the name echoed with 0 messages and 0 consumers", q)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatalf("confirm.select: %v", err)
	}
	const n = 10000
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, n+10))
	body := []byte("0123456789abcdef")
	ctx := context.Background()
	for i := 0; i < n; i++ {
		if err := ch.PublishWithContext(ctx, "", "ceiling", false, false, amqp.Publishing{Body: body}); err != nil {
			t.Fatalf("publish %d: %v", i+1, err)
		}
	}
	timeout := time.After(20 * time.Second)
	for want := uint64(1); want <= n; want++ {
		select {
		case c := <-confirms:
			if c.DeliveryTag != want || !c.Ack {
				t.Fatalf("confirmation %+v, want an ack for delivery tag %d", c, want)
			}
		case <-timeout:
			t.Fatalf("only %d of %d publishes confirmed", want-1, n)
		}
	}
	select {
	case c := <-confirms:
		t.Fatalf("extra confirmation %+v after %d publishes", c, n)
	case d := <-deliveries:
		t.Fatalf("the consumer received a delivery: %+v", d)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestAMQPConfirmsMessagesSplitOverSeveralBodyFramesOnce(t *testing.T) {
	b := startBroker(t)
	ch, err := dialAMQP(t, b).Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, 10))
	// 300 KiB takes three body frames at frame-max 128 KiB; the empty
	// body none at all.
	bodies := [][]byte{bytes.Repeat([]byte{'x'}, 300<<10), nil, []byte("small")}
	for _, body := range bodies {
		if err := ch.PublishWithContext(context.Background(), "amq.direct", "k", false, false, amqp.Publishing{Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	for want := uint64(1); want <= uint64(len(bodies)); want++ {
		select {
		case c := <-confirms:
			if c.DeliveryTag != want || !c.Ack {
				t.Fatalf("confirmation %+v, want an ack for delivery tag %d", c, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("publish %d not confirmed", want)
		}
	}
	select {
	case c := <-confirms:
		t.Fatalf("extra confirmation %+v", c)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestAMQPAnswersEverySynchronousMethodWithItsOK(t *testing.T) {
	b := startBroker(t)
	conn := dialAMQP(t, b)
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatalf("queue.declare: %v", err)
	}
	if !strings.HasPrefix(q.Name, "amq.gen-") {
		t.Fatalf("server-named queue %q, want an amq.gen- name", q.Name)
	}
	q2, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil || q2.Name == q.Name {
		t.Fatalf("second server-named queue %q (err %v), want a name other than %q", q2.Name, err, q.Name)
	}
	steps := []struct {
		name string
		call func() error
	}{
		{"exchange.declare", func() error { return ch.ExchangeDeclare("x", "fanout", false, false, false, false, nil) }},
		{"exchange.bind", func() error { return ch.ExchangeBind("x", "", "amq.fanout", false, nil) }},
		{"exchange.unbind", func() error { return ch.ExchangeUnbind("x", "", "amq.fanout", false, nil) }},
		{"queue.bind", func() error { return ch.QueueBind(q.Name, "", "x", false, nil) }},
		{"queue.unbind", func() error { return ch.QueueUnbind(q.Name, "", "x", nil) }},
		{"queue.purge", func() error {
			n, err := ch.QueuePurge(q.Name, false)
			if err == nil && n != 0 {
				t.Errorf("purge-ok message count %d, want 0", n)
			}
			return err
		}},
		{"basic.qos", func() error { return ch.Qos(10, 0, false) }},
		{"basic.consume", func() error { _, err := ch.Consume(q.Name, "c1", true, false, false, false, nil); return err }},
		{"basic.cancel", func() error { return ch.Cancel("c1", false) }},
		{"basic.get", func() error {
			_, ok, err := ch.Get(q.Name, true)
			if ok {
				t.Errorf("basic.get returned a message, want get-empty")
			}
			return err
		}},
		{"tx.select", ch.Tx},
		{"tx.commit", ch.TxCommit},
		{"tx.rollback", ch.TxRollback},
		{"queue.delete", func() error {
			n, err := ch.QueueDelete(q.Name, false, false, false)
			if err == nil && n != 0 {
				t.Errorf("delete-ok message count %d, want 0", n)
			}
			return err
		}},
		{"exchange.delete", func() error { return ch.ExchangeDelete("x", false, false) }},
		{"channel.close", ch.Close},
	}
	for _, s := range steps {
		if err := s.call(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	// The connection is still usable after all that, and closes cleanly.
	ch2, err := conn.Channel()
	if err != nil {
		t.Fatalf("channel.open after channel.close: %v", err)
	}
	if err := ch2.Close(); err != nil {
		t.Fatalf("channel.close: %v", err)
	}
	if err := conn.Close(); err != nil {
		t.Fatalf("connection.close: %v", err)
	}
}
