package stomp_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3"
	amqp "github.com/rabbitmq/amqp091-go"
)

func TestQueueDeliversEveryMessageOnceInOrder(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := "/queue/" + name(t, "q")
	pub := b.dial(t)
	for i := 1; i <= 5; i++ {
		send(t, pub, q, fmt.Sprintf("m%d", i))
	}
	s := subscribe(t, b.dial(t), q, stomp.AckAuto)
	if got, want := recvBodies(t, s, 5), []string{"m1", "m2", "m3", "m4", "m5"}; !equal(got, want) {
		t.Errorf("received %v, want %v", got, want)
	}
	noMessage(t, s, "five messages sent")
}

func TestQueueSharesMessagesBetweenSubscribers(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := "/queue/" + name(t, "q")
	s1 := subscribe(t, b.dial(t), q, stomp.AckAuto)
	s2 := subscribe(t, b.dial(t), q, stomp.AckAuto)
	pub := b.dial(t)
	const n = 10
	for i := 0; i < n; i++ {
		send(t, pub, q, fmt.Sprintf("m%02d", i))
	}
	var all []string
	counts := [2]int{}
	for len(all) < n {
		select {
		case m := <-s1.C:
			all = append(all, string(m.Body))
			counts[0]++
		case m := <-s2.C:
			all = append(all, string(m.Body))
			counts[1]++
		case <-time.After(wait):
			t.Fatalf("received %d of %d messages: %v", len(all), n, all)
		}
	}
	noMessage(t, s1, "every message was delivered once")
	noMessage(t, s2, "every message was delivered once")
	sort.Strings(all)
	for i, body := range all {
		if want := fmt.Sprintf("m%02d", i); body != want {
			t.Fatalf("received %v, want m00..m09 each exactly once", all)
		}
	}
	if counts[0] == 0 || counts[1] == 0 {
		t.Errorf("deliveries per subscriber %v, want both to get some (round robin)", counts)
	}
}

func TestTopicFansOutToEverySubscriber(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	topic := "/topic/" + name(t, "t")
	s1 := subscribe(t, b.dial(t), topic, stomp.AckAuto)
	s2 := subscribe(t, b.dial(t), topic, stomp.AckAuto)
	pub := b.dial(t)
	for _, body := range []string{"a", "b", "c"} {
		send(t, pub, topic, body)
	}
	for i, s := range []*stomp.Subscription{s1, s2} {
		if got := recvBodies(t, s, 3); !equal(got, []string{"a", "b", "c"}) {
			t.Errorf("subscriber %d received %v, want [a b c]", i+1, got)
		}
		noMessage(t, s, "three messages sent")
	}
}

func TestTopicSubscriberDoesNotSeeEarlierMessages(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	topic := "/topic/" + name(t, "t")
	pub := b.dial(t)
	send(t, pub, topic, "before")
	s := subscribe(t, b.dial(t), topic, stomp.AckAuto)
	send(t, pub, topic, "after")
	if got := string(recv(t, s, "after subscribing").Body); got != "after" {
		t.Errorf("received %q, want only %q", got, "after")
	}
	noMessage(t, s, "one message sent after subscribing")
}

func TestTopicWildcardsMatchWords(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	root := strings.ReplaceAll(name(t, "w"), ".", "_")
	sent := []string{"a.b", "a.b.c", "a.x.c", "a.b.c.d", "z.b.c"}
	cases := []struct {
		pattern string
		want    []string
	}{
		{"a.*.c", []string{"a.b.c", "a.x.c"}},
		{"a.>", []string{"a.b", "a.b.c", "a.x.c", "a.b.c.d"}},
		{"a.#", []string{"a.b", "a.b.c", "a.x.c", "a.b.c.d"}},
		{"*.b.c", []string{"a.b.c", "z.b.c"}},
		{"a.b.c", []string{"a.b.c"}},
	}
	subs := make([]*stomp.Subscription, len(cases))
	for i, tc := range cases {
		subs[i] = subscribe(t, b.dial(t), "/topic/"+root+"."+tc.pattern, stomp.AckAuto)
	}
	pub := b.dial(t)
	for _, k := range sent {
		send(t, pub, "/topic/"+root+"."+k, k)
	}
	for i, tc := range cases {
		var got []string
		for range tc.want {
			m := recv(t, subs[i], "pattern "+tc.pattern)
			got = append(got, string(m.Body))
			if want := "/topic/" + root + "." + string(m.Body); m.Destination != want {
				t.Errorf("pattern %s: MESSAGE destination %q, want the concrete %q", tc.pattern, m.Destination, want)
			}
		}
		if !equal(got, tc.want) {
			t.Errorf("pattern %s received %v, want %v", tc.pattern, got, tc.want)
		}
		noMessage(t, subs[i], "pattern "+tc.pattern)
	}
}

