package broker

import "github.com/junctionmq/junction/message"

// Tx collects publishes and settlements and applies them together at
// commit: AMQP tx.select channels, JMS transacted sessions and STOMP
// BEGIN/COMMIT all use it. Nothing is visible to other clients before
// Commit; Rollback forgets everything.
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

// Commit applies every operation in order and starts an empty transaction.
func (t *Tx) Commit() {
	ops := t.ops
	t.ops = nil
	for _, op := range ops {
		if op.queue != nil {
			op.queue.Settle(op.entries, op.outcome)
			continue
		}
		res, err := op.vhost.Publish(t.client, op.msg, op.extraKeys)
		if op.done != nil {
			op.done(res, err)
		}
	}
}

// Rollback discards every operation.
func (t *Tx) Rollback() { t.ops = nil }
