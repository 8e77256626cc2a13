package amqp091_test

import (
	"errors"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/junctionmq/junction/config"
)

func TestTuneProposesRabbitMQDefaults(t *testing.T) {
	t.Parallel()
	u := brokerURL(t)
	c := rawDial(t, u)
	tn := c.handshake(u, 0, 0, 0)
	if tn != (tune{channelMax: 2047, frameMax: 131072, heartbeat: 60}) {
		t.Errorf("connection.tune %+v, want channel-max 2047, frame-max 131072, heartbeat 60", tn)
	}
}

// TestHeartbeats runs its subtests before every parallel test of the suite
// starts (it is not parallel itself): on a small machine the burst of the
// whole suite can delay a broker's heartbeats by seconds, which is a fact
// about the load, not about the broker.
func TestHeartbeats(t *testing.T) {
	t.Run("NegotiatedHeartbeatKeepsAnIdleConnectionOpen", testHeartbeatKeepsIdleConnectionOpen)
	t.Run("ClientThatStopsSendingHeartbeatsIsDisconnected", testSilentClientIsDisconnected)
}

func testHeartbeatKeepsIdleConnectionOpen(t *testing.T) {
	t.Parallel()
	conn := dialConfig(t, brokerURL(t), amqp.Config{Heartbeat: time.Second})
	if conn.Config.Heartbeat != time.Second {
		t.Fatalf("negotiated heartbeat %v, want 1s (the lower of client 1s and broker 60s)", conn.Config.Heartbeat)
	}
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	select {
	case e := <-closed:
		t.Fatalf("idle connection with 1s heartbeats was closed: %v", e)
	case <-time.After(5 * time.Second):
	}
	connectionUsable(t, conn, "5s idle with heartbeats")
}

func testSilentClientIsDisconnected(t *testing.T) {
	t.Parallel()
	u := brokerURL(t)
	c := rawDial(t, u)
	c.handshake(u, 0, 0, 1)
	// Never write again. RabbitMQ sends heartbeats and hangs up after
	// about two missed intervals (3s here).
	frames := c.expectHangUp(5 * time.Second)
	beats := 0
	for _, f := range frames {
		if f.typ == frameHeartbeat {
			beats++
		}
	}
	if beats == 0 {
		t.Errorf("broker sent no heartbeats on a connection tuned to 1s (frames: %d)", len(frames))
	}
}

// withCredentials returns url with another user, password or vhost.
func withCredentials(t *testing.T, raw, user, pass, vhost string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	u.User = url.UserPassword(user, pass)
	if vhost != "" {
		u.Path = "/" + url.PathEscape(vhost)
		u.RawPath = u.Path
	}
	return u.String()
}

// dialErr dials and returns the error, closing any connection that opened.
func dialErr(url string) error {
	conn, err := amqp.DialConfig(url, amqp.Config{Dial: amqp.DefaultDial(wait)})
	if err == nil {
		_ = conn.Close()
		return errors.New("connection opened")
	}
	return err
}

func TestWrongPasswordIsRefused403(t *testing.T) {
	t.Parallel()
	u := brokerURL(t)
	_, user, _, _ := brokerAddr(t, u)
	err := dialErr(withCredentials(t, u, user, "definitely-wrong", ""))
	amqpError(t, err, codeAccessRefused, "login with a wrong password")
}

func TestUnknownUserIsRefused403(t *testing.T) {
	t.Parallel()
	u := brokerURL(t)
	err := dialErr(withCredentials(t, u, "no-such-user-"+name(t, "u"), "pw", ""))
	amqpError(t, err, codeAccessRefused, "login as an unknown user")
}

func TestUnknownVHostIsRefused530(t *testing.T) {
	t.Parallel()
	u := brokerURL(t)
	_, user, pass, _ := brokerAddr(t, u)
	err := dialErr(withCredentials(t, u, user, pass, name(t, "vhost")))
	e := amqpError(t, err, codeNotAllowed, "open an unknown vhost")
	if !strings.Contains(e.Reason, "not found") {
		t.Errorf("reason %q, want it to say the vhost is not found", e.Reason)
	}
}

// nonLoopbackIP returns an address of this machine other than loopback.
func nonLoopbackIP(t *testing.T) net.IP {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skipf("list interface addresses: %v", err)
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil && !ipn.IP.IsLinkLocalUnicast() {
			return ipn.IP
		}
	}
	t.Skip("no non-loopback IPv4 address to connect from")
	return nil
}

func TestGuestFromANonLoopbackAddressIsRefused403(t *testing.T) {
	t.Parallel()
	b := junction(t, func(c *config.Config) {
		c.Listeners.AMQP = "0.0.0.0:0"
		c.Users = []config.User{{Name: "remote", Password: "pw"}}
		c.Perms = []config.Perm{{User: "remote", VHost: "/", Configure: ".*", Write: ".*", Read: ".*"}}
	})
	ip := nonLoopbackIP(t)
	port := b.Addr("amqp").(*net.TCPAddr).Port
	hostport := net.JoinHostPort(ip.String(), strconv.Itoa(port))
	err := dialErr("amqp://guest:guest@" + hostport + "/")
	amqpError(t, err, codeAccessRefused, "guest from "+ip.String())
	// Any other user may come from anywhere.
	dialURL(t, "amqp://remote:pw@"+hostport+"/")
}

