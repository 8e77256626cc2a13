package stomp

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/junctionmq/junction/activity"
	"github.com/junctionmq/junction/auth"
	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/outbound"
)

const writeTimeout = 30 * time.Second

// conn is one STOMP connection. The reader goroutine owns the connection;
// deliveries from queues take mu to record pending acks and append frames.
type conn struct {
	srv   *Server
	nc    net.Conn
	r     *Reader
	out   *outbound.Writer
	log   *slog.Logger
	name  string
	since time.Time

	version  string
	session  string
	user     *auth.User
	client   *broker.Client
	vhost    *broker.VHost
	clientID string

	sendEvery   time.Duration    // our heart-beats
	readTimeout time.Duration    // the client's, with grace
	lastRead    *activity.Reader // wraps nc: when the client last sent bytes

	mu     sync.Mutex
	subs   map[string]*subscription
	acks   map[string]*pending
	txs    map[string]*stompTx
	temps  map[string]string // temp-queue name → real queue name
	nextID uint64

	closing atomic.Bool
	done    chan struct{}
	once    sync.Once
}

func newConn(s *Server, nc net.Conn) *conn {
	name := fmt.Sprintf("%s -> %s", nc.RemoteAddr(), nc.LocalAddr())
	var sid [6]byte
	_, _ = rand.Read(sid[:])
	lastRead := activity.NewReader(nc)
	return &conn{
		srv:      s,
		nc:       nc,
		lastRead: lastRead,
		r:        NewReader(lastRead, s.cfg.Limits),
		out:      outbound.New(),
		log:      s.log.With("conn", name),
		name:     name,
		since:    time.Now(),
		session:  "session-" + hex.EncodeToString(sid[:]),
		subs:     map[string]*subscription{},
		acks:     map[string]*pending{},
		txs:      map[string]*stompTx{},
		temps:    map[string]string{},
		done:     make(chan struct{}),
	}
}

func (c *conn) info() ConnectionInfo {
	ci := ConnectionInfo{Name: c.name, Version: c.version, Peer: c.nc.RemoteAddr().String(), ConnectedAt: c.since}
	if c.user != nil {
		ci.User = c.user.Name
	}
	if c.vhost != nil {
		ci.VHost = c.vhost.Name()
	}
	if c.client != nil {
		ci.BrokerClient, ci.ClientID = c.client.ID, c.clientID
	}
	return ci
}

// stompError is a refusal reported to the client in an ERROR frame, after
// which the connection closes (the protocol requires it).
type stompError struct {
	msg     string
	detail  string
	headers []Header
}

func (e *stompError) Error() string { return e.msg }

func errorf(format string, args ...any) error { return &stompError{msg: fmt.Sprintf(format, args...)} }

func (c *conn) serve() {
	go c.out.Run(c.nc, writeTimeout, func(err error) {
		c.log.Debug("write failed", "err", err)
		c.nc.Close()
	})
	defer c.teardown()
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("connection handler panicked; closing connection", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	_ = c.nc.SetReadDeadline(time.Now().Add(c.srv.cfg.ConnectTimeout))
	f, err := c.r.ReadFrame()
	_ = c.nc.SetReadDeadline(time.Time{})
	for err == nil && f.Command == "" {
		f, err = c.r.ReadFrame()
	}
	if err != nil {
		c.readFailed(err, nil)
		return
	}
	if f.Command != "CONNECT" && f.Command != "STOMP" {
		c.fail(errorf("expected CONNECT, got %s", f.Command), f)
		return
	}
	if err := c.connect(f); err != nil {
		c.fail(err, f)
		return
	}
	c.lastRead.Touch()
	if c.sendEvery > 0 || c.readTimeout > 0 {
		go c.heartbeats()
	}
	for {
		f, err := c.r.ReadFrame()
		if err != nil {
			c.readFailed(err, nil)
			return
		}
		if f.Command == "" {
			continue
		}
		if f.Command == "DISCONNECT" {
			c.closing.Store(true)
			c.receipt(f)
			return
		}
		async, err := c.frame(f)
		if err != nil {
			c.fail(err, f)
			return
		}
		if !async {
			c.receipt(f)
		}
	}
}

func (c *conn) readFailed(err error, f *Frame) {
	var fe *FrameError
	switch {
	case errors.As(err, &fe):
		c.log.Warn("malformed frame; closing connection", "err", err)
		c.fail(&stompError{msg: "malformed frame", detail: fe.Msg}, f)
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, io.ErrUnexpectedEOF):
		if !c.closing.Load() {
			c.log.Debug("client closed the connection")
		}
	default:
		c.log.Info("connection failed", "err", err)
	}
}

