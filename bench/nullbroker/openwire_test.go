package main

import (
	"context"
	"errors"
	"testing"
	"time"

	owclient "github.com/junctionmq/junction/client/openwire"
	"github.com/junctionmq/junction/openwire/wire"
)

func dialOpenWire(t *testing.T, b *nullBroker, opts ...owclient.Option) *owclient.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts = append([]owclient.Option{owclient.WithCredentials("guest", "guest")}, opts...)
	conn, err := owclient.Dial(ctx, "tcp://"+b.openwire.Addr().String(), opts...)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return conn
}

func TestOpenWireCompletesSynchronousPersistentSendsAndClosesCleanly(t *testing.T) {
	b := startBroker(t)
	conn := dialOpenWire(t, b)
	if got := conn.BrokerName(); got != "nullbroker" {
		t.Errorf("BrokerName() = %q, want the BrokerInfo's nullbroker", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := conn.CreateSession(ctx, owclient.AutoAck)
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	prod, err := sess.CreateProducer(ctx, owclient.Queue("ceiling"), owclient.Persistent(true), owclient.SyncSend())
	if err != nil {
		t.Fatalf("create producer: %v", err)
	}
	for i := 0; i < 1000; i++ {
		if err := prod.Send(ctx, owclient.NewBytesMessage(make([]byte, 1024))); err != nil {
			t.Fatalf("send %d: %v", i+1, err)
		}
	}
	if err := prod.Close(); err != nil {
		t.Fatalf("close producer: %v", err)
	}
	if err := sess.Close(); err != nil {
		t.Fatalf("close session: %v", err)
	}
	if err := conn.Close(); err != nil {
		t.Fatalf("close connection: %v", err)
	}
}

func TestOpenWireConsumersAreAcceptedButReceiveNothing(t *testing.T) {
	b := startBroker(t)
	conn := dialOpenWire(t, b)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, err := conn.CreateSession(ctx, owclient.ClientAck)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := sess.CreateConsumer(ctx, owclient.Queue("ceiling"))
	if err != nil {
		t.Fatalf("create consumer: %v", err)
	}
	prod, err := sess.CreateProducer(ctx, owclient.Queue("ceiling"))
	if err != nil {
		t.Fatal(err)
	}
	if err := prod.Send(ctx, owclient.NewTextMessage("never delivered")); err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer rcancel()
	m, err := cons.Receive(rctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Receive = %v, %v; want nothing until the deadline", m, err)
	}
	if err := cons.Close(); err != nil {
		t.Fatalf("close consumer: %v", err)
	}
}

func TestOpenWireWindowedAsyncProducerGetsProducerAcks(t *testing.T) {
	b := startBroker(t)
	conn := dialOpenWire(t, b)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, err := conn.CreateSession(ctx, owclient.AutoAck)
	if err != nil {
		t.Fatal(err)
	}
	// A 4 KiB window holds about two messages in the broker's estimate:
	// 1,000 sends complete only if ProducerAcks keep returning the room.
	prod, err := sess.CreateProducer(ctx, owclient.Queue("ceiling"), owclient.Persistent(false),
		owclient.AsyncSend(), owclient.WindowSize(4096))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		if err := prod.Send(ctx, owclient.NewBytesMessage(make([]byte, 512))); err != nil {
			t.Fatalf("send %d: %v", i+1, err)
		}
	}
}

func TestOpenWireKeepsAnIdleClientAliveWithKeepAlives(t *testing.T) {
	b := startBroker(t)
	// The client drops a broker it has not heard from for 600 ms.
	conn := dialOpenWire(t, b, owclient.WithWireFormat(func(p *wire.Preferences) {
		p.MaxInactivityDuration = 600 * time.Millisecond
		p.MaxInactivityDurationInitialDelay = 100 * time.Millisecond
	}))
	defer conn.Close()
	time.Sleep(2 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := conn.CreateSession(ctx, owclient.AutoAck); err != nil {
		t.Fatalf("create session after 2 s idle: %v", err)
	}
}