// usersURL returns a function giving the URL for a user and vhost on a
// broker that has these users (password pw for both):
//
//	alice: on "/" configure, write and read ^alice\. ; nothing on vhost "other"
//	carol: on "/" configure .* , write .* , read ^carol\.
//
// That is an in-process Junction configured so, or an external broker when
// AMQP_TEST_USERS=1 says it was prepared the same way (see README.md).
func usersURL(t *testing.T) func(user, vhost string) string {
	t.Helper()
	if ext := externalURL(); ext != "" && os.Getenv("AMQP_TEST_USERS") == "1" {
		return func(user, vhost string) string { return withCredentials(t, ext, user, "pw", vhost) }
	}
	b := junction(t, func(c *config.Config) {
		c.Users = []config.User{{Name: "alice", Password: "pw"}, {Name: "carol", Password: "pw"}}
		c.VHosts = []config.VHost{{Name: "other"}}
		c.Perms = []config.Perm{
			{User: "alice", VHost: "/", Configure: `^alice\.`, Write: `^alice\.`, Read: `^alice\.`},
			{User: "carol", VHost: "/", Configure: ".*", Write: ".*", Read: `^carol\.`},
		}
	})
	return func(user, vhost string) string { return b.AMQPURLFor(user, "pw", vhost) }
}

func TestUserWithoutPermissionsOnAVHostIsRefused530(t *testing.T) {
	t.Parallel()
	url := usersURL(t)
	err := dialErr(url("alice", "other"))
	amqpError(t, err, codeNotAllowed, "alice opening vhost other")
	dialURL(t, url("alice", ""))
}

func TestPermissionPatternsAreEnforced(t *testing.T) {
	t.Parallel()
	conn := dialURL(t, usersURL(t)("alice", ""))
	ch := channel(t, conn)
	q, x := "alice."+name(t, "q"), "alice."+name(t, "x")
	t.Cleanup(func() {
		if ch, err := conn.Channel(); err == nil {
			_, _ = ch.QueueDelete(q, false, false, false)
			_ = ch.ExchangeDelete(x, false, false)
		}
	})

	// configure: declare by name.
	if _, err := ch.QueueDeclare(q, false, false, false, false, nil); err != nil {
		t.Fatalf("declare %s: %v", q, err)
	}
	if err := ch.ExchangeDeclare(x, "direct", false, false, false, false, nil); err != nil {
		t.Fatalf("declare %s: %v", x, err)
	}
	_, err := ch.QueueDeclare(name(t, "q"), false, false, false, false, nil)
	channelClosedWith(t, conn, err, codeAccessRefused, "declare a queue outside alice.* without configure permission")

	// bind: write on the queue, read on the exchange.
	ch = channel(t, conn)
	if err := ch.QueueBind(q, "k", x, false, nil); err != nil {
		t.Fatalf("bind %s to %s: %v", q, x, err)
	}
	err = ch.QueueBind(q, "k", "amq.direct", false, nil)
	channelClosedWith(t, conn, err, codeAccessRefused, "bind from amq.direct without read permission on it")

	// publish: write on the exchange; the default exchange is amq.default.
	ch = channel(t, conn)
	publish(t, ch, x, "k", amqp.Publishing{Body: []byte("ok")})
	waitReady(t, ch, q, 1)
	if m := get(t, ch, q, true); string(m.Body) != "ok" {
		t.Fatalf("got %q", m.Body)
	}
	notify := ch.NotifyClose(make(chan *amqp.Error, 1))
	publish(t, ch, "", q, amqp.Publishing{Body: []byte("refused")})
	channelClosedAsync(t, conn, notify, codeAccessRefused, "publish to the default exchange without write on amq.default")
}

func TestPermissionToReadIsNeededToConsume(t *testing.T) {
	t.Parallel()
	conn := dialURL(t, usersURL(t)("carol", ""))
	ch := channel(t, conn)
	q := name(t, "q")
	t.Cleanup(func() {
		if ch, err := conn.Channel(); err == nil {
			_, _ = ch.QueueDelete(q, false, false, false)
		}
	})
	if _, err := ch.QueueDeclare(q, false, false, false, false, nil); err != nil {
		t.Fatalf("declare: %v", err)
	}
	_, err := ch.Consume(q, "", false, false, false, false, nil)
	channelClosedWith(t, conn, err, codeAccessRefused, "consume without read permission")
	ch = channel(t, conn)
	_, _, err = ch.Get(q, true)
	channelClosedWith(t, conn, err, codeAccessRefused, "get without read permission")
	ch = channel(t, conn)
	_, err = ch.QueuePurge(q, false)
	channelClosedWith(t, conn, err, codeAccessRefused, "purge without read permission")
}

