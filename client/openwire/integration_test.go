package openwire

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// allProperties has one property of every JMS property type.
func allProperties() map[string]any {
	return map[string]any{
		"b": true, "y": int8(-7), "s": int16(-300), "i": int32(70000), "l": int64(1) << 40,
		"f": float32(1.5), "d": float64(2.25), "str": "héllo \u0000 😀",
	}
}

func TestEveryBodyKindAndPropertyTypeRoundTrips(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		c := dial(t, b.url)
		s := session(t, c, AutoAck)
		q := Queue(destName(t, "bodies"))
		cons := consumer(t, s, q)
		p := producer(t, s, q)
		sent := []*Message{
			NewMessage(),
			NewTextMessage("text 😀 \u0000 end"),
			NewBytesMessage([]byte{0, 1, 2, 0xff}),
			NewMapMessage(map[string]any{"k": "v", "n": int32(5), "d": 1.0, "f": float32(1), "raw": []byte{9}, "t": true}),
			NewStreamMessage(int32(1), "s", true, int64(-2), []byte{1, 2}, float64(3.5)),
			NewObjectMessage([]byte{0xac, 0xed, 0x00, 0x05, 0x74, 0x00, 0x01, 0x78}),
		}
		for i, m := range sent {
			m.Properties = allProperties()
			m.Properties["index"] = int32(i)
			m.CorrelationID = fmt.Sprintf("corr-%d", i)
			m.Type = "kind-" + m.Kind().String()
			if err := p.Send(testCtx(t), m); err != nil {
				t.Fatalf("send %v: %v", m.Kind(), err)
			}
		}
		for i, want := range sent {
			got := receive(t, cons)
			if got.BodyErr() != nil {
				t.Fatalf("message %d: %v", i, got.BodyErr())
			}
			if got.Kind() != want.Kind() || got.ID != want.ID || got.CorrelationID != want.CorrelationID || got.Type != want.Type {
				t.Errorf("message %d: got kind %v id %s corr %q type %q, want %v %s %q %q",
					i, got.Kind(), got.ID, got.CorrelationID, got.Type, want.Kind(), want.ID, want.CorrelationID, want.Type)
			}
			if got.Destination != q || !got.Persistent || got.Priority != 4 || got.Redelivered() {
				t.Errorf("message %d headers: dest %v persistent %v priority %d redelivered %v", i, got.Destination, got.Persistent, got.Priority, got.Redelivered())
			}
			if got.Timestamp.IsZero() || time.Since(got.Timestamp) > time.Minute {
				t.Errorf("message %d: timestamp %v", i, got.Timestamp)
			}
			for k, v := range want.Properties {
				if !reflect.DeepEqual(got.Properties[k], v) {
					t.Errorf("message %d property %q = %#v, want %#v", i, k, got.Properties[k], v)
				}
			}
			switch want.Kind() {
			case BodyText:
				if got.Text() != want.Text() {
					t.Errorf("text = %q, want %q", got.Text(), want.Text())
				}
			case BodyBytes, BodyObject:
				if !reflect.DeepEqual(got.Bytes(), want.Bytes()) {
					t.Errorf("%v body = %x, want %x", want.Kind(), got.Bytes(), want.Bytes())
				}
			case BodyMap:
				if !reflect.DeepEqual(got.Map(), want.Map()) {
					t.Errorf("map = %#v, want %#v", got.Map(), want.Map())
				}
			case BodyStream:
				if !reflect.DeepEqual(got.Stream(), want.Stream()) {
					t.Errorf("stream = %#v, want %#v", got.Stream(), want.Stream())
				}
			}
		}
	})
}

func TestSendRejectsPropertyOfUnsupportedGoType(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		c := dial(t, b.url)
		s := session(t, c, AutoAck)
		p := producer(t, s, Queue(destName(t, "q")))
		m := NewTextMessage("x")
		m.Properties = map[string]any{"n": 5} // Go int: no JMS type
		if err := p.Send(testCtx(t), m); err == nil {
			t.Fatal("send with an int property succeeded")
		}
		// The connection is still usable.
		sendText(t, p, "after")
	})
}

