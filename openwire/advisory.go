package openwire

import (
	"strings"

	"github.com/junctionmq/junction/openwire/wire"
)

// Besides the temporary-destination advisories the client itself needs,
// ActiveMQ tools (DestinationSource, ConsumerEventSource, monitoring
// consoles) watch these topics; Junction publishes them the same way:
//
//	ActiveMQ.Advisory.Connection                 ConnectionInfo / RemoveInfo(ConnectionId)
//	ActiveMQ.Advisory.Consumer.Queue.NAME        ConsumerInfo / RemoveInfo(ConsumerId), property consumerCount
//	ActiveMQ.Advisory.Consumer.Topic.NAME        likewise
//	ActiveMQ.Advisory.Producer.Queue.NAME        ProducerInfo / RemoveInfo(ProducerId), property producerCount
//	ActiveMQ.Advisory.Producer.Topic.NAME        likewise
const advisoryPrefix = "ActiveMQ.Advisory."

func advisoryFor(kind string, d *wire.Destination) string {
	t := "Queue."
	if d.Kind.IsTopic() {
		t = "Topic."
	}
	if d.Kind.IsTemporary() {
		t = "Temp" + t
	}
	return advisoryPrefix + kind + "." + t + d.PhysicalName
}

// isAdvisory reports whether a destination is itself an advisory topic
// (no advisories about advisory subscribers, as in ActiveMQ).
func isAdvisory(d *wire.Destination) bool {
	return d != nil && strings.HasPrefix(d.PhysicalName, advisoryPrefix)
}

func (c *conn) adviseConnection(added bool) {
	var ds wire.DataStructure = &wire.RemoveInfo{ObjectId: &wire.ConnectionId{Value: c.connID}}
	if added {
		ds = &wire.ConnectionInfo{ConnectionId: &wire.ConnectionId{Value: c.connID}, ClientId: wire.Str(c.clientID), UserName: wire.Str(c.user.Name)}
	}
	c.srv.publishAdvisory(c, advisoryPrefix+"Connection", ds)
}

func (c *conn) adviseConsumer(info *wire.ConsumerInfo, added bool) {
	if info.Destination == nil || isAdvisory(info.Destination) || info.Browser {
		return
	}
	var ds wire.DataStructure = &wire.RemoveInfo{ObjectId: info.ConsumerId}
	if added {
		ds = info
	}
	for _, d := range compositeDests(info.Destination) {
		count := 0
		if !d.Kind.IsTopic() {
			if q, ok := c.vhost.Queue(d.PhysicalName); ok {
				count = q.ConsumerCount()
			}
		}
		c.srv.publishAdvisoryWith(advisoryFor("Consumer", d), ds, map[string]any{"consumerCount": int32(count)})
	}
}

func (c *conn) adviseProducer(info *wire.ProducerInfo, added bool) {
	if info.Destination == nil || isAdvisory(info.Destination) {
		return
	}
	var ds wire.DataStructure = &wire.RemoveInfo{ObjectId: info.ProducerId}
	if added {
		ds = info
	}
	for _, d := range compositeDests(info.Destination) {
		c.srv.publishAdvisoryWith(advisoryFor("Producer", d), ds, nil)
	}
}
