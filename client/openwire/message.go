package openwire

import (
	"context"
	"fmt"
	"time"

	"github.com/junctionmq/junction/openwire/wire"
)

// BodyKind is the JMS message type, which decides how the body travels.
type BodyKind int

// The body kinds of JMS.
const (
	BodyNone   BodyKind = iota // javax.jms.Message: headers and properties only
	BodyText                   // TextMessage
	BodyBytes                  // BytesMessage
	BodyMap                    // MapMessage
	BodyStream                 // StreamMessage
	BodyObject                 // ObjectMessage: Java-serialized bytes, opaque here
)

func (k BodyKind) String() string {
	switch k {
	case BodyNone:
		return "message"
	case BodyText:
		return "text"
	case BodyBytes:
		return "bytes"
	case BodyMap:
		return "map"
	case BodyStream:
		return "stream"
	case BodyObject:
		return "object"
	}
	return fmt.Sprintf("BodyKind(%d)", int(k))
}

// Message is a JMS message. Create one with a New…Message function, set
// the exported header fields and Properties, and send it. Received messages
// carry the broker-set fields too.
//
// Properties hold the Go types of the JMS property types: bool, int8
// (byte), int16 (short), int32 (int), int64 (long), float32, float64 and
// string; ActiveMQ also accepts []byte, uint16 (char), map[string]any and
// []any. Any other Go type (int, uint, …) makes Send fail rather than guess
// a Java type.
type Message struct {
	Properties    map[string]any
	CorrelationID string
	ReplyTo       Destination
	Type          string // JMSType
	GroupID       string // JMSXGroupID
	GroupSeq      int32  // JMSXGroupSeq

	// Set by Send (from the producer and its options) and on receipt.
	ID          string // JMSMessageID
	Destination Destination
	Timestamp   time.Time
	Expiration  time.Time // zero: never expires
	Persistent  bool
	Priority    int
	// RedeliveryCounter counts earlier deliveries of the message
	// (JMSXDeliveryCount - 1); Redelivered reports whether it is above 0.
	RedeliveryCounter int

	kind    BodyKind
	text    string
	data    []byte
	mapBody map[string]any
	stream  []any
	bodyErr error

	// Receipt state: which consumer delivered it, for Ack.
	consumer *Consumer
	wid      *wire.MessageId
	wdest    *wire.Destination
	gen      uint64 // link generation it arrived on
	empty    bool   // a dispatch without a message (end of browse, empty pull)
	answers  int64  // which pull it answers (prefetch 0)
}

// NewMessage returns a message without a body.
func NewMessage() *Message { return &Message{kind: BodyNone} }

// NewTextMessage returns a TextMessage.
func NewTextMessage(s string) *Message { return &Message{kind: BodyText, text: s} }

// NewBytesMessage returns a BytesMessage holding b (not copied).
func NewBytesMessage(b []byte) *Message { return &Message{kind: BodyBytes, data: b} }

// NewMapMessage returns a MapMessage; values follow the rules of Properties.
func NewMapMessage(m map[string]any) *Message { return &Message{kind: BodyMap, mapBody: m} }

// NewStreamMessage returns a StreamMessage of the values, in order; values
// follow the rules of Properties.
func NewStreamMessage(values ...any) *Message { return &Message{kind: BodyStream, stream: values} }

// NewObjectMessage returns an ObjectMessage whose body is serialized, the
// bytes of a Java-serialized object. The client never interprets them.
func NewObjectMessage(serialized []byte) *Message {
	return &Message{kind: BodyObject, data: serialized}
}

// Kind returns the message type.
func (m *Message) Kind() BodyKind { return m.kind }

// Text returns a TextMessage's text ("" for other kinds).
func (m *Message) Text() string { return m.text }

// Bytes returns the body of a BytesMessage or an ObjectMessage.
func (m *Message) Bytes() []byte { return m.data }

// Map returns a MapMessage's body.
func (m *Message) Map() map[string]any { return m.mapBody }

// Stream returns a StreamMessage's values.
func (m *Message) Stream() []any { return m.stream }

// BodyErr reports a received body or property map that could not be
// decoded; the accessors then return what was decoded, usually nothing.
func (m *Message) BodyErr() error { return m.bodyErr }

// Redelivered is JMSRedelivered: the message was delivered before.
func (m *Message) Redelivered() bool { return m.RedeliveryCounter > 0 }

