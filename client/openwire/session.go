package openwire

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/junctionmq/junction/openwire/wire"
)

// AckMode is a session's acknowledge mode; the values are JMS's.
type AckMode int

// The session modes. Transacted sessions acknowledge on Commit.
const (
	Transacted    AckMode = 0 // SESSION_TRANSACTED: local transactions, Commit/Rollback
	AutoAck       AckMode = 1 // AUTO_ACKNOWLEDGE: each message as it is received
	ClientAck     AckMode = 2 // CLIENT_ACKNOWLEDGE: Message.Ack acknowledges all the session delivered
	DupsOKAck     AckMode = 3 // DUPS_OK_ACKNOWLEDGE: lazily, in batches on topics
	IndividualAck AckMode = 4 // ActiveMQ's INDIVIDUAL_ACKNOWLEDGE: Message.Ack acknowledges one message
)

func (m AckMode) String() string {
	switch m {
	case Transacted:
		return "transacted"
	case AutoAck:
		return "auto"
	case ClientAck:
		return "client"
	case DupsOKAck:
		return "dups-ok"
	case IndividualAck:
		return "individual"
	}
	return fmt.Sprintf("AckMode(%d)", int(m))
}

// Session creates producers and consumers and scopes acknowledgement and
// transactions, as a JMS session does. Its methods may be called from
// several goroutines, but message order and transaction boundaries are
// those of the calls as the session sees them.
type Session struct {
	conn *Conn
	id   *wire.SessionId
	mode AckMode

	mu           sync.Mutex
	consumers    map[int64]*Consumer
	producers    map[int64]*Producer
	nextProducer int64
	tx           *wire.LocalTransactionId // open local transaction
	txLost       bool                     // a failover lost the open transaction
	closed       bool
}

// CreateSession creates a session with the given mode.
func (c *Conn) CreateSession(ctx context.Context, mode AckMode) (*Session, error) {
	if mode < Transacted || mode > IndividualAck {
		return nil, fmt.Errorf("create session: unknown acknowledge mode %d", int(mode))
	}
	s := &Session{
		conn:      c,
		id:        &wire.SessionId{ConnectionId: c.id.Value, Value: c.nextSession.Add(1)},
		mode:      mode,
		consumers: map[int64]*Consumer{},
		producers: map[int64]*Producer{},
	}
	// Registered first so that a reconnect during the send replays it.
	c.mu.Lock()
	c.sessions[s.id.Value] = s
	c.mu.Unlock()
	if err := c.send(ctx, &wire.SessionInfo{SessionId: s.id}); err != nil {
		c.mu.Lock()
		delete(c.sessions, s.id.Value)
		c.mu.Unlock()
		return nil, fmt.Errorf("create session: %w", err)
	}
	return s, nil
}

// Mode returns the session's acknowledge mode.
func (s *Session) Mode() AckMode { return s.mode }

// replay re-creates the session with its producers and consumers on a new
// link after a failover.
func (s *Session) replay(ctx context.Context, l *link) error {
	if err := s.conn.sendOn(l, &wire.SessionInfo{SessionId: s.id}); err != nil {
		return fmt.Errorf("re-create session %d: %w", s.id.Value, err)
	}
	s.mu.Lock()
	producers := make([]*Producer, 0, len(s.producers))
	for _, p := range s.producers {
		producers = append(producers, p)
	}
	consumers := make([]*Consumer, 0, len(s.consumers))
	for _, c := range s.consumers {
		consumers = append(consumers, c)
	}
	s.mu.Unlock()
	slices.SortFunc(producers, func(a, b *Producer) int { return int(a.id.Value - b.id.Value) })
	slices.SortFunc(consumers, func(a, b *Consumer) int { return int(a.info.ConsumerId.Value - b.info.ConsumerId.Value) })
	for _, p := range producers {
		p.resetWindow()
		if _, err := s.conn.linkRequest(ctx, l, p.info()); err != nil {
			return fmt.Errorf("re-create producer %v: %w", p.id, err)
		}
	}
	for _, c := range consumers {
		if c.browser {
			c.shut(fmt.Errorf("browse interrupted by a reconnect: %w", ErrClosed))
			continue
		}
		if _, err := s.conn.linkRequest(ctx, l, c.info); err != nil {
			return fmt.Errorf("re-create consumer on %v: %w", c.dest, err)
		}
		c.wake()
	}
	return nil
}

