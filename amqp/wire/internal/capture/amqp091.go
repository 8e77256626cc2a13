package main

import (
	"bytes"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// everyType is a headers table with one value of every type amqp091-go
// can send.
func everyType() amqp.Table {
	return amqp.Table{
		"bool":    true,
		"int8":    int8(-8),
		"uint8":   uint8(8),
		"int16":   int16(-16),
		"uint16":  uint16(16),
		"int32":   int32(-32),
		"uint32":  uint32(32),
		"int64":   int64(-64),
		"float32": float32(3.5),
		"float64": 6.25,
		"decimal": amqp.Decimal{Scale: 2, Value: 12345},
		"string":  "text",
		"bytes":   []byte{0, 1, 2},
		"time":    time.Unix(1700000000, 0),
		"table":   amqp.Table{"nested": "yes"},
		"array":   []any{int32(1), "two", true},
		"void":    nil,
	}
}

func fullPublishing(body []byte) amqp.Publishing {
	return amqp.Publishing{
		Headers:         everyType(),
		ContentType:     "application/octet-stream",
		ContentEncoding: "identity",
		DeliveryMode:    amqp.Persistent,
		Priority:        5,
		CorrelationId:   "corr-1",
		ReplyTo:         "reply.q",
		Expiration:      "600000",
		MessageId:       "msg-1",
		Timestamp:       time.Unix(1700000001, 0),
		Type:            "capture.type",
		UserId:          "guest", // RabbitMQ checks it against the login
		AppId:           "capture",
		Body:            body,
	}
}

func must(err error, what string) {
	if err != nil {
		panic(fmt.Sprintf("%s: %v", what, err))
	}
}

// runAmqp091 drives one connection through most of the protocol.
func runAmqp091(addr string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	cfg := amqp.Config{
		Heartbeat:  time.Second,
		FrameSize:  8192,
		Locale:     "en_US",
		Properties: amqp.Table{"connection_name": "junction-capture"},
	}
	conn, err := amqp.DialConfig("amqp://guest:guest@"+addr+"/", cfg)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	ch, err := conn.Channel()
	must(err, "channel")
	must(ch.Qos(10, 0, false), "qos")
	must(ch.ExchangeDeclare("capture.topic", "topic", false, true, false, false, amqp.Table{"alternate-exchange": "capture.ae"}), "exchange.declare")
	must(ch.ExchangeDeclare("capture.fanout", "fanout", false, true, false, false, nil), "exchange.declare fanout")
	must(ch.ExchangeBind("capture.fanout", "route.#", "capture.topic", false, amqp.Table{"bind-arg": int32(1)}), "exchange.bind")
	must(ch.ExchangeUnbind("capture.fanout", "route.#", "capture.topic", false, nil), "exchange.unbind")
	_, err = ch.QueueDeclare("capture.q", false, false, false, false, amqp.Table{"x-message-ttl": int32(600000), "x-max-priority": uint8(9)})
	must(err, "queue.declare")
	must(ch.QueueBind("capture.q", "route.#", "capture.topic", false, amqp.Table{"x-binding": "b"}), "queue.bind")
	deliveries, err := ch.Consume("capture.q", "ctag-1", false, false, false, false, amqp.Table{"x-priority": int32(5)})
	must(err, "basic.consume")

	pch, err := conn.Channel()
	must(err, "publish channel")
	must(pch.Confirm(false), "confirm.select")
	confirms := pch.NotifyPublish(make(chan amqp.Confirmation, 8))
	returns := pch.NotifyReturn(make(chan amqp.Return, 1))
	big := bytes.Repeat([]byte("0123456789"), 2000) // 20000 bytes: three body frames at frame-max 8192
	must(pch.Publish("capture.topic", "route.a", false, false, fullPublishing(big)), "publish big")
	must(pch.Publish("capture.topic", "route.b", false, false, amqp.Publishing{Body: []byte("second")}), "publish 2")
	must(pch.Publish("capture.topic", "route.c", false, false, amqp.Publishing{Headers: amqp.Table{"k": "v"}, Body: []byte("third")}), "publish 3")
	must(pch.Publish("capture.topic", "nowhere", true, false, amqp.Publishing{Body: []byte("unroutable")}), "publish mandatory")
	select {
	case <-returns:
	case <-time.After(5 * time.Second):
		return fmt.Errorf("no basic.return")
	}
	for i := 0; i < 4; i++ {
		select {
		case <-confirms:
		case <-time.After(5 * time.Second):
			return fmt.Errorf("confirm %d missing", i)
		}
	}
	var got []amqp.Delivery
	for len(got) < 3 {
		select {
		case d := <-deliveries:
			got = append(got, d)
		case <-time.After(5 * time.Second):
			return fmt.Errorf("only %d deliveries", len(got))
		}
	}
	must(got[0].Ack(false), "ack")
	must(got[1].Nack(false, false), "nack")
	must(got[2].Reject(false), "reject")
	must(ch.Cancel("ctag-1", false), "basic.cancel")

	must(pch.Publish("", "capture.q", false, false, amqp.Publishing{Body: []byte("get-1")}), "publish get-1")
	must(pch.Publish("", "capture.q", false, false, amqp.Publishing{Body: []byte("get-2")}), "publish get-2")
	for i := 0; i < 2; i++ {
		<-confirms
	}
	d, ok, err := ch.Get("capture.q", false)
	must(err, "basic.get")
	if !ok {
		return fmt.Errorf("basic.get found nothing")
	}
	must(d.Ack(false), "ack get")
	_, ok, err = ch.Get("capture.q", false)
	must(err, "basic.get 2")
	if !ok {
		return fmt.Errorf("second basic.get found nothing")
	}
	// The capture wants basic.recover on the wire, deprecated or not.
	//lint:ignore SA1019 recording the method is the point
	must(ch.Recover(true), "basic.recover")
	_, _, err = ch.Get("capture.q", true)
	must(err, "basic.get after recover")
	_, ok, err = ch.Get("capture.q", true)
	must(err, "basic.get empty")
	if ok {
		return fmt.Errorf("expected basic.get-empty")
	}

	tch, err := conn.Channel()
	must(err, "tx channel")
	must(tch.Tx(), "tx.select")
	must(tch.Publish("", "capture.q", false, false, amqp.Publishing{Body: []byte("tx-commit")}), "tx publish")
	must(tch.TxCommit(), "tx.commit")
	must(tch.Publish("", "capture.q", false, false, amqp.Publishing{Body: []byte("tx-rollback")}), "tx publish 2")
	must(tch.TxRollback(), "tx.rollback")
	_, err = ch.QueuePurge("capture.q", false)
	must(err, "queue.purge")

	// Deleting a queue under a consumer makes RabbitMQ send basic.cancel.
	_, err = ch.QueueDeclare("capture.cancelme", false, false, false, false, nil)
	must(err, "declare cancelme")
	cancels := ch.NotifyCancel(make(chan string, 1))
	_, err = ch.Consume("capture.cancelme", "ctag-2", true, false, false, false, nil)
	must(err, "consume cancelme")
	_, err = tch.QueueDelete("capture.cancelme", false, false, false)
	must(err, "delete cancelme")
	select {
	case <-cancels:
	case <-time.After(5 * time.Second):
		return fmt.Errorf("no server basic.cancel")
	}

	// A passive declare of a missing queue: the server closes the channel.
	xch, err := conn.Channel()
	must(err, "doomed channel")
	if _, err := xch.QueueDeclarePassive("capture.missing", false, false, false, false, nil); err == nil {
		return fmt.Errorf("passive declare of a missing queue succeeded")
	}

	time.Sleep(2500 * time.Millisecond) // let heartbeats flow both ways
	must(ch.QueueUnbind("capture.q", "route.#", "capture.topic", nil), "queue.unbind")
	_, err = ch.QueueDelete("capture.q", false, false, false)
	must(err, "queue.delete")
	must(ch.ExchangeDelete("capture.fanout", false, false), "exchange.delete")
	must(ch.ExchangeDelete("capture.topic", false, false), "exchange.delete topic")
	must(tch.Close(), "close tx channel")
	must(pch.Close(), "close publish channel")
	must(ch.Close(), "channel.close")
	return conn.Close()
}
