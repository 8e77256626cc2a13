package openwire

import (
	"strings"
	"sync"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/openwire/wire"
)

// Advisory topics the Java client watches for temporary destinations: it
// refuses to send to a temporary destination it has not seen announced.
const (
	advisoryTempQueue = "ActiveMQ.Advisory.TempQueue"
	advisoryTempTopic = "ActiveMQ.Advisory.TempTopic"
)

type tempDest struct {
	dest  *wire.Destination
	owner *conn
}

// tempRegistry knows every temporary destination, to replay ADD advisories
// to new advisory consumers.
type tempRegistry struct {
	mu    sync.Mutex
	dests map[string]*tempDest
}

func tempKey(d *wire.Destination) string { return destinationURI(d) }

func (r *tempRegistry) exists(d *wire.Destination) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.dests[tempKey(d)]
	return ok
}

func advisoryTopic(d *wire.Destination) string {
	if d.Kind == wire.TempTopic {
		return advisoryTempTopic
	}
	return advisoryTempQueue
}

func (r *tempRegistry) add(c *conn, d *wire.Destination) {
	r.mu.Lock()
	r.dests[tempKey(d)] = &tempDest{dest: d, owner: c}
	r.mu.Unlock()
	c.srv.publishAdvisory(c, advisoryTopic(d), &wire.DestinationInfo{
		ConnectionId: &wire.ConnectionId{Value: c.connID}, Destination: d, OperationType: wire.DestinationAdd,
	})
}

func (r *tempRegistry) remove(c *conn, d *wire.Destination) {
	r.mu.Lock()
	_, ok := r.dests[tempKey(d)]
	delete(r.dests, tempKey(d))
	r.mu.Unlock()
	if ok {
		c.srv.publishAdvisory(c, advisoryTopic(d), &wire.DestinationInfo{
			ConnectionId: &wire.ConnectionId{Value: c.connID}, Destination: d, OperationType: wire.DestinationRemove,
		})
	}
}

// replayAdvisories sends a new subscriber of the temporary-destination
// advisory topics an ADD for every existing temporary destination.
func (r *tempRegistry) replayAdvisories(cs *consumer) {
	names := compositeNames(cs.info.Destination)
	wantQueues, wantTopics := false, false
	for _, n := range names {
		wantQueues = wantQueues || n == advisoryTempQueue || strings.HasPrefix(n, "ActiveMQ.Advisory.>")
		wantTopics = wantTopics || n == advisoryTempTopic || strings.HasPrefix(n, "ActiveMQ.Advisory.>")
	}
	if !wantQueues && !wantTopics {
		return
	}
	r.mu.Lock()
	var todo []*tempDest
	for _, t := range r.dests {
		if (t.dest.Kind == wire.TempQueue && wantQueues) || (t.dest.Kind == wire.TempTopic && wantTopics) {
			todo = append(todo, t)
		}
	}
	r.mu.Unlock()
	c := cs.c
	for _, t := range todo {
		am := c.srv.advisoryMessage(advisoryTopic(t.dest), &wire.DestinationInfo{
			ConnectionId: &wire.ConnectionId{Value: t.owner.connID}, Destination: t.dest, OperationType: wire.DestinationAdd,
		})
		am.TargetConsumerId = cs.info.ConsumerId
		c.write(&wire.MessageDispatch{ConsumerId: cs.info.ConsumerId, Destination: am.Destination, Message: am})
	}
}

// destinationInfo creates or removes a destination (temporary ones, and
// regular ones created through the API).
func (c *conn) destinationInfo(m *wire.DestinationInfo) error {
	d := m.Destination
	if d == nil {
		return &jmsError{class: "JMSException", msg: "DestinationInfo without a destination"}
	}
	switch m.OperationType {
	case wire.DestinationAdd:
		switch d.Kind {
		case wire.TempQueue:
			if _, err := c.vhost.DeclareQueue(c.client, broker.QueueSpec{Name: d.PhysicalName, Exclusive: true}, false); err != nil {
				return err
			}
		case wire.Queue:
			_, err := c.ensureQueue(d.PhysicalName)
			return err
		case wire.Topic:
			return nil
		}
		c.mu.Lock()
		c.temps[tempKey(d)] = d
		c.mu.Unlock()
		c.srv.temps.add(c, d)
	case wire.DestinationRemove:
		switch d.Kind {
		case wire.TempQueue:
			if q, ok := c.vhost.Queue(d.PhysicalName); ok && q.ConsumerCount() > 0 {
				return &jmsError{class: "JMSException", msg: "Destination still has an active subscription: " + destinationURI(d)}
			}
			if _, err := c.vhost.DeleteQueue(c.client, d.PhysicalName, false, false); err != nil {
				return err
			}
		case wire.Queue:
			_, err := c.vhost.DeleteQueue(c.client, d.PhysicalName, false, false)
			return err
		case wire.Topic:
			return nil
		}
		c.mu.Lock()
		delete(c.temps, tempKey(d))
		c.mu.Unlock()
		c.srv.temps.remove(c, d)
	}
	return nil
}
