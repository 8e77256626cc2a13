package openwire

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/junctionmq/junction/openwire/wire"
)

// ProducerOption sets a producer's defaults (in CreateProducer) or
// overrides them for one message (in Send).
type ProducerOption func(*sendSettings)

type syncMode int

const (
	syncDefault syncMode = iota // Java's rule: persistent outside transactions is synchronous
	syncAlways
	syncNever
)

type sendSettings struct {
	persistent bool
	priority   int
	ttl        time.Duration
	sync       syncMode
	window     int
	noTime     bool
}

// Persistent sets JMSDeliveryMode: true (the default) is PERSISTENT.
func Persistent(p bool) ProducerOption { return func(s *sendSettings) { s.persistent = p } }

// Priority sets JMSPriority, 0–9 (default 4).
func Priority(p int) ProducerOption { return func(s *sendSettings) { s.priority = p } }

// TimeToLive makes messages expire d after they are sent; 0 (the
// default) never.
func TimeToLive(d time.Duration) ProducerOption { return func(s *sendSettings) { s.ttl = d } }

// SyncSend makes every send wait for the broker's receipt (Java's
// alwaysSyncSend).
func SyncSend() ProducerOption { return func(s *sendSettings) { s.sync = syncAlways } }

// AsyncSend makes every send return once written, persistent ones too
// (Java's useAsyncSend). Combine with WindowSize for flow control.
func AsyncSend() ProducerOption { return func(s *sendSettings) { s.sync = syncNever } }

// WindowSize enables producer flow control for asynchronous sends: at most
// n bytes (in the broker's estimate) unconfirmed by ProducerAck. Only in
// CreateProducer.
func WindowSize(n int) ProducerOption { return func(s *sendSettings) { s.window = n } }

// DisableTimestamps leaves JMSTimestamp 0, as setDisableMessageTimestamp.
func DisableTimestamps() ProducerOption { return func(s *sendSettings) { s.noTime = true } }

// Producer sends messages to one destination, or to any (SendTo) when
// created with the zero Destination.
type Producer struct {
	sess     *Session
	id       *wire.ProducerId
	dest     Destination
	settings sendSettings
	seq      atomic.Int64

	wmu    sync.Mutex
	wcond  *sync.Cond
	usage  int
	closed bool
}

// CreateProducer creates a producer for dest (zero: anonymous).
func (s *Session) CreateProducer(ctx context.Context, dest Destination, opts ...ProducerOption) (*Producer, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	p := &Producer{sess: s, dest: dest, settings: sendSettings{persistent: true, priority: 4}}
	p.wcond = sync.NewCond(&p.wmu)
	for _, f := range opts {
		f(&p.settings)
	}
	s.mu.Lock()
	s.nextProducer++
	p.id = &wire.ProducerId{ConnectionId: s.conn.id.Value, SessionId: s.id.Value, Value: s.nextProducer}
	s.mu.Unlock()
	if _, err := s.conn.request(ctx, p.info()); err != nil {
		return nil, fmt.Errorf("create producer for %v: %w", dest, err)
	}
	s.mu.Lock()
	s.producers[p.id.Value] = p
	s.mu.Unlock()
	s.conn.mu.Lock()
	s.conn.producers[producerKey{s.id.Value, p.id.Value}] = p
	s.conn.mu.Unlock()
	return p, nil
}

func (p *Producer) info() *wire.ProducerInfo {
	return &wire.ProducerInfo{ProducerId: p.id, Destination: p.dest.toWire(), WindowSize: int32(p.settings.window)}
}

// Destination returns the producer's destination (zero if anonymous).
func (p *Producer) Destination() Destination { return p.dest }

// Send sends m to the producer's destination. It fills in m's ID,
// Destination, Timestamp, Expiration, Persistent and Priority, as JMS
// does. It waits for the broker's receipt when the message is persistent
// and outside a transaction (or with SyncSend), so a nil error then means
// the broker has the message; otherwise it returns once the message is
// written.
func (p *Producer) Send(ctx context.Context, m *Message, opts ...ProducerOption) error {
	return p.send(ctx, p.dest, m, nil, opts)
}

// SendTo sends m to dest; for anonymous producers.
func (p *Producer) SendTo(ctx context.Context, dest Destination, m *Message, opts ...ProducerOption) error {
	if !p.dest.IsZero() && dest != p.dest {
		return fmt.Errorf("send to %v: producer is bound to %v", dest, p.dest)
	}
	return p.send(ctx, dest, m, nil, opts)
}

