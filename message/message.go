package message

import (
	"sync"
	"sync/atomic"
)

// Protocol identifies the wire protocol whose encoding a message carries.
type Protocol uint8

const (
	// Internal messages are built by the broker itself (dead-lettered copies,
	// management publishes); they have decoded Properties and no raw encoding.
	Internal Protocol = iota
	AMQP
	OpenWire
	STOMP
)

func (p Protocol) String() string {
	switch p {
	case AMQP:
		return "AMQP"
	case OpenWire:
		return "OpenWire"
	case STOMP:
		return "STOMP"
	}
	return "internal"
}

// Message is the protocol-neutral message. It is immutable once published:
// the same *Message is shared by every queue it is routed to, so fan-out
// copies nothing. Anything that needs a changed message (dead-lettering, a
// protocol adding headers) builds a new one with Derive.
//
// The fields the core needs for routing and queueing are decoded eagerly by
// the publishing protocol; everything else lives in the publisher's own
// encoding (Raw) and is decoded on first use by Properties, because most
// messages are delivered to a consumer of the same protocol that can reuse
// the raw bytes and nobody ever looks at them.
type Message struct {
	Exchange   string
	RoutingKey string
	Body       []byte

	Persistent  bool
	Priority    uint8
	HasPriority bool
	// Origin is the protocol whose encoding Raw holds.
	Origin Protocol
	// nativeProto is the protocol of Native when it differs from Origin
	// (a derived message keeps its source's native form). Kept next to
	// the other small fields: the padding saved puts Message in a smaller
	// allocation size class (192 bytes, not 208).
	nativeProto Protocol
	// ExpiresAt is the absolute expiry in Unix milliseconds; 0 means never.
	ExpiresAt int64
	// GroupID is the JMS message group (JMSXGroupID), "" for none.
	GroupID string
	// Raw is the origin protocol's encoding of the header fields (for AMQP the
	// basic-properties bytes as received). Nil for Internal messages.
	Raw []byte
	// Native is the origin protocol's decoded form when it is more than
	// bytes (OpenWire keeps its message command, whose body and marshalled
	// properties are reused for OpenWire consumers). Treat as read-only.
	Native any
	// Publisher identifies the publishing connection (broker.Client.ID), for
	// no-local subscriptions; 0 if unknown.
	Publisher uint64
	// ID is the broker's identity for the message, assigned at publish and
	// kept by derived copies: protocols without a message id of their own
	// derive one from it, the same for every queue the message reaches.
	ID uint64

	decode func(*Message) (*Properties, error)
	once   sync.Once
	props  atomic.Pointer[Properties]
	err    error
}

// Properties are the header fields every protocol can express, plus the
// application property table. Zero values mean absent.
type Properties struct {
	ContentType     string
	ContentEncoding string
	Headers         Table
	CorrelationID   string
	// ReplyTo is kept in the publisher's form (an AMQP routing key, a JMS
	// destination string); the receiving protocol translates it.
	ReplyTo   string
	MessageID string
	// Timestamp is in Unix milliseconds; 0 means absent.
	Timestamp int64
	Type      string
	UserID    string
	AppID     string
	ClusterID string
	// Expiration is AMQP's relative TTL string exactly as published, kept so
	// that AMQP consumers see what the publisher sent. ExpiresAt on the
	// Message is what the broker acts on.
	Expiration string
	GroupSeq   int32
}

// New returns a message whose Properties will be decoded by decode on
// first use, from the message's Raw or Native form. decode must not change
// the message.
func New(origin Protocol, raw []byte, decode func(*Message) (*Properties, error)) *Message {
	return &Message{Origin: origin, Raw: raw, decode: decode}
}

// Init is New for a message the caller allocated, zero and not yet
// shared: a protocol can allocate a small message together with its
// content, saving an allocation per message.
func Init(m *Message, origin Protocol, raw []byte, decode func(*Message) (*Properties, error)) *Message {
	m.Origin, m.Raw, m.decode = origin, raw, decode
	return m
}

// NewInternal returns a message with already-decoded properties.
func NewInternal(p *Properties) *Message {
	m := &Message{Origin: Internal}
	if p == nil {
		p = &Properties{}
	}
	m.props.Store(p)
	return m
}

// Properties returns the decoded header fields. A message whose raw encoding
// cannot be decoded yields empty properties and the error, once; the broker
// still delivers the body.
func (m *Message) Properties() (*Properties, error) {
	if p := m.props.Load(); p != nil {
		return p, m.err
	}
	m.once.Do(func() {
		if m.props.Load() != nil {
			return
		}
		var p *Properties
		if m.decode != nil {
			p, m.err = m.decode(m)
		}
		if p == nil {
			p = &Properties{}
		}
		m.props.Store(p)
	})
	return m.props.Load(), m.err
}

// Props is Properties without the error, for callers that only read.
func (m *Message) Props() *Properties {
	p, _ := m.Properties()
	return p
}

// Derive returns a copy of m with the given properties and no raw encoding,
// for the broker to change header fields (dead-lettering adds x-death). The
// native form is kept: a protocol that can use it (an OpenWire consumer of a
// dead-lettered JMS message) still sees the message's original type.
func (m *Message) Derive(p *Properties) *Message {
	n := &Message{
		Exchange:    m.Exchange,
		RoutingKey:  m.RoutingKey,
		Body:        m.Body,
		Persistent:  m.Persistent,
		Priority:    m.Priority,
		HasPriority: m.HasPriority,
		ExpiresAt:   m.ExpiresAt,
		GroupID:     m.GroupID,
		Origin:      Internal,
		Publisher:   m.Publisher,
		ID:          m.ID,
		Native:      m.Native,
		nativeProto: m.nativeOrigin(),
	}
	n.props.Store(p)
	return n
}

// Clone returns a deep copy of the properties.
func (p *Properties) Clone() *Properties {
	c := *p
	c.Headers = p.Headers.Clone()
	return &c
}

// Size is the message's accounted size: what max-length-bytes and prefetch
// size count. Like RabbitMQ, it is the body size.
func (m *Message) Size() int { return len(m.Body) }
