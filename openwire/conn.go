package openwire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/junctionmq/junction/auth"
	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/openwire/wire"
	"github.com/junctionmq/junction/outbound"
)

const writeTimeout = 30 * time.Second

// conn is one OpenWire connection. The reader goroutine (serve) owns the
// registration maps; deliveries from queues reach consumers under their own
// locks and only append to out.
type conn struct {
	srv   *Server
	nc    net.Conn
	br    *bufio.Reader
	codec *wire.Codec
	out   *outbound.Writer
	log   *slog.Logger
	name  string
	since time.Time

	format     wire.Format
	jmsPackage string // "javax.jms." or, for 6.x clients, "jakarta.jms."

	connID   string
	clientID string
	user     *auth.User
	client   *broker.Client
	vhost    *broker.VHost

	mu        sync.Mutex // guards the maps for teardown and management
	sessions  map[int64]*session
	consumers map[consumerKey]*consumer
	producers map[producerKey]*wire.ProducerInfo
	txs       map[string]*txn
	temps     map[string]*wire.Destination

	// Reused by the reader goroutine alone: the parts of the destination
	// of the message being sent and their queues, and what an ack
	// settles.
	sendDests  []*wire.Destination
	sendQueues []*broker.Queue
	acked      []settlement
	// windowed is set once a producer with a send window registers; until
	// then no send needs a ProducerAck and the lookup is skipped.
	windowed atomic.Bool

	// Answers held back by producer flow control (afterSpace), in order.
	heldMu    sync.Mutex
	held      []heldAnswer
	releasing bool

	// readSeen is set when a command arrives and cleared by each tick of
	// the inactivity monitor, which only needs to know whether anything
	// was read since its last look: the reader pays no clock read.
	readSeen    atomic.Bool
	closing     atomic.Bool
	done        chan struct{}
	once        sync.Once
	releaseOnce sync.Once
}

type session struct {
	id        int64
	consumers map[consumerKey]bool
	producers map[producerKey]bool
}

type consumerKey struct{ session, value int64 }
type producerKey struct{ session, value int64 }

func newConn(s *Server, nc net.Conn) *conn {
	name := fmt.Sprintf("%s -> %s", nc.RemoteAddr(), nc.LocalAddr())
	prefs := wire.DefaultPreferences()
	prefs.MaxFrameSize = s.cfg.MaxFrameSize
	prefs.MaxFrameSizeEnabled = true
	prefs.MaxInactivityDuration = s.cfg.Inactivity
	return &conn{
		srv:        s,
		nc:         nc,
		br:         bufio.NewReaderSize(nc, 64<<10),
		codec:      wire.NewCodec(prefs),
		out:        outbound.New(),
		log:        s.log.With("conn", name),
		name:       name,
		since:      time.Now(),
		jmsPackage: "javax.jms.",
		sessions:   map[int64]*session{},
		consumers:  map[consumerKey]*consumer{},
		producers:  map[producerKey]*wire.ProducerInfo{},
		txs:        map[string]*txn{},
		temps:      map[string]*wire.Destination{},
		done:       make(chan struct{}),
	}
}

func (c *conn) info() ConnectionInfo {
	ci := ConnectionInfo{Name: c.name, ClientID: c.clientID, Peer: c.nc.RemoteAddr().String(), ConnectedAt: c.since, Version: c.format.Version}
	if c.user != nil {
		ci.User = c.user.Name
	}
	if c.client != nil {
		ci.BrokerClient, ci.VHost = c.client.ID, c.client.VHost.Name()
	}
	c.mu.Lock()
	ci.Sessions = len(c.sessions)
	c.mu.Unlock()
	return ci
}

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
	if err := c.negotiate(); err != nil {
		c.log.Info("negotiation failed", "err", err)
		return
	}
	if c.format.MaxInactivityDuration > 0 {
		go c.inactivity()
	}
	for {
		cmd, err := c.codec.ReadCommand(c.br)
		if err != nil {
			c.readFailed(err)
			return
		}
		if !c.readSeen.Load() {
			c.readSeen.Store(true)
		}
		if !c.handle(cmd) {
			return
		}
	}
}

