// Package amqp091_test is Junction's AMQP 0-9-1 compatibility suite: it
// drives a broker with the unchanged rabbitmq/amqp091-go client (and, for bad
// input, a hand-written raw client) and checks that it behaves as RabbitMQ
// 3.10 does.
//
// By default every test starts its own in-process Junction. With
// AMQP_TEST_URL set (amqp://guest:guest@127.0.0.1:5673/) the same tests run
// against that broker instead, which is how the expectations are proven
// against real RabbitMQ; tests that need broker configuration skip there.
package amqp091_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/servertest"
)

// AMQP reply codes the suite asserts.
const (
	codeNoRoute            = 312
	codeAccessRefused      = 403
	codeNotFound           = 404
	codeResourceLocked     = 405
	codePreconditionFailed = 406
	codeFrameError         = 501
	codeSyntaxError        = 502
	codeCommandInvalid     = 503
	codeChannelError       = 504
	codeUnexpectedFrame    = 505
	codeNotAllowed         = 530
	codeNotImplemented     = 540
)

// wait bounds every receive: long enough for a loaded CI machine, short
// enough that a missing delivery fails the test rather than hanging it.
const wait = 5 * time.Second

// stuck is when the watchdog gives up on a connection (see dialConfig).
const stuck = 20 * time.Second

// quiet is how long a test watches for something that must not arrive.
const quiet = 300 * time.Millisecond

// externalURL is the broker under test when it is not an in-process Junction.
func externalURL() string { return os.Getenv("AMQP_TEST_URL") }

// brokerURL returns the URL of the broker under test: the external broker
// from AMQP_TEST_URL, or a Junction started for this test alone.
func brokerURL(t *testing.T) string {
	t.Helper()
	if u := externalURL(); u != "" {
		return u
	}
	return servertest.Start(t, nil).AMQPURL()
}

// junction starts an in-process Junction with a custom configuration, and
// skips the test against an external broker, whose configuration the suite
// cannot change.
func junction(t *testing.T, mutate func(*config.Config)) *servertest.Broker {
	t.Helper()
	if externalURL() != "" {
		t.Skip("needs broker configuration; runs against in-process Junction only")
	}
	return servertest.Start(t, mutate)
}

// brokerAddr returns host:port and the credentials of the broker at url.
func brokerAddr(t *testing.T, url string) (addr, user, pass, vhost string) {
	t.Helper()
	u, err := amqp.ParseURI(url)
	if err != nil {
		t.Fatalf("parse broker URL %q: %v", url, err)
	}
	return net.JoinHostPort(u.Host, strconv.Itoa(u.Port)), u.Username, u.Password, u.Vhost
}

// dialURL connects and closes the connection when the test ends.
func dialURL(t *testing.T, url string) *amqp.Connection {
	t.Helper()
	return dialConfig(t, url, amqp.Config{})
}

// dialConfig connects with a client configuration (heartbeat, frame size).
// amqp091-go's synchronous calls wait forever for a reply, so a watchdog
// closes the socket under a call the broker never answers: the test then
// fails with a message instead of hanging the suite.
func dialConfig(t *testing.T, url string, cfg amqp.Config) *amqp.Connection {
	t.Helper()
	var nc net.Conn
	cfg.Dial = func(network, addr string) (net.Conn, error) {
		c, err := net.DialTimeout(network, addr, wait)
		if err != nil {
			return nil, err
		}
		// Bounds the handshake; the client clears it once open.
		_ = c.SetDeadline(time.Now().Add(wait))
		nc = c
		return c, nil
	}
	conn, err := amqp.DialConfig(url, cfg)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	dog := time.AfterFunc(stuck, func() {
		t.Errorf("watchdog: connection still in use after %v; a broker reply never came. Closing the socket.", stuck)
		_ = nc.Close()
	})
	t.Cleanup(func() { dog.Stop() })
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// channel opens a channel on conn.
func channel(t *testing.T, conn *amqp.Connection) *amqp.Channel {
	t.Helper()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("open channel: %v", err)
	}
	return ch
}