func TestQueueDeliversThousandMessagesInOrder(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		c := dial(t, b.url)
		s := session(t, c, AutoAck)
		q := Queue(destName(t, "fifo"))
		p := producer(t, s, q, Persistent(false))
		for i := range 1000 {
			if err := p.Send(testCtx(t), NewTextMessage(fmt.Sprint(i))); err != nil {
				t.Fatal(err)
			}
		}
		cons := consumer(t, session(t, dial(t, b.url), AutoAck), q)
		for i := range 1000 {
			if got := receive(t, cons).Text(); got != fmt.Sprint(i) {
				t.Fatalf("message %d: got %q", i, got)
			}
		}
		expectNothing(t, cons, 200*time.Millisecond)
	})
}

func TestTopicFansOutToEverySubscriber(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		c := dial(t, b.url)
		s := session(t, c, AutoAck)
		tp := Topic(destName(t, "news"))
		subs := []*Consumer{consumer(t, s, tp), consumer(t, s, tp), consumer(t, session(t, dial(t, b.url), AutoAck), tp)}
		sendText(t, producer(t, s, tp), "a", "b", "c")
		for i, sub := range subs {
			if got := receiveTexts(t, sub, 3); !slices.Equal(got, []string{"a", "b", "c"}) {
				t.Errorf("subscriber %d got %q", i, got)
			}
		}
	})
}

func TestDurableSubscriberGetsMessagesSentWhileOffline(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		clientID := destName(t, "client")
		tp := Topic(destName(t, "events"))
		sub := dial(t, b.url, WithClientID(clientID))
		ss := session(t, sub, AutoAck)
		d, err := ss.CreateDurableSubscriber(testCtx(t), tp, "sub1")
		if err != nil {
			t.Fatal(err)
		}
		pub := session(t, dial(t, b.url), AutoAck)
		p := producer(t, pub, tp)
		sendText(t, p, "online")
		if got := receive(t, d).Text(); got != "online" {
			t.Fatalf("got %q", got)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		sendText(t, p, "offline-1", "offline-2")
		d, err = ss.CreateDurableSubscriber(testCtx(t), tp, "sub1")
		if err != nil {
			t.Fatal(err)
		}
		if got := receiveTexts(t, d, 2); !slices.Equal(got, []string{"offline-1", "offline-2"}) {
			t.Fatalf("after reattaching got %q", got)
		}
		if err := ss.Unsubscribe(testCtx(t), "sub1"); err == nil {
			t.Fatal("unsubscribe of an active subscription succeeded")
		}
		d.Close()
		if err := ss.Unsubscribe(testCtx(t), "sub1"); err != nil {
			t.Fatalf("unsubscribe: %v", err)
		}
		sendText(t, p, "gone")
		d, err = ss.CreateDurableSubscriber(testCtx(t), tp, "sub1")
		if err != nil {
			t.Fatal(err)
		}
		expectNothing(t, d, 300*time.Millisecond)
	})
}

func TestDurableSubscriberNeedsClientID(t *testing.T) {
	c := &Conn{o: defaultOptions()}
	s := &Session{conn: c}
	if _, err := s.CreateDurableSubscriber(context.Background(), Topic("t"), "n"); !errors.Is(err, ErrNoClientID) {
		t.Fatalf("err = %v, want ErrNoClientID", err)
	}
}

func TestSelectorDeliversOnlyMatchingMessages(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		c := dial(t, b.url)
		s := session(t, c, AutoAck)
		q := Queue(destName(t, "sel"))
		red := consumer(t, s, q, Selector("color = 'red' AND weight > 2"))
		p := producer(t, s, q)
		for i, props := range []map[string]any{
			{"color": "red", "weight": int32(1)},
			{"color": "red", "weight": int32(5)},
			{"color": "blue", "weight": int32(9)},
			{"color": "red", "weight": int64(3)},
		} {
			m := NewTextMessage(fmt.Sprint(i))
			m.Properties = props
			if err := p.Send(testCtx(t), m); err != nil {
				t.Fatal(err)
			}
		}
		if got := receiveTexts(t, red, 2); !slices.Equal(got, []string{"1", "3"}) {
			t.Fatalf("selector delivered %q", got)
		}
		expectNothing(t, red, 200*time.Millisecond)
	})
}

