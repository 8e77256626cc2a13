package openwire

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/junctionmq/junction/openwire/wire"
)

// Conn is a connection to an OpenWire broker (ActiveMQ or Junction). It is
// safe for concurrent use. With a failover: URL it survives broker
// restarts: it reconnects and re-creates its sessions, producers,
// consumers and temporary destinations, and resends requests that were
// waiting for an answer.
type Conn struct {
	o        options
	urls     []*neturl.URL
	id       *wire.ConnectionId
	clientID string

	cmdID        atomic.Int32
	nextSession  atomic.Int64
	nextConsumer atomic.Int64
	nextTemp     atomic.Int64
	nextTx       atomic.Int64

	mu        sync.Mutex
	link      *link
	ready     chan struct{} // closed while link != nil, or once the Conn is done
	gen       uint64
	done      chan struct{} // closed by Close or a permanent failure
	err       error         // why done was closed
	pending   map[int32]*call
	sessions  map[int64]*Session
	consumers map[int64]*Consumer
	producers map[producerKey]*Producer
	temps     []Destination
	broker    *wire.BrokerInfo
}

type producerKey struct{ session, value int64 }

// call is a request waiting for its response.
type call struct {
	cmd     wire.Command
	gen     uint64 // link generation it was last written on
	bound   bool   // belongs to one link: fail it with that link, never resend
	resp    chan callResult
	onReply func(wire.Command, error) // instead of resp, for SendAsync
}

type callResult struct {
	cmd wire.Command
	err error
}

// Dial connects to the broker at rawURL and sends ConnectionInfo. rawURL
// is tcp://host:port, ssl://host:port or failover:(url,url,…), each with
// the Java client's query options (jms.userName, jms.password,
// jms.clientID, wireFormat.*, and the FailoverTransport's reconnect
// options on failover: URLs). opts are applied after the URL's options.
//
// For a failover URL, Dial keeps trying until ctx ends (or the startup
// attempt limit is reached); otherwise it tries once.
// ClientID returns the client ID the connection registered.
func (c *Conn) ClientID() string { return c.clientID }

// BrokerName returns the name from the broker's BrokerInfo, "" until it
// arrived.
func (c *Conn) BrokerName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broker == nil {
		return ""
	}
	return c.broker.BrokerName.Value
}

// connect tries the URLs in rounds, with back-off between rounds, until a
// link is up and the connection's state restored on it. attempts < 0 is
// unlimited.
// order returns the URLs in the order to try: as given, or shuffled when
// Randomize (which spreads clients over the brokers).
// restore starts l's reader, registers the connection on it and re-creates
// all state (only the connection itself on the first connect). Then it
// resends the requests still waiting and makes l the current link.
// replay re-creates, on a new link, what the old one had: temporary
// destinations, sessions, producers and consumers, in that order (the
// Java ConnectionStateTracker's order).
// read runs l's read loop and then reports the failure.
func (c *Conn) read(l *link) {
	err := l.readLoop(c.handle)
	c.linkDown(l, err)
}

// handle routes one command from the broker.
func (c *Conn) handle(l *link, cmd wire.Command) {
	switch m := cmd.(type) {
	case *wire.MessageDispatch:
		if m.ConsumerId == nil {
			return
		}
		c.mu.Lock()
		cons := c.consumers[m.ConsumerId.Value]
		c.mu.Unlock()
		if cons != nil {
			cons.dispatch(l.gen, m)
		}
	case wire.ResponseCommand:
		c.mu.Lock()
		cl := c.pending[m.GetCorrelationId()]
		delete(c.pending, m.GetCorrelationId())
		c.mu.Unlock()
		if cl == nil {
			return
		}
		var err error
		if ex, ok := m.(*wire.ExceptionResponse); ok {
			err = brokerError(ex.Exception)
		}
		cl.finish(cmd, err)
	case *wire.KeepAliveInfo:
		if m.ResponseRequired {
			go l.write(&wire.KeepAliveInfo{})
		}
	case *wire.BrokerInfo:
		c.mu.Lock()
		c.broker = m
		c.mu.Unlock()
	case *wire.ProducerAck:
		if m.ProducerId == nil {
			return
		}
		c.mu.Lock()
		p := c.producers[producerKey{m.ProducerId.SessionId, m.ProducerId.Value}]
		c.mu.Unlock()
		if p != nil {
			p.credit(int(m.Size))
		}
	case *wire.ConsumerControl:
		if m.ConsumerId == nil || !m.Close {
			return
		}
		c.mu.Lock()
		cons := c.consumers[m.ConsumerId.Value]
		c.mu.Unlock()
		if cons != nil {
			go cons.Close()
		}
	case *wire.ConnectionError:
		c.report(fmt.Errorf("connection error: %w", brokerError(m.Exception)))
	case *wire.ShutdownInfo:
		l.close(errors.New("broker shut the connection down"))
	}
}

