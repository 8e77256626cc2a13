package amqp

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/junctionmq/junction/amqp/wire"
	"github.com/junctionmq/junction/broker"
)

func (ch *channel) exchangeDeclare(m *wire.ExchangeDeclare) error {
	v := ch.conn.vhost
	kind, err := broker.ParseExchangeType(m.Type)
	if err != nil && !m.Passive {
		return &wire.Error{Code: wire.CommandInvalid, Text: fmt.Sprintf("unknown exchange type '%s'", m.Type), ClassID: 40, MethodID: 10}
	}
	_, err = v.DeclareExchange(ch.conn.client, broker.ExchangeInfo{
		Name: m.Exchange, Type: kind, Durable: m.Durable, AutoDelete: m.AutoDelete, Internal: m.Internal, Args: m.Arguments,
	}, m.Passive)
	if err != nil {
		return brokerError(err, m)
	}
	if !m.NoWait {
		ch.conn.writeMethod(ch.id, &wire.ExchangeDeclareOK{})
	}
	return nil
}

func (ch *channel) exchangeDelete(m *wire.ExchangeDelete) error {
	if err := ch.conn.vhost.DeleteExchange(ch.conn.client, m.Exchange, m.IfUnused); err != nil {
		return brokerError(err, m)
	}
	if !m.NoWait {
		ch.conn.writeMethod(ch.id, &wire.ExchangeDeleteOK{})
	}
	return nil
}

func (ch *channel) exchangeBind(m *wire.ExchangeBind) error {
	if err := ch.conn.vhost.ExchangeBind(ch.conn.client, m.Destination, m.Source, m.RoutingKey, m.Arguments); err != nil {
		return brokerError(err, m)
	}
	if !m.NoWait {
		ch.conn.writeMethod(ch.id, &wire.ExchangeBindOK{})
	}
	return nil
}

func (ch *channel) exchangeUnbind(m *wire.ExchangeUnbind) error {
	if err := ch.conn.vhost.ExchangeUnbind(ch.conn.client, m.Destination, m.Source, m.RoutingKey, m.Arguments); err != nil {
		return brokerError(err, m)
	}
	if !m.NoWait {
		ch.conn.writeMethod(ch.id, &wire.ExchangeUnbindOK{})
	}
	return nil
}

func (ch *channel) queueDeclare(m *wire.QueueDeclare) error {
	q, err := ch.conn.vhost.DeclareQueue(ch.conn.client, broker.QueueSpec{
		Name: m.Queue, Durable: m.Durable, Exclusive: m.Exclusive, AutoDelete: m.AutoDelete, Args: m.Arguments,
	}, m.Passive)
	if err != nil {
		return brokerError(err, m)
	}
	ch.currentName = q.Name()
	if !m.NoWait {
		ready, _, consumers := q.Counts()
		ch.conn.writeMethod(ch.id, &wire.QueueDeclareOK{Queue: q.Name(), MessageCount: uint32(ready), ConsumerCount: uint32(consumers)})
	}
	return nil
}

func (ch *channel) queueBind(m *wire.QueueBind) error {
	name, err := ch.queueName(m.Queue, m)
	if err != nil {
		return err
	}
	key := m.RoutingKey
	if m.Queue == "" && key == "" {
		// The spec: an empty queue and key bind the last declared queue by
		// its own name.
		key = name
	}
	if err := ch.conn.vhost.QueueBind(ch.conn.client, name, m.Exchange, key, m.Arguments); err != nil {
		return brokerError(err, m)
	}
	if !m.NoWait {
		ch.conn.writeMethod(ch.id, &wire.QueueBindOK{})
	}
	return nil
}

func (ch *channel) queueUnbind(m *wire.QueueUnbind) error {
	name, err := ch.queueName(m.Queue, m)
	if err != nil {
		return err
	}
	if err := ch.conn.vhost.QueueUnbind(ch.conn.client, name, m.Exchange, m.RoutingKey, m.Arguments); err != nil {
		return brokerError(err, m)
	}
	ch.conn.writeMethod(ch.id, &wire.QueueUnbindOK{})
	return nil
}

func (ch *channel) queuePurge(m *wire.QueuePurge) error {
	name, err := ch.queueName(m.Queue, m)
	if err != nil {
		return err
	}
	n, err := ch.conn.vhost.PurgeQueue(ch.conn.client, name)
	if err != nil {
		return brokerError(err, m)
	}
	if !m.NoWait {
		ch.conn.writeMethod(ch.id, &wire.QueuePurgeOK{MessageCount: uint32(n)})
	}
	return nil
}

func (ch *channel) queueDelete(m *wire.QueueDelete) error {
	name, err := ch.queueName(m.Queue, m)
	if err != nil {
		return err
	}
	n, err := ch.conn.vhost.DeleteQueue(ch.conn.client, name, m.IfUnused, m.IfEmpty)
	if err != nil {
		return brokerError(err, m)
	}
	if !m.NoWait {
		ch.conn.writeMethod(ch.id, &wire.QueueDeleteOK{MessageCount: uint32(n)})
	}
	return nil
}

// generateTag returns a server-generated consumer tag as RabbitMQ forms
// them.
func generateTag() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "amq.ctag-" + base64.RawURLEncoding.EncodeToString(b[:])
}
