package mgmt

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/message"
)

// publishBody is RabbitMQ's body for POST /api/exchanges/{vhost}/{name}/publish.
type publishBody struct {
	RoutingKey      string         `json:"routing_key"`
	Payload         string         `json:"payload"`
	PayloadEncoding string         `json:"payload_encoding"`
	Properties      map[string]any `json:"properties"`
}

func (a *API) publish(rq *request) error {
	var body publishBody
	if err := rq.decodeBody(&body); err != nil {
		return err
	}
	c, v, err := rq.client(rq.r.PathValue("vhost"))
	if err != nil {
		return err
	}
	var payload []byte
	switch body.PayloadEncoding {
	case "", "string":
		payload = []byte(body.Payload)
	case "base64":
		if payload, err = base64.StdEncoding.DecodeString(body.Payload); err != nil {
			return errBadRequest("payload is not valid base64: " + err.Error())
		}
	default:
		return errBadRequest("payload_encoding must be string or base64, not " + strconv.Quote(body.PayloadEncoding))
	}
	msg, err := messageFromJSON(body.Properties)
	if err != nil {
		return errBadRequest(err.Error())
	}
	msg.Exchange = exchangeName(rq.r.PathValue("name"))
	msg.RoutingKey = body.RoutingKey
	msg.Body = payload
	if _, ok := v.Exchange(msg.Exchange); !ok {
		return errNotFound()
	}
	// Answer once a persistent message is durable, like a confirm.
	done := make(chan error, 1)
	res, err := v.PublishDurable(c, msg, nil, func(err error) { done <- err })
	if err != nil {
		return err
	}
	if res.Stored {
		if err := <-done; err != nil {
			return fmt.Errorf("store the message: %w", err)
		}
	}
	return rq.ok(map[string]bool{"routed": res.Routed()})
}

// messageFromJSON builds a management-published message from RabbitMQ's
// properties object.
func messageFromJSON(p map[string]any) (*message.Message, error) {
	props := &message.Properties{}
	var persistent, hasPriority bool
	var priority uint8
	var expiresAt int64
	str := func(k string) (string, error) {
		v, ok := p[k]
		if !ok || v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("property %s must be a string", k)
		}
		return s, nil
	}
	num := func(k string) (int64, bool, error) {
		v, ok := p[k]
		if !ok || v == nil {
			return 0, false, nil
		}
		x, err := valueFromJSON(v)
		if err != nil {
			return 0, false, err
		}
		switch n := x.(type) {
		case int64:
			return n, true, nil
		case string:
			i, err := strconv.ParseInt(n, 10, 64)
			if err == nil {
				return i, true, nil
			}
		}
		return 0, false, fmt.Errorf("property %s must be an integer", k)
	}
	var err error
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"content_type", &props.ContentType}, {"content_encoding", &props.ContentEncoding},
		{"correlation_id", &props.CorrelationID}, {"reply_to", &props.ReplyTo},
		{"message_id", &props.MessageID}, {"type", &props.Type}, {"user_id", &props.UserID},
		{"app_id", &props.AppID}, {"cluster_id", &props.ClusterID}, {"expiration", &props.Expiration},
	} {
		if *f.dst, err = str(f.key); err != nil {
			return nil, err
		}
	}
	if n, ok, err := num("delivery_mode"); err != nil {
		return nil, err
	} else if ok {
		persistent = n == 2
	}
	if n, ok, err := num("priority"); err != nil {
		return nil, err
	} else if ok {
		if n < 0 || n > 255 {
			return nil, fmt.Errorf("property priority %d out of range 0-255", n)
		}
		priority, hasPriority = uint8(n), true
	}
	if n, ok, err := num("timestamp"); err != nil {
		return nil, err
	} else if ok {
		props.Timestamp = n * 1000
	}
	if props.Expiration != "" {
		ttl, err := strconv.ParseInt(props.Expiration, 10, 64)
		if err != nil || ttl < 0 {
			return nil, fmt.Errorf("invalid expiration '%s'", props.Expiration)
		}
		expiresAt = time.Now().UnixMilli() + ttl
	}
	if h, ok := p["headers"]; ok && h != nil {
		m, ok := h.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("property headers must be an object")
		}
		if props.Headers, err = tableFromJSON(m); err != nil {
			return nil, fmt.Errorf("headers: %w", err)
		}
	}
	msg := message.NewInternal(props)
	msg.Persistent, msg.Priority, msg.HasPriority, msg.ExpiresAt = persistent, priority, hasPriority, expiresAt
	return msg, nil
}

