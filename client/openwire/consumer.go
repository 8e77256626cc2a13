package openwire

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/junctionmq/junction/openwire/wire"
)

// ConsumerOption configures CreateConsumer, CreateDurableSubscriber and
// CreateBrowser.
type ConsumerOption func(*wire.ConsumerInfo)

// Selector sets a JMS message selector, e.g. "color = 'red' AND n > 2".
// The broker evaluates it.
func Selector(sel string) ConsumerOption {
	return func(ci *wire.ConsumerInfo) {
		if sel != "" {
			ci.Selector = wire.Str(sel)
		}
	}
}

// NoLocal keeps a topic consumer from receiving messages sent on its own
// connection.
func NoLocal() ConsumerOption { return func(ci *wire.ConsumerInfo) { ci.NoLocal = true } }

// PrefetchSize sets how many messages the broker may send ahead of
// Receive. 0 makes every Receive pull one message (MessagePull).
func PrefetchSize(n int) ConsumerOption {
	return func(ci *wire.ConsumerInfo) { ci.PrefetchSize = int32(n) }
}

// Exclusive asks for an exclusive queue consumer.
func Exclusive() ConsumerOption { return func(ci *wire.ConsumerInfo) { ci.Exclusive = true } }

// ConsumerPriority sets the consumer priority (consumer.priority).
func ConsumerPriority(p int8) ConsumerOption { return func(ci *wire.ConsumerInfo) { ci.Priority = p } }

// Consumer receives messages from a queue, topic or durable subscription.
// Use Receive, or Listen for a callback; not both.
type Consumer struct {
	sess    *Session
	conn    *Conn
	info    *wire.ConsumerInfo
	dest    Destination
	browser bool

	mu             sync.Mutex
	queue          []*Message // empty markers end a browse or answer a pull
	signal         chan struct{}
	delivered      []*Message // handed to the application, not yet acknowledged
	deliveredAcked int        // how many of delivered a DELIVERED ack covered
	minGen         uint64     // messages from older links are stale
	lastDelivered  int64
	pulls          int64  // pulls sent on link pullGen (prefetch 0)
	answered       int64  // dispatches received since (prefetch 0)
	pullGen        uint64 // link generation the pull counts belong to
	listening      bool
	browseDone     bool
	deferClose     bool
	closed         bool
	err            error
	done           chan struct{}
}

// CreateConsumer subscribes to dest.
func (s *Session) CreateConsumer(ctx context.Context, dest Destination, opts ...ConsumerOption) (*Consumer, error) {
	prefetch := s.conn.o.prefetch.Queue
	if dest.IsTopic() {
		prefetch = s.conn.o.prefetch.Topic
	}
	return s.subscribe(ctx, dest, "", false, prefetch, opts)
}

// CreateDurableSubscriber subscribes to topic under the durable
// subscription name: messages published while no consumer is attached are
// kept for it. The connection needs an explicit client ID. Close detaches;
// Session.Unsubscribe deletes the subscription.
func (s *Session) CreateDurableSubscriber(ctx context.Context, topic Destination, name string, opts ...ConsumerOption) (*Consumer, error) {
	if s.conn.o.clientID == "" {
		return nil, fmt.Errorf("durable subscriber %q: %w", name, ErrNoClientID)
	}
	if !topic.IsTopic() {
		return nil, fmt.Errorf("durable subscriber %q: %v is not a topic", name, topic)
	}
	return s.subscribe(ctx, topic, name, false, s.conn.o.prefetch.DurableTopic, opts)
}

func (s *Session) subscribe(ctx context.Context, dest Destination, durable string, browser bool, prefetch int, opts []ConsumerOption) (*Consumer, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	if dest.IsZero() {
		return nil, fmt.Errorf("create consumer: no destination")
	}
	info := &wire.ConsumerInfo{
		ConsumerId:    &wire.ConsumerId{ConnectionId: s.conn.id.Value, SessionId: s.id.Value, Value: s.conn.nextConsumer.Add(1)},
		Browser:       browser,
		Destination:   dest.toWire(),
		PrefetchSize:  int32(prefetch),
		DispatchAsync: true,
		ClientId:      wire.Str(s.conn.clientID),
	}
	if durable != "" {
		info.SubscriptionName = wire.Str(durable)
	}
	for _, f := range opts {
		f(info)
	}
	if info.PrefetchSize < 0 {
		return nil, fmt.Errorf("create consumer on %v: negative prefetch %d", dest, info.PrefetchSize)
	}
	c := &Consumer{
		sess: s, conn: s.conn, info: info, dest: dest, browser: browser,
		signal: make(chan struct{}, 1), done: make(chan struct{}),
		lastDelivered: wire.LastDeliveredNone,
	}
	// Registered before the request: the broker may dispatch before it
	// answers.
	s.conn.mu.Lock()
	s.conn.consumers[info.ConsumerId.Value] = c
	s.conn.mu.Unlock()
	if _, err := s.conn.request(ctx, info); err != nil {
		s.conn.mu.Lock()
		delete(s.conn.consumers, info.ConsumerId.Value)
		s.conn.mu.Unlock()
		return nil, fmt.Errorf("create consumer on %v: %w", dest, err)
	}
	s.mu.Lock()
	s.consumers[info.ConsumerId.Value] = c
	s.mu.Unlock()
	return c, nil
}

