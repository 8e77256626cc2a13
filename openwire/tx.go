package openwire

import (
	"encoding/hex"
	"fmt"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/openwire/wire"
	"github.com/junctionmq/junction/store"
)

// txn is a JMS transaction: a local transaction of a transacted session,
// or an XA branch. Its publishes are collected by a core Tx; its acks keep
// the acknowledged messages in their consumers' dispatched lists until the
// transaction ends, because after a rollback the client redelivers them
// itself and acknowledges them again.
type txn struct {
	key  string
	xid  *wire.XATransactionId
	tx   *broker.Tx
	acks []txAck
}

type txAck struct {
	cs      *consumer
	ds      []*dispatched
	outcome broker.Outcome
}

func txKey(id wire.TransactionId) (string, error) {
	switch t := id.(type) {
	case *wire.LocalTransactionId:
		return fmt.Sprintf("L:%d", t.Value), nil
	case *wire.XATransactionId:
		return fmt.Sprintf("X:%d:%s:%s", t.FormatId, hex.EncodeToString(t.GlobalTransactionId), hex.EncodeToString(t.BranchQualifier)), nil
	}
	return "", &jmsError{class: "JMSException", msg: fmt.Sprintf("unknown transaction id type %T", id)}
}

func storeXID(x *wire.XATransactionId) (store.TxID, error) {
	id, err := store.XATx(x.FormatId, x.GlobalTransactionId, x.BranchQualifier)
	if err != nil {
		return store.TxID{}, &jmsError{class: "javax.transaction.xa.XAException", msg: err.Error()}
	}
	return id, nil
}