func (cl *call) finish(cmd wire.Command, err error) {
	if cl.onReply != nil {
		cl.onReply(cmd, err)
		return
	}
	cl.resp <- callResult{cmd, err}
}

func (c *Conn) report(err error) {
	if c.o.onError != nil {
		c.o.onError(err)
	}
}

// linkDown handles the failure of l: without failover the connection is
// finished; with failover a reconnect starts.
func (c *Conn) forEachSession(f func(*Session)) {
	c.mu.Lock()
	ss := make([]*Session, 0, len(c.sessions))
	for _, s := range c.sessions {
		ss = append(ss, s)
	}
	c.mu.Unlock()
	for _, s := range ss {
		f(s)
	}
}

// fail finishes the connection after an unrecoverable error.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	if isClosed(c.done) {
		c.mu.Unlock()
		return
	}
	c.err = err
	close(c.done)
	pending := c.pending
	c.pending = map[int32]*call{}
	l := c.link
	c.mu.Unlock()
	if l != nil {
		l.close(err)
	}
	for _, cl := range pending {
		cl.finish(nil, err)
	}
	c.forEachSession(func(s *Session) { s.connDone(err) })
	c.report(err)
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// doneErr is the error for calls on a finished connection.
func (c *Conn) doneErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	return ErrClosed
}

// currentLink waits for a usable link.
func (c *Conn) currentLink(ctx context.Context) (*link, error) {
	for {
		c.mu.Lock()
		l, ready, done := c.link, c.ready, c.done
		c.mu.Unlock()
		if isClosed(done) {
			return nil, c.doneErr()
		}
		if l != nil {
			return l, nil
		}
		select {
		case <-ready:
		case <-done:
			return nil, c.doneErr()
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the broker connection: %w", ctx.Err())
		}
	}
}

// send writes a command that needs no answer. Under failover a failed
// write waits for the reconnect and goes out on the new link.
func (c *Conn) send(ctx context.Context, cmd wire.Command) error {
	cmd.SetCommandId(c.cmdID.Add(1))
	for {
		l, err := c.currentLink(ctx)
		if err != nil {
			return err
		}
		if err = l.write(cmd); err == nil || !c.o.failover || isEncodeErr(err) {
			return err
		}
	}
}

func isEncodeErr(err error) bool {
	return errors.Is(err, wire.ErrFrameTooLarge) || errors.Is(err, wire.ErrUnsupported) || errors.Is(err, wire.ErrStringTooLong)
}

// sendOn writes a command on one particular link (state replay).
func (c *Conn) sendOn(l *link, cmd wire.Command) error {
	cmd.SetCommandId(c.cmdID.Add(1))
	return l.write(cmd)
}

