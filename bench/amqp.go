package bench

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

func init() { Drivers["amqp"] = amqpDriver{} }

type amqpDriver struct{}

func (amqpDriver) queue(o *Options, id int) string {
	if o.Fanout {
		return fmt.Sprintf("%s-fanout-%d", o.QueuePrefix, id)
	}
	return fmt.Sprintf("%s-%d", o.QueuePrefix, id%o.Queues)
}

// dialChannel opens a connection and one channel on it; the caller closes
// the connection, which closes the channel.
func dialChannel(url string) (*amqp.Connection, *amqp.Channel, error) {
	conn, err := amqp.Dial(url)
	if err != nil {
		return nil, nil, err
	}
	ch, err := conn.Channel()
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, ch, nil
}

func (d amqpDriver) Setup(ctx context.Context, o *Options) error {
	conn, ch, err := dialChannel(o.URL)
	if err != nil {
		return err
	}
	defer conn.Close()
	declare := func(name string) error {
		_, err := ch.QueueDeclare(name, o.Persistent, false, false, false, nil)
		if err != nil {
			return err
		}
		_, err = ch.QueuePurge(name, false)
		return err
	}
	if o.Fanout {
		if err := ch.ExchangeDeclare(o.QueuePrefix+"-fanout", "fanout", false, false, false, false, nil); err != nil {
			return err
		}
		for i := 0; i < o.Consumers; i++ {
			if err := declare(d.queue(o, i)); err != nil {
				return err
			}
			if err := ch.QueueBind(d.queue(o, i), "", o.QueuePrefix+"-fanout", false, nil); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i < o.Queues; i++ {
		if err := declare(d.queue(o, i)); err != nil {
			return err
		}
	}
	return nil
}

func (d amqpDriver) Teardown(o *Options) error {
	conn, ch, err := dialChannel(o.URL)
	if err != nil {
		return err
	}
	defer conn.Close()
	n := o.Queues
	if o.Fanout {
		n = o.Consumers
		defer ch.ExchangeDelete(o.QueuePrefix+"-fanout", false, false)
	}
	for i := 0; i < n; i++ {
		ch.QueueDelete(d.queue(o, i), false, false, false)
	}
	return nil
}

func (d amqpDriver) Produce(ctx context.Context, o *Options, id int, next func() []byte, sent func()) error {
	conn, ch, err := dialChannel(o.URL)
	if err != nil {
		return err
	}
	defer conn.Close()
	exchange, key := "", d.queue(o, id)
	if o.Fanout {
		exchange, key = o.QueuePrefix+"-fanout", ""
	}
	mode := amqp.Transient
	if o.Persistent {
		mode = amqp.Persistent
	}
	var confirms chan amqp.Confirmation
	var window chan struct{}
	done := make(chan struct{})
	defer close(done)
	if o.Confirm > 0 {
		if err := ch.Confirm(false); err != nil {
			return err
		}
		confirms = ch.NotifyPublish(make(chan amqp.Confirmation, o.Confirm*2))
		window = make(chan struct{}, o.Confirm)
		go func() {
			for {
				select {
				case c, ok := <-confirms:
					if !ok {
						return
					}
					<-window
					if c.Ack {
						sent()
					}
				case <-done:
					return
				}
			}
		}()
	}
	for n := 0; o.Count == 0 || n < o.Count; n++ {
		body := next()
		if body == nil || ctx.Err() != nil {
			return nil
		}
		if window != nil {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
		}
		if err := ch.Publish(exchange, key, false, false, amqp.Publishing{DeliveryMode: mode, Body: body}); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if window == nil {
			sent()
		}
	}
	// Wait for outstanding confirms.
	if window != nil {
		for len(window) > 0 && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
	}
	return nil
}

func (d amqpDriver) Consume(ctx context.Context, o *Options, id int, ready func(), got func([]byte)) error {
	conn, ch, err := dialChannel(o.URL)
	if err != nil {
		ready()
		return err
	}
	defer conn.Close()
	if !o.AutoAck && o.Prefetch > 0 {
		if err := ch.Qos(o.Prefetch, 0, false); err != nil {
			ready()
			return err
		}
	}
	deliveries, err := ch.Consume(d.queue(o, id), "", o.AutoAck, false, false, false, nil)
	ready()
	if err != nil {
		return err
	}
	n := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-deliveries:
			if !ok {
				return fmt.Errorf("consumer %d: delivery channel closed", id)
			}
			got(m.Body)
			if !o.AutoAck {
				n++
				if n%o.MultiAck == 0 {
					if err := m.Ack(o.MultiAck > 1); err != nil {
						return err
					}
				}
			}
		}
	}
}

func (d amqpDriver) Idle(ctx context.Context, o *Options) error {
	conn, err := amqp.Dial(o.URL)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.Channel(); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}
