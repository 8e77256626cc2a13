package stomp

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/message"
)

// Headers with a meaning of their own; every other SEND header becomes a
// string property (as in ActiveMQ's and RabbitMQ's STOMP adapters).
var reservedHeaders = map[string]bool{
	"destination": true, "content-length": true, "receipt": true, "transaction": true,
	"content-type": true, "content-encoding": true, "persistent": true, "priority": true,
	"expires": true, "expiration": true, "correlation-id": true, "reply-to": true,
	"type": true, "timestamp": true, "message-id": true, "subscription": true, "ack": true,
	"amqp-message-id": true, "user-id": true, "app-id": true, "JMSXGroupID": true,
	"redelivered": true,
}

// coreMessage turns a SEND into a core message. The frame is kept as the
// native form; its headers are decoded into neutral properties lazily.
func (c *conn) coreMessage(f *Frame, exchange, key string) (*message.Message, error) {
	if rt := f.Value("reply-to"); strings.HasPrefix(rt, "/temp-queue/") {
		// Temporary queues are private names: replies must address the
		// real queue, in every protocol.
		real, err := c.tempQueue(rt[len("/temp-queue/"):])
		if err != nil {
			return nil, err
		}
		nf := *f
		nf.Headers = append([]Header{{"reply-to", "/queue/" + real}}, f.Headers...)
		f = &nf
	}
	if uid, ok := f.Get("user-id"); ok && uid != c.user.Name {
		// The user id is a claim other protocols trust (AMQP validates it
		// too); nobody may send as someone else.
		return nil, errorf("user-id header set to '%s' but authenticated user was '%s'", uid, c.user.Name)
	}
	m := message.New(message.STOMP, nil, decodeFrameProps)
	m.Native = f
	m.Exchange, m.RoutingKey = exchange, key
	m.Body = f.Body
	m.Persistent = f.Value("persistent") == "true"
	m.Publisher = c.client.ID
	if v, ok := f.Get("priority"); ok {
		p, err := strconv.Atoi(v)
		if err != nil || p < 0 || p > 255 {
			return nil, errorf("invalid priority %q", v)
		}
		m.Priority, m.HasPriority = uint8(p), true
	}
	if v, ok := f.Get("expires"); ok && v != "0" {
		// ActiveMQ: absolute expiry in epoch milliseconds.
		exp, err := strconv.ParseInt(v, 10, 64)
		if err != nil || exp < 0 {
			return nil, errorf("invalid expires %q", v)
		}
		m.ExpiresAt = exp
	}
	if v, ok := f.Get("expiration"); ok {
		// RabbitMQ: a relative TTL in milliseconds.
		ttl, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ttl < 0 {
			return nil, errorf("invalid expiration %q", v)
		}
		m.ExpiresAt = time.Now().UnixMilli() + ttl
	}
	m.GroupID = f.Value("JMSXGroupID")
	return m, nil
}

// decodeFrameProps is the neutral view of a SEND frame's headers.
func decodeFrameProps(m *message.Message) (*message.Properties, error) {
	f, ok := m.Native.(*Frame)
	if !ok {
		return &message.Properties{}, nil
	}
	p := &message.Properties{
		ContentType:     contentType(f),
		ContentEncoding: f.Value("content-encoding"),
		CorrelationID:   f.Value("correlation-id"),
		Type:            f.Value("type"),
		MessageID:       f.Value("amqp-message-id"),
		UserID:          f.Value("user-id"),
		AppID:           f.Value("app-id"),
		Expiration:      f.Value("expiration"),
	}
	if rt := f.Value("reply-to"); rt != "" {
		p.ReplyTo = message.FormatAddress(message.ParseAddress(rt))
	}
	if ts, err := strconv.ParseInt(f.Value("timestamp"), 10, 64); err == nil {
		p.Timestamp = ts
	}
	seen := map[string]bool{}
	for _, h := range f.Headers {
		if reservedHeaders[h.Name] || seen[h.Name] {
			continue
		}
		seen[h.Name] = true
		if p.Headers == nil {
			p.Headers = message.Table{}
		}
		p.Headers[h.Name] = h.Value
	}
	return p, nil
}

// contentType is the frame's content-type; a frame with neither
// content-type nor content-length is text, as ActiveMQ's STOMP adapter
// treats it (JMS consumers get a TextMessage).
func contentType(f *Frame) string {
	if ct, ok := f.Get("content-type"); ok {
		return ct
	}
	if _, ok := f.Get("content-length"); !ok {
		return "text/plain"
	}
	return ""
}

// messageFrame renders a delivery as a MESSAGE frame.
func (c *conn) messageFrame(s *subscription, d broker.Delivery, id string) *Frame {
	m := d.Message
	p := m.Props()
	f := &Frame{Command: "MESSAGE", Body: m.Body}
	f.Set("subscription", s.id)
	f.Set("message-id", id)
	if s.ackMode != "auto" && c.version == "1.2" {
		f.Set("ack", id)
	}
	f.Set("destination", render(m.Exchange, m.RoutingKey))
	if p.ContentType != "" {
		f.Set("content-type", p.ContentType)
	}
	if p.ContentEncoding != "" {
		f.Set("content-encoding", p.ContentEncoding)
	}
	if p.CorrelationID != "" {
		f.Set("correlation-id", p.CorrelationID)
	}
	if p.ReplyTo != "" {
		f.Set("reply-to", stompAddress(p.ReplyTo))
	}
	if p.Type != "" {
		f.Set("type", p.Type)
	}
	if p.MessageID != "" {
		f.Set("amqp-message-id", p.MessageID)
	}
	if p.UserID != "" {
		f.Set("user-id", p.UserID)
	}
	if p.AppID != "" {
		f.Set("app-id", p.AppID)
	}
	if m.Persistent {
		f.Set("persistent", "true")
	}
	if m.HasPriority {
		f.Set("priority", strconv.Itoa(int(m.Priority)))
	}
	if m.ExpiresAt != 0 {
		f.Set("expires", strconv.FormatInt(m.ExpiresAt, 10))
	}
	if p.Timestamp != 0 {
		f.Set("timestamp", strconv.FormatInt(p.Timestamp, 10))
	}
	if m.GroupID != "" {
		f.Set("JMSXGroupID", m.GroupID)
	}
	if d.Redelivered {
		f.Set("redelivered", "true")
	}
	for k, v := range p.Headers {
		if reservedHeaders[k] {
			continue
		}
		f.Set(k, headerValue(v))
	}
	return f
}

// stompAddress renders a canonical reply-to address as a STOMP destination.
func stompAddress(s string) string {
	kind, name := message.ParseAddress(s)
	switch kind {
	case message.TopicAddress, message.TempTopicAddress:
		return "/topic/" + name
	}
	return "/queue/" + name
}

// headerValue renders a typed property as a header string.
func headerValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		return strconv.FormatInt(x.UnixMilli(), 10)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case message.Decimal:
		return x.String()
	case message.Table, []any:
		// Structured values travel as JSON, the one text form every STOMP
		// client can parse.
		b, err := json.Marshal(jsonValue(v))
		if err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case message.Table:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	case []byte:
		return string(x)
	case message.Decimal:
		return x.String()
	case time.Time:
		return x.UnixMilli()
	}
	return v
}