func TestTempQueueRequestReplyAcrossConnections(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	service := "/queue/" + name(t, "svc")

	responder := b.dial(t)
	rs := subscribe(t, responder, service, stomp.AckAuto)

	requester := b.dial(t)
	replies := subscribe(t, requester, "/temp-queue/replies", stomp.AckAuto)
	send(t, requester, service, "ping", hdr("reply-to", "/temp-queue/replies"), hdr("correlation-id", "c-1"))

	req := recv(t, rs, "request at the responder")
	replyTo, _ := header(req, "reply-to")
	if !strings.HasPrefix(replyTo, "/queue/") || replyTo == "/queue/replies" {
		t.Fatalf("request reply-to %q, want /queue/<the requester's private queue>", replyTo)
	}
	wantHeader(t, req, "correlation-id", "c-1")

	// Another connection's /temp-queue/replies is a different queue.
	other := b.dial(t)
	others := subscribe(t, other, "/temp-queue/replies", stomp.AckAuto)

	send(t, responder, replyTo, "pong", hdr("correlation-id", "c-1"))
	rep := recv(t, replies, "reply at the requester")
	if string(rep.Body) != "pong" {
		t.Errorf("reply body %q, want pong", rep.Body)
	}
	wantHeader(t, rep, "correlation-id", "c-1")
	noMessage(t, others, "another connection's temp queue of the same name")
}

func TestExchangeDestinationRoutesByKey(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	k1, k2 := name(t, "k1"), name(t, "k2")
	s1 := subscribe(t, b.dial(t), "/exchange/amq.direct/"+k1, stomp.AckAuto)
	s2 := subscribe(t, b.dial(t), "/exchange/amq.direct/"+k2, stomp.AckAuto)
	pub := b.dial(t)
	send(t, pub, "/exchange/amq.direct/"+k1, "for k1")
	send(t, pub, "/exchange/amq.direct/"+k2, "for k2")
	m := recv(t, s1, "key k1")
	if string(m.Body) != "for k1" {
		t.Errorf("key %s received %q, want %q", k1, m.Body, "for k1")
	}
	if want := "/exchange/amq.direct/" + k1; m.Destination != want {
		t.Errorf("MESSAGE destination %q, want %q", m.Destination, want)
	}
	if got := string(recv(t, s2, "key k2").Body); got != "for k2" {
		t.Errorf("key %s received %q, want %q", k2, got, "for k2")
	}
	noMessage(t, s1, "one message per key")
	noMessage(t, s2, "one message per key")
}

func TestAmqQueueReachesAQueueDeclaredOverAMQP(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	qn := name(t, "declared")
	ch := b.amqpChannel(t)
	if _, err := ch.QueueDeclare(qn, false, false, false, false, nil); err != nil {
		t.Fatalf("declare %s: %v", qn, err)
	}
	c := b.dial(t)
	send(t, c, "/amq/queue/"+qn, "stomp to amqp")
	d, ok, err := ch.Get(qn, true)
	if err != nil || !ok || string(d.Body) != "stomp to amqp" {
		t.Fatalf("basic.get %s: ok=%v err=%v body=%q, want %q", qn, ok, err, d.Body, "stomp to amqp")
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := ch.PublishWithContext(ctx, "", qn, false, false, amqp.Publishing{Body: []byte("amqp to stomp")}); err != nil {
		t.Fatalf("AMQP publish: %v", err)
	}
	s := subscribe(t, c, "/amq/queue/"+qn, stomp.AckAuto)
	m := recv(t, s, "from AMQP")
	if string(m.Body) != "amqp to stomp" {
		t.Errorf("received %q, want %q", m.Body, "amqp to stomp")
	}
}

func TestAmqQueueDoesNotCreateQueues(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	c := rawDial(t, b.addr)
	c.connect()
	c.send("SUBSCRIBE", "", "id:0", "destination:/amq/queue/"+name(t, "missing"), "receipt:sub-missing")
	e := c.expectError("SUBSCRIBE to a missing /amq/queue")
	if got := e.value("receipt-id"); got != "sub-missing" {
		t.Errorf("ERROR receipt-id %q, want sub-missing", got)
	}
	b.serves(t)
}