// Destination returns what the consumer subscribed to.
func (c *Consumer) Destination() Destination { return c.dest }

// dispatch queues a message from the broker (reader goroutine). A
// dispatch without a message ends a browse or answers a pull with
// "nothing"; it is queued as a marker.
func (c *Consumer) dispatch(gen uint64, md *wire.MessageDispatch) {
	var m *Message
	if md.Message != nil {
		m = fromWire(md.Message, md.RedeliveryCounter)
		m.consumer, m.gen = c, gen
	} else {
		m = &Message{empty: true, gen: gen}
	}
	c.mu.Lock()
	if c.closed || gen < c.minGen {
		c.mu.Unlock()
		return
	}
	if c.info.PrefetchSize == 0 {
		// With prefetch 0 every dispatch answers one pull, in order.
		c.answered++
		m.answers = c.answered
	}
	c.queue = append(c.queue, m)
	c.mu.Unlock()
	c.wake()
}

func (c *Consumer) wake() {
	select {
	case c.signal <- struct{}{}:
	default:
	}
}

// dropBefore forgets messages from links older than gen (failover).
func (c *Consumer) dropBefore(gen uint64) {
	c.mu.Lock()
	c.minGen = gen
	c.queue = nil
	c.delivered = nil
	c.deliveredAcked = 0
	c.mu.Unlock()
	c.wake()
}

// Receive returns the next message, waiting until one arrives or ctx
// ends. In AutoAck and DupsOKAck sessions it is acknowledged before
// Receive returns. With prefetch 0 each call pulls one message from the
// broker; when ctx has a deadline the broker answers "none" at that
// deadline and Receive returns context.DeadlineExceeded.
//
// Expired messages are skipped (and reported to the broker as expired),
// as are messages redelivered more often than WithMaxRedeliveries allows
// (sent to the dead letter queue).
func (c *Consumer) Receive(ctx context.Context) (*Message, error) {
	c.mu.Lock()
	listening := c.listening
	c.mu.Unlock()
	if listening {
		return nil, fmt.Errorf("receive: %w", ErrListener)
	}
	return c.receive(ctx, nil)
}

// Listen calls f with each message on a goroutine of the consumer until
// it is closed. In AutoAck sessions a message is acknowledged after f
// returns. Consumers with prefetch 0 cannot listen (as in Java).
func (c *Consumer) Listen(f func(*Message)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.listening || c.info.PrefetchSize == 0 {
		return fmt.Errorf("listen: %w", ErrListener)
	}
	if c.closed {
		return fmt.Errorf("listen: %w", ErrClosed)
	}
	c.listening = true
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-c.done
		cancel()
	}()
	go func() {
		for {
			if _, err := c.receive(ctx, f); err != nil {
				return
			}
		}
	}()
	return nil
}

func (c *Consumer) receive(ctx context.Context, f func(*Message)) (*Message, error) {
	for {
		m, err := c.next(ctx)
		if err != nil {
			return nil, err
		}
		if !m.Expiration.IsZero() && time.Now().After(m.Expiration) {
			c.report(c.ackOne(ctx, wire.AckExpired, m, nil))
			continue
		}
		if max := c.conn.o.maxRedeliver; max >= 0 && m.RedeliveryCounter > max {
			c.report(c.ackOne(ctx, wire.AckPoison, m, nil))
			continue
		}
		c.mu.Lock()
		if m.wid != nil {
			c.lastDelivered = m.wid.BrokerSequenceId
		}
		c.mu.Unlock()
		if f != nil {
			f(m)
		}
		c.report(c.afterDelivery(ctx, m))
		return m, nil
	}
}

