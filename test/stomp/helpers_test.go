// Package stomp_test is Junction's STOMP compatibility suite: it drives an
// in-process broker with the unchanged go-stomp/stomp/v3 client, Debian's
// python3-stomp (a smoke test) and a hand-written raw client for exact
// frames and bad input, and checks what ActiveMQ's and RabbitMQ's STOMP
// adapters do.
package stomp_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3"
	"github.com/go-stomp/stomp/v3/frame"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/servertest"
)

// wait bounds every receive: long enough for a loaded machine, short enough
// that a missing frame fails the test instead of hanging it.
const wait = 5 * time.Second

// quiet is how long a test watches for something that must not arrive.
const quiet = 300 * time.Millisecond

// broker is an in-process Junction with its STOMP listener on.
type broker struct {
	*servertest.Broker
	addr string // STOMP host:port
}

// start runs a Junction for this test; mutate may adjust its configuration.
func start(t testing.TB, mutate func(*config.Config)) *broker {
	t.Helper()
	b := servertest.Start(t, func(c *config.Config) {
		c.Listeners.STOMP = "127.0.0.1:0"
		if mutate != nil {
			mutate(c)
		}
	})
	return &broker{Broker: b, addr: b.Addr("stomp").String()}
}

// amqpChannel opens an AMQP channel on b (guest on "/"), closed with the
// test: for what STOMP cannot see, such as a queue's depth.
func (b *broker) amqpChannel(t *testing.T) *amqp.Channel {
	t.Helper()
	conn, err := amqp.Dial(b.AMQPURL())
	if err != nil {
		t.Fatalf("AMQP dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("AMQP channel: %v", err)
	}
	return ch
}

// withUser adds a user with full permissions on the given vhosts ("/" when
// none), creating the vhosts that are not "/".
func withUser(name, pass string, vhosts ...string) func(*config.Config) {
	return func(c *config.Config) {
		c.Users = append(c.Users, config.User{Name: name, Password: pass})
		if len(vhosts) == 0 {
			vhosts = []string{"/"}
		}
		for _, v := range vhosts {
			if v != "/" {
				c.VHosts = append(c.VHosts, config.VHost{Name: v})
			}
			c.Perms = append(c.Perms, config.Perm{User: name, VHost: v, Configure: ".*", Write: ".*", Read: ".*"})
		}
	}
}

// dial connects a go-stomp client (guest on "/" unless opts say otherwise)
// and closes it when the test ends.
func (b *broker) dial(t *testing.T, opts ...func(*stomp.Conn) error) *stomp.Conn {
	t.Helper()
	c, err := b.tryDial(opts...)
	if err != nil {
		t.Fatalf("connect to %s: %v", b.addr, err)
	}
	t.Cleanup(func() { _ = c.MustDisconnect() })
	return c
}

func (b *broker) tryDial(opts ...func(*stomp.Conn) error) (*stomp.Conn, error) {
	all := append([]func(*stomp.Conn) error{
		stomp.ConnOpt.RcvReceiptTimeout(wait),
		stomp.ConnOpt.DisconnectReceiptTimeout(wait),
		stomp.ConnOpt.UnsubscribeReceiptTimeout(wait),
		stomp.ConnOpt.MsgSendTimeout(wait),
		stomp.ConnOpt.Logger(silent{}),
	}, opts...)
	return stomp.Dial("tcp", b.addr, all...)
}

// silent drops go-stomp's log: it reports every subscription closed by a
// test's cleanup.
type silent struct{}

func (silent) Debugf(string, ...any)   {}
func (silent) Infof(string, ...any)    {}
func (silent) Warningf(string, ...any) {}
func (silent) Errorf(string, ...any)   {}
func (silent) Debug(string)            {}
func (silent) Info(string)             {}
func (silent) Warning(string)          {}
func (silent) Error(string)            {}

// name returns a destination name unique to the test.
func name(t *testing.T, what string) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	n := strings.NewReplacer("/", ".", " ", "_").Replace(t.Name())
	return n + "." + what + "." + hex.EncodeToString(r[:])
}

// barrier returns once the broker has processed every frame c sent before
// it: a transaction aborted with a receipt has no other effect, and go-stomp
// offers no bare receipt request.
func barrier(t *testing.T, c *stomp.Conn) {
	t.Helper()
	tx, err := c.BeginWithError()
	if err != nil {
		t.Fatalf("barrier: BEGIN: %v", err)
	}
	if err := tx.AbortWithReceipt(); err != nil {
		t.Fatalf("barrier: ABORT with receipt: %v", err)
	}
}

