package openwire

import (
	"strings"

	"github.com/junctionmq/junction/openwire/wire"
)

// DestinationKind says whether a Destination is a queue or a topic, and
// whether it is temporary.
type DestinationKind byte

// The four kinds; the values are the OpenWire type IDs.
const (
	QueueKind     = DestinationKind(wire.Queue)
	TopicKind     = DestinationKind(wire.Topic)
	TempQueueKind = DestinationKind(wire.TempQueue)
	TempTopicKind = DestinationKind(wire.TempTopic)
)

// Destination names a queue or topic. The zero Destination is "none": an
// anonymous producer, or a message without ReplyTo.
type Destination struct {
	Kind DestinationKind
	Name string
}

// Queue returns the queue called name. Composite names ("a,b") are allowed.
func Queue(name string) Destination { return Destination{Kind: QueueKind, Name: name} }

// Topic returns the topic called name; consumers may use wildcards
// ("a.*", "a.>").
func Topic(name string) Destination { return Destination{Kind: TopicKind, Name: name} }

// IsZero reports whether d is the zero Destination.
func (d Destination) IsZero() bool { return d.Kind == 0 }

// IsTopic reports whether d is a topic or a temporary topic.
func (d Destination) IsTopic() bool { return wire.DestinationKind(d.Kind).IsTopic() }

// IsTemporary reports whether d is a temporary queue or topic.
func (d Destination) IsTemporary() bool { return wire.DestinationKind(d.Kind).IsTemporary() }

// String returns the URI-like form ActiveMQ prints: queue://name,
// topic://name, temp-queue://name or temp-topic://name.
func (d Destination) String() string {
	switch d.Kind {
	case QueueKind:
		return "queue://" + d.Name
	case TopicKind:
		return "topic://" + d.Name
	case TempQueueKind:
		return "temp-queue://" + d.Name
	case TempTopicKind:
		return "temp-topic://" + d.Name
	}
	return ""
}

// ParseDestination accepts the forms String returns; a bare name is a
// queue, as in ActiveMQ's tools.
func ParseDestination(s string) Destination {
	for _, p := range []struct {
		prefix string
		kind   DestinationKind
	}{{"queue://", QueueKind}, {"topic://", TopicKind}, {"temp-queue://", TempQueueKind}, {"temp-topic://", TempTopicKind}} {
		if name, ok := strings.CutPrefix(s, p.prefix); ok {
			return Destination{Kind: p.kind, Name: name}
		}
	}
	return Queue(s)
}

func (d Destination) toWire() *wire.Destination {
	if d.IsZero() {
		return nil
	}
	return &wire.Destination{Kind: wire.DestinationKind(d.Kind), PhysicalName: d.Name}
}

func destFromWire(w *wire.Destination) Destination {
	if w == nil {
		return Destination{}
	}
	return Destination{Kind: DestinationKind(w.Kind), Name: w.PhysicalName}
}