// session is the usual starting point of a test: a broker, one connection
// and one channel on it.
type session struct {
	t    *testing.T
	url  string
	conn *amqp.Connection
	ch   *amqp.Channel

	// pub is a confirm-mode channel opened by the first send, so that
	// tests can know their messages are enqueued before they look.
	pub      *amqp.Channel
	confirms chan amqp.Confirmation
}

// newSession runs the test in parallel with the others and connects to the
// broker under test.
func newSession(t *testing.T) *session {
	t.Helper()
	t.Parallel()
	url := brokerURL(t)
	conn := dialURL(t, url)
	return &session{t: t, url: url, conn: conn, ch: channel(t, conn)}
}

// dial opens another connection to the same broker.
func (s *session) dial() *amqp.Connection { s.t.Helper(); return dialURL(s.t, s.url) }

// channel opens another channel on the session's connection.
func (s *session) channel() *amqp.Channel { s.t.Helper(); return channel(s.t, s.conn) }

// name returns a name unique to this test and run, so that runs against a
// shared external broker never meet each other's leftovers.
func name(t *testing.T, what string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	n := strings.NewReplacer("/", ".", " ", "_").Replace(t.Name())
	return "suite." + n + "." + what + "." + hex.EncodeToString(b[:])
}

// queue declares a non-durable queue with arguments on the session channel,
// and deletes it at the end of the test.
func (s *session) queue(what string, args amqp.Table) string {
	s.t.Helper()
	q := name(s.t, what)
	if _, err := s.ch.QueueDeclare(q, false, false, false, false, args); err != nil {
		s.t.Fatalf("declare queue %s: %v", q, err)
	}
	s.cleanup(func(ch *amqp.Channel) { _, _ = ch.QueueDelete(q, false, false, false) })
	return q
}

// exchange declares an auto-delete=false, non-durable exchange and deletes it
// at the end of the test.
func (s *session) exchange(what, kind string, args amqp.Table) string {
	s.t.Helper()
	x := name(s.t, what)
	if err := s.ch.ExchangeDeclare(x, kind, false, false, false, false, args); err != nil {
		s.t.Fatalf("declare %s exchange %s: %v", kind, x, err)
	}
	s.cleanup(func(ch *amqp.Channel) { _ = ch.ExchangeDelete(x, false, false) })
	return x
}

// bind binds queue q to exchange x with key, failing the test on error.
func (s *session) bind(q, key, x string, args amqp.Table) {
	s.t.Helper()
	if err := s.ch.QueueBind(q, key, x, false, args); err != nil {
		s.t.Fatalf("bind %s to %s with %q: %v", q, x, key, err)
	}
}

// cleanup runs f on a fresh connection when the test ends. Only an external
// broker needs it; an in-process Junction disappears with the test.
func (s *session) cleanup(f func(*amqp.Channel)) {
	if externalURL() == "" {
		return
	}
	url := s.url
	s.t.Cleanup(func() {
		conn, err := amqp.DialConfig(url, amqp.Config{Dial: amqp.DefaultDial(wait)})
		if err != nil {
			return
		}
		defer conn.Close()
		if ch, err := conn.Channel(); err == nil {
			f(ch)
		}
	})
}

// send publishes messages on the session's confirm channel and waits until
// the broker has confirmed every one, which means each is routed and
// enqueued.
func (s *session) send(exchange, key string, msgs ...amqp.Publishing) {
	s.t.Helper()
	if s.pub == nil {
		s.pub = s.channel()
		s.confirms = confirmed(s.t, s.pub)
	}
	for _, m := range msgs {
		publish(s.t, s.pub, exchange, key, m)
	}
	for range msgs {
		if c := awaitConfirm(s.t, s.confirms); !c.Ack {
			s.t.Fatalf("publish to %q/%q: nacked (tag %d)", exchange, key, c.DeliveryTag)
		}
	}
}