func (c *Consumer) report(err error) {
	if err != nil {
		c.conn.report(err)
	}
}

// next takes the next queued message, pulling for prefetch-0 consumers.
func (c *Consumer) next(ctx context.Context) (*Message, error) {
	var mine int64 // the pull of this call, counted like c.answered
	var pulledOn uint64
	for {
		c.mu.Lock()
		if c.closed {
			err := c.err
			c.mu.Unlock()
			return nil, err
		}
		if c.browseDone {
			c.mu.Unlock()
			return nil, io.EOF
		}
		if len(c.queue) > 0 {
			m := c.queue[0]
			c.queue[0] = nil
			c.queue = c.queue[1:]
			if m.empty && c.browser {
				c.browseDone = true
			}
			c.mu.Unlock()
			switch {
			case !m.empty:
				return m, nil
			case c.browser:
				return nil, io.EOF
			case mine != 0 && m.answers >= mine:
				// Our pull found nothing before its timeout.
				return nil, fmt.Errorf("receive: %w", context.DeadlineExceeded)
			}
			continue // the answer to an abandoned earlier pull
		}
		c.mu.Unlock()
		if c.info.PrefetchSize == 0 && !c.browser {
			if gen := c.conn.currentGen(); pulledOn != gen {
				c.mu.Lock()
				c.pulls++
				if gen != c.pullGen {
					// A new link: the broker's count starts again.
					c.pullGen, c.pulls, c.answered = gen, 1, 0
				}
				mine = c.pulls
				c.mu.Unlock()
				if err := c.pull(ctx); err != nil {
					return nil, err
				}
				pulledOn = gen
			}
		}
		select {
		case <-c.signal:
		case <-c.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// pull asks for one message; the timeout is what is left of ctx.
func (c *Consumer) pull(ctx context.Context) error {
	timeout := int64(0)
	if d, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(d).Milliseconds(), 1)
	}
	mp := &wire.MessagePull{ConsumerId: c.info.ConsumerId, Destination: c.info.Destination, Timeout: timeout}
	if err := c.conn.send(ctx, mp); err != nil {
		return fmt.Errorf("pull: %w", err)
	}
	return nil
}

// afterDelivery acknowledges as the session mode says, once the
// application has the message.
func (c *Consumer) afterDelivery(ctx context.Context, m *Message) error {
	if c.browser {
		return c.ackOne(ctx, wire.AckStandard, m, nil)
	}
	switch c.sess.mode {
	case AutoAck:
		return c.ackOne(ctx, wire.AckStandard, m, nil)
	case DupsOKAck:
		if !c.dest.IsTopic() {
			return c.ackOne(ctx, wire.AckStandard, m, nil)
		}
		if c.track(m) {
			return c.ackDelivered(ctx, wire.AckStandard, nil)
		}
		return nil
	case Transacted:
		tx, err := c.sess.transaction(ctx)
		if err != nil {
			return err
		}
		if c.track(m) {
			return c.ackDelivered(ctx, wire.AckDelivered, tx)
		}
	default:
		if c.track(m) {
			return c.ackDelivered(ctx, wire.AckDelivered, nil)
		}
	}
	return nil
}

// track records a delivered message and reports whether half the prefetch
// is now delivered without an ack, when Java sends a DELIVERED ack so that
// the broker keeps dispatching (or dups-ok acknowledges its batch).
func (c *Consumer) track(m *Message) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m.gen < c.minGen {
		return false
	}
	c.delivered = append(c.delivered, m)
	n := len(c.delivered) - c.deliveredAcked
	return c.info.PrefetchSize > 0 && 2*n >= int(c.info.PrefetchSize)
}

// ackOne acknowledges a single message.
func (c *Consumer) ackOne(ctx context.Context, t wire.AckType, m *Message, tx wire.TransactionId) error {
	if m.wid == nil {
		return nil
	}
	ack := &wire.MessageAck{
		Destination: m.wdest, TransactionId: tx, ConsumerId: c.info.ConsumerId, AckType: t,
		FirstMessageId: m.wid, LastMessageId: m.wid, MessageCount: 1,
	}
	if t == wire.AckIndividual {
		ack.FirstMessageId = nil
	}
	if t == wire.AckPoison {
		ack.PoisonCause = &wire.Throwable{Class: "java.lang.Throwable",
			Message: wire.Str(fmt.Sprintf("Delivery[%d] exceeds redelivery policy limit", m.RedeliveryCounter+1))}
	}
	if !c.current(m) {
		return nil // from a link that failed: the broker delivers it again
	}
	if err := c.conn.send(ctx, ack); err != nil {
		return fmt.Errorf("ack %s: %w", m.ID, err)
	}
	return nil
}