func TestChannelFlowActiveIsAcceptedAndInactiveIsNotImplemented540(t *testing.T) {
	s := newSession(t)
	if err := s.ch.Flow(true); err != nil {
		t.Fatalf("channel.flow active=true: %v", err)
	}
	notify := s.conn.NotifyClose(make(chan *amqp.Error, 1))
	err := s.ch.Flow(false)
	amqpError(t, err, codeNotImplemented, "channel.flow active=false")
	connectionClosedWith(t, notify, codeNotImplemented, "channel.flow active=false")
}

func TestChannelMaxIsNegotiatedDownByTheClient(t *testing.T) {
	t.Parallel()
	conn := dialConfig(t, brokerURL(t), amqp.Config{ChannelMax: 3})
	if conn.Config.ChannelMax != 3 {
		t.Fatalf("negotiated channel-max %d, want 3", conn.Config.ChannelMax)
	}
	for i := 1; i <= 3; i++ {
		if _, err := conn.Channel(); err != nil {
			t.Fatalf("channel %d of 3: %v", i, err)
		}
	}
}

func TestChannelMaxConfiguredOnTheBrokerIsProposed(t *testing.T) {
	t.Parallel()
	b := junction(t, func(c *config.Config) { c.AMQP.ChannelMax = 5 })
	conn := dialURL(t, b.AMQPURL())
	if conn.Config.ChannelMax != 5 {
		t.Fatalf("negotiated channel-max %d, want the broker's 5", conn.Config.ChannelMax)
	}
}

func TestFrameMaxIsNegotiatedAndBodiesAreSplitToFit(t *testing.T) {
	t.Parallel()
	conn := dialConfig(t, brokerURL(t), amqp.Config{FrameSize: 4096})
	if conn.Config.FrameSize != 4096 {
		t.Fatalf("negotiated frame-max %d, want 4096", conn.Config.FrameSize)
	}
	ch := channel(t, conn)
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatalf("declare: %v", err)
	}
	body := []byte(strings.Repeat("0123456789", 10000))
	publish(t, ch, "", q.Name, amqp.Publishing{Body: body})
	waitReady(t, ch, q.Name, 1)
	if m := get(t, ch, q.Name, true); string(m.Body) != string(body) {
		t.Errorf("100 kB body over 4 kB frames arrived as %d bytes", len(m.Body))
	}
}

func TestFrameMaxConfiguredOnTheBrokerIsProposed(t *testing.T) {
	t.Parallel()
	b := junction(t, func(c *config.Config) { c.AMQP.FrameMax = 8192 })
	conn := dialURL(t, b.AMQPURL())
	if conn.Config.FrameSize != 8192 {
		t.Fatalf("negotiated frame-max %d, want the broker's 8192", conn.Config.FrameSize)
	}
}

func TestServerConnectionCloseNamesCodeTextAndFailingMethod(t *testing.T) {
	t.Parallel()
	u := brokerURL(t)
	c := rawDial(t, u)
	c.handshake(u, 0, 0, 0)
	c.openChannel(1)
	// exchange.declare of an unknown type: a connection error.
	c.sendMethod(1, method(40, 10, u16(0), shortstr("x"), shortstr("no-such-type"), u8(0), emptyTable))
	cl := c.expectConnectionClose(codeCommandInvalid)
	if !strings.HasPrefix(cl.text, "COMMAND_INVALID - ") || !strings.Contains(cl.text, "no-such-type") {
		t.Errorf("reply text %q, want COMMAND_INVALID - ... naming the type", cl.text)
	}
	if cl.class != 40 || cl.method != 10 {
		t.Errorf("failing method %d.%d, want exchange.declare 40.10", cl.class, cl.method)
	}
}

func TestChannelCloseNamesCodeTextAndFailingMethod(t *testing.T) {
	t.Parallel()
	u := brokerURL(t)
	c := rawDial(t, u)
	c.handshake(u, 0, 0, 0)
	c.openChannel(1)
	c.sendMethod(1, method(50, 10, u16(0), shortstr(name(t, "missing")), u8(1), emptyTable)) // passive
	p := c.expectMethod(1, 20, 40)
	code, n := int(p[0])<<8|int(p[1]), int(p[2])
	text := string(p[3 : 3+n])
	class, meth := int(p[3+n])<<8|int(p[4+n]), int(p[5+n])<<8|int(p[6+n])
	if code != codeNotFound || !strings.HasPrefix(text, "NOT_FOUND - no queue") || class != 50 || meth != 10 {
		t.Errorf("channel.close %d %q %d.%d, want 404 NOT_FOUND - no queue ... 50.10", code, text, class, meth)
	}
	c.sendMethod(1, method(20, 41)) // close-ok
	// The connection carries on: channel 1 can be reopened.
	c.openChannel(1)
}
