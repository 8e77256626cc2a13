package openwire

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/openwire/wire"
)

// nativeMessage returns the OpenWire command a core message carries, if it
// came from OpenWire (or was derived from such a message).
func nativeMessage(m *message.Message) wire.MessageCommand {
	mc, _ := m.Native.(wire.MessageCommand)
	return mc
}

// coreMessage wraps a received JMS message for the core. The command is
// kept whole: OpenWire consumers get its body and marshalled properties
// back without re-encoding.
func (c *conn) coreMessage(mc wire.MessageCommand, d *wire.Destination) *message.Message {
	wm := mc.GetMessage()
	m := message.New(message.OpenWire, nil, decodeWireProps)
	m.Native = mc
	m.Exchange, m.RoutingKey = routeFor(d)
	m.Body = neutralBody(mc)
	m.Persistent = wm.Persistent
	m.Priority, m.HasPriority = uint8(min(max(wm.Priority, 0), 9)), true
	m.ExpiresAt = wm.Expiration
	m.GroupID = wm.GroupID.Value
	m.Publisher = c.client.ID
	return m
}

// maxInflated bounds a decompressed body, against zip bombs.
const maxInflated = 256 << 20

// neutralBody is the body other protocols see: a TextMessage's text as
// UTF-8, any message's content decompressed. Java's modified UTF-8 equals
// UTF-8 unless the text holds NUL or characters outside the BMP (bytes C0
// and ED start those sequences), so most texts are shared, not copied.
func neutralBody(mc wire.MessageCommand) []byte {
	wm := mc.GetMessage()
	content := wm.Content
	if wm.Compressed {
		inflated, err := wire.InflateContent(mc.DataStructureType(), content, maxInflated)
		if err != nil {
			return content
		}
		content = inflated
	}
	if _, ok := mc.(*wire.ActiveMQTextMessage); ok && len(content) >= 4 {
		text := content[4:]
		if bytes.IndexByte(text, 0xC0) < 0 && bytes.IndexByte(text, 0xED) < 0 {
			return text
		}
		if s, err := wire.DecodeText(content); err == nil {
			return []byte(s.Value)
		}
	}
	return content
}

// decodeWireProps gives the neutral view of a JMS message's headers and
// properties (for selectors, headers exchanges and other protocols).
func decodeWireProps(m *message.Message) (*message.Properties, error) {
	mc := nativeMessage(m)
	if mc == nil {
		return &message.Properties{}, nil
	}
	wm := mc.GetMessage()
	p := &message.Properties{
		CorrelationID: wm.CorrelationId.Value,
		Type:          wm.Type.Value,
		Timestamp:     wm.Timestamp,
		UserID:        wm.UserID.Value,
		GroupSeq:      wm.GroupSequence,
		ContentType:   contentTypeOf(mc),
	}
	if wm.MessageId != nil {
		p.MessageID = wm.MessageId.String()
	}
	if wm.ReplyTo != nil {
		p.ReplyTo = destinationURI(wm.ReplyTo)
	}
	props, err := wm.Properties()
	if err != nil {
		return p, fmt.Errorf("decode JMS properties: %w", err)
	}
	if len(props) > 0 {
		p.Headers = tableFromJMS(props)
	}
	return p, nil
}

func contentTypeOf(mc wire.MessageCommand) string {
	switch mc.(type) {
	case *wire.ActiveMQTextMessage:
		return "text/plain"
	case *wire.ActiveMQBytesMessage:
		return "application/octet-stream"
	case *wire.ActiveMQMapMessage:
		return "application/x-jms-map"
	case *wire.ActiveMQStreamMessage:
		return "application/x-jms-stream"
	case *wire.ActiveMQObjectMessage:
		return "application/x-java-serialized-object"
	}
	return ""
}

// cloneMessage copies a message command of any JMS body type, so a
// dispatch can set broker fields without touching the shared original.
func cloneMessage(mc wire.MessageCommand) wire.MessageCommand {
	switch x := mc.(type) {
	case *wire.ActiveMQTextMessage:
		cp := *x
		return &cp
	case *wire.ActiveMQBytesMessage:
		cp := *x
		return &cp
	case *wire.ActiveMQMapMessage:
		cp := *x
		return &cp
	case *wire.ActiveMQStreamMessage:
		cp := *x
		return &cp
	case *wire.ActiveMQObjectMessage:
		cp := *x
		return &cp
	case *wire.ActiveMQBlobMessage:
		cp := *x
		return &cp
	case *wire.ActiveMQMessage:
		cp := *x
		return &cp
	}
	return mc
}

