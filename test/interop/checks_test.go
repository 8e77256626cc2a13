package interop_test

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/go-stomp/stomp/v3"
)

func checkAMQP(t *testing.T, c *cell, d amqp.Delivery) {
	k := checker{t, c.label()}
	if !bytes.Equal(d.Body, c.body) {
		k.eq("body", d.Body, c.body)
	}
	k.eq("content-type", d.ContentType, c.contentType)
	wantEnc := ""
	if c.contentEncoded {
		wantEnc = "identity"
	}
	k.eq("content-encoding", d.ContentEncoding, wantEnc)
	k.eq("message-id", d.MessageId, c.messageID)
	k.eq("correlation-id", d.CorrelationId, c.correlationID)
	k.eq("reply-to", d.ReplyTo, c.replyQueue)
	k.eq("type", d.Type, c.msgType)
	k.eq("priority", d.Priority, 7)
	k.eq("delivery-mode", d.DeliveryMode, amqp.Persistent)
	switch left, err := strconv.ParseInt(d.Expiration, 10, 64); {
	case err != nil:
		k.fail("expiration %q, want the remaining TTL in ms", d.Expiration)
	case c.relativeTTL:
		// A TTL the publisher gave arrives as given, as RabbitMQ delivers
		// it (AMQP expiration, STOMP expiration).
		k.eq("expiration", d.Expiration, ttl.Milliseconds())
	case c.gotHi+left < c.expiresLo-1 || c.gotLo+left > c.expiresHi+1:
		// Another protocol's absolute expiry becomes the time left at
		// delivery: it must point at the same instant.
		k.fail("expiration %d ms left when fetched in [%d, %d] points outside the message's expiry [%d, %d]",
			left, c.gotLo, c.gotHi, c.expiresLo, c.expiresHi)
	}
	if d.Timestamp.IsZero() {
		k.fail("no timestamp, want %d s", c.sentTimestamp/1000)
	} else {
		k.eq("timestamp (s)", d.Timestamp.Unix(), c.sentTimestamp/1000)
	}
	for _, p := range props {
		got, ok := d.Headers[p.name]
		want := p.amqp
		if c.from == "stomp" {
			want = p.text // STOMP headers are strings
		}
		switch {
		case !ok:
			k.fail("headers[%s] missing, want %s", p.name, show(want))
		case fmt.Sprintf("%T %v", got, got) != fmt.Sprintf("%T %v", want, want):
			k.fail("headers[%s] = %s, want %s", p.name, show(got), show(want))
		}
	}
	var extra []string
	for name, v := range d.Headers {
		if !isProp(name) {
			extra = append(extra, fmt.Sprintf("%s=%s", name, show(v)))
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		k.fail("unexpected headers %v", extra)
	}
}

func checkJMS(t *testing.T, c *cell, m jmsMessage) {
	k := checker{t, c.label()}
	wantClass := "TextMessage"
	if c.kind == "bytes" {
		wantClass = "BytesMessage"
	}
	k.eq("body class", m.Class, wantClass)
	if !bytes.Equal(m.Body, c.body) {
		k.eq("body", m.Body, c.body)
	}
	k.eq("JMSDestination", m.Destination, "queue://"+c.queue)
	if !strings.HasPrefix(m.MessageID, "ID:") {
		k.fail("JMSMessageID %q does not start with ID:", m.MessageID)
	}
	if c.from == "jms" {
		k.eq("JMSMessageID", m.MessageID, c.messageID)
	} else if !strings.Contains(m.MessageID, c.messageID) {
		// RabbitMQ's JMS client: JMSMessageID is "ID:" + the AMQP message-id.
		k.fail("JMSMessageID %q does not carry the publisher's message id %q", m.MessageID, c.messageID)
	}
	k.eq("JMSCorrelationID", deref(m.CorrelationID), c.correlationID)
	k.eq("JMSReplyTo", deref(m.ReplyTo), "queue://"+c.replyQueue)
	k.eq("JMSReplyTo kind", m.ReplyToKind, "queue")
	k.eq("JMSType", deref(m.Type), c.msgType)
	k.eq("JMSPriority", m.Priority, 7)
	k.eq("JMSDeliveryMode", m.DeliveryMode, 2)
	k.within("JMSExpiration", m.Expiration, c.expiresLo, c.expiresHi)
	k.eq("JMSTimestamp", m.Timestamp, c.sentTimestamp)
	k.eq("JMSRedelivered", m.Redelivered, false)
	for _, p := range props {
		got, ok := m.Properties[p.name]
		want := jmsProp{p.jmsType, p.java}
		if c.from == "stomp" {
			want = jmsProp{"String", p.text}
		}
		switch {
		case !ok:
			k.fail("property %s missing, want %s %q", p.name, want.Type, want.Value)
		case got != want:
			k.fail("property %s = %s %q, want %s %q", p.name, got.Type, got.Value, want.Type, want.Value)
		}
	}
	var extra []string
	for name, v := range m.Properties {
		if !isProp(name) {
			extra = append(extra, fmt.Sprintf("%s=%s %q", name, v.Type, v.Value))
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		k.fail("unexpected properties %v", extra)
	}
}

// stompHeaders are the MESSAGE headers with a meaning of their own.
var stompHeaders = map[string]bool{
	"destination": true, "message-id": true, "subscription": true, "ack": true, "content-type": true,
	"content-length": true, "content-encoding": true, "correlation-id": true, "reply-to": true,
	"type": true, "priority": true, "persistent": true, "expires": true, "timestamp": true,
	"amqp-message-id": true, "redelivered": true,
}

func checkSTOMP(t *testing.T, c *cell, m *stomp.Message) {
	k := checker{t, c.label()}
	h := func(name string) string { return m.Header.Get(name) }
	if !bytes.Equal(m.Body, c.body) {
		k.eq("body", m.Body, c.body)
	}
	k.eq("content-type", h("content-type"), c.contentType)
	k.eq("content-length", h("content-length"), len(c.body))
	wantEnc := ""
	if c.contentEncoded {
		wantEnc = "identity"
	}
	k.eq("content-encoding", h("content-encoding"), wantEnc)
	k.eq("destination", h("destination"), "/queue/"+c.queue)
	if h("message-id") == "" {
		k.fail("no message-id header")
	}
	k.eq("amqp-message-id", h("amqp-message-id"), c.messageID)
	k.eq("correlation-id", h("correlation-id"), c.correlationID)
	k.eq("reply-to", h("reply-to"), "/queue/"+c.replyQueue)
	k.eq("type", h("type"), c.msgType)
	k.eq("priority", h("priority"), "7")
	k.eq("persistent", h("persistent"), "true")
	if exp, err := strconv.ParseInt(h("expires"), 10, 64); err != nil {
		k.fail("expires %q, want an absolute time in ms", h("expires"))
	} else {
		k.within("expires", exp, c.expiresLo, c.expiresHi)
	}
	k.eq("timestamp", h("timestamp"), c.sentTimestamp)
	if r := h("redelivered"); r != "" && r != "false" {
		k.fail("redelivered:%s on a first delivery", r)
	}
	for _, p := range props {
		got, ok := m.Header.Contains(p.name)
		if !ok {
			k.fail("header %s missing, want %q", p.name, p.text)
		} else if got != p.text {
			k.fail("header %s = %q, want %q", p.name, got, p.text)
		}
	}
	var extra []string
	for i := 0; i < m.Header.Len(); i++ {
		name, v := m.Header.GetAt(i)
		if !stompHeaders[name] && !isProp(name) {
			extra = append(extra, name+":"+v)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		k.fail("unexpected headers %v", extra)
	}
}

func isProp(name string) bool {
	for _, p := range props {
		if p.name == name {
			return true
		}
	}
	return false
}