// propertiesJSON renders a message's properties as RabbitMQ does:
// only the fields that are set.
func propertiesJSON(m *message.Message) map[string]any {
	p := m.Props()
	out := map[string]any{}
	set := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	set("content_type", p.ContentType)
	set("content_encoding", p.ContentEncoding)
	set("correlation_id", p.CorrelationID)
	set("reply_to", p.ReplyTo)
	set("expiration", p.Expiration)
	set("message_id", p.MessageID)
	set("type", p.Type)
	set("user_id", p.UserID)
	set("app_id", p.AppID)
	set("cluster_id", p.ClusterID)
	if len(p.Headers) > 0 {
		out["headers"] = tableJSON(p.Headers)
	}
	// Whether a publisher set delivery_mode 1 is not kept; RabbitMQ
	// leaves out properties that were not set.
	if m.Persistent {
		out["delivery_mode"] = 2
	}
	if m.HasPriority {
		out["priority"] = m.Priority
	}
	if p.Timestamp != 0 {
		out["timestamp"] = p.Timestamp / 1000
	}
	return out
}

// getBody is RabbitMQ's body for POST /api/queues/{vhost}/{name}/get.
type getBody struct {
	Count    int    `json:"count"`
	AckMode  string `json:"ackmode"`
	Encoding string `json:"encoding"`
	Truncate int    `json:"truncate"`
	// Requeue is the pre-3.7 spelling of ackmode.
	Requeue *bool `json:"requeue"`
}

// gotMessage is one message in the answer to a get.
type gotMessage struct {
	PayloadBytes    int            `json:"payload_bytes"`
	Redelivered     bool           `json:"redelivered"`
	Exchange        string         `json:"exchange"`
	RoutingKey      string         `json:"routing_key"`
	MessageCount    int            `json:"message_count"`
	Properties      map[string]any `json:"properties"`
	Payload         string         `json:"payload"`
	PayloadEncoding string         `json:"payload_encoding"`
}

func (a *API) getMessages(rq *request) error {
	body := getBody{Count: 1, Encoding: "auto"}
	if err := rq.decodeBody(&body); err != nil {
		return err
	}
	if body.AckMode == "" && body.Requeue != nil {
		body.AckMode = "ack_requeue_false"
		if *body.Requeue {
			body.AckMode = "ack_requeue_true"
		}
	}
	var outcome broker.Outcome
	switch body.AckMode {
	case "ack_requeue_true", "reject_requeue_true":
		outcome = broker.Requeue
	case "ack_requeue_false":
		outcome = broker.Ack
	case "reject_requeue_false":
		outcome = broker.Reject
	default:
		return errBadRequest("ackmode must be ack_requeue_true, ack_requeue_false, reject_requeue_true or reject_requeue_false")
	}
	if body.Encoding != "auto" && body.Encoding != "base64" {
		return errBadRequest("encoding must be auto or base64")
	}
	if body.Count < 1 {
		return errBadRequest("count must be at least 1")
	}
	c, _, err := rq.client(rq.r.PathValue("vhost"))
	if err != nil {
		return err
	}
	q, err := rq.queue()
	if err != nil {
		return err
	}
	if err := c.CheckRead(q); err != nil {
		return err
	}
	// Take them all before settling any: a requeued message goes back to
	// the head and would be fetched again.
	out := []gotMessage{}
	var entries []*broker.Entry
	for len(out) < body.Count {
		d, remaining, ok := q.Get(false)
		if !ok {
			break
		}
		entries = append(entries, d.Entry)
		out = append(out, messageJSON(d, remaining, body.Encoding, body.Truncate))
	}
	if len(entries) > 0 {
		q.Settle(entries, outcome)
	}
	return rq.ok(out)
}

func messageJSON(d broker.Delivery, remaining int, encoding string, truncate int) gotMessage {
	m := d.Message
	payload := m.Body
	if truncate > 0 && len(payload) > truncate {
		payload = payload[:truncate]
	}
	g := gotMessage{
		PayloadBytes: len(m.Body), Redelivered: d.Redelivered, Exchange: m.Exchange, RoutingKey: m.RoutingKey,
		MessageCount: remaining, Properties: propertiesJSON(m),
	}
	if encoding == "auto" && utf8.Valid(payload) {
		g.Payload, g.PayloadEncoding = string(payload), "string"
	} else {
		g.Payload, g.PayloadEncoding = base64.StdEncoding.EncodeToString(payload), "base64"
	}
	return g
}
