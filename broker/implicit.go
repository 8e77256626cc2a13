package broker

import "github.com/junctionmq/junction/message"

// DeadLetterQueue receives messages from implicitly created queues that
// expire or that a client gives up on: ActiveMQ's default DLQ, so JMS and
// STOMP users find dead letters where they expect them.
const DeadLetterQueue = "ActiveMQ.DLQ"

// implicitArgs are the arguments of queues a client creates by using them
// (a JMS or STOMP destination): ten priority levels for JMS priorities
// 0-9, and dead-lettering of persistent messages to DeadLetterQueue, as
// ActiveMQ does by default.
func implicitArgs(name string) message.Table {
	t := message.Table{"x-max-priority": int32(9)}
	if name != DeadLetterQueue {
		t["x-dead-letter-exchange"] = ""
		t["x-dead-letter-routing-key"] = DeadLetterQueue
		t["x-dead-letter-persistent-only"] = true
	}
	return t
}

// EnsureQueue returns the named queue, creating it as ActiveMQ does when a
// client first sends to or consumes from it. An existing queue is used as
// declared, whoever declared it.
func (v *VHost) EnsureQueue(c *Client, name string) (*Queue, error) {
	if q, ok := v.Queue(name); ok {
		return q, nil
	}
	if name == "" {
		return nil, errorf(KindInvalidArgument, "empty queue name")
	}
	if name != DeadLetterQueue {
		if _, ok := v.Queue(DeadLetterQueue); !ok {
			if _, err := v.DeclareQueue(c, QueueSpec{Name: DeadLetterQueue, Durable: true, Implicit: true, Args: implicitArgs(DeadLetterQueue)}, false); err != nil {
				v.log().Warn("cannot create the dead-letter queue", "vhost", v.name, "err", err)
			}
		}
	}
	q, err := v.DeclareQueue(c, QueueSpec{Name: name, Durable: true, Implicit: true, Args: implicitArgs(name)}, false)
	if err != nil {
		if q, ok := v.Queue(name); ok {
			return q, nil
		}
		return nil, err
	}
	return q, nil
}

// ImplicitQueueArgs returns the arguments EnsureQueue gives a new queue,
// for subscriptions that need the same treatment (JMS durable topic
// subscriptions).
func ImplicitQueueArgs() message.Table { return implicitArgs("") }
