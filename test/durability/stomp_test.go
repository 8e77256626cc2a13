package durability

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3"
	"github.com/go-stomp/stomp/v3/frame"
)

// stompDial connects go-stomp to the broker; every receipt is awaited at
// most wait.
func stompDial(t *testing.T, b *broker, opts ...func(*stomp.Conn) error) *stomp.Conn {
	t.Helper()
	all := append([]func(*stomp.Conn) error{
		stomp.ConnOpt.RcvReceiptTimeout(wait),
		stomp.ConnOpt.DisconnectReceiptTimeout(wait),
		stomp.ConnOpt.UnsubscribeReceiptTimeout(wait),
		stomp.ConnOpt.MsgSendTimeout(wait),
		stomp.ConnOpt.Logger(quietLog{}),
	}, opts...)
	c, err := stomp.Dial("tcp", b.stompAddr(), all...)
	if err != nil {
		t.Fatalf("STOMP connect to %s: %v", b.stompAddr(), err)
	}
	t.Cleanup(func() { _ = c.MustDisconnect() })
	return c
}

// quietLog drops go-stomp's log: it reports every connection the broker's
// shutdown breaks.
type quietLog struct{}

func (quietLog) Debugf(string, ...any)   {}
func (quietLog) Infof(string, ...any)    {}
func (quietLog) Warningf(string, ...any) {}
func (quietLog) Errorf(string, ...any)   {}
func (quietLog) Debug(string)            {}
func (quietLog) Info(string)             {}
func (quietLog) Warning(string)          {}
func (quietLog) Error(string)            {}

func hdr(k, v string) func(*frame.Frame) error { return stomp.SendOpt.Header(k, v) }

// stompSend sends with a receipt: for a persistent message on a durable
// queue, the receipt means it is on disk.
func stompSend(t *testing.T, c *stomp.Conn, dest, body string, opts ...func(*frame.Frame) error) {
	t.Helper()
	opts = append(opts, stomp.SendOpt.Receipt)
	if err := c.Send(dest, "text/plain", []byte(body), opts...); err != nil {
		t.Fatalf("SEND %q to %s: %v", body, dest, err)
	}
}

// stompReceive subscribes (auto ack) and collects messages until none
// arrives for quiet.
func stompReceive(t *testing.T, b *broker, dest string, connOpts []func(*stomp.Conn) error, subOpts ...func(*frame.Frame) error) []*stomp.Message {
	t.Helper()
	c := stompDial(t, b, connOpts...)
	s, err := c.Subscribe(dest, stomp.AckAuto, subOpts...)
	if err != nil {
		t.Fatalf("SUBSCRIBE %s: %v", dest, err)
	}
	var out []*stomp.Message
	timeout := wait
	for {
		select {
		case m, ok := <-s.C:
			if !ok {
				t.Fatalf("subscription to %s closed", dest)
			}
			if m.Err != nil {
				t.Fatalf("subscription to %s: %v", dest, m.Err)
			}
			out = append(out, m)
			timeout = quiet
		case <-time.After(timeout):
			_ = s.Unsubscribe()
			return out
		}
	}
}

func stompBodies(ms []*stomp.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m.Body)
	}
	return out
}

// stompHeaders lists a message's headers as sorted "key:value" lines,
// without those that name one delivery or destination.
func stompHeaders(m *stomp.Message) string {
	var lines []string
	for i := 0; i < m.Header.Len(); i++ {
		k, v := m.Header.GetAt(i)
		switch k {
		case "message-id", "subscription", "ack", "destination":
			continue
		}
		lines = append(lines, k+":"+v)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// A persistent STOMP message survives with its headers (including escaped
// characters) and body, as a live broker delivered it before the restart;
// a non-persistent one does not. The SEND receipt is the durability
// promise.
func TestSTOMPPersistentMessagesKeepTheirHeaders(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		c := stompDial(t, b)
		headers := []func(*frame.Frame) error{
			hdr("persistent", "true"), hdr("priority", "6"), hdr("correlation-id", "corr-7"),
			hdr("reply-to", "/queue/dur.s.reply"), hdr("type", "t1"),
			hdr("expires", fmt.Sprint(time.Now().Add(time.Hour).UnixMilli())),
			hdr("custom", "a:b\\c\nd"), hdr("ünïcödé", "välue ✓"), hdr("empty", ""),
		}
		for _, q := range []string{"/queue/dur.s.before", "/queue/dur.s.after"} {
			stompSend(t, c, q, "body ✓\x00with a NUL", headers...)
			stompSend(t, c, q, "not persistent")
		}
		before := stompReceive(t, b, "/queue/dur.s.before", nil)
		if got, want := stompBodies(before), []string{"body ✓\x00with a NUL", "not persistent"}; !equalStrings(got, want) {
			t.Fatalf("before the restart /queue/dur.s.before holds %q, want %q", got, want)
		}

		b.restart()

		after := stompReceive(t, b, "/queue/dur.s.after", nil)
		if got, want := stompBodies(after), []string{"body ✓\x00with a NUL"}; !equalStrings(got, want) {
			t.Fatalf("after the restart /queue/dur.s.after holds %q, want only the persistent message %q", got, want)
		}
		if got, want := stompHeaders(after[0]), stompHeaders(before[0]); got != want {
			t.Errorf("headers after the restart:\n%s\nwant, as delivered before it:\n%s", got, want)
		}
	})
}

