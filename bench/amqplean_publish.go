package bench

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/junctionmq/junction/amqp/wire"
)

// leanFlushAfter is how long a flat-out producer may hold encoded
// publishes before writing them even though its buffer is not full.
const leanFlushAfter = time.Millisecond

// leanClockEvery is how many publishes pass between looks at the clock:
// reading it per message would cost more than the encoding.
const leanClockEvery = 8

// leanPublisher is one producer connection: the producer goroutine
// encodes into buf and writes it in batches; a reader goroutine settles
// confirms and follows flow control.
type leanPublisher struct {
	c        *leanConn
	o        *Options
	sent     func()
	method   wire.BasicPublish
	props    []byte
	buf      []byte
	unsent   int // publishes in buf; without confirms sent() runs once they are written
	lastSend time.Time

	encoded  uint64        // publishes encoded, which is also the last confirm tag
	written  atomic.Uint64 // publishes written to the socket: the broker cannot confirm more
	settled  atomic.Uint64 // publishes the broker acked or nacked
	flowOff  atomic.Bool   // channel.flow active=false
	wake     chan struct{} // the reader settled something or flow changed
	readDone chan struct{}
	readErr  error // why the reader stopped; read after readDone closes

	// acks and nacks are kept so tests can see what the broker did.
	acks, nacks atomic.Uint64
}

func newLeanPublisher(c *leanConn, o *Options, id int, sent func()) *leanPublisher {
	p := &leanPublisher{c: c, o: o, sent: sent, buf: make([]byte, 0, leanBufSize+4096),
		wake: make(chan struct{}, 1), readDone: make(chan struct{})}
	p.method.RoutingKey = amqpDriver{}.queue(o, id)
	if o.Fanout {
		p.method.Exchange, p.method.RoutingKey = o.QueuePrefix+"-fanout", ""
	}
	// amqp091-go's driver sends delivery-mode 1 for transient messages;
	// sending the same properties keeps the two clients' traffic alike.
	props := wire.Properties{DeliveryMode: 1, Present: wire.FlagDeliveryMode}
	if o.Persistent {
		props.DeliveryMode = 2
	}
	p.props, _ = props.Append(nil) // cannot fail: no strings or tables
	return p
}

// run publishes until ctx ends, next returns nil or o.Count messages were
// sent, then waits for outstanding confirms.
func (p *leanPublisher) run(ctx context.Context, next func() []byte) error {
	o := p.o
	window := uint64(max(o.Confirm, 0))
	p.lastSend = time.Now()
	for n := 0; o.Count == 0 || n < o.Count; n++ {
		if n%leanClockEvery == 0 {
			if err := p.check(ctx); err != nil {
				return err
			}
			if time.Since(p.lastSend) >= leanFlushAfter {
				if err := p.flush(); err != nil {
					return p.failure(ctx, err)
				}
			}
		}
		body := next()
		if body == nil {
			return p.failure(ctx, p.flush())
		}
		if window > 0 && p.encoded-p.settled.Load() >= window || p.c.blocked.Load() || p.flowOff.Load() {
			if err := p.await(ctx, window); err != nil {
				return err
			}
		}
		if err := p.encode(body); err != nil {
			return err
		}
		if o.Rate > 0 || len(p.buf) >= leanBufSize {
			// Fixed-rate runs measure latency: a message must not wait
			// for the next one.
			if err := p.flush(); err != nil {
				return p.failure(ctx, err)
			}
		}
	}
	if err := p.flush(); err != nil {
		return p.failure(ctx, err)
	}
	if window > 0 {
		return p.await(ctx, 1)
	}
	return nil
}

// encode appends basic.publish, the content header and the body frames.
func (p *leanPublisher) encode(body []byte) error {
	var err error
	if p.buf, err = p.method.AppendFrame(p.buf, leanChannel); err != nil {
		return fmt.Errorf("encode basic.publish: %w", err)
	}
	p.buf = wire.AppendContentHeaderFrame(p.buf, leanChannel, 60, uint64(len(body)), p.props)
	p.buf = wire.AppendBodyFrames(p.buf, leanChannel, body, p.c.frameMax)
	p.encoded++
	p.unsent++
	return nil
}

// flush writes the buffered publishes in one write.
func (p *leanPublisher) flush() error {
	p.lastSend = time.Now()
	if len(p.buf) == 0 {
		return nil
	}
	// Published before the write: the broker may confirm the batch before
	// Write returns, and the reader must not clamp that confirm away.
	p.written.Store(p.encoded)
	p.c.wmu.Lock()
	_, err := p.c.nc.Write(p.buf)
	p.c.wmu.Unlock()
	if err != nil {
		return fmt.Errorf("write publishes: %w", err)
	}
	p.buf = p.buf[:0]
	if p.o.Confirm <= 0 {
		for range p.unsent {
			p.sent()
		}
	}
	p.unsent = 0
	return nil
}