// negotiate exchanges WireFormatInfo (ours goes first, in the initial
// loose uncached format) and then sends BrokerInfo, which XA clients wait
// for.
func (c *conn) negotiate() error {
	c.write(c.codec.Local())
	_ = c.nc.SetReadDeadline(time.Now().Add(c.srv.cfg.ConnectTimeout))
	cmd, err := c.codec.ReadCommand(c.br)
	_ = c.nc.SetReadDeadline(time.Time{})
	if err != nil {
		return err
	}
	wfi, ok := cmd.(*wire.WireFormatInfo)
	if !ok {
		c.sendConnectionError(&jmsError{class: "JMSException", msg: fmt.Sprintf("expected WireFormatInfo, got %s", wire.TypeName(cmd.DataStructureType()))})
		return fmt.Errorf("first command is %s, not WireFormatInfo", wire.TypeName(cmd.DataStructureType()))
	}
	if c.format, err = c.codec.ApplyPeer(wfi); err != nil {
		return fmt.Errorf("negotiate wire format: %w", err)
	}
	if p, err := wfi.Preferences(); err == nil && strings.HasPrefix(p.ProviderVersion, "6.") {
		c.jmsPackage = "jakarta.jms."
	}
	c.write(c.srv.brokerInfo())
	return nil
}

func (c *conn) readFailed(err error) {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, io.ErrUnexpectedEOF):
		if !c.closing.Load() {
			c.log.Debug("client closed the connection")
		}
	default:
		var ne net.Error
		if errors.As(err, &ne) {
			c.log.Info("connection failed", "err", err)
			return
		}
		// A decoding error: the stream is unusable from here on.
		c.log.Warn("closing connection on malformed command", "err", err)
		c.sendConnectionError(&jmsError{class: "JMSException", msg: err.Error()})
	}
}

// handle processes one command; false ends the connection.
func (c *conn) handle(cmd wire.Command) bool {
	if c.client == nil {
		switch cmd.(type) {
		// A failover client announces itself with ConnectionControl before
		// ConnectionInfo on every reconnect.
		case *wire.ConnectionInfo, *wire.KeepAliveInfo, *wire.WireFormatInfo, *wire.ShutdownInfo,
			*wire.ConnectionControl, *wire.ConsumerControl, *wire.ControlCommand, *wire.FlushCommand:
		default:
			err := &jmsError{class: "JMSException", msg: fmt.Sprintf("%s before ConnectionInfo", wire.TypeName(cmd.DataStructureType()))}
			c.log.Warn("command before ConnectionInfo; closing", "command", wire.TypeName(cmd.DataStructureType()))
			if cmd.IsResponseRequired() {
				c.respond(cmd.GetCommandId(), nil, err)
			} else {
				c.sendConnectionError(err)
			}
			return false
		}
	}
	var resp wire.Command
	var err error
	keepGoing := true
	switch m := cmd.(type) {
	case *wire.ConnectionInfo:
		err = c.connectionInfo(m)
		if err != nil {
			keepGoing = false
		}
	case *wire.SessionInfo:
		c.addSession(m.SessionId.Value)
	case *wire.ProducerInfo:
		err = c.addProducer(m)
	case *wire.ConsumerInfo:
		err = c.addConsumer(m)
	case *wire.RemoveInfo:
		keepGoing, err = c.remove(m)
	case *wire.RemoveSubscriptionInfo:
		err = c.unsubscribe(m)
	case wire.MessageCommand:
		if m.IsResponseRequired() {
			// The Response waits until the message is stored.
			id := m.GetCommandId()
			if err := c.send(m, func(err error) { c.respond(id, nil, err) }); err != nil {
				c.respond(id, nil, err)
			}
			return true
		}
		err = c.send(m, nil)
	case *wire.MessageAck:
		err = c.ack(m)
	case *wire.MessagePull:
		err = c.pull(m)
	case *wire.TransactionInfo:
		if c.transaction(m) {
			return true
		}
	case *wire.DestinationInfo:
		err = c.destinationInfo(m)
	case *wire.KeepAliveInfo:
		if m.ResponseRequired {
			c.write(&wire.KeepAliveInfo{})
		}
		return true
	case *wire.ShutdownInfo:
		c.closing.Store(true)
		return false
	case *wire.ConsumerControl:
		c.consumerControl(m)
	case *wire.WireFormatInfo, *wire.ConnectionControl, *wire.ControlCommand, *wire.FlushCommand:
		// Nothing to do for these from a client.
	default:
		err = &jmsError{class: "JMSException", msg: fmt.Sprintf("unsupported command %s", wire.TypeName(cmd.DataStructureType()))}
	}
	if cmd.IsResponseRequired() {
		c.respond(cmd.GetCommandId(), resp, err)
	} else if err != nil {
		c.log.Info("asynchronous command refused", "command", wire.TypeName(cmd.DataStructureType()), "err", err)
		c.sendConnectionError(err)
	}
	return keepGoing
}

// respond answers a command that asked for a response: resp if given, an
// ExceptionResponse for err, a plain Response otherwise.
func (c *conn) respond(id int32, resp wire.Command, err error) {
	if err != nil {
		c.log.Debug("command refused", "err", err)
		c.write(&wire.ExceptionResponse{Response: wire.Response{CorrelationId: id}, Exception: c.exception(err)})
		return
	}
	switch r := resp.(type) {
	case *wire.IntegerResponse:
		r.CorrelationId = id
	case *wire.DataArrayResponse:
		r.CorrelationId = id
	case nil:
		resp = &wire.Response{CorrelationId: id}
	}
	c.write(resp)
}