// STOMP transactions: a committed one (COMMIT with a receipt, the promise)
// survives whole; an aborted one and one still open when the broker goes
// down leave nothing.
func TestSTOMPTransactionsCommitDurablyAndAtomically(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		c := stompDial(t, b)
		persist := hdr("persistent", "true")
		send := func(tx *stomp.Transaction, body string) {
			t.Helper()
			if err := tx.Send("/queue/dur.s.tx", "text/plain", []byte(body), persist); err != nil {
				t.Fatalf("SEND %s in a transaction: %v", body, err)
			}
		}
		committed := c.Begin()
		send(committed, "c-1")
		send(committed, "c-2")
		aborted := c.Begin()
		send(aborted, "a-1")
		if err := aborted.AbortWithReceipt(); err != nil {
			t.Fatalf("ABORT: %v", err)
		}
		open := c.Begin()
		send(open, "o-1")
		if err := committed.CommitWithReceipt(); err != nil {
			t.Fatalf("COMMIT: %v", err)
		}
		send(open, "o-2")

		b.restart()

		if got, want := stompBodies(stompReceive(t, b, "/queue/dur.s.tx", nil)), []string{"c-1", "c-2"}; !equalStrings(got, want) {
			t.Errorf("after the restart /queue/dur.s.tx holds %q, want only the committed %q", got, want)
		}
	})
}

// An ActiveMQ-style durable topic subscription (client-id and
// activemq.subscriptionName) with a selector keeps, across a restart, the
// persistent messages it selected while its subscriber was away, and still
// selects after the restart, before the subscriber is back.
func TestSTOMPDurableSubscriptionKeepsSelectedMessagesAcrossRestart(t *testing.T) {
	bothModes(t, func(t *testing.T, b *broker) {
		topic := "/topic/dur.s.topic"
		id := stomp.ConnOpt.Header("client-id", "dur-stomp-client")
		sub := []func(*frame.Frame) error{
			stomp.SubscribeOpt.Header("activemq.subscriptionName", "dur-sub"),
			stomp.SubscribeOpt.Header("selector", "color = 'red'"),
		}
		c := stompDial(t, b, id)
		if _, err := c.Subscribe(topic, stomp.AckAuto, sub...); err != nil {
			t.Fatalf("durable SUBSCRIBE: %v", err)
		}
		if err := c.Disconnect(); err != nil {
			t.Fatalf("DISCONNECT: %v", err)
		}
		pub := stompDial(t, b)
		for _, m := range []struct{ body, color string }{{"red-1", "red"}, {"blue-1", "blue"}, {"red-2", "red"}} {
			stompSend(t, pub, topic, m.body, hdr("persistent", "true"), hdr("color", m.color))
		}

		b.restart()

		pub = stompDial(t, b)
		stompSend(t, pub, topic, "blue-3", hdr("persistent", "true"), hdr("color", "blue"))
		stompSend(t, pub, topic, "red-3", hdr("persistent", "true"), hdr("color", "red"))
		got := stompBodies(stompReceive(t, b, topic, []func(*stomp.Conn) error{id}, sub...))
		if want := []string{"red-1", "red-2", "red-3"}; !equalStrings(got, want) {
			t.Errorf("the durable subscriber, back after the restart, received %q, want %q", got, want)
		}
	})
}
