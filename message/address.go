package message

import "strings"

// AddressKind is what a reply-to address names.
type AddressKind uint8

const (
	QueueAddress AddressKind = iota
	TopicAddress
	TempQueueAddress
	TempTopicAddress
)

// Reply-to addresses travel between protocols in one canonical form,
// "queue://name", "topic://name", "temp-queue://name", "temp-topic://name",
// and each protocol renders it its own way (an AMQP queue name, a JMS
// Destination, a STOMP "/queue/name"). A bare name, what AMQP clients put
// in reply-to, is a queue.
var addressPrefixes = []struct {
	prefix string
	kind   AddressKind
}{
	{"queue://", QueueAddress}, {"topic://", TopicAddress},
	{"temp-queue://", TempQueueAddress}, {"temp-topic://", TempTopicAddress},
	{"/queue/", QueueAddress}, {"/topic/", TopicAddress},
	{"/temp-queue/", TempQueueAddress}, {"/temp-topic/", TempTopicAddress},
	{"/amq/queue/", QueueAddress}, {"/reply-queue/", QueueAddress},
}

// ParseAddress reads any of the forms above.
func ParseAddress(s string) (AddressKind, string) {
	for _, p := range addressPrefixes {
		if strings.HasPrefix(s, p.prefix) {
			return p.kind, s[len(p.prefix):]
		}
	}
	return QueueAddress, s
}

// FormatAddress renders the canonical form.
func FormatAddress(k AddressKind, name string) string {
	switch k {
	case TopicAddress:
		return "topic://" + name
	case TempQueueAddress:
		return "temp-queue://" + name
	case TempTopicAddress:
		return "temp-topic://" + name
	}
	return "queue://" + name
}