// subscribe subscribes and waits until the broker has the subscription, so
// that messages sent from other connections afterwards reach it.
func subscribe(t *testing.T, c *stomp.Conn, dest string, ack stomp.AckMode, opts ...func(*frame.Frame) error) *stomp.Subscription {
	t.Helper()
	s, err := c.Subscribe(dest, ack, opts...)
	if err != nil {
		t.Fatalf("SUBSCRIBE %s: %v", dest, err)
	}
	barrier(t, c)
	return s
}

// send sends with a receipt, so the message is routed when send returns.
func send(t *testing.T, c *stomp.Conn, dest, body string, opts ...func(*frame.Frame) error) {
	t.Helper()
	opts = append(opts, stomp.SendOpt.Receipt)
	if err := c.Send(dest, "text/plain", []byte(body), opts...); err != nil {
		t.Fatalf("SEND %q to %s: %v", body, dest, err)
	}
}

// hdr adds a header to a SEND or SUBSCRIBE frame.
func hdr(name, value string) func(*frame.Frame) error {
	return func(f *frame.Frame) error {
		f.Header.Add(name, value)
		return nil
	}
}

// recv returns the next MESSAGE of s, failing the test on an ERROR or after
// wait.
func recv(t *testing.T, s *stomp.Subscription, what string) *stomp.Message {
	t.Helper()
	select {
	case m, ok := <-s.C:
		if !ok {
			t.Fatalf("%s: subscription %s closed", what, s.Destination())
		}
		if m.Err != nil {
			t.Fatalf("%s: subscription %s got an error: %v", what, s.Destination(), m.Err)
		}
		return m
	case <-time.After(wait):
		t.Fatalf("%s: no MESSAGE on %s within %v", what, s.Destination(), wait)
	}
	return nil
}

// recvBodies receives n messages and returns their bodies in order.
func recvBodies(t *testing.T, s *stomp.Subscription, n int) []string {
	t.Helper()
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, string(recv(t, s, fmt.Sprintf("message %d of %d", i+1, n)).Body))
	}
	return out
}

// noMessage fails if s receives a MESSAGE within quiet.
func noMessage(t *testing.T, s *stomp.Subscription, why string) {
	t.Helper()
	select {
	case m, ok := <-s.C:
		if ok && m.Err == nil {
			t.Errorf("%s: got MESSAGE %q on %s, want none", why, m.Body, s.Destination())
		} else if ok {
			t.Errorf("%s: subscription %s got an error: %v", why, s.Destination(), m.Err)
		}
	case <-time.After(quiet):
	}
}

// header returns a MESSAGE header's first value and whether it is there.
func header(m *stomp.Message, name string) (string, bool) {
	return m.Header.Contains(name)
}

// wantHeader checks one MESSAGE header's value.
func wantHeader(t *testing.T, m *stomp.Message, name, want string) {
	t.Helper()
	got, ok := header(m, name)
	if !ok {
		t.Errorf("MESSAGE has no %s header, want %q", name, want)
	} else if got != want {
		t.Errorf("MESSAGE header %s = %q, want %q", name, got, want)
	}
}

// equal compares string slices for order and count.
func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// stompError returns the ERROR frame go-stomp reports in err.
func stompError(t *testing.T, err error, what string) *frame.Frame {
	t.Helper()
	var se stomp.Error
	if !errors.As(err, &se) || se.Frame == nil || se.Frame.Command != frame.ERROR {
		t.Fatalf("%s: error %v (%T), want an ERROR frame", what, err, err)
	}
	return se.Frame
}

// serves checks that a fresh client can still connect, send and receive:
// the broker survived whatever the test did to another connection.
func (b *broker) serves(t *testing.T) {
	t.Helper()
	c, err := b.tryDial()
	if err != nil {
		t.Fatalf("a fresh client cannot connect afterwards: %v", err)
	}
	defer func() { _ = c.MustDisconnect() }()
	q := "/queue/" + name(t, "alive")
	s, err := c.Subscribe(q, stomp.AckAuto)
	if err != nil {
		t.Fatalf("a fresh client cannot subscribe afterwards: %v", err)
	}
	if err := c.Send(q, "text/plain", []byte("still alive"), stomp.SendOpt.Receipt); err != nil {
		t.Fatalf("a fresh client cannot send afterwards: %v", err)
	}
	if got := string(recv(t, s, "fresh client").Body); got != "still alive" {
		t.Fatalf("fresh client received %q, want %q", got, "still alive")
	}
}