// linkLost runs when a failover connection lost its link: prefetched and
// unacknowledged messages are dropped (the broker delivers them again) and
// an open transaction is lost.
func (s *Session) linkLost() {
	s.mu.Lock()
	if s.tx != nil {
		s.tx, s.txLost = nil, true
	}
	consumers := make([]*Consumer, 0, len(s.consumers))
	for _, c := range s.consumers {
		consumers = append(consumers, c)
	}
	s.mu.Unlock()
	gen := s.conn.currentGen()
	for _, c := range consumers {
		c.dropBefore(gen + 1)
	}
}

// connDone closes everything after the connection finished.
func (s *Session) connDone(err error) {
	s.mu.Lock()
	s.closed = true
	consumers := make([]*Consumer, 0, len(s.consumers))
	for _, c := range s.consumers {
		consumers = append(consumers, c)
	}
	s.mu.Unlock()
	for _, c := range consumers {
		c.shut(err)
	}
}

func (c *Conn) currentGen() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// Close closes the session: pending acknowledgements are sent, an open
// transaction is rolled back, and the broker removes the session with
// everything in it. Unacknowledged messages are delivered again.
func (s *Session) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.conn.o.closeTimeout)
	defer cancel()
	return s.close(ctx, true)
}

func (s *Session) close(ctx context.Context, remove bool) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	tx := s.tx
	consumers := make([]*Consumer, 0, len(s.consumers))
	for _, c := range s.consumers {
		consumers = append(consumers, c)
	}
	s.mu.Unlock()
	var errs []error
	last := wire.LastDeliveredNone
	for _, c := range consumers {
		if s.mode == DupsOKAck {
			errs = append(errs, c.flushBatch(ctx))
		}
		last = max(last, c.lastDeliveredSeq())
	}
	if tx != nil {
		_, err := s.conn.request(ctx, &wire.TransactionInfo{ConnectionId: s.conn.id, TransactionId: tx, Type: wire.TxRollback})
		errs = append(errs, err)
	}
	s.mu.Lock()
	s.closed = true
	s.tx = nil
	s.mu.Unlock()
	for _, c := range consumers {
		c.shut(ErrClosed)
	}
	if remove {
		errs = append(errs, s.conn.send(ctx, &wire.RemoveInfo{ObjectId: s.id, LastDeliveredSequenceId: last}))
	}
	s.conn.mu.Lock()
	delete(s.conn.sessions, s.id.Value)
	for _, c := range consumers {
		delete(s.conn.consumers, c.info.ConsumerId.Value)
	}
	for _, p := range s.producers {
		delete(s.conn.producers, producerKey{s.id.Value, p.id.Value})
	}
	s.conn.mu.Unlock()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close session: %w", err)
	}
	return nil
}

func (s *Session) checkOpen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("session: %w", ErrClosed)
	}
	return nil
}

// transaction returns the open local transaction, beginning one (an
// asynchronous BEGIN, as Java does) on first use; nil outside transacted
// sessions.
func (s *Session) transaction(ctx context.Context) (wire.TransactionId, error) {
	if s.mode != Transacted {
		return nil, nil
	}
	s.mu.Lock()
	if s.tx != nil {
		tx := s.tx
		s.mu.Unlock()
		return tx, nil
	}
	tx := &wire.LocalTransactionId{Value: s.conn.nextTx.Add(1), ConnectionId: s.conn.id}
	s.tx = tx
	s.mu.Unlock()
	if err := s.conn.send(ctx, &wire.TransactionInfo{ConnectionId: s.conn.id, TransactionId: tx, Type: wire.TxBegin}); err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	return tx, nil
}

func (s *Session) consumerList() []*Consumer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Consumer, 0, len(s.consumers))
	for _, c := range s.consumers {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *Consumer) int { return int(a.info.ConsumerId.Value - b.info.ConsumerId.Value) })
	return out
}

