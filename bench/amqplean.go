package bench

// The "amqp-lean" driver is a second AMQP 0-9-1 load generator beside
// amqp091-go ("amqp"): it speaks the protocol itself, batching publishes
// into 64 KiB writes and acks into one write per read batch, so that a
// throughput figure measures the broker rather than one write(2) per
// publish in the client. Queues are declared and deleted through
// amqp091-go, off the hot path.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/junctionmq/junction/amqp/wire"
)

func init() { Drivers["amqp-lean"] = leanDriver{} }

type leanDriver struct{}

// leanCloseTimeout bounds the polite connection.close at the end of a run.
const leanCloseTimeout = 2 * time.Second

func (leanDriver) Setup(ctx context.Context, o *Options) error { return amqpDriver{}.Setup(ctx, o) }

func (leanDriver) Teardown(o *Options) error { return amqpDriver{}.Teardown(o) }

// interruptOn makes blocked reads and writes on c fail once ctx ends. The
// returned release undoes the hook and reports whether the connection is
// still usable (ctx had not ended), waiting for a hook already running so
// that later deadlines are not overwritten by it.
func interruptOn(ctx context.Context, c *leanConn) (release func() bool) {
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = c.nc.SetDeadline(time.Unix(1, 0))
		close(fired)
	})
	return func() bool {
		if stop() {
			return true
		}
		<-fired
		_ = c.nc.SetDeadline(time.Time{})
		return false
	}
}

func (leanDriver) Produce(ctx context.Context, o *Options, id int, next func() []byte, sent func()) error {
	c, err := dialLean(o)
	if err != nil {
		return err
	}
	defer c.nc.Close()
	if o.Confirm > 0 {
		if _, err := leanRPC[*wire.ConfirmSelectOK](c, &wire.ConfirmSelect{}); err != nil {
			return fmt.Errorf("amqp-lean producer %d: confirm.select: %w", id, err)
		}
	}
	p := newLeanPublisher(c, o, id, sent)
	go p.read()
	release := interruptOn(ctx, c)
	err = p.run(ctx, next)
	if release() && err == nil {
		// The broker answers close-ok only after every publish before
		// it, so nothing sent is lost when the socket closes.
		_ = c.nc.SetDeadline(time.Now().Add(leanCloseTimeout))
		if c.send(0, &wire.ConnectionClose{ReplyCode: wire.ReplySuccess, ReplyText: "done"}) == nil {
			<-p.readDone
			var bc *brokerClose
			switch {
			case errors.As(p.readErr, &bc):
				// Publishes that all fitted into the last batch meet
				// the broker's objection only here.
				err = p.readErr
			case !errors.Is(p.readErr, errCloseOK):
				err = fmt.Errorf("close: %w", p.readErr)
			}
		}
	}
	c.nc.Close()
	<-p.readDone
	if err != nil {
		return fmt.Errorf("amqp-lean producer %d: %w", id, err)
	}
	return nil
}

func (leanDriver) Consume(ctx context.Context, o *Options, id int, ready func(), got func([]byte)) error {
	c, err := dialLean(o)
	if err != nil {
		ready()
		return err
	}
	defer c.nc.Close()
	if !o.AutoAck && o.Prefetch > 0 {
		if o.Prefetch > 0xffff {
			ready()
			return fmt.Errorf("amqp-lean consumer %d: prefetch %d does not fit basic.qos (at most 65535)", id, o.Prefetch)
		}
		if _, err := leanRPC[*wire.BasicQosOK](c, &wire.BasicQos{PrefetchCount: uint16(o.Prefetch)}); err != nil {
			ready()
			return fmt.Errorf("amqp-lean consumer %d: basic.qos: %w", id, err)
		}
	}
	queue := amqpDriver{}.queue(o, id)
	_, err = leanRPC[*wire.BasicConsumeOK](c, &wire.BasicConsume{Queue: queue, NoAck: o.AutoAck})
	ready()
	if err != nil {
		return fmt.Errorf("amqp-lean consumer %d: basic.consume %q: %w", id, queue, err)
	}
	release := interruptOn(ctx, c)
	err = newLeanConsumer(c, o, got).run()
	if release() {
		return fmt.Errorf("amqp-lean consumer %d: %w", id, err)
	}
	c.closeWithin(leanCloseTimeout)
	return nil
}

func (leanDriver) Idle(ctx context.Context, o *Options) error {
	c, err := dialLean(o)
	if err != nil {
		return err
	}
	<-ctx.Done()
	c.closeWithin(leanCloseTimeout)
	return nil
}