func TestClientAckRecoverRedeliversWithRedeliveredFlag(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		c := dial(t, b.url)
		s := session(t, c, ClientAck)
		q := Queue(destName(t, "ca"))
		cons := consumer(t, s, q)
		sendText(t, producer(t, s, q), "1", "2", "3")
		first := receiveTexts(t, cons, 2)
		if err := s.Recover(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		var again []string
		for range 3 {
			m := receive(t, cons)
			again = append(again, m.Text())
			if want := m.Text() != "3"; m.Redelivered() != want || (want && m.RedeliveryCounter != 1) {
				t.Errorf("message %s: redelivered %v counter %d", m.Text(), m.Redelivered(), m.RedeliveryCounter)
			}
			if m.Text() == "3" {
				if err := m.Ack(testCtx(t)); err != nil {
					t.Fatal(err)
				}
			}
		}
		if !slices.Equal(first, []string{"1", "2"}) || !slices.Equal(again, []string{"1", "2", "3"}) {
			t.Fatalf("first %q, after recover %q", first, again)
		}
		// Everything was acknowledged: a new consumer gets nothing.
		cons.Close()
		expectNothing(t, consumer(t, session(t, c, AutoAck), q), 300*time.Millisecond)
	})
}

func TestClientAckWithoutAckRedeliversAfterClose(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		c := dial(t, b.url)
		s := session(t, c, ClientAck)
		q := Queue(destName(t, "ca"))
		sendText(t, producer(t, s, q), "1", "2")
		cons := consumer(t, s, q)
		receiveTexts(t, cons, 2)
		s.Close()
		again := consumer(t, session(t, c, AutoAck), q)
		for _, want := range []string{"1", "2"} {
			m := receive(t, again)
			if m.Text() != want || !m.Redelivered() {
				t.Errorf("got %q redelivered %v, want %q redelivered", m.Text(), m.Redelivered(), want)
			}
		}
	})
}

func TestIndividualAckAcknowledgesOnlyThatMessage(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		c := dial(t, b.url)
		s := session(t, c, IndividualAck)
		q := Queue(destName(t, "ia"))
		sendText(t, producer(t, s, q), "1", "2", "3")
		cons := consumer(t, s, q)
		var second *Message
		for range 3 {
			if m := receive(t, cons); m.Text() == "2" {
				second = m
			}
		}
		if err := second.Ack(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		s.Close()
		rest := consumer(t, session(t, c, AutoAck), q)
		if got := receiveTexts(t, rest, 2); !slices.Equal(got, []string{"1", "3"}) {
			t.Fatalf("after acking only 2, got %q", got)
		}
		expectNothing(t, rest, 200*time.Millisecond)
	})
}

func TestTransactionCommitPublishesAndRollbackDiscards(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		c := dial(t, b.url)
		tx := session(t, c, Transacted)
		q := Queue(destName(t, "tx"))
		p := producer(t, tx, q)
		watcher := consumer(t, session(t, dial(t, b.url), ClientAck), q)
		sendText(t, p, "rolled-back")
		if err := tx.Rollback(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		sendText(t, p, "committed-1", "committed-2")
		expectNothing(t, watcher, 200*time.Millisecond)
		if err := tx.Commit(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if got := receiveTexts(t, watcher, 2); !slices.Equal(got, []string{"committed-1", "committed-2"}) {
			t.Fatalf("after commit got %q", got)
		}
		expectNothing(t, watcher, 200*time.Millisecond)
	})
}

func TestTransactionRollbackRedeliversConsumedMessages(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		c := dial(t, b.url)
		q := Queue(destName(t, "tx"))
		sendText(t, producer(t, session(t, c, AutoAck), q), "a", "b")
		tx := session(t, c, Transacted)
		cons := consumer(t, tx, q)
		if got := receiveTexts(t, cons, 2); !slices.Equal(got, []string{"a", "b"}) {
			t.Fatalf("got %q", got)
		}
		if err := tx.Rollback(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"a", "b"} {
			m := receive(t, cons)
			if m.Text() != want || !m.Redelivered() || m.RedeliveryCounter != 1 {
				t.Fatalf("got %q redelivered %v counter %d, want %q redelivered once", m.Text(), m.Redelivered(), m.RedeliveryCounter, want)
			}
		}
		if err := tx.Commit(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		cons.Close()
		expectNothing(t, consumer(t, session(t, c, AutoAck), q), 300*time.Millisecond)
	})
}

