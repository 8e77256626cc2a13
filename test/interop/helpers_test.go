// Package interop_test is the cross-protocol matrix: AMQP 0-9-1
// (rabbitmq/amqp091-go), OpenWire (the ActiveMQ JMS client, driven through
// java/Interop.java) and STOMP (go-stomp) each publish what each of the
// three consumes, against one in-process Junction, and every mapped header
// is checked on arrival. README.md records the mapping and its gaps.
package interop_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/go-stomp/stomp/v3"
	"github.com/go-stomp/stomp/v3/frame"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/servertest"
)

// wait bounds every receive in Go.
const wait = 5 * time.Second

// junction is a broker with all three listeners.
type junction struct {
	*servertest.Broker
	stompAddr, openwireURL, amqpURL string
}

func start(t *testing.T) *junction {
	t.Helper()
	b := servertest.Start(t, func(c *config.Config) {
		c.Listeners.STOMP = "127.0.0.1:0"
		c.Listeners.OpenWire = "127.0.0.1:0"
	})
	return &junction{
		Broker:      b,
		stompAddr:   b.Addr("stomp").String(),
		openwireURL: "tcp://" + b.Addr("openwire").String(),
		amqpURL:     b.AMQPURL(),
	}
}

// uniq returns a name no other test uses.
func uniq(what string) string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	return what + "." + hex.EncodeToString(r[:])
}

// amqpChannel opens a connection and channel, closed when the test ends.
func (j *junction) amqpChannel(t *testing.T) *amqp.Channel {
	t.Helper()
	conn, err := amqp.Dial(j.amqpURL)
	if err != nil {
		t.Fatalf("AMQP dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("AMQP channel: %v", err)
	}
	return ch
}

func amqpPublish(t *testing.T, ch *amqp.Channel, exchange, key string, p amqp.Publishing) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := ch.PublishWithContext(ctx, exchange, key, false, false, p); err != nil {
		t.Fatalf("AMQP publish to %q/%q: %v", exchange, key, err)
	}
}

// amqpConsume starts an auto-ack consumer on q.
func amqpConsume(t *testing.T, ch *amqp.Channel, q string) <-chan amqp.Delivery {
	t.Helper()
	d, err := ch.Consume(q, "", true, false, false, false, nil)
	if err != nil {
		t.Fatalf("AMQP consume %s: %v", q, err)
	}
	return d
}

func amqpRecv(t *testing.T, d <-chan amqp.Delivery, what string) amqp.Delivery {
	t.Helper()
	select {
	case m, ok := <-d:
		if !ok {
			t.Fatalf("%s: AMQP consumer closed", what)
		}
		return m
	case <-time.After(wait):
		t.Fatalf("%s: no AMQP delivery within %v", what, wait)
	}
	return amqp.Delivery{}
}

type silent struct{}

func (silent) Debugf(string, ...any)   {}
func (silent) Infof(string, ...any)    {}
func (silent) Warningf(string, ...any) {}
func (silent) Errorf(string, ...any)   {}
func (silent) Debug(string)            {}
func (silent) Info(string)             {}
func (silent) Warning(string)          {}
func (silent) Error(string)            {}

// stompConn connects a STOMP 1.2 client, closed when the test ends.
func (j *junction) stompConn(t *testing.T) *stomp.Conn {
	t.Helper()
	c, err := stomp.Dial("tcp", j.stompAddr,
		stomp.ConnOpt.Logger(silent{}),
		stomp.ConnOpt.RcvReceiptTimeout(wait),
		stomp.ConnOpt.UnsubscribeReceiptTimeout(wait),
		stomp.ConnOpt.AcceptVersion(stomp.V12))
	if err != nil {
		t.Fatalf("STOMP connect: %v", err)
	}
	t.Cleanup(func() { _ = c.MustDisconnect() })
	return c
}

// stompSubscribe subscribes and waits until the broker has the
// subscription (an aborted transaction's receipt is the barrier).
func stompSubscribe(t *testing.T, c *stomp.Conn, dest string) *stomp.Subscription {
	t.Helper()
	s, err := c.Subscribe(dest, stomp.AckAuto)
	if err != nil {
		t.Fatalf("STOMP SUBSCRIBE %s: %v", dest, err)
	}
	tx, err := c.BeginWithError()
	if err == nil {
		err = tx.AbortWithReceipt()
	}
	if err != nil {
		t.Fatalf("STOMP barrier after SUBSCRIBE %s: %v", dest, err)
	}
	return s
}

