package openwire

import (
	"fmt"
	"strings"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/openwire/wire"
)

// JMS destinations map onto the AMQP model every protocol shares:
//
//	queue://orders        queue "orders", reached through the default exchange
//	topic://stock.IBM     routing key "stock.IBM" on the topic exchange amq.topic;
//	                      each subscriber owns a queue bound with that key
//	topic://stock.>       binding key "stock.#" ("*" stays "*")
//	temp-queue://ID:...   an exclusive queue owned by the creating connection
//	queue://a,b           each of a and b (composite destinations)
const (
	topicExchange = "amq.topic"
)

// compositeNames splits a composite destination ("a,b").
func compositeNames(d *wire.Destination) []string {
	if !strings.Contains(d.PhysicalName, ",") {
		return []string{d.PhysicalName}
	}
	var out []string
	for _, n := range strings.Split(d.PhysicalName, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// compositeDests splits a composite destination whose parts may name their
// own kind ("A,B,topic://T" sends to queues A and B and topic T).
func compositeDests(d *wire.Destination) []*wire.Destination {
	return appendCompositeDests(nil, d)
}

// appendCompositeDests is compositeDests appending to out. A plain
// destination is appended as it is, without allocating.
func appendCompositeDests(out []*wire.Destination, d *wire.Destination) []*wire.Destination {
	if !strings.Contains(d.PhysicalName, ",") {
		return append(out, d)
	}
	names := compositeNames(d)
	if len(names) == 1 && names[0] == d.PhysicalName {
		return append(out, d)
	}
	for _, n := range names {
		part := &wire.Destination{Kind: d.Kind, PhysicalName: n}
		switch {
		case strings.HasPrefix(n, "queue://"):
			part.Kind, part.PhysicalName = wire.Queue, n[len("queue://"):]
		case strings.HasPrefix(n, "topic://"):
			part.Kind, part.PhysicalName = wire.Topic, n[len("topic://"):]
		}
		out = append(out, part)
	}
	return out
}

// bindingKey turns an ActiveMQ topic pattern into an AMQP binding key:
// ">" (the rest) becomes "#"; "*" (one segment) is the same in both.
func bindingKey(name string) string {
	if !strings.Contains(name, ">") {
		return name
	}
	words := strings.Split(name, ".")
	for i, w := range words {
		if w == ">" {
			words[i] = "#"
		}
	}
	return strings.Join(words, ".")
}

// ensureQueue returns the queue, creating it as ActiveMQ does when a JMS
// client first uses it.
func (c *conn) ensureQueue(name string) (*broker.Queue, error) {
	return c.vhost.EnsureQueue(c.client, name)
}

// destinationURI is a destination as JMS selectors and logs show it.
func destinationURI(d *wire.Destination) string {
	switch d.Kind {
	case wire.Topic:
		return "topic://" + d.PhysicalName
	case wire.TempQueue:
		return "temp-queue://" + d.PhysicalName
	case wire.TempTopic:
		return "temp-topic://" + d.PhysicalName
	}
	return "queue://" + d.PhysicalName
}

// parseDestinationURI reads a reply-to address in any protocol's form (see
// message.ParseAddress); a bare name is a queue.
func parseDestinationURI(s string) *wire.Destination {
	kind, name := message.ParseAddress(s)
	d := &wire.Destination{Kind: wire.Queue, PhysicalName: name}
	switch kind {
	case message.TopicAddress:
		d.Kind = wire.Topic
	case message.TempQueueAddress:
		d.Kind = wire.TempQueue
	case message.TempTopicAddress:
		d.Kind = wire.TempTopic
	}
	return d
}

// routeFor returns the exchange and routing key a message for one
// (non-composite) destination is published with.
func routeFor(d *wire.Destination) (exchange, key string) {
	if d.Kind.IsTopic() {
		return topicExchange, d.PhysicalName
	}
	return "", d.PhysicalName
}

// destinationOf recovers the JMS destination of a core message: where it
// was sent for OpenWire messages, the queue or topic its exchange and
// routing key stand for otherwise.
func destinationOf(m *message.Message, q *broker.Queue) *wire.Destination {
	if wm := nativeMessage(m); wm != nil && wm.GetMessage().Destination != nil {
		return wm.GetMessage().Destination
	}
	switch {
	case m.Exchange == topicExchange:
		return &wire.Destination{Kind: wire.Topic, PhysicalName: m.RoutingKey}
	case m.Exchange == "" && m.RoutingKey != "":
		return &wire.Destination{Kind: wire.Queue, PhysicalName: m.RoutingKey}
	}
	return &wire.Destination{Kind: wire.Queue, PhysicalName: q.Name()}
}

func durableQueueName(clientID, subscription string) string {
	return fmt.Sprintf("%s:%s", clientID, subscription)
}

// durableArgs records what a durable subscription was created for, so a
// subscriber coming back with a different topic, selector or no-local flag
// replaces it.
func durableArgs(info *wire.ConsumerInfo) message.Table {
	args := broker.ImplicitQueueArgs()
	args["x-jms-topic"] = info.Destination.PhysicalName
	args["x-jms-selector"] = info.Selector.Value
	args["x-jms-no-local"] = info.NoLocal
	return args
}

func sameDurable(current, want message.Table) bool {
	for _, k := range []string{"x-jms-topic", "x-jms-selector", "x-jms-no-local"} {
		if fmt.Sprint(current[k]) != fmt.Sprint(want[k]) {
			return false
		}
	}
	return true
}

// destinationOfRoute is where a broker-made copy now lives: the queue it
// was routed to by the default exchange, or the consuming queue.
func destinationOfRoute(m *message.Message, q *broker.Queue) *wire.Destination {
	if m.Exchange == topicExchange {
		return &wire.Destination{Kind: wire.Topic, PhysicalName: m.RoutingKey}
	}
	return &wire.Destination{Kind: wire.Queue, PhysicalName: q.Name()}
}