// write marshals cmd into the outbound buffer.
func (c *conn) write(cmd wire.Command) {
	c.out.Append(func(b []byte) []byte {
		nb, err := c.codec.AppendCommand(b, cmd)
		if err != nil {
			c.log.Error("cannot encode command", "command", wire.TypeName(cmd.DataStructureType()), "err", err)
			return b
		}
		return nb
	})
}

func (c *conn) sendConnectionError(err error) {
	ce := &wire.ConnectionError{Exception: c.exception(err)}
	if c.connID != "" {
		ce.ConnectionId = &wire.ConnectionId{Value: c.connID}
	}
	c.write(ce)
}

// forceClose ends the connection from outside the reader (shutdown,
// management, a takeover): the client learns why, then the socket closes.
func (c *conn) forceClose(reason string) {
	if c.closing.CompareAndSwap(false, true) {
		c.sendConnectionError(&jmsError{class: "JMSException", msg: reason})
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

// inactivity implements the OpenWire inactivity monitor from the broker's
// side: write a KeepAliveInfo after a third of the read timeout without
// writing, and drop a client silent for the whole timeout. Reads are
// noticed at the next tick, so a silent client goes between R and R+2R/3
// after its last command (Java's monitor: between R and 2R).
func (c *conn) inactivity() {
	r := c.format.MaxInactivityDuration
	delay := c.format.MaxInactivityDurationInitialDelay
	lastRead := time.Now() // the client's WireFormatInfo has just arrived
	select {
	case <-c.done:
		return
	case <-time.After(delay):
	}
	t := time.NewTicker(r / 3)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case now := <-t.C:
			if now.Sub(c.out.LastWrite()) >= r/3 {
				c.write(&wire.KeepAliveInfo{})
			}
			if c.readSeen.Swap(false) {
				lastRead = now
			}
			if now.Sub(lastRead) > r {
				c.log.Warn("client inactive; closing connection", "timeout", r)
				c.nc.Close()
				return
			}
		}
	}
}

// teardown ends the connection: its state is released and the socket
// closed once the last frames are written.
func (c *conn) teardown() {
	c.release()
	c.once.Do(func() {
		c.out.Close()
		select {
		case <-c.out.Done():
		case <-time.After(time.Second):
		}
		c.nc.Close()
		close(c.done)
	})
}

// release frees what the connection held: consumers return their
// unacknowledged messages, temporary destinations go away (with
// advisories), exclusive queues are deleted, the client ID is freed.
func (c *conn) release() {
	c.releaseOnce.Do(func() {
		c.mu.Lock()
		consumers := make([]*consumer, 0, len(c.consumers))
		for _, cs := range c.consumers {
			consumers = append(consumers, cs)
		}
		c.consumers = map[consumerKey]*consumer{}
		temps := c.temps
		c.temps = map[string]*wire.Destination{}
		c.mu.Unlock()
		for _, cs := range consumers {
			cs.close(wire.LastDeliveredUnknown)
		}
		for _, d := range temps {
			c.srv.temps.remove(c, d)
		}
		if c.client != nil {
			c.client.Close()
		}
		if c.clientID != "" {
			c.srv.releaseClientID(c, c.clientID)
		}
		if c.client != nil {
			c.adviseConnection(false)
		}
	})
}

// connectionInfo authenticates the client and registers its client ID.
func (c *conn) connectionInfo(m *wire.ConnectionInfo) error {
	if c.client != nil {
		if m.ConnectionId != nil && m.ConnectionId.Value == c.connID {
			return nil
		}
		return &jmsError{class: "JMSException", msg: "connection already established"}
	}
	users := c.srv.broker.Users()
	var u *auth.User
	if m.UserName.Valid && m.UserName.Value != "" {
		var err error
		if u, err = users.Authenticate(m.UserName.Value, m.Password.Value, c.nc.RemoteAddr()); err != nil {
			c.log.Warn("login refused", "user", m.UserName.Value, "err", err)
			return &jmsError{class: "java.lang.SecurityException", msg: fmt.Sprintf("User name [%s] or password is invalid.", m.UserName.Value)}
		}
	} else {
		// ActiveMQ's default is no authentication; Junction maps anonymous
		// loopback clients to guest, as guest itself is loopback-only.
		guest, ok := users.User("guest")
		if !ok || !auth.IsLoopback(c.nc.RemoteAddr()) {
			return &jmsError{class: "java.lang.SecurityException", msg: "User name [null] or password is invalid."}
		}
		u = guest
	}
	cl, err := c.srv.broker.Connect(u, c.srv.cfg.VHost)
	if err != nil {
		return &jmsError{class: "java.lang.SecurityException", msg: err.Error()}
	}
	if m.ConnectionId != nil {
		c.connID = m.ConnectionId.Value
	}
	if m.ClientId.Valid && m.ClientId.Value != "" {
		if err := c.srv.claimClientID(c, m.ClientId.Value, c.connID); err != nil {
			cl.Close()
			return err
		}
		c.clientID = m.ClientId.Value
	}
	c.user, c.client, c.vhost = u, cl, cl.VHost
	// The advisory consumer uses session -1 without a SessionInfo.
	c.addSession(-1)
	c.adviseConnection(true)
	c.log.Debug("connection established", "user", u.Name, "client_id", c.clientID, "version", c.format.Version)
	return nil
}