// register stamps cmd as a request and records the call.
func (c *Conn) register(cmd wire.Command, onReply func(wire.Command, error)) (*call, error) {
	cmd.SetCommandId(c.cmdID.Add(1))
	cmd.SetResponseRequired(true)
	cl := &call{cmd: cmd, onReply: onReply}
	if onReply == nil {
		cl.resp = make(chan callResult, 1)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if isClosed(c.done) {
		if c.err != nil {
			return nil, c.err
		}
		return nil, ErrClosed
	}
	c.pending[cmd.GetCommandId()] = cl
	return cl, nil
}

// writeCall writes cl on l unless it already went out on that link.
func (c *Conn) writeCall(l *link, cl *call) error {
	c.mu.Lock()
	if cl.gen == l.gen {
		c.mu.Unlock()
		return nil
	}
	cl.gen = l.gen
	c.mu.Unlock()
	return l.write(cl.cmd)
}

// request sends cmd and waits for the broker's answer. An ExceptionResponse
// becomes a *BrokerError. Under failover the request survives reconnects.
func (c *Conn) request(ctx context.Context, cmd wire.Command) (wire.Command, error) {
	cl, err := c.register(cmd, nil)
	if err != nil {
		return nil, err
	}
	if err := c.start(ctx, cl); err != nil {
		return nil, err
	}
	select {
	case r := <-cl.resp:
		return r.cmd, r.err
	case <-ctx.Done():
		c.forget(cl)
		return nil, fmt.Errorf("waiting for the answer to %s: %w", wire.TypeName(cmd.DataStructureType()), ctx.Err())
	}
}

// requestAsync sends cmd and calls onReply with the answer later.
func (c *Conn) requestAsync(ctx context.Context, cmd wire.Command, onReply func(wire.Command, error)) error {
	cl, err := c.register(cmd, onReply)
	if err != nil {
		return err
	}
	return c.start(ctx, cl)
}

// start writes a registered call on the current link. A write error is
// final only without failover; with failover the reconnect resends it.
func (c *Conn) start(ctx context.Context, cl *call) error {
	l, err := c.currentLink(ctx)
	if err != nil {
		c.forget(cl)
		return err
	}
	if err := c.writeCall(l, cl); err != nil && (!c.o.failover || isEncodeErr(err)) {
		c.forget(cl)
		return err
	}
	return nil
}

func (c *Conn) forget(cl *call) {
	c.mu.Lock()
	delete(c.pending, cl.cmd.GetCommandId())
	c.mu.Unlock()
}

// linkRequest is a request bound to one link: used while connecting and
// replaying state, before the link is published.
func (c *Conn) linkRequest(ctx context.Context, l *link, cmd wire.Command) (wire.Command, error) {
	cl, err := c.register(cmd, nil)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	cl.bound = true
	c.mu.Unlock()
	if err := c.writeCall(l, cl); err != nil {
		c.forget(cl)
		return nil, err
	}
	select {
	case r := <-cl.resp:
		return r.cmd, r.err
	case <-ctx.Done():
		c.forget(cl)
		return nil, ctx.Err()
	case <-l.done:
		// The reader hands over a response before it closes the link, and
		// select picks at random among ready cases: a broker that answers
		// and then hangs up (a refused login) must still be heard.
		select {
		case r := <-cl.resp:
			return r.cmd, r.err
		default:
		}
		c.forget(cl)
		return nil, l.err
	}
}

// CreateTempQueue creates a temporary queue that lives as long as the
// connection (or until DeleteTempDestination).
func (c *Conn) CreateTempQueue(ctx context.Context) (Destination, error) {
	return c.createTemp(ctx, TempQueueKind)
}

// CreateTempTopic creates a temporary topic.
func (c *Conn) CreateTempTopic(ctx context.Context) (Destination, error) {
	return c.createTemp(ctx, TempTopicKind)
}

func (c *Conn) createTemp(ctx context.Context, kind DestinationKind) (Destination, error) {
	d := Destination{Kind: kind, Name: c.id.Value + ":" + strconv.FormatInt(c.nextTemp.Add(1), 10)}
	di := &wire.DestinationInfo{ConnectionId: c.id, Destination: d.toWire(), OperationType: wire.DestinationAdd}
	if _, err := c.request(ctx, di); err != nil {
		return Destination{}, fmt.Errorf("create %v: %w", d, err)
	}
	c.mu.Lock()
	c.temps = append(c.temps, d)
	c.mu.Unlock()
	return d, nil
}

// DeleteTempDestination deletes a temporary queue or topic of this
// connection. The broker refuses while it has consumers.
func (c *Conn) DeleteTempDestination(ctx context.Context, d Destination) error {
	if !d.IsTemporary() {
		return fmt.Errorf("delete %v: not a temporary destination", d)
	}
	di := &wire.DestinationInfo{ConnectionId: c.id, Destination: d.toWire(), OperationType: wire.DestinationRemove}
	if _, err := c.request(ctx, di); err != nil {
		return fmt.Errorf("delete %v: %w", d, err)
	}
	c.mu.Lock()
	c.temps = slices.DeleteFunc(c.temps, func(t Destination) bool { return t == d })
	c.mu.Unlock()
	return nil
}

// Close closes the sessions (rolling back open transactions), unregisters
// the connection and closes the socket. It waits at most 15 s for the
// broker, like Java's closeTimeout.
func (c *Conn) Close() error {
	c.mu.Lock()
	if isClosed(c.done) {
		c.mu.Unlock()
		return nil
	}
	// During a reconnect nothing is waited for: there is no broker to
	// tell.
	timeout := c.o.closeTimeout
	if c.link == nil {
		timeout = 0
	}
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// Like Java, report the newest message handed to the application by
	// the consumers still open (-1: none).
	last := wire.LastDeliveredNone
	c.forEachSession(func(s *Session) {
		for _, cons := range s.consumerList() {
			last = max(last, cons.lastDeliveredSeq())
		}
		s.close(ctx, false)
	})
	var err error
	c.mu.Lock()
	l := c.link
	c.mu.Unlock()
	if l != nil {
		// Only on a live link: Close does not wait for a reconnect.
		if _, rerr := c.linkRequest(ctx, l, &wire.RemoveInfo{ObjectId: c.id, LastDeliveredSequenceId: last}); rerr != nil {
			err = fmt.Errorf("close connection: %w", rerr)
		}
		c.sendOn(l, &wire.ShutdownInfo{})
	}
	c.mu.Lock()
	if !isClosed(c.done) {
		c.err = ErrClosed
		close(c.done)
	}
	pending := c.pending
	c.pending = map[int32]*call{}
	l = c.link
	c.link = nil
	c.mu.Unlock()
	if l != nil {
		l.close(ErrClosed)
	}
	for _, cl := range pending {
		cl.finish(nil, ErrClosed)
	}
	c.forEachSession(func(s *Session) { s.connDone(ErrClosed) })
	return err
}