// sendBodies is send for messages that are only a body.
func (s *session) sendBodies(exchange, key string, bodies ...string) {
	s.t.Helper()
	msgs := make([]amqp.Publishing, len(bodies))
	for i, b := range bodies {
		msgs[i] = amqp.Publishing{Body: []byte(b)}
	}
	s.send(exchange, key, msgs...)
}

// publish sends one message on ch and fails the test on a client-side error.
func publish(t *testing.T, ch *amqp.Channel, exchange, key string, msg amqp.Publishing) {
	t.Helper()
	ctx, cancel := ctxWait()
	defer cancel()
	if err := ch.PublishWithContext(ctx, exchange, key, false, false, msg); err != nil {
		t.Fatalf("publish to %q/%q: %v", exchange, key, err)
	}
}

// ctxWait bounds one client call.
func ctxWait() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), wait)
}

// publishBodies publishes one message per body, in order.
func publishBodies(t *testing.T, ch *amqp.Channel, exchange, key string, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		publish(t, ch, exchange, key, amqp.Publishing{Body: []byte(b)})
	}
}

// confirmed puts ch in confirm mode and returns the confirmations channel.
func confirmed(t *testing.T, ch *amqp.Channel) chan amqp.Confirmation {
	t.Helper()
	if err := ch.Confirm(false); err != nil {
		t.Fatalf("confirm.select: %v", err)
	}
	return ch.NotifyPublish(make(chan amqp.Confirmation, 1024))
}

// awaitConfirm receives the next publisher confirmation.
func awaitConfirm(t *testing.T, confirms <-chan amqp.Confirmation) amqp.Confirmation {
	t.Helper()
	select {
	case c, ok := <-confirms:
		if !ok {
			t.Fatal("confirmations channel closed (channel or connection closed)")
		}
		return c
	case <-time.After(wait):
		t.Fatalf("no publisher confirmation within %v", wait)
	}
	return amqp.Confirmation{}
}

// consume starts a consumer and returns its deliveries.
func consume(t *testing.T, ch *amqp.Channel, q string, autoAck bool, args amqp.Table) <-chan amqp.Delivery {
	t.Helper()
	d, err := ch.Consume(q, "", autoAck, false, false, false, args)
	if err != nil {
		t.Fatalf("consume %s: %v", q, err)
	}
	return d
}

// recv receives the next delivery or fails the test.
func recv(t *testing.T, d <-chan amqp.Delivery, what string) amqp.Delivery {
	t.Helper()
	select {
	case m, ok := <-d:
		if !ok {
			t.Fatalf("%s: deliveries closed (consumer cancelled or channel closed)", what)
		}
		return m
	case <-time.After(wait):
		t.Fatalf("%s: no delivery within %v", what, wait)
	}
	return amqp.Delivery{}
}

// recvBodies receives n deliveries and returns their bodies in order.
func recvBodies(t *testing.T, d <-chan amqp.Delivery, n int, ack bool) []string {
	t.Helper()
	var out []string
	for i := range n {
		m := recv(t, d, "delivery "+strconv.Itoa(i+1)+" of "+strconv.Itoa(n))
		out = append(out, string(m.Body))
		if ack {
			if err := m.Ack(false); err != nil {
				t.Fatalf("ack: %v", err)
			}
		}
	}
	return out
}

// noDelivery fails the test if anything arrives on d for a short while.
func noDelivery(t *testing.T, d <-chan amqp.Delivery, why string) {
	t.Helper()
	select {
	case m, ok := <-d:
		if ok {
			t.Fatalf("%s: unexpected delivery %q", why, m.Body)
		}
	case <-time.After(quiet):
	}
}

// get pulls one message and fails the test if the queue is empty.
func get(t *testing.T, ch *amqp.Channel, q string, autoAck bool) amqp.Delivery {
	t.Helper()
	m, ok, err := ch.Get(q, autoAck)
	if err != nil {
		t.Fatalf("basic.get %s: %v", q, err)
	}
	if !ok {
		t.Fatalf("basic.get %s: queue is empty", q)
	}
	return m
}

