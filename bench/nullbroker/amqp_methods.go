package main

import (
	"fmt"

	"github.com/junctionmq/junction/amqp/wire"
)

// channelMethod answers a method on channel n > 0. Every synchronous
// method gets its -ok at once (unless the client said no-wait); nothing is
// declared, bound or stored, and no consumer ever receives anything.
func (c *amqpConn) channelMethod(n uint16, m wire.Method) error {
	if open, ok := m.(*wire.ChannelOpen); ok {
		return c.openChannel(n, open)
	}
	ch := c.channel(n)
	if ch == nil {
		if _, ok := m.(*wire.ChannelCloseOK); ok {
			return nil
		}
		return &wire.Error{Code: wire.ChannelError, ClassID: m.ClassID(), MethodID: m.MethodID(),
			Text: fmt.Sprintf("%s on channel %d, which is not open", m.MethodName(), n)}
	}
	var r wire.Method // the reply, nil for none
	switch m := m.(type) {
	case *wire.ChannelClose:
		c.channels[n] = nil
		r = &wire.ChannelCloseOK{}
	case *wire.ChannelFlow:
		r = &wire.ChannelFlowOK{Active: m.Active}
	case *wire.AccessRequest:
		r = &wire.AccessRequestOK{Ticket: 1}

	case *wire.QueueDeclare:
		name := m.Queue
		if name == "" {
			name = c.generatedName("amq.gen-nullbroker-")
		}
		r = noWait(m.NoWait, &wire.QueueDeclareOK{Queue: name})
	case *wire.QueueBind:
		r = noWait(m.NoWait, &wire.QueueBindOK{})
	case *wire.QueueUnbind:
		r = &wire.QueueUnbindOK{}
	case *wire.QueuePurge:
		r = noWait(m.NoWait, &wire.QueuePurgeOK{})
	case *wire.QueueDelete:
		r = noWait(m.NoWait, &wire.QueueDeleteOK{})

	case *wire.ExchangeDeclare:
		r = noWait(m.NoWait, &wire.ExchangeDeclareOK{})
	case *wire.ExchangeDelete:
		r = noWait(m.NoWait, &wire.ExchangeDeleteOK{})
	case *wire.ExchangeBind:
		r = noWait(m.NoWait, &wire.ExchangeBindOK{})
	case *wire.ExchangeUnbind:
		r = noWait(m.NoWait, &wire.ExchangeUnbindOK{})

	case *wire.BasicQos:
		r = &wire.BasicQosOK{}
	case *wire.BasicConsume:
		tag := m.ConsumerTag
		if tag == "" {
			tag = c.generatedName("amq.ctag-nullbroker-")
		}
		r = noWait(m.NoWait, &wire.BasicConsumeOK{ConsumerTag: tag})
	case *wire.BasicCancel:
		r = noWait(m.NoWait, &wire.BasicCancelOK{ConsumerTag: m.ConsumerTag})
	case *wire.BasicGet:
		r = &wire.BasicGetEmpty{}
	case *wire.BasicRecover:
		r = &wire.BasicRecoverOK{}

	case *wire.ConfirmSelect:
		ch.confirm = true
		r = noWait(m.NoWait, &wire.ConfirmSelectOK{})
	case *wire.TxSelect:
		r = &wire.TxSelectOK{}
	case *wire.TxCommit:
		r = &wire.TxCommitOK{}
	case *wire.TxRollback:
		r = &wire.TxRollbackOK{}
	}
	// Anything else (acks, rejects, recover-async, close-ok, …) needs no
	// answer; basic.publish never gets here (see frame).
	if r == nil {
		return nil
	}
	return c.reply(n, r)
}

// openChannel starts channel n afresh.
func (c *amqpConn) openChannel(n uint16, _ *wire.ChannelOpen) error {
	if n > amqpChannelMax {
		return &wire.Error{Code: wire.ChannelError, ClassID: 20, MethodID: 10,
			Text: fmt.Sprintf("channel %d exceeds channel-max %d", n, amqpChannelMax)}
	}
	if int(n) >= len(c.channels) {
		grown := make([]*amqpChannel, min(max(int(n)+1, 2*len(c.channels)), amqpChannelMax+1))
		copy(grown, c.channels)
		c.channels = grown
	}
	if c.channels[n] != nil {
		return &wire.Error{Code: wire.ChannelError, ClassID: 20, MethodID: 10,
			Text: fmt.Sprintf("channel %d is already open", n)}
	}
	c.channels[n] = &amqpChannel{}
	return c.reply(n, &wire.ChannelOpenOK{})
}

// noWait returns r, or nil when the client asked for no reply.
func noWait(nowait bool, r wire.Method) wire.Method {
	if nowait {
		return nil
	}
	return r
}