// txFor finds the open transaction a message or ack belongs to.
func (c *conn) txFor(id wire.TransactionId) (*txn, error) {
	k, err := txKey(id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	t := c.txs[k]
	c.mu.Unlock()
	if t == nil {
		// The Java client begins a local transaction lazily with its first
		// send or ack; accept work for a transaction we have not seen.
		t = c.beginTx(k, id)
	}
	return t, nil
}

func (c *conn) beginTx(k string, id wire.TransactionId) *txn {
	t := &txn{key: k, tx: broker.NewTx(c.client)}
	if x, ok := id.(*wire.XATransactionId); ok {
		t.xid = x
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.txs[k]; old != nil {
		return old
	}
	c.txs[k] = t
	return t
}

func (c *conn) takeTx(k string) *txn {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.txs[k]
	delete(c.txs, k)
	return t
}

// txAck records an acknowledgement made inside a transaction.
func (c *conn) txAck(cs *consumer, a *wire.MessageAck) error {
	t, err := c.txFor(a.TransactionId)
	if err != nil {
		return err
	}
	var o broker.Outcome
	switch a.AckType {
	case wire.AckStandard, wire.AckIndividual, wire.AckUnmatched:
		o = broker.Ack
	case wire.AckPoison:
		return &jmsError{class: "JMSException", msg: "a poison ack cannot be transacted"}
	case wire.AckDelivered:
		broker.Kick(cs.limit.Extend(int(a.MessageCount)))
		return nil
	default:
		return nil
	}
	first := a.FirstMessageId
	if a.AckType == wire.AckIndividual {
		first = a.LastMessageId
	}
	ds := cs.find(nil, first, a.LastMessageId)
	cs.mu.Lock()
	for _, d := range ds {
		d.tx = t
	}
	cs.mu.Unlock()
	t.acks = append(t.acks, txAck{cs: cs, ds: ds, outcome: o})
	return nil
}

// settleInto hands the transaction's acks to its core Tx: the messages
// leave their consumers now and are settled when the Tx commits.
func (t *txn) settleInto() {
	for _, a := range t.acks {
		a.cs.forget(a.ds)
		byQueue := map[*broker.Queue][]*broker.Entry{}
		var order []*broker.Queue
		for _, d := range a.ds {
			if _, ok := byQueue[d.queue]; !ok {
				order = append(order, d.queue)
			}
			byQueue[d.queue] = append(byQueue[d.queue], d.entry)
		}
		for _, q := range order {
			t.tx.Settle(q, byQueue[q], a.outcome)
		}
		a.cs.limit.Shrink(len(a.ds))
	}
	t.acks = nil
}

// rollback drops the publishes; the acknowledged messages stay with their
// consumers, which the client redelivers itself, or return to their queues
// if the consumer is gone.
func (t *txn) rollback() {
	t.tx.Rollback()
	for _, a := range t.acks {
		a.cs.mu.Lock()
		closed := a.cs.closed
		for _, d := range a.ds {
			d.tx = nil
		}
		a.cs.mu.Unlock()
		if closed {
			settle(a.ds, broker.Requeue)
		}
	}
	t.acks = nil
}

// transaction handles TransactionInfo for local and XA transactions. It
// answers the command itself (commits answer once durable) and reports
// whether it did.
func (c *conn) transaction(m *wire.TransactionInfo) bool {
	id := m.CommandId
	reply := func(resp wire.Command, err error) {
		if m.ResponseRequired {
			c.respond(id, resp, err)
		} else if err != nil {
			c.sendConnectionError(err)
		}
	}
	done := func(err error) { reply(nil, err) }
	if m.Type == wire.TxRecover {
		data := []wire.DataStructure{} // the client reads a null array as an error
		for _, x := range c.srv.broker.PreparedXIDs() {
			if x.IsXA() {
				data = append(data, &wire.XATransactionId{FormatId: x.Format, GlobalTransactionId: []byte(x.Global), BranchQualifier: []byte(x.Branch)})
			}
		}
		reply(&wire.DataArrayResponse{Data: data}, nil)
		return true
	}
	if m.TransactionId == nil {
		reply(nil, &jmsError{class: "JMSException", msg: "TransactionInfo without a transaction id"})
		return true
	}
	k, err := txKey(m.TransactionId)
	if err != nil {
		reply(nil, err)
		return true
	}
	xa, isXA := m.TransactionId.(*wire.XATransactionId)
	switch m.Type {
	case wire.TxBegin:
		c.beginTx(k, m.TransactionId)
		reply(nil, nil)
	case wire.TxEnd:
		reply(nil, nil)
	case wire.TxPrepare:
		t := c.takeTx(k)
		if t == nil || !isXA {
			reply(nil, &jmsError{class: "javax.transaction.xa.XAException", msg: "unknown transaction " + k})
			return true
		}
		if t.tx.Len() == 0 && len(t.acks) == 0 {
			reply(&wire.IntegerResponse{Result: wire.XAReadOnly}, nil)
			return true
		}
		xid, err := storeXID(xa)
		if err != nil {
			reply(nil, err)
			return true
		}
		t.settleInto()
		if err := t.tx.Prepare(xid, func(err error) {
			if err != nil {
				reply(nil, err)
				return
			}
			reply(&wire.IntegerResponse{Result: wire.XAOK}, nil)
		}); err != nil {
			reply(nil, err)
		}
	case wire.TxCommitOnePhase, wire.TxCommitTwoPhase:
		if t := c.takeTx(k); t != nil {
			t.settleInto()
			t.tx.Commit(done)
			return true
		}
		if isXA {
			xid, err := storeXID(xa)
			if err == nil {
				err = c.srv.broker.CommitPrepared(xid, done)
			}
			if err != nil {
				reply(nil, &jmsError{class: "javax.transaction.xa.XAException", msg: err.Error()})
			}
			return true
		}
		// An empty local transaction commits trivially.
		reply(nil, nil)
	case wire.TxRollback:
		if t := c.takeTx(k); t != nil {
			t.rollback()
		} else if isXA {
			if xid, err := storeXID(xa); err == nil {
				_ = c.srv.broker.RollbackPrepared(xid)
			}
		}
		reply(nil, nil)
	case wire.TxForget:
		c.takeTx(k)
		if isXA {
			if xid, err := storeXID(xa); err == nil {
				_ = c.srv.broker.RollbackPrepared(xid)
			}
		}
		reply(nil, nil)
	default:
		reply(nil, &jmsError{class: "JMSException", msg: fmt.Sprintf("unknown transaction operation %d", m.Type)})
	}
	return true
}
