package openwire

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	neturl "net/url"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/junctionmq/junction/openwire/wire"
)

var instance atomic.Int64

func newConnectionID() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	return fmt.Sprintf("ID:%s-%d-%d-%d:1", host, os.Getpid(), time.Now().UnixMilli(), instance.Add(1))
}

func Dial(ctx context.Context, rawURL string, opts ...Option) (*Conn, error) {
	o := defaultOptions()
	urls, err := parseURL(rawURL, &o)
	if err != nil {
		return nil, err
	}
	for _, f := range opts {
		f(&o)
	}
	c := &Conn{
		o:         o,
		urls:      urls,
		ready:     make(chan struct{}),
		done:      make(chan struct{}),
		pending:   map[int32]*call{},
		sessions:  map[int64]*Session{},
		consumers: map[int64]*Consumer{},
		producers: map[producerKey]*Producer{},
	}
	c.id = &wire.ConnectionId{Value: o.connectionID}
	if c.id.Value == "" {
		c.id.Value = newConnectionID()
	}
	c.clientID = o.clientID
	if c.clientID == "" {
		c.clientID = c.id.Value
	}
	attempts := 1
	if o.failover {
		attempts = o.reconnect.StartupMaxAttempts
		if attempts == 0 {
			attempts = -1
		}
	}
	if err := c.connect(ctx, attempts, false); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Conn) connect(ctx context.Context, attempts int, reconnect bool) error {
	p := c.o.reconnect
	delay := p.InitialDelay
	var last error
	for round := 0; attempts < 0 || round < attempts; round++ {
		if round > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("connect: %w (last error: %v)", ctx.Err(), last)
			case <-c.done:
				return ErrClosed
			case <-time.After(delay):
			}
			if p.Exponential {
				delay = min(time.Duration(float64(delay)*max(p.Multiplier, 1)), p.MaxDelay)
			}
		}
		for _, u := range c.order() {
			l, err := dialLink(ctx, u, &c.o)
			if err == nil {
				err = c.restore(ctx, l, reconnect)
				if err == nil {
					return nil
				}
				l.close(err)
				var be *BrokerError
				if errors.As(err, &be) && !reconnect {
					return err // refused (credentials, client ID): trying again will not help
				}
			}
			last = err
			if ctx.Err() != nil {
				return fmt.Errorf("connect: %w (last error: %v)", ctx.Err(), last)
			}
		}
	}
	return fmt.Errorf("connect: gave up after %d rounds: %w", attempts, last)
}

func (c *Conn) order() []*neturl.URL {
	out := slices.Clone(c.urls)
	if len(out) > 1 && c.o.reconnect.Randomize {
		rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	}
	return out
}

func (c *Conn) restore(ctx context.Context, l *link, reconnect bool) error {
	c.mu.Lock()
	c.gen++
	l.gen = c.gen
	c.mu.Unlock()
	go c.read(l)
	go l.monitor()

	info := &wire.ConnectionInfo{
		ConnectionId:      c.id,
		ClientId:          wire.Str(c.clientID),
		Manageable:        true,
		ClientMaster:      true,
		FaultTolerant:     c.o.failover,
		FailoverReconnect: reconnect,
	}
	if c.o.user != "" || c.o.password != "" {
		info.UserName, info.Password = wire.Str(c.o.user), wire.Str(c.o.password)
	}
	if _, err := c.linkRequest(ctx, l, info); err != nil {
		return fmt.Errorf("register connection: %w", err)
	}
	if reconnect {
		if err := c.replay(ctx, l); err != nil {
			return err
		}
	}
	c.mu.Lock()
	resend := make([]*call, 0, len(c.pending))
	for _, cl := range c.pending {
		if !cl.bound {
			resend = append(resend, cl)
		}
	}
	c.mu.Unlock()
	slices.SortFunc(resend, func(a, b *call) int { return int(a.cmd.GetCommandId() - b.cmd.GetCommandId()) })
	for _, cl := range resend {
		if err := c.writeCall(l, cl); err != nil {
			return fmt.Errorf("resend in-flight %s: %w", wire.TypeName(cl.cmd.DataStructureType()), err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.done:
		return ErrClosed
	case <-l.done:
		return l.err
	default:
	}
	c.link = l
	close(c.ready)
	return nil
}

func (c *Conn) replay(ctx context.Context, l *link) error {
	c.mu.Lock()
	temps := slices.Clone(c.temps)
	sessions := make([]*Session, 0, len(c.sessions))
	for _, s := range c.sessions {
		sessions = append(sessions, s)
	}
	c.mu.Unlock()
	slices.SortFunc(sessions, func(a, b *Session) int { return int(a.id.Value - b.id.Value) })
	for _, d := range temps {
		di := &wire.DestinationInfo{ConnectionId: c.id, Destination: d.toWire(), OperationType: wire.DestinationAdd}
		if _, err := c.linkRequest(ctx, l, di); err != nil {
			return fmt.Errorf("re-create %v: %w", d, err)
		}
	}
	for _, s := range sessions {
		if err := s.replay(ctx, l); err != nil {
			return err
		}
	}
	return nil
}

func (c *Conn) linkDown(l *link, err error) {
	c.mu.Lock()
	var bound []*call
	for id, cl := range c.pending {
		if cl.bound && cl.gen == l.gen {
			bound = append(bound, cl)
			delete(c.pending, id)
		}
	}
	current := c.link == l
	if current {
		c.link = nil
		c.ready = make(chan struct{})
	}
	finished := isClosed(c.done)
	c.mu.Unlock()
	for _, cl := range bound {
		cl.finish(nil, fmt.Errorf("link failed: %w", err))
	}
	if !current || finished {
		return
	}
	if !c.o.failover {
		c.fail(fmt.Errorf("connection lost: %w", err))
		return
	}
	c.report(fmt.Errorf("connection lost, reconnecting: %w", err))
	c.forEachSession(func(s *Session) { s.linkLost() })
	go func() {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-c.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		if err := c.connect(ctx, c.o.reconnect.MaxAttempts, true); err != nil {
			c.fail(fmt.Errorf("reconnect: %w", err))
		}
	}()
}
