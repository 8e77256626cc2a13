package broker

import (
	"fmt"
	"sync"
	"time"

	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/store"
)

// Tx collects publishes and settlements and applies them together: AMQP
// tx.select channels, JMS transacted sessions and XA branches, and STOMP
// BEGIN/COMMIT all use it. Nothing is visible to other clients before
// Commit. With a store, the persistent publishes and the acknowledgements
// of stored messages are written as one store transaction: after a crash
// either all of it happened or none.
type Tx struct {
	client *Client
	ops    []txOp
}

type txOp struct {
	// publish
	vhost     *VHost
	msg       *message.Message
	extraKeys []string
	done      func(PublishResult, error)
	// settle
	queue   *Queue
	entries []*Entry
	outcome Outcome
}

// NewTx starts a transaction for a client.
func NewTx(c *Client) *Tx { return &Tx{client: c} }

// Publish adds a publish; done (optional) learns its result at commit.
func (t *Tx) Publish(c *Client, msg *message.Message, extraKeys []string, done func(PublishResult, error)) {
	t.ops = append(t.ops, txOp{vhost: c.VHost, msg: msg, extraKeys: extraKeys, done: done})
}

// Settle adds a settlement of delivered entries.
func (t *Tx) Settle(q *Queue, entries []*Entry, o Outcome) {
	t.ops = append(t.ops, txOp{queue: q, entries: entries, outcome: o})
}

// Len returns the number of operations collected.
func (t *Tx) Len() int { return len(t.ops) }

// Rollback discards every operation.
func (t *Tx) Rollback() { t.ops = nil }

func (t *Tx) store() *store.Store {
	if t.client == nil || t.client.VHost == nil {
		return nil
	}
	return t.client.VHost.broker.store
}

// txPlan is a transaction routed and written to the store, waiting to be
// made visible.
type txPlan struct {
	reservations []reservation
	settles      []txOp
	storedAcks   map[*Entry]bool
	stored       bool
}

// plan routes the publishes and writes the stored parts under id.
func (t *Tx) plan(id *store.TxID) *txPlan {
	p := &txPlan{storedAcks: map[*Entry]bool{}}
	st := t.store()
	for _, op := range t.ops {
		if op.queue != nil {
			if st != nil && op.queue.id != 0 && removes(op.outcome) {
				for _, e := range op.entries {
					if e.stored && e.state == stateUnacked {
						if err := st.TxAck(*id, op.queue.id, e.seq); err == nil {
							p.storedAcks[e] = true
							p.stored = true
						}
					}
				}
			}
			p.settles = append(p.settles, op)
			continue
		}
		rs, err := op.vhost.route(t.client, op.msg, op.extraKeys)
		if err != nil {
			if op.done != nil {
				op.done(PublishResult{}, err)
			}
			continue
		}
		var txid *store.TxID
		if st != nil {
			txid = id
		}
		res, held := op.vhost.deliver(op.msg, rs.queues, txid, nil)
		rs.release()
		if len(held) > 0 {
			p.reservations = append(p.reservations, held...)
			p.stored = true
		}
		if op.done != nil {
			op.done(res, nil)
		}
	}
	t.ops = nil
	return p
}

func removes(o Outcome) bool { return o == Ack || o == Reject || o == Expire }

// apply makes a planned transaction visible.
func (p *txPlan) apply() {
	now := time.Now().UnixMilli()
	for _, r := range p.reservations {
		r.q.enqueueReserved(r.msg, r.seq, r.ref, now)
	}
	for _, op := range p.settles {
		var fx effects
		q := op.queue
		q.mu.Lock()
		var covered, rest []*Entry
		for _, e := range op.entries {
			if p.storedAcks[e] {
				covered = append(covered, e)
			} else {
				rest = append(rest, e)
			}
		}
		q.settleLocked(covered, op.outcome, now, "", true, &fx)
		for _, e := range covered {
			e.stored = false
		}
		q.settleLocked(rest, op.outcome, now, "", false, &fx)
		q.mu.Unlock()
		q.run(&fx)
	}
}

// Commit applies every operation and starts an empty transaction. done
// (optional) runs once the commit is durable, at once when nothing had to
// be stored: the moment to answer the client's commit.
func (t *Tx) Commit(done func(error)) {
	st := t.store()
	var id store.TxID
	if st != nil {
		id = store.LocalTx(t.client.VHost.broker.nextTxID.Add(1))
	}
	p := t.plan(&id)
	if !p.stored {
		p.apply()
		if done != nil {
			done(nil)
		}
		return
	}
	if err := st.Commit(id, done); err != nil {
		t.client.VHost.log().Error("cannot commit a transaction to the store", "err", err)
		if done != nil {
			done(err)
		}
	}
	p.apply()
}

// PreparedTx is an XA branch that completed phase one: durable, invisible,
// waiting for the transaction manager's decision, across restarts.
type PreparedTx struct {
	ID store.TxID
	// A branch prepared since the broker started:
	plan *txPlan
	// A branch recovered from the store:
	enqueues []store.PreparedEnqueue
	acks     []store.Target
	locked   []lockedEntry
}

type lockedEntry struct {
	q *Queue
	e *Entry
}

type preparedRegistry struct {
	mu  sync.Mutex
	txs map[store.TxID]*PreparedTx
}