// SendAsync sends m asking for the broker's receipt but without waiting
// for it: done runs (on the connection's reader goroutine; it must not
// block) with nil once the broker accepted m, or with the error. This is
// JMS 2's CompletionListener.
func (p *Producer) SendAsync(ctx context.Context, m *Message, done func(error), opts ...ProducerOption) error {
	if done == nil {
		done = func(error) {}
	}
	return p.send(ctx, p.dest, m, done, opts)
}

func (p *Producer) send(ctx context.Context, dest Destination, m *Message, done func(error), opts []ProducerOption) error {
	if dest.IsZero() {
		return fmt.Errorf("send: no destination")
	}
	if err := p.sess.checkOpen(); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	st := p.settings
	for _, f := range opts {
		f(&st)
	}
	if st.priority < 0 || st.priority > 9 {
		return fmt.Errorf("send: priority %d outside 0–9", st.priority)
	}
	cmd, w, err := m.toWire()
	if err != nil {
		return fmt.Errorf("send to %v: %w", dest, err)
	}
	tx, err := p.sess.transaction(ctx)
	if err != nil {
		return fmt.Errorf("send to %v: %w", dest, err)
	}
	w.ProducerId = p.id
	w.Destination = dest.toWire()
	if tx != nil {
		w.TransactionId = tx
	}
	w.MessageId = &wire.MessageId{ProducerId: p.id, ProducerSequenceId: p.seq.Add(1)}
	w.Persistent = st.persistent
	w.Priority = int8(st.priority)
	now := time.Now()
	if !st.noTime {
		w.Timestamp = now.UnixMilli()
	}
	if st.ttl > 0 {
		w.Expiration = now.Add(st.ttl).UnixMilli()
	}
	m.ID = w.MessageId.String()
	m.Destination = dest
	m.Persistent = st.persistent
	m.Priority = st.priority
	m.Timestamp, m.Expiration = time.Time{}, time.Time{}
	if w.Timestamp != 0 {
		m.Timestamp = time.UnixMilli(w.Timestamp)
	}
	if w.Expiration != 0 {
		m.Expiration = time.UnixMilli(w.Expiration)
	}

	sync := st.sync == syncAlways || (st.sync == syncDefault && st.persistent && tx == nil)
	conn := p.sess.conn
	switch {
	case done != nil:
		err = conn.requestAsync(ctx, cmd, func(_ wire.Command, err error) { done(err) })
	case sync:
		_, err = conn.request(ctx, cmd)
	default:
		if err = p.acquire(ctx, w); err == nil {
			err = conn.send(ctx, cmd)
		}
	}
	if err != nil {
		return fmt.Errorf("send to %v: %w", dest, err)
	}
	return nil
}

// size is the broker's estimate of a message, which ProducerAck returns.
func size(w *wire.Message) int { return 1024 + len(w.Content) + len(w.MarshalledProperties) }

// acquire waits for room in the producer window.
func (p *Producer) acquire(ctx context.Context, w *wire.Message) error {
	if p.settings.window <= 0 {
		return nil
	}
	stop := context.AfterFunc(ctx, func() {
		p.wmu.Lock()
		p.wcond.Broadcast()
		p.wmu.Unlock()
	})
	defer stop()
	p.wmu.Lock()
	defer p.wmu.Unlock()
	for p.usage >= p.settings.window && !p.closed {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("waiting for producer window: %w", err)
		}
		p.wcond.Wait()
	}
	if p.closed {
		return ErrClosed
	}
	p.usage += size(w)
	return nil
}

// credit applies a ProducerAck.
func (p *Producer) credit(n int) {
	p.wmu.Lock()
	p.usage = max(p.usage-n, 0)
	p.wcond.Broadcast()
	p.wmu.Unlock()
}

// resetWindow forgets in-flight usage after a reconnect: the ProducerAcks
// for it will never come.
func (p *Producer) resetWindow() {
	p.wmu.Lock()
	p.usage = 0
	p.wcond.Broadcast()
	p.wmu.Unlock()
}

// Close unregisters the producer.
func (p *Producer) Close() error {
	p.wmu.Lock()
	if p.closed {
		p.wmu.Unlock()
		return nil
	}
	p.closed = true
	p.wcond.Broadcast()
	p.wmu.Unlock()
	s := p.sess
	s.mu.Lock()
	delete(s.producers, p.id.Value)
	closed := s.closed
	s.mu.Unlock()
	s.conn.mu.Lock()
	delete(s.conn.producers, producerKey{s.id.Value, p.id.Value})
	s.conn.mu.Unlock()
	if closed {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.conn.o.closeTimeout)
	defer cancel()
	if err := s.conn.send(ctx, &wire.RemoveInfo{ObjectId: p.id, LastDeliveredSequenceId: wire.LastDeliveredUnknown}); err != nil {
		return fmt.Errorf("close producer: %w", err)
	}
	return nil
}
