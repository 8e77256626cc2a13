package amqp091_test

import (
	"bytes"
	"reflect"
	"slices"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

func TestAllBasicPropertiesRoundTrip(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", amqp.Table{"x-max-priority": int32(9)})
	ts := time.Date(2024, 5, 17, 10, 30, 15, 0, time.UTC)
	sent := amqp.Publishing{
		ContentType:     "application/json",
		ContentEncoding: "gzip",
		DeliveryMode:    amqp.Persistent,
		Priority:        7,
		CorrelationId:   "corr-1",
		ReplyTo:         "reply.queue",
		Expiration:      "600000",
		MessageId:       "msg-1",
		Timestamp:       ts,
		Type:            "order.created",
		UserId:          "guest",
		AppId:           "suite",
		Headers:         amqp.Table{"h": "v"},
		Body:            []byte(`{"ok":true}`),
	}
	if _, user, _, _ := brokerAddr(t, s.url); user != "guest" {
		t.Skipf("user-id must name the connected user; connected as %q", user)
	}
	s.send("", q, sent)
	m := get(t, s.ch, q, true)
	got := amqp.Publishing{
		ContentType: m.ContentType, ContentEncoding: m.ContentEncoding, DeliveryMode: m.DeliveryMode,
		Priority: m.Priority, CorrelationId: m.CorrelationId, ReplyTo: m.ReplyTo, Expiration: m.Expiration,
		MessageId: m.MessageId, Timestamp: m.Timestamp.UTC(), Type: m.Type, UserId: m.UserId, AppId: m.AppId,
		Headers: m.Headers, Body: m.Body,
	}
	if !reflect.DeepEqual(got, sent) {
		t.Errorf("properties changed in transit:\n got %+v\nwant %+v", got, sent)
	}
}

func TestAbsentPropertiesStayAbsent(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, "bare")
	m := get(t, s.ch, q, true)
	if m.ContentType != "" || m.DeliveryMode != 0 || m.Priority != 0 || m.MessageId != "" ||
		!m.Timestamp.IsZero() || m.Headers != nil || m.Expiration != "" || m.UserId != "" {
		t.Errorf("a message published without properties arrived with some: %+v", m)
	}
}

func TestEveryHeaderValueTypeRoundTripsExactly(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	ts := time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)
	headers := amqp.Table{
		"bool-true":  true,
		"bool-false": false,
		"int8":       int8(-8),
		"uint8":      byte(200),
		"int16":      int16(-1600),
		"uint16":     uint16(60000),
		"int32":      int32(-320000),
		"uint32":     uint32(4000000000),
		"int64":      int64(-1 << 40),
		"float32":    float32(1.5),
		"float64":    float64(-2.25),
		"decimal":    amqp.Decimal{Scale: 2, Value: 12345},
		"string":     "héllo",
		"empty":      "",
		"bytes":      []byte{0, 1, 2, 0xff},
		"time":       ts,
		"nil":        nil,
		"table":      amqp.Table{"inner": "x", "n": int32(1), "deeper": amqp.Table{"b": true}},
		"array":      []any{"s", int32(1), int64(2), true, nil, amqp.Table{"k": "v"}, []any{"nested"}},
		"empty-arr":  []any{},
	}
	s.send("", q, amqp.Publishing{Headers: headers, Body: []byte("typed")})
	m := get(t, s.ch, q, true)
	for k, want := range headers {
		if k == "empty-arr" {
			want = []any(nil) // how amqp091-go decodes an empty array
		}
		got, ok := m.Headers[k]
		if !ok {
			t.Errorf("header %q missing", k)
			continue
		}
		if gt, ok := got.(time.Time); ok {
			got = gt.UTC()
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("header %q = %#v (%T), want %#v (%T)", k, got, got, want, want)
		}
	}
	if len(m.Headers) != len(headers) {
		t.Errorf("%d headers arrived, want %d", len(m.Headers), len(headers))
	}
}

func TestMandatoryUnroutableMessageIsReturnedWithNoRoute312(t *testing.T) {
	s := newSession(t)
	x := s.exchange("x", "direct", nil)
	returns := s.ch.NotifyReturn(make(chan amqp.Return, 1))
	ctx, cancel := ctxWait()
	defer cancel()
	err := s.ch.PublishWithContext(ctx, x, "nobody", true, false, amqp.Publishing{MessageId: "id-1", Body: []byte("bounce")})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	select {
	case r := <-returns:
		if r.ReplyCode != codeNoRoute || r.ReplyText != "NO_ROUTE" || r.Exchange != x ||
			r.RoutingKey != "nobody" || string(r.Body) != "bounce" || r.MessageId != "id-1" {
			t.Errorf("basic.return %d %q %q/%q body %q id %q; want 312 NO_ROUTE %q/nobody bounce id-1",
				r.ReplyCode, r.ReplyText, r.Exchange, r.RoutingKey, r.Body, r.MessageId, x)
		}
	case <-time.After(wait):
		t.Fatal("no basic.return for a mandatory unroutable message")
	}
}

