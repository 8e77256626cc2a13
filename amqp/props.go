package amqp

import (
	"strconv"
	"time"

	"github.com/junctionmq/junction/amqp/wire"
	"github.com/junctionmq/junction/message"
)

// decodeProps turns AMQP basic properties into the neutral form. It is the
// lazy decoder attached to every AMQP-published message.
func decodeProps(m *message.Message) (*message.Properties, error) {
	p, err := wire.DecodeProperties(m.Raw)
	if err != nil {
		return nil, err
	}
	np := &message.Properties{
		ContentType:     p.ContentType,
		ContentEncoding: p.ContentEncoding,
		Headers:         p.Headers,
		CorrelationID:   p.CorrelationID,
		ReplyTo:         p.ReplyTo,
		MessageID:       p.MessageID,
		Type:            p.Type,
		UserID:          p.UserID,
		AppID:           p.AppID,
		ClusterID:       p.ClusterID,
		Expiration:      p.Expiration,
	}
	if p.Present&wire.FlagTimestamp != 0 {
		np.Timestamp = p.Timestamp.UnixMilli()
	}
	return np, nil
}

// encodeProps renders a message's neutral properties as AMQP basic
// properties, for messages that did not come from AMQP or were changed by
// the broker.
func encodeProps(m *message.Message) []byte {
	np := m.Props()
	p := wire.Properties{
		ContentType:     np.ContentType,
		ContentEncoding: np.ContentEncoding,
		Headers:         np.Headers,
		CorrelationID:   np.CorrelationID,
		ReplyTo:         amqpReplyTo(np.ReplyTo),
		MessageID:       np.MessageID,
		Type:            np.Type,
		UserID:          np.UserID,
		AppID:           np.AppID,
		ClusterID:       np.ClusterID,
		Expiration:      np.Expiration,
		DeliveryMode:    1,
	}
	if m.Persistent {
		p.DeliveryMode = 2
	}
	if m.GroupID != "" {
		if _, ok := p.Headers["JMSXGroupID"]; !ok {
			// JMS message groups reach AMQP consumers as the header the
			// RabbitMQ JMS client uses for them.
			h := make(message.Table, len(p.Headers)+1)
			for k, v := range p.Headers {
				h[k] = v
			}
			h["JMSXGroupID"] = m.GroupID
			p.Headers = h
		}
	}
	if m.HasPriority {
		p.Priority = m.Priority
		p.Present |= wire.FlagPriority
	}
	if np.Timestamp != 0 {
		p.Timestamp = time.UnixMilli(np.Timestamp)
		p.Present |= wire.FlagTimestamp
	}
	if p.Expiration == "" && m.ExpiresAt != 0 && m.Origin != message.Internal {
		// An absolute expiry from another protocol becomes the remaining TTL.
		if ttl := m.ExpiresAt - time.Now().UnixMilli(); ttl > 0 {
			p.Expiration = strconv.FormatInt(ttl, 10)
		} else {
			p.Expiration = "0"
		}
	}
	p.MarkNonZero()
	out, err := p.Append(nil)
	if err != nil {
		// A value AMQP cannot carry: deliver without headers rather than
		// not at all.
		p.Headers = nil
		p.Present &^= wire.FlagHeaders
		out, _ = p.Append(nil)
	}
	return out
}

// parseExpiration validates AMQP's expiration property, a relative TTL in
// milliseconds written as a decimal string.
func parseExpiration(s []byte) (int64, string) {
	if len(s) == 0 {
		return 0, "no_integer"
	}
	neg := s[0] == '-'
	digits := s
	if neg {
		digits = s[1:]
	}
	if len(digits) == 0 {
		return 0, "no_integer"
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, "no_integer"
		}
		n = n*10 + int64(c-'0')
		if n > 1<<40 {
			return 0, "no_integer"
		}
	}
	if neg {
		return 0, "negative_integer"
	}
	return n, ""
}

// amqpReplyTo renders a reply-to address from another protocol the way an
// AMQP responder uses it: as the routing key for the default exchange, so
// queues (temporary ones included) become their bare names. Topics keep
// their canonical form, which has no AMQP equivalent.
func amqpReplyTo(s string) string {
	if s == "" {
		return ""
	}
	switch kind, name := message.ParseAddress(s); kind {
	case message.QueueAddress, message.TempQueueAddress:
		return name
	default:
		return message.FormatAddress(kind, name)
	}
}
