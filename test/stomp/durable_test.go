package stomp_test

import (
	"testing"

	"github.com/go-stomp/stomp/v3"
	"github.com/go-stomp/stomp/v3/frame"
)

// ActiveMQ's durable topic subscriptions: client-id on CONNECT plus
// activemq.subscriptionName on SUBSCRIBE. Messages published while the
// subscriber is away wait for it.
func TestActiveMQDurableSubscriptionKeepsMessagesWhileOffline(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	topic := "/topic/" + name(t, "t")
	durable := func() (*stomp.Conn, *stomp.Subscription) {
		c := b.dial(t, stomp.ConnOpt.Header("client-id", "client-1"))
		return c, subscribe(t, c, topic, stomp.AckClientIndividual, hdr("activemq.subscriptionName", "sub-1"))
	}
	c, _ := durable()
	if err := c.Disconnect(); err != nil {
		t.Fatalf("disconnect: %v", err)
	}
	pub := b.dial(t)
	send(t, pub, topic, "while away 1", hdr("persistent", "true"))
	send(t, pub, topic, "while away 2", hdr("persistent", "true"))

	_, s := durable()
	if got := recvBodies(t, s, 2); !equal(got, []string{"while away 1", "while away 2"}) {
		t.Errorf("returning durable subscriber received %v, want both messages sent while it was away", got)
	}
}

func TestActiveMQDurableSubscriptionNeedsAClientID(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	c := rawDial(t, b.addr)
	c.connect()
	c.send("SUBSCRIBE", "", "id:0", "destination:/topic/"+name(t, "t"), "activemq.subscriptionName:s", "receipt:dur")
	e := c.expectError("durable SUBSCRIBE without client-id")
	if got := e.value("receipt-id"); got != "dur" {
		t.Errorf("ERROR receipt-id %q, want dur", got)
	}
	b.serves(t)
}

// UNSUBSCRIBE naming the subscription again removes it: later messages are
// not kept.
func TestActiveMQDurableUnsubscribeRemovesTheSubscription(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	topic := "/topic/" + name(t, "t")
	c := b.dial(t, stomp.ConnOpt.Header("client-id", "client-2"))
	s := subscribe(t, c, topic, stomp.AckAuto, hdr("activemq.subscriptionName", "sub-2"))
	if err := s.Unsubscribe(stomp.SubscribeOpt.Header("activemq.subscriptionName", "sub-2")); err != nil {
		t.Fatalf("UNSUBSCRIBE: %v", err)
	}
	if err := c.Disconnect(); err != nil {
		t.Fatalf("disconnect: %v", err)
	}
	send(t, b.dial(t), topic, "nobody is subscribed")
	c2 := b.dial(t, stomp.ConnOpt.Header("client-id", "client-2"))
	s2 := subscribe(t, c2, topic, stomp.AckAuto, hdr("activemq.subscriptionName", "sub-2"))
	noMessage(t, s2, "the durable subscription was removed before the send")
}

// RabbitMQ's durable subscriptions: durable:true (and auto-delete:false)
// with a stable id.
func TestRabbitMQDurableSubscriptionKeepsMessagesWhileOffline(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	topic := "/topic/" + name(t, "t")
	opts := []func(*frame.Frame) error{stomp.SubscribeOpt.Id("rabbit-sub"), hdr("durable", "true"), hdr("auto-delete", "false")}
	c := b.dial(t)
	subscribe(t, c, topic, stomp.AckClient, opts...)
	if err := c.Disconnect(); err != nil {
		t.Fatalf("disconnect: %v", err)
	}
	send(t, b.dial(t), topic, "kept", hdr("persistent", "true"))
	s := subscribe(t, b.dial(t), topic, stomp.AckClient, opts...)
	if got := string(recv(t, s, "returning subscriber").Body); got != "kept" {
		t.Errorf("returning durable subscriber received %q, want kept", got)
	}
}

func TestNonDurableTopicSubscriptionLosesMessagesWhileOffline(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	topic := "/topic/" + name(t, "t")
	c := b.dial(t)
	subscribe(t, c, topic, stomp.AckAuto, stomp.SubscribeOpt.Id("plain"))
	if err := c.Disconnect(); err != nil {
		t.Fatalf("disconnect: %v", err)
	}
	send(t, b.dial(t), topic, "lost")
	s := subscribe(t, b.dial(t), topic, stomp.AckAuto, stomp.SubscribeOpt.Id("plain"))
	noMessage(t, s, "a plain subscription ends with its connection")
}