func (c *Consumer) current(m *Message) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return m.gen >= c.minGen
}

// ackDelivered acknowledges the delivered messages as one range: STANDARD
// settles them all (client ack, dups-ok batches, commit); DELIVERED only
// covers those not yet reported, to open the prefetch window.
func (c *Consumer) ackDelivered(ctx context.Context, t wire.AckType, tx wire.TransactionId) error {
	c.mu.Lock()
	from := 0
	if t == wire.AckDelivered {
		from = c.deliveredAcked
	}
	msgs := c.delivered[from:]
	if len(msgs) == 0 {
		c.mu.Unlock()
		return nil
	}
	first, last := msgs[0], msgs[len(msgs)-1]
	ack := &wire.MessageAck{
		Destination: last.wdest, TransactionId: tx, ConsumerId: c.info.ConsumerId, AckType: t,
		FirstMessageId: first.wid, LastMessageId: last.wid, MessageCount: int32(len(msgs)),
	}
	if t == wire.AckDelivered {
		c.deliveredAcked = len(c.delivered)
	} else if tx == nil {
		c.delivered, c.deliveredAcked = nil, 0
	}
	c.mu.Unlock()
	if err := c.conn.send(ctx, ack); err != nil {
		return fmt.Errorf("ack %d messages: %w", len(msgs), err)
	}
	return nil
}

// ackIndividual acknowledges one message of an IndividualAck session.
func (c *Consumer) ackIndividual(ctx context.Context, m *Message) error {
	c.mu.Lock()
	if i := slices.Index(c.delivered, m); i >= 0 {
		c.delivered = slices.Delete(c.delivered, i, i+1)
		if i < c.deliveredAcked {
			c.deliveredAcked--
		}
	}
	c.mu.Unlock()
	return c.ackOne(ctx, wire.AckIndividual, m, nil)
}

// flushBatch acknowledges what a dups-ok topic consumer still holds.
func (c *Consumer) flushBatch(ctx context.Context) error {
	return c.ackDelivered(ctx, wire.AckStandard, nil)
}

// clearDelivered forgets delivered messages after a commit.
func (c *Consumer) clearDelivered() {
	c.mu.Lock()
	c.delivered, c.deliveredAcked = nil, 0
	c.mu.Unlock()
}

// redeliverLocally puts the delivered, unacknowledged messages back in
// front of the queue with their redelivery counters raised: rollback and
// recover are client-side in OpenWire.
func (c *Consumer) redeliverLocally() {
	c.mu.Lock()
	again := c.delivered
	c.delivered, c.deliveredAcked = nil, 0
	for _, m := range again {
		m.RedeliveryCounter++
	}
	c.queue = append(again, c.queue...)
	c.mu.Unlock()
	if len(again) > 0 {
		c.wake()
	}
}

func (c *Consumer) lastDeliveredSeq() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastDelivered
}

func (c *Consumer) closeDeferred() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.deferClose && !c.closed
}

// shut ends the consumer locally; Receive returns err.
func (c *Consumer) shut(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed, c.err = true, err
	c.queue, c.delivered = nil, nil
	close(c.done)
}

// Close stops the consumer. Prefetched and unacknowledged messages go
// back to the broker for redelivery. Inside a transaction that consumed
// from it, the consumer is removed when the transaction ends (as in Java),
// so that Commit can still acknowledge its messages.
func (c *Consumer) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	if c.sess.mode == Transacted && len(c.delivered) > 0 && !c.deferClose {
		c.deferClose = true
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), c.conn.o.closeTimeout)
	defer cancel()
	var err error
	if c.sess.mode == DupsOKAck {
		err = c.flushBatch(ctx)
	}
	last := c.lastDeliveredSeq()
	c.shut(ErrClosed)
	s := c.sess
	s.mu.Lock()
	delete(s.consumers, c.info.ConsumerId.Value)
	sessionClosed := s.closed
	s.mu.Unlock()
	c.conn.mu.Lock()
	delete(c.conn.consumers, c.info.ConsumerId.Value)
	c.conn.mu.Unlock()
	if sessionClosed {
		return nil
	}
	if rerr := c.conn.send(ctx, &wire.RemoveInfo{ObjectId: c.info.ConsumerId, LastDeliveredSequenceId: last}); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("close consumer on %v: %w", c.dest, err)
	}
	return nil
}