// fail sends an ERROR frame naming the offending frame's receipt; the
// connection then closes.
func (c *conn) fail(err error, f *Frame) {
	e := &Frame{Command: "ERROR"}
	msg, detail := err.Error(), ""
	var se *stompError
	if errors.As(err, &se) {
		detail = se.detail
	} else if broker.KindOf(err) != broker.KindInternal {
		msg = broker.KindOf(err).String()
		detail = err.Error()
	}
	e.Set("message", strings.ReplaceAll(msg, "\n", " "))
	if f != nil {
		if r, ok := f.Get("receipt"); ok {
			e.Set("receipt-id", r)
		}
	}
	if se != nil {
		e.Headers = append(e.Headers, se.headers...)
	}
	e.Set("content-type", "text/plain")
	if detail == "" {
		detail = msg
	}
	e.Body = []byte(detail)
	c.log.Info("closing connection on error", "err", msg, "detail", detail)
	c.write(e)
	c.closing.Store(true)
}

func (c *conn) write(f *Frame) {
	c.out.Append(func(b []byte) []byte { return AppendFrame(b, f, c.version) })
}

func (c *conn) receipt(f *Frame) {
	if r, ok := f.Get("receipt"); ok {
		rf := &Frame{Command: "RECEIPT"}
		rf.Set("receipt-id", r)
		c.write(rf)
	}
}

func (c *conn) forceClose(reason string) {
	if c.closing.CompareAndSwap(false, true) {
		e := &Frame{Command: "ERROR"}
		e.Set("message", reason)
		c.write(e)
	}
	go func() {
		select {
		case <-c.done:
		case <-time.After(100 * time.Millisecond):
			c.out.Close()
			select {
			case <-c.out.Done():
			case <-time.After(time.Second):
			}
			c.nc.Close()
		}
	}()
}

// connect negotiates the version and heart-beats and authenticates.
func (c *conn) connect(f *Frame) error {
	c.version = "1.0"
	if accept, ok := f.Get("accept-version"); ok {
		best := ""
		for _, v := range strings.Split(accept, ",") {
			if v = strings.TrimSpace(v); (v == "1.0" || v == "1.1" || v == "1.2") && v > best {
				best = v
			}
		}
		if best == "" {
			c.version = "1.2"
			return &stompError{msg: "Supported protocol versions are 1.0,1.1,1.2", detail: "accept-version " + accept + " names no supported version",
				headers: []Header{{"version", "1.0,1.1,1.2"}}}
		}
		c.version = best
	} else if f.Command == "STOMP" {
		c.version = "1.2"
	}
	c.r.SetVersion(c.version)

	users := c.srv.broker.Users()
	login, hasLogin := f.Get("login")
	var u *auth.User
	if hasLogin && login != "" {
		var err error
		if u, err = users.Authenticate(login, f.Value("passcode"), c.nc.RemoteAddr()); err != nil {
			c.log.Warn("login refused", "user", login, "err", err)
			return &stompError{msg: "Access refused for user '" + login + "'", detail: "Login was refused: wrong user name or passcode."}
		}
	} else {
		guest, ok := users.User("guest")
		if !ok || !auth.IsLoopback(c.nc.RemoteAddr()) {
			return &stompError{msg: "Access refused", detail: "Anonymous logins are allowed only from loopback."}
		}
		u = guest
	}
	vhost := c.srv.cfg.DefaultVHost
	if h := f.Value("host"); h != "" {
		if _, ok := c.srv.broker.VHost(h); ok {
			vhost = h
		}
	}
	cl, err := c.srv.broker.Connect(u, vhost)
	if err != nil {
		return &stompError{msg: "Virtual host '" + vhost + "' access denied", detail: err.Error()}
	}
	c.user, c.client, c.vhost = u, cl, cl.VHost
	c.clientID = f.Value("client-id")

	out := &Frame{Command: "CONNECTED"}
	out.Set("version", c.version)
	out.Set("server", "Junction/0.1")
	out.Set("session", c.session)
	if hb, ok := f.Get("heart-beat"); ok && c.version != "1.0" {
		cx, cy, err := parseHeartBeat(hb)
		if err != nil {
			return err
		}
		// The client sends every cx ms and wants ours every cy ms; the
		// server agrees to whatever it asks.
		c.sendEvery = time.Duration(cy) * time.Millisecond
		if cx > 0 {
			c.readTimeout = 2*time.Duration(cx)*time.Millisecond + time.Second
		}
		out.Set("heart-beat", fmt.Sprintf("%d,%d", cy, cx))
	}
	c.write(out)
	c.log.Debug("connected", "user", u.Name, "vhost", vhost, "version", c.version)
	return nil
}

