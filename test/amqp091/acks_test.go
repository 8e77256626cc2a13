package amqp091_test

import (
	"slices"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

// settleAndClose closes ch (requeueing whatever it still holds) and returns
// the queue's contents afterwards, drained through another channel.
func settleAndClose(t *testing.T, s *session, ch *amqp.Channel, q string) []string {
	t.Helper()
	if err := ch.Close(); err != nil {
		t.Fatalf("close channel: %v", err)
	}
	return getBodies(t, s.channel(), q)
}

func TestAckRemovesTheMessageForGood(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, "a", "b")
	c := s.channel()
	if err := get(t, c, q, false).Ack(false); err != nil {
		t.Fatalf("ack: %v", err)
	}
	if got := settleAndClose(t, s, c, q); !slices.Equal(got, bodies("b")) {
		t.Errorf("after acking a the queue holds %q, want [b]", got)
	}
}

func TestMultipleAckAcknowledgesEverythingUpToTheTag(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, numbered(4)...)
	c := s.channel()
	d := consume(t, c, q, false, nil)
	var ms []amqp.Delivery
	for range 4 {
		ms = append(ms, recv(t, d, "delivery"))
	}
	if err := ms[2].Ack(true); err != nil {
		t.Fatalf("multiple ack: %v", err)
	}
	if got := settleAndClose(t, s, c, q); !slices.Equal(got, bodies("3")) {
		t.Errorf("after ack multiple of tag 3 the queue holds %q, want [3]", got)
	}
}

func TestSingleAckLeavesEarlierTagsUnacked(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, numbered(3)...)
	c := s.channel()
	d := consume(t, c, q, false, nil)
	recv(t, d, "0")
	m := recv(t, d, "1")
	recv(t, d, "2")
	if err := m.Ack(false); err != nil {
		t.Fatalf("ack: %v", err)
	}
	if got := settleAndClose(t, s, c, q); !slices.Equal(got, bodies("0", "2")) {
		t.Errorf("after acking only 1 the queue holds %q, want [0 2] in order", got)
	}
}

func TestNackWithoutRequeueDiscards(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, "gone", "kept")
	c := s.channel()
	if err := get(t, c, q, false).Nack(false, false); err != nil {
		t.Fatalf("nack: %v", err)
	}
	if got := settleAndClose(t, s, c, q); !slices.Equal(got, bodies("kept")) {
		t.Errorf("queue holds %q, want [kept]", got)
	}
}

func TestNackWithRequeueRedeliversAtTheHeadMarkedRedelivered(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, "first", "second")
	m := get(t, s.ch, q, false)
	if m.Redelivered {
		t.Fatal("first delivery already marked redelivered")
	}
	if err := m.Nack(false, true); err != nil {
		t.Fatalf("nack requeue: %v", err)
	}
	again := get(t, s.ch, q, false)
	if string(again.Body) != "first" || !again.Redelivered {
		t.Errorf("after nack requeue got %q redelivered=%v, want first redelivered=true", again.Body, again.Redelivered)
	}
}

func TestMultipleNackRequeuesAllInOriginalOrder(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, numbered(3)...)
	c := s.channel()
	d := consume(t, c, q, false, nil)
	var last amqp.Delivery
	for range 3 {
		last = recv(t, d, "first round")
	}
	if err := last.Nack(true, true); err != nil {
		t.Fatalf("nack multiple: %v", err)
	}
	for i, want := range numbered(3) {
		m := recv(t, d, "redelivery")
		if string(m.Body) != want || !m.Redelivered {
			t.Errorf("redelivery %d: %q redelivered=%v, want %q redelivered=true", i, m.Body, m.Redelivered, want)
		}
	}
}

func TestRejectWithRequeueSetsTheRedeliveredFlag(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, "m")
	d := consume(t, s.ch, q, false, nil)
	if err := recv(t, d, "first").Reject(true); err != nil {
		t.Fatalf("reject: %v", err)
	}
	m := recv(t, d, "after reject requeue")
	if string(m.Body) != "m" || !m.Redelivered {
		t.Errorf("got %q redelivered=%v, want m redelivered=true", m.Body, m.Redelivered)
	}
}

