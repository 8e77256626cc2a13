package openwire

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/junctionmq/junction/openwire/wire"
)

func TestFailoverResendsInFlightSyncSendAndReplaysState(t *testing.T) {
	var drops atomic.Int32
	fb := startFakeBroker(t, "127.0.0.1:0", func(fc *fakeConn, cmd wire.Command) bool {
		// The first broker connection dies with the send unanswered.
		if _, ok := cmd.(wire.MessageCommand); ok && drops.Add(1) == 1 {
			fc.nc.Close()
			return true
		}
		return false
	})
	c := dial(t, "failover:("+fb.url()+")?initialReconnectDelay=10", WithClientID("fo-client"))
	s := session(t, c, ClientAck)
	q := Queue("orders")
	p := producer(t, s, q)
	cons := consumer(t, s, q, Selector("a = 1"))
	m := NewTextMessage("in flight")
	if err := p.Send(testCtx(t), m); err != nil {
		t.Fatalf("send across the failover: %v", err)
	}
	conns := fb.connections()
	if len(conns) != 2 {
		t.Fatalf("broker saw %d connections, want 2", len(conns))
	}
	first, second := conns[0].commands(), conns[1].commands()
	var kinds []byte
	for _, cmd := range second {
		kinds = append(kinds, cmd.DataStructureType())
	}
	want := []byte{wire.TypeConnectionInfo, wire.TypeSessionInfo, wire.TypeProducerInfo, wire.TypeConsumerInfo, wire.TypeActiveMQTextMessage}
	if string(kinds) != string(want) {
		t.Fatalf("after reconnect the client sent %v, want %v", kinds, want)
	}
	ci0, ci1 := first[0].(*wire.ConnectionInfo), second[0].(*wire.ConnectionInfo)
	if ci1.ConnectionId.Value != ci0.ConnectionId.Value || ci1.ClientId.Value != "fo-client" || !ci1.FailoverReconnect || !ci1.FaultTolerant || ci0.FailoverReconnect {
		t.Errorf("reconnect ConnectionInfo %+v, first %+v", ci1, ci0)
	}
	if got := second[3].(*wire.ConsumerInfo); got.ConsumerId.Value != cons.info.ConsumerId.Value || got.Selector.Value != "a = 1" {
		t.Errorf("replayed consumer %+v", got)
	}
	lost := first[len(first)-1].(*wire.ActiveMQTextMessage)
	resent := second[4].(*wire.ActiveMQTextMessage)
	if resent.MessageId.String() != m.ID || lost.MessageId.String() != m.ID || !resent.ResponseRequired {
		t.Errorf("resent message %v (rr %v), lost %v, sent %s", resent.MessageId, resent.ResponseRequired, lost.MessageId, m.ID)
	}
}

func TestFailoverGivesUpAfterMaxReconnectAttempts(t *testing.T) {
	fb := startFakeBroker(t, "127.0.0.1:0", nil)
	failed := make(chan error, 8)
	c := dial(t, "failover:("+fb.url()+")?initialReconnectDelay=5&maxReconnectAttempts=2&useExponentialBackOff=false",
		WithErrorHandler(func(err error) { failed <- err }))
	s := session(t, c, AutoAck)
	fb.stop()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-failed:
		case <-deadline:
			t.Fatal("the connection did not give up")
		}
		if isClosed(c.done) {
			break
		}
	}
	if _, err := s.CreateProducer(testCtx(t), Queue("q")); err == nil {
		t.Fatal("producer created on a connection that gave up")
	}
}

func TestPlainConnectionFailsWhenTheBrokerGoesAway(t *testing.T) {
	fb := startFakeBroker(t, "127.0.0.1:0", nil)
	c := dial(t, fb.url())
	s := session(t, c, AutoAck)
	cons := consumer(t, s, Queue("q"))
	fb.stop()
	if _, err := cons.Receive(testCtx(t)); err == nil {
		t.Fatal("Receive succeeded after the broker went away")
	}
}