// Prepare writes the transaction as prepared under xid (XA phase one).
// Its acknowledged messages stay held; nothing it published is visible.
// done runs once the prepare record is durable.
func (t *Tx) Prepare(xid store.TxID, done func(error)) error {
	b := t.client.VHost.broker
	b.prepared.mu.Lock()
	_, dup := b.prepared.txs[xid]
	b.prepared.mu.Unlock()
	if dup {
		return errorf(KindPreconditionFailed, "transaction %s is already prepared", xid)
	}
	p := t.plan(&xid)
	b.prepared.mu.Lock()
	b.prepared.txs[xid] = &PreparedTx{ID: xid, plan: p}
	b.prepared.mu.Unlock()
	if st := t.store(); st != nil && p.stored {
		return st.Prepare(xid, done)
	}
	if done != nil {
		done(nil)
	}
	return nil
}

// PreparedXIDs lists the prepared transactions (XA recover).
func (b *Broker) PreparedXIDs() []store.TxID {
	b.prepared.mu.Lock()
	defer b.prepared.mu.Unlock()
	out := make([]store.TxID, 0, len(b.prepared.txs))
	for id := range b.prepared.txs {
		out = append(out, id)
	}
	return out
}

func (b *Broker) takePrepared(xid store.TxID) (*PreparedTx, error) {
	b.prepared.mu.Lock()
	defer b.prepared.mu.Unlock()
	p := b.prepared.txs[xid]
	if p == nil {
		return nil, errorf(KindNotFound, "no prepared transaction %s", xid)
	}
	delete(b.prepared.txs, xid)
	return p, nil
}

// CommitPrepared completes phase two of a prepared transaction; done runs
// once the commit is durable.
func (b *Broker) CommitPrepared(xid store.TxID, done func(error)) error {
	p, err := b.takePrepared(xid)
	if err != nil {
		return err
	}
	if b.store != nil && (p.plan == nil || p.plan.stored) {
		if err := b.store.Commit(xid, done); err != nil {
			return fmt.Errorf("commit %s: %w", xid, err)
		}
	} else if done != nil {
		done(nil)
	}
	if p.plan != nil {
		p.plan.apply()
		return nil
	}
	b.applyRecovered(p)
	return nil
}

// RollbackPrepared abandons a prepared transaction: its publishes vanish
// and the messages it acknowledged return to their queues.
func (b *Broker) RollbackPrepared(xid store.TxID) error {
	p, err := b.takePrepared(xid)
	if err != nil {
		return err
	}
	if b.store != nil && (p.plan == nil || p.plan.stored) {
		if err := b.store.Rollback(xid, nil); err != nil {
			return fmt.Errorf("rollback %s: %w", xid, err)
		}
	}
	if p.plan != nil {
		for _, op := range p.plan.settles {
			op.queue.Settle(op.entries, Requeue)
		}
		return nil
	}
	for _, l := range p.locked {
		l.q.Settle([]*Entry{l.e}, Requeue)
	}
	return nil
}

// applyRecovered commits a prepared transaction recovered from the store:
// its messages appear, its acknowledged messages go.
func (b *Broker) applyRecovered(p *PreparedTx) {
	now := time.Now().UnixMilli()
	byID := b.queuesByID()
	for _, pe := range p.enqueues {
		m, err := message.Decode(pe.Body)
		if err != nil {
			b.logger.Error("a prepared message cannot be decoded; dropped", "tx", p.ID, "err", err)
			continue
		}
		for _, t := range pe.Targets {
			if q := byID[t.Queue]; q != nil {
				q.enqueueReserved(m, t.Seq, pe.Ref, now)
			}
		}
	}
	for _, l := range p.locked {
		var fx effects
		l.q.mu.Lock()
		l.q.settleLocked([]*Entry{l.e}, Ack, now, "", true, &fx)
		l.e.stored = false
		l.q.mu.Unlock()
		l.q.run(&fx)
	}
}

func (b *Broker) queuesByID() map[store.QueueID]*Queue {
	out := map[store.QueueID]*Queue{}
	for _, v := range b.VHosts() {
		for _, q := range v.Queues() {
			if q.id != 0 {
				out[q.id] = q
			}
		}
	}
	return out
}

// restore registers prepared transactions found at recovery and holds the
// messages they acknowledged: unavailable to consumers until the decision.
func (r *preparedRegistry) restore(txs []PreparedTx, queues map[store.QueueID]*Queue) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range txs {
		p := &txs[i]
		for _, a := range p.acks {
			q := queues[a.Queue]
			if q == nil {
				continue
			}
			q.mu.Lock()
			if e := q.lockLocked(a.Seq); e != nil {
				p.locked = append(p.locked, lockedEntry{q: q, e: e})
			}
			q.mu.Unlock()
		}
		r.txs[p.ID] = p
	}
}

// lockLocked takes the ready entry with seq out of circulation, as if
// delivered to nobody.
func (q *Queue) lockLocked(seq uint64) *Entry {
	var found *Entry
	q.ready.each(func(e *Entry) bool {
		if e.seq == seq {
			found = e
			return false
		}
		return true
	})
	if found == nil {
		return nil
	}
	q.ready.take(found)
	found.state = stateUnacked
	q.unacked++
	return found
}