func TestAckOfAnUnknownDeliveryTagFails406(t *testing.T) {
	s := newSession(t)
	notify := s.ch.NotifyClose(make(chan *amqp.Error, 1))
	if err := s.ch.Ack(99, false); err != nil {
		t.Fatalf("ack: %v", err)
	}
	e := channelClosedAsync(t, s.conn, notify, codePreconditionFailed, "ack of delivery tag 99")
	if !strings.Contains(e.Reason, "unknown delivery tag 99") {
		t.Errorf("reason %q, want it to name the unknown delivery tag 99", e.Reason)
	}
}

func TestDoubleAckFails406(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, "m")
	notify := s.ch.NotifyClose(make(chan *amqp.Error, 1))
	m := get(t, s.ch, q, false)
	if err := m.Ack(false); err != nil {
		t.Fatalf("ack: %v", err)
	}
	if err := m.Ack(false); err != nil {
		t.Fatalf("second ack (client side): %v", err)
	}
	channelClosedAsync(t, s.conn, notify, codePreconditionFailed, "second ack of the same tag")
}

func TestClosingAChannelRequeuesItsUnackedMessagesAsRedelivered(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, numbered(3)...)
	c := s.channel()
	d := consume(t, c, q, false, nil)
	recvBodies(t, d, 3, false)
	if err := c.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	d2 := consume(t, s.channel(), q, false, nil)
	for _, want := range numbered(3) {
		m := recv(t, d2, "redelivery after channel close")
		if string(m.Body) != want || !m.Redelivered {
			t.Errorf("got %q redelivered=%v, want %q redelivered=true", m.Body, m.Redelivered, want)
		}
	}
}

func TestRecoverWithRequeueRedeliversUnacked(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, "a", "b")
	d := consume(t, s.ch, q, false, nil)
	recvBodies(t, d, 2, false)
	//lint:ignore SA1019 basic.recover is deprecated, but clients still send it and brokers must answer.
	if err := s.ch.Recover(true); err != nil {
		t.Fatalf("basic.recover: %v", err)
	}
	for _, want := range []string{"a", "b"} {
		m := recv(t, d, "after basic.recover")
		if string(m.Body) != want || !m.Redelivered {
			t.Errorf("got %q redelivered=%v, want %q redelivered=true", m.Body, m.Redelivered, want)
		}
		if err := m.Ack(false); err != nil {
			t.Fatalf("ack: %v", err)
		}
	}
	noDelivery(t, d, "after acking the recovered messages")
}

func TestBasicGetReturnsDeliveryFieldsAndRemainingCount(t *testing.T) {
	s := newSession(t)
	x := s.exchange("x", "direct", nil)
	q := s.queue("q", nil)
	s.bind(q, "k", x, nil)
	s.sendBodies(x, "k", "1", "2", "3")
	for i, want := range []struct {
		body      string
		remaining int
	}{{"1", 2}, {"2", 1}, {"3", 0}} {
		m := get(t, s.ch, q, false)
		if string(m.Body) != want.body || m.MessageCount != uint32(want.remaining) ||
			m.Exchange != x || m.RoutingKey != "k" || m.Redelivered || m.DeliveryTag != uint64(i+1) {
			t.Errorf("get %d: body %q count %d exchange %q key %q redelivered %v tag %d; want %q %d %q k false %d",
				i+1, m.Body, m.MessageCount, m.Exchange, m.RoutingKey, m.Redelivered, m.DeliveryTag,
				want.body, want.remaining, x, i+1)
		}
	}
	if _, ok, err := s.ch.Get(q, false); err != nil || ok {
		t.Errorf("get on an empty queue: ok=%v err=%v, want get-empty", ok, err)
	}
}

func TestBasicGetWithNoAckSettlesImmediately(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, "m")
	c := s.channel()
	if m := get(t, c, q, true); string(m.Body) != "m" {
		t.Fatalf("got %q", m.Body)
	}
	if got := settleAndClose(t, s, c, q); len(got) != 0 {
		t.Errorf("a no-ack get left %q to requeue", got)
	}
}