func TestNonMandatoryUnroutableMessageIsDroppedSilently(t *testing.T) {
	s := newSession(t)
	x := s.exchange("x", "direct", nil)
	returns := s.ch.NotifyReturn(make(chan amqp.Return, 1))
	publish(t, s.ch, x, "nobody", amqp.Publishing{Body: []byte("dropped")})
	// A round trip on the same channel orders after the publish.
	if _, err := s.ch.QueueDeclare("", false, true, true, false, nil); err != nil {
		t.Fatalf("declare: %v", err)
	}
	select {
	case r := <-returns:
		t.Errorf("non-mandatory publish returned: %d %s", r.ReplyCode, r.ReplyText)
	default:
	}
}

func TestPublisherConfirmsAckEveryMessageInOrder(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	confirms := confirmed(t, s.ch)
	const n = 200
	publishBodies(t, s.ch, "", q, numbered(n)...)
	for i := 1; i <= n; i++ {
		// The broker may ack several tags with one multiple ack; the client
		// expands them, so each tag must appear once, in order.
		c := awaitConfirm(t, confirms)
		if c.DeliveryTag != uint64(i) || !c.Ack {
			t.Fatalf("confirmation %d = %+v, want ack of tag %d", i, c, i)
		}
	}
	waitReady(t, s.channel(), q, n)
}

func TestPublisherConfirmNacksAMessageRefusedByRejectPublish(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", amqp.Table{"x-max-length": int32(2), "x-overflow": "reject-publish"})
	confirms := confirmed(t, s.ch)
	publishBodies(t, s.ch, "", q, "1", "2", "3", "4")
	var acks []bool
	for range 4 {
		acks = append(acks, awaitConfirm(t, confirms).Ack)
	}
	if !reflect.DeepEqual(acks, []bool{true, true, false, false}) {
		t.Errorf("confirm acks %v, want [true true false false]", acks)
	}
}

func TestReturnArrivesBeforeTheConfirmOfAnUnroutableMandatoryMessage(t *testing.T) {
	s := newSession(t)
	x := s.exchange("x", "direct", nil)
	confirms := confirmed(t, s.ch)
	// Buffered: the client's reader hands the return over before it reads
	// the ack, so the ack being visible first would mean the broker sent it
	// first.
	returns := s.ch.NotifyReturn(make(chan amqp.Return, 1))
	ctx, cancel := ctxWait()
	defer cancel()
	if err := s.ch.PublishWithContext(ctx, x, "nobody", true, false, amqp.Publishing{Body: []byte("r")}); err != nil {
		t.Fatalf("publish: %v", err)
	}
	c := awaitConfirm(t, confirms)
	if !c.Ack || c.DeliveryTag != 1 {
		t.Errorf("confirm %+v, want ack of tag 1 (unroutable is still confirmed)", c)
	}
	select {
	case r := <-returns:
		if r.ReplyCode != codeNoRoute {
			t.Errorf("return code %d, want 312", r.ReplyCode)
		}
	default:
		t.Fatal("basic.ack arrived before basic.return")
	}
}

func TestTransactionalPublishesAppearOnlyOnCommit(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	tx := s.channel()
	if err := tx.Tx(); err != nil {
		t.Fatalf("tx.select: %v", err)
	}
	publishBodies(t, tx, "", q, "1", "2")
	if n, _ := ready(t, tx, q); n != 0 {
		t.Fatalf("%d messages visible before commit", n)
	}
	if err := tx.TxCommit(); err != nil {
		t.Fatalf("tx.commit: %v", err)
	}
	if n, _ := ready(t, s.ch, q); n != 2 {
		t.Fatalf("%d messages after commit, want 2", n)
	}
	publishBodies(t, tx, "", q, "rolled-back")
	if err := tx.TxRollback(); err != nil {
		t.Fatalf("tx.rollback: %v", err)
	}
	publishBodies(t, tx, "", q, "3")
	if err := tx.TxCommit(); err != nil {
		t.Fatalf("second tx.commit: %v", err)
	}
	if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("1", "2", "3")) {
		t.Errorf("queue holds %q, want [1 2 3]", got)
	}
}