func TestTempQueueRequestReply(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		q := Queue(destName(t, "service"))
		server := session(t, dial(t, b.url), AutoAck)
		requests := consumer(t, server, q)
		replies := producer(t, server, Destination{})
		go func() {
			for {
				req, err := requests.Receive(context.Background())
				if err != nil {
					return
				}
				resp := NewTextMessage("echo " + req.Text())
				resp.CorrelationID = req.ID
				replies.SendTo(context.Background(), req.ReplyTo, resp)
			}
		}()
		c := dial(t, b.url)
		s := session(t, c, AutoAck)
		tmp, err := c.CreateTempQueue(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if tmp.Kind != TempQueueKind {
			t.Fatalf("temp queue kind %v", tmp.Kind)
		}
		in := consumer(t, s, tmp)
		req := NewTextMessage("ping")
		req.ReplyTo = tmp
		if err := producer(t, s, q).Send(testCtx(t), req); err != nil {
			t.Fatal(err)
		}
		resp := receive(t, in)
		if resp.Text() != "echo ping" || resp.CorrelationID != req.ID || resp.Destination != tmp {
			t.Fatalf("reply %q corr %q dest %v; request id %s", resp.Text(), resp.CorrelationID, resp.Destination, req.ID)
		}
		in.Close()
		if err := c.DeleteTempDestination(testCtx(t), tmp); err != nil {
			t.Fatalf("delete temp queue: %v", err)
		}
		topic, err := c.CreateTempTopic(testCtx(t))
		if err != nil || topic.Kind != TempTopicKind {
			t.Fatalf("temp topic %v: %v", topic, err)
		}
	})
}

func TestBrowserSeesMessagesWithoutConsuming(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		c := dial(t, b.url)
		s := session(t, c, AutoAck)
		q := Queue(destName(t, "browse"))
		p := producer(t, s, q)
		for i, color := range []string{"red", "blue", "red"} {
			m := NewTextMessage(fmt.Sprint(i))
			m.Properties = map[string]any{"color": color}
			if err := p.Send(testCtx(t), m); err != nil {
				t.Fatal(err)
			}
		}
		browse := func(opts ...ConsumerOption) []string {
			br, err := s.CreateBrowser(testCtx(t), q, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer br.Close()
			var got []string
			for {
				m, err := br.Next(testCtx(t))
				if err != nil {
					if !errors.Is(err, errEOF) {
						t.Fatalf("browse: %v", err)
					}
					return got
				}
				got = append(got, m.Text())
			}
		}
		if got := browse(); !slices.Equal(got, []string{"0", "1", "2"}) {
			t.Fatalf("browse got %q", got)
		}
		if got := browse(Selector("color = 'red'")); !slices.Equal(got, []string{"0", "2"}) {
			t.Fatalf("browse with selector got %q", got)
		}
		if got := receiveTexts(t, consumer(t, s, q), 3); !slices.Equal(got, []string{"0", "1", "2"}) {
			t.Fatalf("consuming after browsing got %q", got)
		}
	})
}

func TestPrefetchZeroPullsEachMessage(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		c := dial(t, b.url)
		s := session(t, c, AutoAck)
		q := Queue(destName(t, "pull"))
		pull := consumer(t, s, q, PrefetchSize(0))
		other := consumer(t, session(t, dial(t, b.url), AutoAck), q, PrefetchSize(0))
		sendText(t, producer(t, s, q), "1", "2")
		// Nothing was prefetched: each consumer pulls exactly one.
		if a, b := receive(t, pull).Text(), receive(t, other).Text(); !slices.Equal([]string{a, b}, []string{"1", "2"}) {
			t.Fatalf("pulled %q then %q", a, b)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if _, err := pull.Receive(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("receive on an empty queue: %v, want DeadlineExceeded", err)
		}
		if err := pull.Listen(func(*Message) {}); !errors.Is(err, ErrListener) {
			t.Fatalf("Listen with prefetch 0: %v", err)
		}
	})
}

