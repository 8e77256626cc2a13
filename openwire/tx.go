package openwire

import (
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/openwire/wire"
)

// txn is a JMS transaction: a local transaction of a transacted session,
// or an XA branch. Its publishes are collected by a core Tx; its acks keep
// the acknowledged messages in their consumers' dispatched lists until
// commit, because after a rollback the client redelivers them itself and
// acknowledges them again.
type txn struct {
	key      string
	xid      *wire.XATransactionId
	tx       *broker.Tx
	acks     []txAck
	prepared bool
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
		return xaKey(t), nil
	}
	return "", &jmsError{class: "JMSException", msg: fmt.Sprintf("unknown transaction id type %T", id)}
}

func xaKey(x *wire.XATransactionId) string {
	return fmt.Sprintf("X:%d:%s:%s", x.FormatId, hex.EncodeToString(x.GlobalTransactionId), hex.EncodeToString(x.BranchQualifier))
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
	if old := c.txs[k]; old != nil {
		c.mu.Unlock()
		return old
	}
	c.txs[k] = t
	c.mu.Unlock()
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
	ds := cs.find(first, a.LastMessageId, false)
	cs.mu.Lock()
	for _, d := range ds {
		d.tx = t
	}
	cs.mu.Unlock()
	t.acks = append(t.acks, txAck{cs: cs, ds: ds, outcome: o})
	return nil
}

// transaction handles TransactionInfo for local and XA transactions.
func (c *conn) transaction(m *wire.TransactionInfo) (wire.Command, error) {
	if m.Type == wire.TxRecover {
		return &wire.DataArrayResponse{Data: c.srv.prepared.list()}, nil
	}
	if m.TransactionId == nil {
		return nil, &jmsError{class: "JMSException", msg: "TransactionInfo without a transaction id"}
	}
	k, err := txKey(m.TransactionId)
	if err != nil {
		return nil, err
	}
	switch m.Type {
	case wire.TxBegin:
		c.beginTx(k, m.TransactionId)
		return nil, nil
	case wire.TxEnd:
		return nil, nil
	case wire.TxPrepare:
		t := c.takeTx(k)
		if t == nil {
			return nil, &jmsError{class: "javax.transaction.xa.XAException", msg: "unknown transaction " + k}
		}
		if t.tx.Len() == 0 && len(t.acks) == 0 {
			return &wire.IntegerResponse{Result: wire.XAReadOnly}, nil
		}
		t.prepared = true
		c.srv.prepared.add(k, t)
		return &wire.IntegerResponse{Result: wire.XAOK}, nil
	case wire.TxCommitOnePhase, wire.TxCommitTwoPhase:
		t := c.takeTx(k)
		if t == nil {
			t = c.srv.prepared.take(k)
		}
		if t == nil {
			if m.Type == wire.TxCommitTwoPhase {
				return nil, &jmsError{class: "javax.transaction.xa.XAException", msg: "unknown transaction " + k}
			}
			// An empty local transaction commits trivially.
			return nil, nil
		}
		t.commit()
		return nil, nil
	case wire.TxRollback:
		t := c.takeTx(k)
		if t == nil {
			t = c.srv.prepared.take(k)
		}
		if t != nil {
			t.rollback()
		}
		return nil, nil
	case wire.TxForget:
		c.srv.prepared.take(k)
		c.takeTx(k)
		return nil, nil
	}
	return nil, &jmsError{class: "JMSException", msg: fmt.Sprintf("unknown transaction operation %d", m.Type)}
}

func (c *conn) takeTx(k string) *txn {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.txs[k]
	delete(c.txs, k)
	return t
}

// commit publishes the transaction's messages and settles its acks.
func (t *txn) commit() {
	t.tx.Commit()
	for _, a := range t.acks {
		a.cs.forget(a.ds)
		settle(a.ds, a.outcome)
		a.cs.limit.Shrink(len(a.ds))
	}
	t.acks = nil
}

// rollback drops the publishes; acknowledged messages stay with their
// consumers (the client redelivers them) or, for a consumer that is gone
// (a prepared XA branch outliving its connection), go back to the queue.
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

// preparedRegistry holds prepared XA branches, which outlive the
// connection that prepared them until a commit or rollback.
type preparedRegistry struct {
	mu  sync.Mutex
	txs map[string]*txn
}

func (r *preparedRegistry) add(k string, t *txn) {
	r.mu.Lock()
	r.txs[k] = t
	r.mu.Unlock()
}

func (r *preparedRegistry) take(k string) *txn {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.txs[k]
	delete(r.txs, k)
	return t
}

func (r *preparedRegistry) list() []wire.DataStructure {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]wire.DataStructure, 0, len(r.txs))
	for _, t := range r.txs {
		if t.xid != nil {
			out = append(out, t.xid)
		}
	}
	return out
}