func (c *conn) addSession(id int64) {
	c.mu.Lock()
	if _, ok := c.sessions[id]; !ok {
		c.sessions[id] = &session{id: id, consumers: map[consumerKey]bool{}, producers: map[producerKey]bool{}}
	}
	c.mu.Unlock()
}

func (c *conn) addProducer(m *wire.ProducerInfo) error {
	if m.ProducerId == nil {
		return &jmsError{class: "JMSException", msg: "ProducerInfo without ProducerId"}
	}
	k := producerKey{m.ProducerId.SessionId, m.ProducerId.Value}
	c.addSession(k.session)
	if m.WindowSize > 0 {
		c.windowed.Store(true)
	}
	c.mu.Lock()
	c.producers[k] = m
	c.sessions[k.session].producers[k] = true
	c.mu.Unlock()
	c.adviseProducer(m, true)
	if m.Destination != nil && !m.Destination.Kind.IsTopic() && !m.Destination.Kind.IsTemporary() {
		for _, name := range compositeNames(m.Destination) {
			if _, err := c.ensureQueue(name); err != nil {
				return err
			}
		}
	}
	return nil
}

// remove handles RemoveInfo; false ends the connection (a removed
// connection).
func (c *conn) remove(m *wire.RemoveInfo) (bool, error) {
	switch id := m.ObjectId.(type) {
	case *wire.ConnectionId:
		// The client follows with ShutdownInfo and closes the socket
		// itself; release everything now and keep reading until then.
		c.closing.Store(true)
		c.release()
		return true, nil
	case *wire.SessionId:
		c.mu.Lock()
		s := c.sessions[id.Value]
		delete(c.sessions, id.Value)
		var cs []*consumer
		if s != nil {
			for k := range s.consumers {
				if x := c.consumers[k]; x != nil {
					cs = append(cs, x)
					delete(c.consumers, k)
				}
			}
			for k := range s.producers {
				delete(c.producers, k)
			}
		}
		c.mu.Unlock()
		for _, x := range cs {
			x.close(m.LastDeliveredSequenceId)
		}
	case *wire.ConsumerId:
		k := consumerKey{id.SessionId, id.Value}
		c.mu.Lock()
		cs := c.consumers[k]
		delete(c.consumers, k)
		if s := c.sessions[k.session]; s != nil {
			delete(s.consumers, k)
		}
		c.mu.Unlock()
		if cs != nil {
			cs.close(m.LastDeliveredSequenceId)
		}
	case *wire.ProducerId:
		k := producerKey{id.SessionId, id.Value}
		c.mu.Lock()
		if p := c.producers[k]; p != nil {
			defer c.adviseProducer(p, false)
		}
		delete(c.producers, k)
		if s := c.sessions[k.session]; s != nil {
			delete(s.producers, k)
		}
		c.mu.Unlock()
	}
	return true, nil
}

// jmsError is a refusal carrying the Java exception class the client will
// throw. A class without a package is a JMS exception (javax.jms or
// jakarta.jms, following the client).
type jmsError struct {
	class string
	msg   string
}

func (e *jmsError) Error() string { return e.msg }

func (c *conn) exception(err error) *wire.Throwable {
	class := "JMSException"
	var je *jmsError
	switch {
	case errors.As(err, &je):
		class = je.class
	default:
		switch broker.KindOf(err) {
		case broker.KindNotFound:
			class = "InvalidDestinationException"
		case broker.KindAccessRefused, broker.KindNotAllowed:
			class = "java.lang.SecurityException"
		case broker.KindResourceError:
			class = "ResourceAllocationException"
		}
	}
	if !strings.Contains(class, ".") {
		class = c.jmsPackage + class
	}
	return &wire.Throwable{Class: class, Message: wire.Str(err.Error())}
}