func TestExpiredMessagesAreNotDelivered(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		c := dial(t, b.url)
		s := session(t, c, AutoAck)
		q := Queue(destName(t, "ttl"))
		p := producer(t, s, q)
		if err := p.Send(testCtx(t), NewTextMessage("short"), TimeToLive(50*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		m := NewTextMessage("long")
		if err := p.Send(testCtx(t), m, TimeToLive(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if d := m.Expiration.Sub(m.Timestamp); d != time.Hour {
			t.Fatalf("expiration - timestamp = %v", d)
		}
		time.Sleep(200 * time.Millisecond)
		cons := consumer(t, s, q)
		if got := receive(t, cons).Text(); got != "long" {
			t.Fatalf("got %q, want the unexpired message", got)
		}
		expectNothing(t, cons, 200*time.Millisecond)
	})
}

func TestListenCallsBackForEachMessage(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		c := dial(t, b.url)
		s := session(t, c, AutoAck)
		q := Queue(destName(t, "listen"))
		cons := consumer(t, s, q)
		got := make(chan string, 3)
		if err := cons.Listen(func(m *Message) { got <- m.Text() }); err != nil {
			t.Fatal(err)
		}
		if _, err := cons.Receive(testCtx(t)); !errors.Is(err, ErrListener) {
			t.Fatalf("Receive on a listening consumer: %v", err)
		}
		sendText(t, producer(t, s, q), "x", "y", "z")
		var texts []string
		for range 3 {
			select {
			case s := <-got:
				texts = append(texts, s)
			case <-time.After(10 * time.Second):
				t.Fatalf("listener got only %q", texts)
			}
		}
		if !slices.Equal(texts, []string{"x", "y", "z"}) {
			t.Fatalf("listener got %q", texts)
		}
	})
}

func TestAsyncSendsArriveAndSendAsyncReportsReceipt(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		c := dial(t, b.url)
		s := session(t, c, AutoAck)
		q := Queue(destName(t, "async"))
		// 20 messages of about 1 KiB in the broker's estimate overflow a
		// 4 KiB window many times: sending on needs ProducerAcks.
		p := producer(t, s, q, AsyncSend(), WindowSize(4096))
		var want []string
		for i := range 20 {
			want = append(want, fmt.Sprint(i))
		}
		sendText(t, p, want...)
		done := make(chan error, 1)
		if err := p.SendAsync(testCtx(t), NewTextMessage("last"), func(err error) { done <- err }); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("receipt: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no receipt for SendAsync")
		}
		if got := receiveTexts(t, consumer(t, s, q), 21); !slices.Equal(got, append(want, "last")) {
			t.Fatalf("got %q", got)
		}
	})
}

func TestWrongPasswordIsRefused(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := Dial(ctx, b.url, WithCredentials("guest", "wrong"))
		var be *BrokerError
		if !errors.As(err, &be) || be.Class != "java.lang.SecurityException" {
			t.Fatalf("dial with a wrong password: %v", err)
		}
	})
}

func TestFailoverReconnectsAfterBrokerRestart(t *testing.T) {
	eachBroker(t, func(t *testing.T, b *broker) {
		errs := make(chan error, 16)
		c := dial(t, "failover:("+b.url+")?initialReconnectDelay=50&maxReconnectDelay=500",
			WithErrorHandler(func(err error) {
				select {
				case errs <- err:
				default:
				}
			}))
		s := session(t, c, AutoAck)
		q := Queue(destName(t, "fo"))
		p := producer(t, s, q)
		cons := consumer(t, s, q)
		sendText(t, p, "before")
		if got := receive(t, cons).Text(); got != "before" {
			t.Fatalf("got %q", got)
		}
		tx := session(t, c, Transacted)
		txp := producer(t, tx, q)
		sendText(t, txp, "lost in failover")

		b.restart(t)
		select {
		case <-errs:
		case <-time.After(10 * time.Second):
			t.Fatal("no link failure reported")
		}
		// The same producer and consumer work on the new connection.
		sendText(t, p, "after")
		if got := receive(t, cons).Text(); got != "after" {
			t.Fatalf("after restart got %q", got)
		}
		if err := tx.Commit(testCtx(t)); !errors.Is(err, ErrTransactionRolledBack) {
			t.Fatalf("commit of a transaction open across the failover: %v", err)
		}
		sendText(t, txp, "committed")
		if err := tx.Commit(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if got := receive(t, cons).Text(); got != "committed" {
			t.Fatalf("got %q", got)
		}
	})
}
