package openwire_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/junctionmq/junction/client/openwire"
)

// These examples need a broker on localhost:61616, so they are compiled but
// not run.

func Example() {
	ctx := context.Background()
	conn, err := openwire.Dial(ctx, "tcp://localhost:61616", openwire.WithCredentials("guest", "guest"))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	sess, err := conn.CreateSession(ctx, openwire.AutoAck)
	if err != nil {
		log.Fatal(err)
	}
	orders := openwire.Queue("orders")
	prod, err := sess.CreateProducer(ctx, orders)
	if err != nil {
		log.Fatal(err)
	}
	msg := openwire.NewTextMessage("order 42")
	msg.Properties = map[string]any{"priority": "high", "items": int32(3)}
	if err := prod.Send(ctx, msg); err != nil { // persistent: waits for the broker
		log.Fatal(err)
	}
	cons, err := sess.CreateConsumer(ctx, orders, openwire.Selector("priority = 'high'"))
	if err != nil {
		log.Fatal(err)
	}
	got, err := cons.Receive(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.Text(), got.Properties["items"])
}

func ExampleSession_Commit() {
	ctx := context.Background()
	conn, err := openwire.Dial(ctx, "tcp://localhost:61616")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.CreateSession(ctx, openwire.Transacted)
	if err != nil {
		log.Fatal(err)
	}
	in, _ := tx.CreateConsumer(ctx, openwire.Queue("in"))
	out, _ := tx.CreateProducer(ctx, openwire.Queue("out"))
	m, err := in.Receive(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if err := out.Send(ctx, openwire.NewTextMessage("processed: "+m.Text())); err != nil {
		tx.Rollback(ctx) // m is delivered again, Redelivered() == true
		return
	}
	// The receive and the send take effect together.
	if err := tx.Commit(ctx); err != nil {
		log.Fatal(err)
	}
}

func ExampleConn_CreateTempQueue() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := openwire.Dial(ctx, "failover:(tcp://localhost:61616,tcp://localhost:61617)")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	sess, _ := conn.CreateSession(ctx, openwire.AutoAck)
	replyTo, err := conn.CreateTempQueue(ctx)
	if err != nil {
		log.Fatal(err)
	}
	replies, _ := sess.CreateConsumer(ctx, replyTo)
	prod, _ := sess.CreateProducer(ctx, openwire.Queue("service"))
	req := openwire.NewTextMessage("ping")
	req.ReplyTo = replyTo
	if err := prod.Send(ctx, req); err != nil {
		log.Fatal(err)
	}
	resp, err := replies.Receive(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.CorrelationID == req.ID, resp.Text())
}

func ExampleSession_CreateDurableSubscriber() {
	ctx := context.Background()
	conn, err := openwire.Dial(ctx, "tcp://localhost:61616", openwire.WithClientID("billing"))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	sess, _ := conn.CreateSession(ctx, openwire.ClientAck)
	sub, err := sess.CreateDurableSubscriber(ctx, openwire.Topic("invoices"), "billing-sub")
	if err != nil {
		log.Fatal(err)
	}
	sub.Listen(func(m *openwire.Message) {
		fmt.Println(m.Text())
		m.Ack(ctx) // acknowledges everything the session delivered so far
	})
}