func parseHeartBeat(s string) (int64, int64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 2 {
		return 0, 0, errorf("invalid heart-beat header %q", s)
	}
	cx, err1 := strconv.ParseInt(strings.TrimSpace(parts[0]), 10, 64)
	cy, err2 := strconv.ParseInt(strings.TrimSpace(parts[1]), 10, 64)
	if err1 != nil || err2 != nil || cx < 0 || cy < 0 {
		return 0, 0, errorf("invalid heart-beat header %q", s)
	}
	return cx, cy, nil
}

// heartbeats sends an EOL whenever nothing was written for half the
// agreed interval, so gaps stay below the interval whatever the ticker's
// phase, and drops a client silent past its own.
func (c *conn) heartbeats() {
	tick := time.Second
	if c.sendEvery > 0 && c.sendEvery/4 < tick {
		tick = max(c.sendEvery/4, 5*time.Millisecond)
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case now := <-t.C:
			if c.sendEvery > 0 && now.Sub(c.out.LastWrite()) >= c.sendEvery/2 {
				c.out.Append(func(b []byte) []byte { return append(b, '\n') })
			}
			if c.readTimeout > 0 && c.lastRead.Silent(now) > c.readTimeout {
				c.log.Warn("no heart-beat from client; closing connection", "timeout", c.readTimeout)
				c.nc.Close()
				return
			}
		}
	}
}

// frame handles one client frame after CONNECT. async reports that the
// handler sends the receipt itself, later (once a persistent message or a
// commit is on disk).
func (c *conn) frame(f *Frame) (async bool, err error) {
	switch f.Command {
	case "SEND":
		return true, c.send(f, c.receiptWhenStored(f))
	case "COMMIT":
		return true, c.commit(f, c.receiptWhenStored(f))
	case "SUBSCRIBE":
		return false, c.subscribe(f)
	case "UNSUBSCRIBE":
		return false, c.unsubscribe(f)
	case "ACK":
		return false, c.ack(f, true)
	case "NACK":
		if c.version == "1.0" {
			return false, errorf("NACK is not part of STOMP 1.0")
		}
		return false, c.ack(f, false)
	case "BEGIN":
		return false, c.begin(f)
	case "ABORT":
		return false, c.abort(f)
	case "CONNECT", "STOMP":
		return false, errorf("already connected")
	}
	return false, errorf("unknown command %s", f.Command)
}

// receiptWhenStored returns the callback that sends f's receipt, or an
// ERROR if the store failed.
func (c *conn) receiptWhenStored(f *Frame) func(error) {
	return func(err error) {
		if err != nil {
			c.fail(&stompError{msg: "message could not be stored", detail: err.Error()}, f)
			c.forceClose("store failure")
			return
		}
		c.receipt(f)
	}
}

func (c *conn) teardown() {
	c.once.Do(func() {
		c.mu.Lock()
		subs := make([]*subscription, 0, len(c.subs))
		for _, s := range c.subs {
			subs = append(subs, s)
		}
		c.subs = map[string]*subscription{}
		c.mu.Unlock()
		for _, s := range subs {
			s.cancel()
		}
		c.mu.Lock()
		var left []*pending
		for _, p := range c.acks {
			left = append(left, p)
		}
		c.acks = map[string]*pending{}
		for _, t := range c.txs {
			left = append(left, t.acked...)
		}
		c.txs = map[string]*stompTx{}
		c.mu.Unlock()
		settlePending(left, broker.Requeue)
		if c.client != nil {
			c.client.Close()
		}
		c.out.Close()
		select {
		case <-c.out.Done():
		case <-time.After(time.Second):
		}
		c.nc.Close()
		close(c.done)
	})
}