// Ack acknowledges a received message. In a ClientAck session it
// acknowledges every message the session has delivered so far (JMS
// semantics); in an IndividualAck session only this one. In other modes it
// does nothing: those sessions acknowledge by themselves.
func (m *Message) Ack(ctx context.Context) error {
	if m.consumer == nil {
		return fmt.Errorf("ack: %w", ErrNotReceived)
	}
	return m.consumer.sess.ack(ctx, m)
}

// toWire builds the OpenWire message for m; the producer fills in IDs,
// destination, timing and transaction.
func (m *Message) toWire() (wire.MessageCommand, *wire.Message, error) {
	var cmd wire.MessageCommand
	var base *wire.Message
	switch m.kind {
	case BodyText:
		t := &wire.ActiveMQTextMessage{}
		t.SetText(m.text)
		cmd, base = t, &t.Message
	case BodyBytes:
		b := &wire.ActiveMQBytesMessage{}
		b.Content = m.data
		if b.Content == nil {
			b.Content = []byte{}
		}
		cmd, base = b, &b.Message
	case BodyMap:
		mm := &wire.ActiveMQMapMessage{}
		if err := mm.SetMap(m.mapBody); err != nil {
			return nil, nil, err
		}
		cmd, base = mm, &mm.Message
	case BodyStream:
		s := &wire.ActiveMQStreamMessage{}
		if len(m.stream) > 0 {
			b, err := wire.AppendStream(nil, m.stream)
			if err != nil {
				return nil, nil, fmt.Errorf("encode stream body: %w", err)
			}
			s.Content = b
		}
		cmd, base = s, &s.Message
	case BodyObject:
		o := &wire.ActiveMQObjectMessage{}
		o.Content = m.data
		cmd, base = o, &o.Message
	default:
		p := &wire.ActiveMQMessage{}
		cmd, base = p, &p.Message
	}
	if err := base.SetProperties(m.Properties); err != nil {
		return nil, nil, err
	}
	if m.CorrelationID != "" {
		base.CorrelationId = wire.Str(m.CorrelationID)
	}
	if m.Type != "" {
		base.Type = wire.Str(m.Type)
	}
	if m.GroupID != "" {
		base.GroupID = wire.Str(m.GroupID)
		base.GroupSequence = m.GroupSeq
	}
	base.ReplyTo = m.ReplyTo.toWire()
	return cmd, base, nil
}

// fromWire converts a dispatched message. Decoding problems are kept in
// bodyErr so that the message can still be acknowledged.
func fromWire(cmd wire.MessageCommand, redeliveries int32) *Message {
	w := cmd.GetMessage()
	m := &Message{
		CorrelationID:     w.CorrelationId.Value,
		ReplyTo:           destFromWire(w.ReplyTo),
		Type:              w.Type.Value,
		GroupID:           w.GroupID.Value,
		GroupSeq:          w.GroupSequence,
		Destination:       destFromWire(w.Destination),
		Persistent:        w.Persistent,
		Priority:          int(w.Priority),
		RedeliveryCounter: int(redeliveries),
		wid:               w.MessageId,
		wdest:             w.Destination,
	}
	if w.MessageId != nil {
		m.ID = w.MessageId.String()
	}
	if w.Timestamp != 0 {
		m.Timestamp = time.UnixMilli(w.Timestamp)
	}
	if w.Expiration != 0 {
		m.Expiration = time.UnixMilli(w.Expiration)
	}
	props, err := w.Properties()
	m.Properties = props
	if err != nil {
		m.bodyErr = fmt.Errorf("message %s: %w", m.ID, err)
	}
	var berr error
	switch t := cmd.(type) {
	case *wire.ActiveMQTextMessage:
		m.kind = BodyText
		var s wire.NullString
		s, berr = t.Text()
		m.text = s.Value
	case *wire.ActiveMQBytesMessage:
		m.kind = BodyBytes
		m.data, berr = t.Data()
	case *wire.ActiveMQMapMessage:
		m.kind = BodyMap
		m.mapBody, berr = t.Map()
	case *wire.ActiveMQStreamMessage:
		m.kind = BodyStream
		m.stream, berr = t.Values()
	case *wire.ActiveMQObjectMessage:
		m.kind = BodyObject
		m.data = t.Content
		if t.Compressed && t.Content != nil {
			m.data, berr = wire.InflateContent(wire.TypeActiveMQObjectMessage, t.Content, wire.DefaultInflateLimit)
		}
	default:
		m.kind = BodyNone
	}
	if berr != nil && m.bodyErr == nil {
		m.bodyErr = fmt.Errorf("message %s: decode %v body: %w", m.ID, m.kind, berr)
	}
	return m
}
