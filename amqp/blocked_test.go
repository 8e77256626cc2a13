package amqp_test

import (
	"context"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/junctionmq/junction/servertest"
)

func TestPublishingConnectionBlockedUntilAlarmClears(t *testing.T) {
	b := servertest.Start(t, nil)
	conn, err := amqp091.Dial(b.AMQPURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	blocked := conn.NotifyBlocked(make(chan amqp091.Blocking, 4))
	ch, _ := conn.Channel()
	q, _ := ch.QueueDeclare("", false, true, true, false, nil)
	pub := func(body string) error {
		return ch.PublishWithContext(context.Background(), "", q.Name, false, false, amqp091.Publishing{Body: []byte(body)})
	}
	if err := pub("before"); err != nil {
		t.Fatal(err)
	}
	// Make sure "before" was processed: the queue holds it.
	waitFor(t, func() bool { qq, _ := b.Broker().VHosts()[0].Queue(q.Name); r, _, _ := qq.Counts(); return r == 1 })

	b.Broker().SetAlarm("memory", true)
	select {
	case bl := <-blocked:
		if !bl.Active || bl.Reason != "low on memory" {
			t.Fatalf("blocked notification %+v", bl)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no connection.blocked after the memory alarm")
	}
	if err := pub("during"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	qq, _ := b.Broker().VHosts()[0].Queue(q.Name)
	if r, _, _ := qq.Counts(); r != 1 {
		t.Fatalf("a message published while blocked was routed (queue holds %d)", r)
	}
	b.Broker().SetAlarm("memory", false)
	select {
	case bl := <-blocked:
		if bl.Active {
			t.Fatalf("expected unblocked, got %+v", bl)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no connection.unblocked after the alarm cleared")
	}
	waitFor(t, func() bool { r, _, _ := qq.Counts(); return r == 2 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 3s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