// withDestination returns a copy of mc addressed to d (one part of a
// composite send).
func withDestination(mc wire.MessageCommand, d *wire.Destination) wire.MessageCommand {
	cp := cloneMessage(mc)
	cp.GetMessage().Destination = d
	return cp
}

// dispatchMessage is the message a JMS consumer receives for a delivery:
// for OpenWire messages a copy of the original with the broker's sequence
// number and redelivery counter, for others a conversion.
func (s *Server) dispatchMessage(d broker.Delivery, q *broker.Queue) wire.MessageCommand {
	if native := nativeMessage(d.Message); native != nil {
		cp := cloneMessage(native)
		s.stampDispatch(cp.GetMessage(), new(wire.MessageId), d, q)
		return cp
	}
	var seq uint64
	if d.Entry != nil {
		seq = d.Entry.Seq()
	}
	return s.fromNeutral(d.Message, q, seq, int32(d.DeliveryCount), time.Now().UnixMilli())
}

// stampDispatch sets the broker's fields on wm, a copy of an OpenWire
// message about to be dispatched: its MessageId becomes mid, a copy of the
// original with the broker's sequence number.
func (s *Server) stampDispatch(wm *wire.Message, mid *wire.MessageId, d broker.Delivery, q *broker.Queue) {
	*mid = wire.MessageId{}
	if wm.MessageId != nil {
		*mid = *wm.MessageId
	}
	if d.Entry != nil {
		mid.BrokerSequenceId = int64(d.Entry.Seq())
	}
	wm.MessageId = mid
	wm.RedeliveryCounter = int32(d.DeliveryCount)
	wm.BrokerOutTime = time.Now().UnixMilli()
	wm.CommandId, wm.ResponseRequired = 0, false
	if d.Message.Origin == message.Internal {
		s.presentDerived(wm, d.Message, q)
	}
}

// dispatchCopies holds one reusable copy per JMS message type, for a
// consumer's dispatches: a dispatch is marshalled before c.write returns,
// so its message need not outlive it.
type dispatchCopies struct {
	id      wire.MessageId
	md      wire.MessageDispatch
	plain   *wire.ActiveMQMessage
	text    *wire.ActiveMQTextMessage
	bytes   *wire.ActiveMQBytesMessage
	mapped  *wire.ActiveMQMapMessage
	stream  *wire.ActiveMQStreamMessage
	object  *wire.ActiveMQObjectMessage
	blob    *wire.ActiveMQBlobMessage
	lastUse wire.MessageCommand
}

// copyOf copies mc into the slot of its type. Any other MessageCommand
// (there is none today) is left to cloneMessage.
func (dc *dispatchCopies) copyOf(mc wire.MessageCommand) wire.MessageCommand {
	var cp wire.MessageCommand
	switch x := mc.(type) {
	case *wire.ActiveMQTextMessage:
		cp = reuse(&dc.text, x)
	case *wire.ActiveMQBytesMessage:
		cp = reuse(&dc.bytes, x)
	case *wire.ActiveMQMapMessage:
		cp = reuse(&dc.mapped, x)
	case *wire.ActiveMQStreamMessage:
		cp = reuse(&dc.stream, x)
	case *wire.ActiveMQObjectMessage:
		cp = reuse(&dc.object, x)
	case *wire.ActiveMQBlobMessage:
		cp = reuse(&dc.blob, x)
	case *wire.ActiveMQMessage:
		cp = reuse(&dc.plain, x)
	default:
		return cloneMessage(mc)
	}
	dc.lastUse = cp
	return cp
}

func reuse[T any](slot **T, v *T) *T {
	if *slot == nil {
		*slot = new(T)
	}
	**slot = *v
	return *slot
}

// reset drops the references of the last dispatch, so an idle consumer
// does not keep the last message's body alive.
func (dc *dispatchCopies) reset() {
	switch x := dc.lastUse.(type) {
	case *wire.ActiveMQTextMessage:
		*x = wire.ActiveMQTextMessage{}
	case *wire.ActiveMQBytesMessage:
		*x = wire.ActiveMQBytesMessage{}
	case *wire.ActiveMQMapMessage:
		*x = wire.ActiveMQMapMessage{}
	case *wire.ActiveMQStreamMessage:
		*x = wire.ActiveMQStreamMessage{}
	case *wire.ActiveMQObjectMessage:
		*x = wire.ActiveMQObjectMessage{}
	case *wire.ActiveMQBlobMessage:
		*x = wire.ActiveMQBlobMessage{}
	case *wire.ActiveMQMessage:
		*x = wire.ActiveMQMessage{}
	}
	dc.lastUse = nil
	dc.id = wire.MessageId{}
	dc.md = wire.MessageDispatch{}
}

