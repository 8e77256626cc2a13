package amqp

import (
	"sync"
	"sync/atomic"

	"github.com/junctionmq/junction/amqp/wire"
)

// blockState implements RabbitMQ's connection.blocked extension: when a
// resource alarm is raised, publishing connections are told (if the client
// announced the capability) and stop being read at their next publish
// until the alarm clears.
type blockState struct {
	// published: the connection has published at least once. It is set
	// before the publish looks at the alarms and read after an alarm is
	// raised, so one side or both see the other (sequentially consistent
	// atomics) and a publisher is never missed; no lock on the publish path.
	published atomic.Bool

	mu       sync.Mutex
	notified bool // connection.blocked sent, unblocked not yet
	waiting  bool // the reader is parked on a publish
}

func (c *conn) watchAlarms() func() {
	return c.srv.broker.OnAlarm(func(blocked bool, reason string) {
		c.block.mu.Lock()
		defer c.block.mu.Unlock()
		if blocked && c.block.published.Load() {
			c.notifyBlockedLocked(reason)
		}
		if !blocked && c.block.notified {
			c.block.notified = false
			if c.hasCapability("connection.blocked") {
				c.writeMethod(0, &wire.ConnectionUnblocked{})
			}
		}
	})
}

func (c *conn) notifyBlockedLocked(reason string) {
	if c.block.notified {
		return
	}
	c.block.notified = true
	if c.hasCapability("connection.blocked") {
		c.writeMethod(0, &wire.ConnectionBlocked{Reason: reason})
	}
}

// waitIfBlocked parks the reader before a publish while an alarm is
// active. Heartbeat checks are suspended meanwhile: not reading is our
// choice, not the client's silence.
func (c *conn) waitIfBlocked() error {
	if !c.block.published.Load() {
		c.block.published.Store(true)
	}
	reason, wait := c.srv.broker.Blocked()
	if wait == nil {
		return nil
	}
	c.block.mu.Lock()
	c.notifyBlockedLocked(reason)
	c.block.waiting = true
	c.block.mu.Unlock()
	c.log.Info("connection blocked by resource alarm", "reason", reason)
	select {
	case <-wait:
	case <-c.done:
	}
	c.block.mu.Lock()
	c.block.waiting = false
	c.block.mu.Unlock()
	c.lastRead.Touch()
	return nil
}

func (c *conn) blockedWaiting() bool {
	c.block.mu.Lock()
	defer c.block.mu.Unlock()
	return c.block.waiting
}