// getBodies drains q with basic.get (auto-ack) and returns the bodies.
func getBodies(t *testing.T, ch *amqp.Channel, q string) []string {
	t.Helper()
	var out []string
	for {
		m, ok, err := ch.Get(q, true)
		if err != nil {
			t.Fatalf("basic.get %s: %v", q, err)
		}
		if !ok {
			return out
		}
		out = append(out, string(m.Body))
	}
}

// ready returns the ready-message and consumer counts of q (passive declare).
func ready(t *testing.T, ch *amqp.Channel, q string) (messages, consumers int) {
	t.Helper()
	st, err := ch.QueueDeclarePassive(q, false, false, false, false, nil)
	if err != nil {
		t.Fatalf("passive declare %s: %v", q, err)
	}
	return st.Messages, st.Consumers
}

// waitReady polls q until it holds want ready messages.
func waitReady(t *testing.T, ch *amqp.Channel, q string, want int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		n, _ := ready(t, ch, q)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue %s: %d ready messages, want %d", q, n, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// amqpError asserts that err is a broker error with the given reply code.
func amqpError(t *testing.T, err error, code int, what string) *amqp.Error {
	t.Helper()
	var e *amqp.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: got error %v (%T), want AMQP reply %d", what, err, err, code)
	}
	if e.Code != code {
		t.Fatalf("%s: got reply %d %q, want %d", what, e.Code, e.Reason, code)
	}
	return e
}

// closedWith waits for a close notification carrying the given reply code.
func closedWith(t *testing.T, notify <-chan *amqp.Error, code int, what string) *amqp.Error {
	t.Helper()
	select {
	case e, ok := <-notify:
		if !ok || e == nil {
			t.Fatalf("%s: closed without an error, want reply %d", what, code)
		}
		if e.Code != code {
			t.Fatalf("%s: closed with %d %q, want %d", what, e.Code, e.Reason, code)
		}
		return e
	case <-time.After(wait):
		t.Fatalf("%s: not closed within %v, want reply %d", what, wait, code)
	}
	return nil
}

// channelClosedWith asserts that a synchronous call failed with a channel
// error: the reply code matches and the connection is still usable.
func channelClosedWith(t *testing.T, conn *amqp.Connection, err error, code int, what string) {
	t.Helper()
	e := amqpError(t, err, code, what)
	if conn.IsClosed() {
		t.Fatalf("%s: reply %d %q closed the connection; RabbitMQ closes only the channel", what, e.Code, e.Reason)
	}
	ch, cerr := conn.Channel()
	if cerr != nil {
		t.Fatalf("%s: connection unusable after channel error: %v", what, cerr)
	}
	_ = ch.Close()
}

// channelClosedAsync waits for the broker to close a channel after an
// asynchronous method (publish, ack) and checks the connection survived.
func channelClosedAsync(t *testing.T, conn *amqp.Connection, notify <-chan *amqp.Error, code int, what string) *amqp.Error {
	t.Helper()
	e := closedWith(t, notify, code, what)
	connectionUsable(t, conn, what)
	return e
}

// connectionUsable fails the test unless conn can still open a channel and
// make a round trip on it.
func connectionUsable(t *testing.T, conn *amqp.Connection, after string) {
	t.Helper()
	ch, err := conn.Channel()
	if err == nil {
		// basic.qos: a round trip that needs no permissions.
		err = ch.Qos(0, 0, false)
		_ = ch.Close()
	}
	if err != nil {
		t.Fatalf("%s: the connection is unusable (%v); RabbitMQ closes only the channel", after, err)
	}
}

// connectionClosedWith waits for the connection to be closed by the broker
// with the given reply code.
func connectionClosedWith(t *testing.T, notify <-chan *amqp.Error, code int, what string) *amqp.Error {
	t.Helper()
	e := closedWith(t, notify, code, what)
	if !e.Server {
		t.Fatalf("%s: close %d %q was not initiated by the server", what, e.Code, e.Reason)
	}
	return e
}

// bodies is a convenience for literal expectations.
func bodies(b ...string) []string { return b }