// presentDerived shows a broker-made copy of a JMS message (a dead letter)
// the way ActiveMQ's DLQ copies look: the broker's headers (the failure
// cause, x-death) as properties, no expiration, the old one kept in
// originalExpiration, and OriginalDestination naming where it came from.
func (s *Server) presentDerived(wm *wire.Message, m *message.Message, q *broker.Queue) {
	props := jmsFromTable(m.Props().Headers)
	if wm.Expiration != 0 && m.ExpiresAt == 0 {
		props["originalExpiration"] = wm.Expiration
	}
	wm.Expiration = m.ExpiresAt
	if wm.OriginalDestination == nil {
		wm.OriginalDestination = wm.Destination
	}
	wm.Destination = destinationOfRoute(m, q)
	_ = wm.SetProperties(props)
}

// fromNeutral builds a JMS message from a message another protocol sent:
// text content types become TextMessages, everything else BytesMessages;
// the property table becomes JMS properties.
func (s *Server) fromNeutral(m *message.Message, q *broker.Queue, seq uint64, redeliveries int32, now int64) wire.MessageCommand {
	p := m.Props()
	producer := &wire.ProducerId{ConnectionId: s.brokerID}
	mid := &wire.MessageId{ProducerId: producer, ProducerSequenceId: int64(m.ID), BrokerSequenceId: int64(seq)}
	if p.MessageID != "" {
		// The publisher's own id is the JMSMessageID JMS consumers see; the
		// broker's numbers still identify the message in acks.
		mid.TextView = wire.Str(p.MessageID)
	}
	base := wire.Message{
		ProducerId:        producer,
		Destination:       destinationOf(m, q),
		MessageId:         mid,
		Persistent:        m.Persistent,
		Expiration:        m.ExpiresAt,
		Priority:          4,
		Timestamp:         p.Timestamp,
		RedeliveryCounter: redeliveries,
		BrokerInTime:      now,
		BrokerOutTime:     now,
	}
	if m.HasPriority {
		base.Priority = int8(min(m.Priority, 9))
	}
	if p.CorrelationID != "" {
		base.CorrelationId = wire.Str(p.CorrelationID)
	}
	if p.Type != "" {
		base.Type = wire.Str(p.Type)
	}
	if p.UserID != "" {
		base.UserID = wire.Str(p.UserID)
	}
	if p.ReplyTo != "" {
		base.ReplyTo = parseDestinationURI(p.ReplyTo)
	}
	if m.GroupID != "" {
		base.GroupID = wire.Str(m.GroupID)
	}
	props := jmsFromTable(p.Headers)
	if p.AppID != "" {
		props["JMSXAppID"] = p.AppID
	}
	if len(props) > 0 {
		_ = base.SetProperties(props)
	}
	if strings.HasPrefix(p.ContentType, "text/") {
		tm := &wire.ActiveMQTextMessage{Message: base}
		tm.SetText(string(m.Body))
		return tm
	}
	base.Content = m.Body
	return &wire.ActiveMQBytesMessage{Message: base}
}

// tableFromJMS converts JMS property values to table values.
func tableFromJMS(props map[string]any) message.Table {
	t := make(message.Table, len(props))
	for k, v := range props {
		t[k] = valueFromJMS(v)
	}
	return t
}

func valueFromJMS(v any) any {
	switch x := v.(type) {
	case uint16: // a Java char
		return string(rune(x))
	case map[string]any:
		return tableFromJMS(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = valueFromJMS(e)
		}
		return out
	}
	return v
}

// jmsFromTable converts table values to what JMS properties can hold;
// anything else travels as its string form rather than being dropped.
func jmsFromTable(t message.Table) map[string]any {
	out := make(map[string]any, len(t))
	for k, v := range t {
		if v == nil {
			continue
		}
		out[k] = valueToJMS(v)
	}
	return out
}

func valueToJMS(v any) any {
	switch x := v.(type) {
	case bool, int8, int16, int32, int64, float32, float64, string, []byte:
		return x
	case uint8:
		return int16(x)
	case uint16:
		return int32(x)
	case uint32:
		return int64(x)
	case time.Time:
		return x.UnixMilli()
	case message.Decimal:
		return x.String()
	case message.Table:
		return jmsFromTable(x)
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if e != nil {
				out = append(out, valueToJMS(e))
			}
		}
		return out
	}
	return fmt.Sprint(v)
}