func TestTransactionalAcksTakeEffectOnlyOnCommit(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, "a", "b")
	tx := s.channel()
	if err := tx.Tx(); err != nil {
		t.Fatalf("tx.select: %v", err)
	}
	a := get(t, tx, q, false)
	if err := a.Ack(false); err != nil {
		t.Fatalf("ack: %v", err)
	}
	if err := tx.TxRollback(); err != nil {
		t.Fatalf("tx.rollback: %v", err)
	}
	// A rolled-back ack leaves the message unacked on the channel (not
	// requeued), so acking it again in a new transaction is valid.
	if err := a.Ack(false); err != nil {
		t.Fatalf("ack again: %v", err)
	}
	b := get(t, tx, q, false)
	if err := b.Ack(false); err != nil {
		t.Fatalf("ack b: %v", err)
	}
	if err := tx.TxCommit(); err != nil {
		t.Fatalf("tx.commit: %v", err)
	}
	if got := settleAndClose(t, s, tx, q); len(got) != 0 {
		t.Errorf("after committing both acks the queue holds %q, want nothing", got)
	}
}

func TestRolledBackAckLeavesTheMessageUnacked(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, "a")
	tx := s.channel()
	if err := tx.Tx(); err != nil {
		t.Fatalf("tx.select: %v", err)
	}
	if err := get(t, tx, q, false).Ack(false); err != nil {
		t.Fatalf("ack: %v", err)
	}
	if err := tx.TxRollback(); err != nil {
		t.Fatalf("tx.rollback: %v", err)
	}
	if n, _ := ready(t, s.ch, q); n != 0 {
		t.Errorf("rollback requeued the message (%d ready); it must stay unacked", n)
	}
	if got := settleAndClose(t, s, tx, q); !slices.Equal(got, bodies("a")) {
		t.Errorf("closing the channel requeued %q, want [a]", got)
	}
}

func TestTxCommitOnANonTransactionalChannelFails406(t *testing.T) {
	s := newSession(t)
	err := s.ch.TxCommit()
	channelClosedWith(t, s.conn, err, codePreconditionFailed, "tx.commit without tx.select")
}

func TestCCAndBCCHeadersAddRoutingKeysAndBCCIsHidden(t *testing.T) {
	s := newSession(t)
	x := s.exchange("x", "direct", nil)
	main, cc, bcc := s.queue("main", nil), s.queue("cc", nil), s.queue("bcc", nil)
	s.bind(main, "k-main", x, nil)
	s.bind(cc, "k-cc", x, nil)
	s.bind(bcc, "k-bcc", x, nil)
	s.send(x, "k-main", amqp.Publishing{
		Headers: amqp.Table{"CC": []any{"k-cc"}, "BCC": []any{"k-bcc"}},
		Body:    []byte("m"),
	})
	for _, q := range []string{main, cc, bcc} {
		m := get(t, s.ch, q, true)
		if string(m.Body) != "m" || m.RoutingKey != "k-main" {
			t.Errorf("%s got %q with key %q, want m with the original key k-main", q, m.Body, m.RoutingKey)
		}
		if _, ok := m.Headers["BCC"]; ok {
			t.Errorf("%s: BCC header visible to the consumer", q)
		}
		if !reflect.DeepEqual(m.Headers["CC"], []any{"k-cc"}) {
			t.Errorf("%s: CC header = %#v, want [k-cc]", q, m.Headers["CC"])
		}
	}
}

func TestUserIDMustMatchTheAuthenticatedUser406(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	notify := s.ch.NotifyClose(make(chan *amqp.Error, 1))
	publish(t, s.ch, "", q, amqp.Publishing{UserId: "mallory", Body: []byte("forged")})
	channelClosedAsync(t, s.conn, notify, codePreconditionFailed, "publish with a forged user-id")
	if n, _ := ready(t, s.channel(), q); n != 0 {
		t.Errorf("forged message was enqueued")
	}
}

func TestLargeMessageIsSplitAcrossFramesAndReassembled(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	body := make([]byte, 5<<20)
	for i := range body {
		body[i] = byte(i*7 + i>>11)
	}
	s.send("", q, amqp.Publishing{Body: body})
	m := get(t, s.ch, q, true)
	if !bytes.Equal(m.Body, body) {
		t.Errorf("5 MiB body changed in transit (got %d bytes)", len(m.Body))
	}
}

func TestZeroLengthBodyIsDelivered(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.send("", q, amqp.Publishing{MessageId: "empty", Body: nil})
	m := get(t, s.ch, q, true)
	if len(m.Body) != 0 || m.MessageId != "empty" {
		t.Errorf("got body %q id %q, want an empty body with id empty", m.Body, m.MessageId)
	}
}

func TestThousandMessagesArriveInPublishOrder(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	want := numbered(1000)
	publishBodies(t, s.ch, "", q, want...)
	d := consume(t, s.channel(), q, true, nil)
	got := recvBodies(t, d, len(want), false)
	if !slices.Equal(got, want) {
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("message %d is %q, want %q (FIFO broken)", i, got[i], want[i])
			}
		}
	}
	noDelivery(t, d, "after all 1000")
}
