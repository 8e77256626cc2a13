package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/junctionmq/junction/client/openwire"
)

func init() { Drivers["openwire"] = openwireDriver{} }

// openwireDriver runs the workload over the Go OpenWire client (-uri
// tcp://host:61616, with the client's URL options, e.g. jms.userName).
// Confirm > 0 keeps that many sends waiting for the broker's receipt
// (1 is a plain synchronous send, as the Java client does for persistent
// messages); 0 sends asynchronously. Prefetch is the consumer prefetch
// (0: the client default of 1000); AutoAck picks an auto-ack session,
// otherwise client acknowledgement every MultiAck messages.
type openwireDriver struct{}

func (openwireDriver) dest(o *Options, id int) openwire.Destination {
	if o.Fanout {
		return openwire.Topic(o.QueuePrefix + "-fanout")
	}
	return openwire.Queue(fmt.Sprintf("%s-%d", o.QueuePrefix, id%o.Queues))
}

func (d openwireDriver) dial(ctx context.Context, o *Options) (*openwire.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return openwire.Dial(dctx, o.URL)
}

// Setup drains the queues so that old messages do not distort the run.
func (d openwireDriver) Setup(ctx context.Context, o *Options) error {
	if o.Fanout {
		return nil
	}
	conn, err := d.dial(ctx, o)
	if err != nil {
		return err
	}
	defer conn.Close()
	s, err := conn.CreateSession(ctx, openwire.AutoAck)
	if err != nil {
		return err
	}
	for i := 0; i < o.Queues; i++ {
		c, err := s.CreateConsumer(ctx, d.dest(o, i))
		if err != nil {
			return err
		}
		for {
			rctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			_, err := c.Receive(rctx)
			cancel()
			if err != nil {
				break
			}
		}
		c.Close()
	}
	return nil
}

func (openwireDriver) Teardown(*Options) error { return nil }

func (d openwireDriver) Produce(ctx context.Context, o *Options, id int, next func() []byte, sent func()) error {
	conn, err := d.dial(ctx, o)
	if err != nil {
		return err
	}
	defer conn.Close()
	s, err := conn.CreateSession(ctx, openwire.AutoAck)
	if err != nil {
		return err
	}
	opts := []openwire.ProducerOption{openwire.Persistent(o.Persistent)}
	if o.Confirm == 0 {
		opts = append(opts, openwire.AsyncSend())
	}
	p, err := s.CreateProducer(ctx, d.dest(o, id), opts...)
	if err != nil {
		return err
	}
	var window chan struct{}
	failed := make(chan error, 1)
	if o.Confirm > 0 {
		window = make(chan struct{}, o.Confirm)
	}
	for n := 0; o.Count == 0 || n < o.Count; n++ {
		body := next()
		if body == nil || ctx.Err() != nil {
			break
		}
		m := openwire.NewBytesMessage(append([]byte(nil), body...))
		if window == nil {
			if err := p.Send(ctx, m); err != nil {
				return ignoreCanceled(ctx, err)
			}
			sent()
			continue
		}
		select {
		case window <- struct{}{}:
		case <-ctx.Done():
			return nil
		case err := <-failed:
			return err
		}
		err := p.SendAsync(ctx, m, func(err error) {
			<-window
			if err != nil {
				select {
				case failed <- err:
				default:
				}
				return
			}
			sent()
		})
		if err != nil {
			return ignoreCanceled(ctx, err)
		}
	}
	for len(window) > 0 && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	return nil
}

func ignoreCanceled(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func (d openwireDriver) Consume(ctx context.Context, o *Options, id int, ready func(), got func([]byte)) error {
	conn, err := d.dial(ctx, o)
	if err != nil {
		ready()
		return err
	}
	defer conn.Close()
	mode := openwire.ClientAck
	if o.AutoAck {
		mode = openwire.AutoAck
	}
	s, err := conn.CreateSession(ctx, mode)
	if err != nil {
		ready()
		return err
	}
	var copts []openwire.ConsumerOption
	if o.Prefetch > 0 {
		copts = append(copts, openwire.PrefetchSize(o.Prefetch))
	}
	c, err := s.CreateConsumer(ctx, d.dest(o, id), copts...)
	ready()
	if err != nil {
		return err
	}
	n := 0
	for {
		m, err := c.Receive(ctx)
		if err != nil {
			return ignoreCanceled(ctx, err)
		}
		got(m.Bytes())
		if !o.AutoAck {
			if n++; n%o.MultiAck == 0 {
				if err := m.Ack(ctx); err != nil {
					return ignoreCanceled(ctx, err)
				}
			}
		}
	}
}

func (d openwireDriver) Idle(ctx context.Context, o *Options) error {
	conn, err := d.dial(ctx, o)
	if err != nil {
		return err
	}
	defer conn.Close()
	<-ctx.Done()
	return nil
}