// await flushes, then waits until fewer than window publishes are
// unconfirmed and the broker lets us publish. window 1 waits for all.
func (p *leanPublisher) await(ctx context.Context, window uint64) error {
	if err := p.flush(); err != nil {
		return p.failure(ctx, err)
	}
	for (window > 0 && p.encoded-p.settled.Load() >= window) || p.c.blocked.Load() || p.flowOff.Load() {
		select {
		case <-p.wake:
		case <-p.readDone:
			return p.failure(ctx, p.readErr)
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// check reports a broker close or a dead connection without blocking.
func (p *leanPublisher) check(ctx context.Context) error {
	select {
	case <-p.readDone:
		return p.failure(ctx, p.readErr)
	default:
		return nil
	}
}

// failure turns err into what Produce returns: nil once the run is over
// (its end closes the connection under us), else the broker's own reason
// when it closed the connection or channel, which usually explains a
// failed write better than the write's error.
func (p *leanPublisher) failure(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil {
		return nil
	}
	select {
	case <-p.readDone:
	case <-time.After(time.Second):
	}
	select {
	case <-p.readDone:
		var bc *brokerClose
		if errors.As(p.readErr, &bc) {
			return p.readErr
		}
	default:
	}
	return err
}

// read handles what the broker sends a producer: confirms, flow control
// and closes. It ends with readErr set and readDone closed.
func (p *leanPublisher) read() {
	defer close(p.readDone)
	var tr confirmTracker
	for {
		f, err := p.c.r.ReadFrame()
		if err != nil {
			p.readErr = fmt.Errorf("read: %w", err)
			return
		}
		if f.Type == wire.FrameHeartbeat {
			continue
		}
		if f.Type != wire.FrameMethod {
			p.readErr = fmt.Errorf("unexpected frame type %d on channel %d at a producer", f.Type, f.Channel)
			return
		}
		m, err := wire.AMQP091.DecodeMethod(f.Payload)
		if err != nil {
			p.readErr = fmt.Errorf("decode method on channel %d: %w", f.Channel, err)
			return
		}
		if err := p.c.control(f.Channel, m); err != nil {
			p.readErr = err
			return
		}
		switch m := m.(type) {
		case *wire.BasicAck:
			p.settle(tr.settle(m.DeliveryTag, m.Multiple, p.written.Load()), true)
		case *wire.BasicNack:
			p.settle(tr.settle(m.DeliveryTag, m.Multiple, p.written.Load()), false)
		case *wire.ChannelFlow:
			p.flowOff.Store(!m.Active)
			_ = p.c.send(leanChannel, &wire.ChannelFlowOK{Active: m.Active})
		case *wire.ConnectionBlocked, *wire.ConnectionUnblocked:
		default:
			p.readErr = fmt.Errorf("unexpected %s on channel %d at a producer", m.MethodName(), f.Channel)
			return
		}
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// settle records n confirms; acked ones count as sent.
func (p *leanPublisher) settle(n uint64, ack bool) {
	if ack {
		p.acks.Add(n)
		for range n {
			p.sent()
		}
	} else {
		p.nacks.Add(n)
	}
	p.settled.Add(n)
}

// confirmTracker counts how many publishes each basic.ack or basic.nack
// settles. Tags are 1, 2, 3... in publish order; below low all are
// settled, and above it the ones settled singly (out of order) wait in
// done until low reaches them.
type confirmTracker struct {
	low  uint64 // lowest unsettled tag, 0 before the first confirm
	done map[uint64]bool
}

// settle returns how many not-yet-settled publishes a confirm of tag
// (with the multiple flag) settles. Tags above last (never published)
// and repeated confirms settle nothing more.
func (t *confirmTracker) settle(tag uint64, multiple bool, last uint64) uint64 {
	if t.low == 0 {
		t.low = 1
	}
	tag = min(tag, last)
	if tag < t.low {
		return 0
	}
	if !multiple {
		if t.done[tag] {
			return 0
		}
		if tag > t.low {
			if t.done == nil {
				t.done = map[uint64]bool{}
			}
			t.done[tag] = true
			return 1
		}
		t.low++
		for t.done[t.low] {
			delete(t.done, t.low)
			t.low++
		}
		return 1
	}
	var n uint64
	for ; t.low <= tag; t.low++ {
		if t.done[t.low] {
			delete(t.done, t.low)
		} else {
			n++
		}
	}
	for t.done[t.low] {
		delete(t.done, t.low)
		t.low++
	}
	return n
}