// Commit commits the session's transaction: the messages consumed in it
// are acknowledged and those sent are delivered. On failure the
// transaction is rolled back, the consumed messages are delivered again,
// and the error matches ErrTransactionRolledBack.
func (s *Session) Commit(ctx context.Context) error {
	if s.mode != Transacted {
		return fmt.Errorf("commit: %w", ErrNotTransacted)
	}
	s.mu.Lock()
	tx, lost := s.tx, s.txLost
	s.txLost = false
	s.mu.Unlock()
	if lost {
		s.Rollback(ctx)
		return fmt.Errorf("commit: %w: the connection failed over while it was open", ErrTransactionRolledBack)
	}
	if tx == nil {
		return nil
	}
	consumers := s.consumerList()
	for _, c := range consumers {
		if err := c.ackDelivered(ctx, wire.AckStandard, tx); err != nil {
			s.Rollback(ctx)
			return fmt.Errorf("commit: %w: %w", ErrTransactionRolledBack, err)
		}
	}
	_, err := s.conn.request(ctx, &wire.TransactionInfo{ConnectionId: s.conn.id, TransactionId: tx, Type: wire.TxCommitOnePhase})
	s.mu.Lock()
	if s.tx == tx {
		s.tx = nil
	}
	s.mu.Unlock()
	if err != nil {
		for _, c := range consumers {
			c.redeliverLocally()
		}
		s.finishTx()
		return fmt.Errorf("commit: %w: %w", ErrTransactionRolledBack, err)
	}
	for _, c := range consumers {
		c.clearDelivered()
	}
	s.finishTx()
	return nil
}

// Rollback rolls the session's transaction back: messages sent in it are
// dropped, and messages consumed in it are delivered again, with the
// redelivered flag, by the client (as the Java client does).
func (s *Session) Rollback(ctx context.Context) error {
	if s.mode != Transacted {
		return fmt.Errorf("rollback: %w", ErrNotTransacted)
	}
	s.mu.Lock()
	tx := s.tx
	s.tx, s.txLost = nil, false
	s.mu.Unlock()
	var err error
	if tx != nil {
		if _, rerr := s.conn.request(ctx, &wire.TransactionInfo{ConnectionId: s.conn.id, TransactionId: tx, Type: wire.TxRollback}); rerr != nil {
			err = fmt.Errorf("rollback: %w", rerr)
		}
	}
	for _, c := range s.consumerList() {
		c.redeliverLocally()
	}
	s.finishTx()
	return err
}

// finishTx completes the Close of consumers that waited for the end of
// the transaction.
func (s *Session) finishTx() {
	for _, c := range s.consumerList() {
		if c.closeDeferred() {
			c.Close()
		}
	}
}

// Recover stops delivery and starts again with the oldest unacknowledged
// message: in ClientAck and IndividualAck sessions every delivered but
// unacknowledged message is delivered again, marked redelivered.
func (s *Session) Recover(ctx context.Context) error {
	if s.mode == Transacted {
		return fmt.Errorf("recover: %w", ErrTransacted)
	}
	if err := s.checkOpen(); err != nil {
		return err
	}
	for _, c := range s.consumerList() {
		c.redeliverLocally()
	}
	return nil
}

// ack implements Message.Ack.
func (s *Session) ack(ctx context.Context, m *Message) error {
	switch s.mode {
	case ClientAck:
		for _, c := range s.consumerList() {
			if err := c.ackDelivered(ctx, wire.AckStandard, nil); err != nil {
				return fmt.Errorf("acknowledge: %w", err)
			}
		}
	case IndividualAck:
		if err := m.consumer.ackIndividual(ctx, m); err != nil {
			return fmt.Errorf("acknowledge %s: %w", m.ID, err)
		}
	}
	return nil
}

// Unsubscribe deletes the durable subscription name of this connection's
// client ID. The broker refuses while a consumer is active on it.
func (s *Session) Unsubscribe(ctx context.Context, name string) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	rs := &wire.RemoveSubscriptionInfo{ConnectionId: s.conn.id, SubscriptionName: wire.Str(name), ClientId: wire.Str(s.conn.clientID)}
	if _, err := s.conn.request(ctx, rs); err != nil {
		return fmt.Errorf("unsubscribe %q: %w", name, err)
	}
	return nil
}