func stompSend(t *testing.T, c *stomp.Conn, dest, contentType string, body []byte, headers map[string]string) {
	t.Helper()
	opts := []func(*frame.Frame) error{stomp.SendOpt.Receipt}
	for k, v := range headers {
		opts = append(opts, stomp.SendOpt.Header(k, v))
	}
	if err := c.Send(dest, contentType, body, opts...); err != nil {
		t.Fatalf("STOMP SEND to %s: %v", dest, err)
	}
}

func stompRecv(t *testing.T, s *stomp.Subscription, what string) *stomp.Message {
	t.Helper()
	select {
	case m, ok := <-s.C:
		if !ok || m.Err != nil {
			t.Fatalf("%s: STOMP subscription %s ended: %v", what, s.Destination(), m)
		}
		return m
	case <-time.After(wait):
		t.Fatalf("%s: no STOMP MESSAGE on %s within %v", what, s.Destination(), wait)
	}
	return nil
}

// checker collects mismatches of one message under a label.
type checker struct {
	t     *testing.T
	label string
}

func (c checker) eq(field string, got, want any) {
	c.t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		c.t.Errorf("%s: %s = %v, want %v", c.label, field, show(got), show(want))
	}
}

func (c checker) within(field string, got, lo, hi int64) {
	c.t.Helper()
	if got < lo || got > hi {
		c.t.Errorf("%s: %s = %d, want within [%d, %d]", c.label, field, got, lo, hi)
	}
}

func (c checker) fail(format string, args ...any) {
	c.t.Helper()
	c.t.Errorf("%s: %s", c.label, fmt.Sprintf(format, args...))
}

func show(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case *string:
		if x == nil {
			return "<nil>"
		}
		return fmt.Sprintf("%q", *x)
	case []byte:
		if len(x) > 48 {
			return fmt.Sprintf("%d bytes % x...", len(x), x[:48])
		}
		return fmt.Sprintf("% x", x)
	}
	return fmt.Sprintf("%v (%T)", v, v)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// protocols in matrix order.
var protocols = []string{"amqp", "jms", "stomp"}

// rawStomp writes STOMP frames exactly as given (go-stomp always adds a
// content-length), for the cases where its absence matters.
type rawStomp struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
}

func rawSTOMP(t *testing.T, j *junction) *rawStomp {
	t.Helper()
	nc, err := net.DialTimeout("tcp", j.stompAddr, wait)
	if err != nil {
		t.Fatalf("dial STOMP: %v", err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	r := &rawStomp{t: t, nc: nc, r: bufio.NewReader(nc)}
	r.write("CONNECT", "", "accept-version:1.2", "host:/")
	if f := r.readFrame(); !strings.HasPrefix(f, "CONNECTED\n") {
		t.Fatalf("STOMP CONNECT answered %q", f)
	}
	return r
}

func (r *rawStomp) write(command, body string, headers ...string) {
	r.t.Helper()
	frame := command + "\n" + strings.Join(headers, "\n")
	if len(headers) > 0 {
		frame += "\n"
	}
	frame += "\n" + body + "\x00"
	_ = r.nc.SetWriteDeadline(time.Now().Add(wait))
	if _, err := r.nc.Write([]byte(frame)); err != nil {
		r.t.Fatalf("STOMP write: %v", err)
	}
}

// readFrame returns the next frame up to its NUL (bodies here are text).
func (r *rawStomp) readFrame() string {
	r.t.Helper()
	_ = r.nc.SetReadDeadline(time.Now().Add(wait))
	for {
		f, err := r.r.ReadString(0)
		if err != nil {
			r.t.Fatalf("STOMP read: %v", err)
		}
		if f = strings.TrimLeft(f, "\r\n"); f != "" {
			return f
		}
	}
}

// sendFrame writes a frame whose headers include a receipt and waits for
// the RECEIPT.
func (r *rawStomp) sendFrame(command, body string, headers ...string) {
	r.t.Helper()
	r.write(command, body, headers...)
	if f := r.readFrame(); !strings.HasPrefix(f, "RECEIPT\n") {
		r.t.Fatalf("%s answered %q, want a RECEIPT", command, f)
	}
}
