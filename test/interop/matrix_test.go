package interop_test

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/go-stomp/stomp/v3"
)

// ttl is the time to live every matrix message is sent with.
const ttl = 60 * time.Second

// prop is one typed application property as each protocol expresses it.
type prop struct {
	name    string
	amqp    any    // the AMQP headers table value (also what an AMQP receiver must see)
	jmsType string // the --prop type and the Java class a JMS receiver must see
	java    string // Java's String.valueOf of the value
	text    string // the STOMP header value
}

var props = []prop{
	{"s", "héllo: wörld", "String", "héllo: wörld", "héllo: wörld"},
	{"flag", true, "Boolean", "true", "true"},
	{"i8", int8(-8), "Byte", "-8", "-8"},
	{"i16", int16(-1600), "Short", "-1600", "-1600"},
	{"i32", int32(320000), "Integer", "320000", "320000"},
	{"i64", int64(1) << 40, "Long", "1099511627776", "1099511627776"},
	{"f32", float32(1.5), "Float", "1.5", "1.5"},
	{"f64", 2.25, "Double", "2.25", "2.25"},
}

// jmsPropType is the Interop.java --prop type for a Java class.
var jmsPropType = map[string]string{
	"String": "string", "Boolean": "boolean", "Byte": "byte", "Short": "short",
	"Integer": "int", "Long": "long", "Float": "float", "Double": "double",
}

// cell is one message of the matrix: from one protocol to one, with a text
// or a binary body.
type cell struct {
	from, to, kind string
	queue          string
	body           []byte
	contentType    string
	correlationID  string
	replyQueue     string
	msgType        string
	messageID      string // AMQP message-id or STOMP amqp-message-id; for JMS what the client assigned

	sentTimestamp  int64 // ms, what the sender set (JMS: what the client stamped)
	expiresLo      int64 // bounds of the absolute expiry, ms
	expiresHi      int64
	contentEncoded bool // the sender set content-encoding (JMS cannot)
	relativeTTL    bool // the sender gave a TTL (AMQP expiration, STOMP expiration), not an instant

	// gotLo and gotHi bracket an AMQP consumer's basic.get, ms: the
	// remaining TTL it sees was computed in between.
	gotLo, gotHi int64
}

func (c *cell) label() string { return c.from + "→" + c.to + "/" + c.kind }

func newCells() []*cell {
	var out []*cell
	run := uniq("m")
	for _, from := range protocols {
		for _, to := range protocols {
			for _, kind := range []string{"text", "bytes"} {
				c := &cell{
					from: from, to: to, kind: kind,
					queue:         fmt.Sprintf("%s.%s.%s.%s", run, from, to, kind),
					correlationID: fmt.Sprintf("corr-%s-%s-%s", from, to, kind),
					replyQueue:    fmt.Sprintf("%s.replies.%s", run, from),
					msgType:       "type-" + from,
				}
				if kind == "text" {
					c.body = []byte(fmt.Sprintf("héllo ✓ 😀 from %s to %s", from, to))
					c.contentType = "text/plain"
				} else {
					c.body = make([]byte, 300)
					for i := range c.body {
						c.body[i] = byte(i * 7)
					}
					c.contentType = "application/octet-stream"
				}
				out = append(out, c)
			}
		}
	}
	return out
}

// TestMatrix sends 18 messages, one per (publisher, consumer, body type),
// each carrying every mapped header and property, and checks each arrival.
func TestMatrix(t *testing.T) {
	t.Parallel()
	java := setupJava(t)
	j := start(t)
	cells := newCells()
	by := func(from, to string) []*cell {
		var out []*cell
		for _, c := range cells {
			if (from == "" || c.from == from) && (to == "" || c.to == to) {
				out = append(out, c)
			}
		}
		return out
	}

	// Queues exist before anyone publishes: AMQP drops what no queue takes.
	ch := j.amqpChannel(t)
	for _, c := range cells {
		if _, err := ch.QueueDeclare(c.queue, true, false, false, false, nil); err != nil {
			t.Fatalf("declare %s: %v", c.queue, err)
		}
	}

	sendAMQP(t, j, by("amqp", ""))
	sendSTOMP(t, j, by("stomp", ""))
	sendJMS(t, java, j, by("jms", ""))
	if t.Failed() {
		return
	}

	args := []string{"receive", "--url", j.openwireURL, "--count", "1"}
	for _, c := range by("", "jms") {
		args = append(args, "--dest", "queue://"+c.queue)
	}
	jmsReceiver := java.runAsync(t, args...)
	amqpGot := map[*cell]amqp.Delivery{}
	for _, c := range by("", "amqp") {
		c.gotLo = time.Now().UnixMilli()
		d, ok, err := ch.Get(c.queue, true)
		c.gotHi = time.Now().UnixMilli()
		if err != nil || !ok {
			t.Errorf("%s: basic.get %s: ok=%v err=%v, want the message", c.label(), c.queue, ok, err)
			continue
		}
		amqpGot[c] = d
	}
	stompGot := map[*cell]*stomp.Message{}
	sc := j.stompConn(t)
	for _, c := range by("", "stomp") {
		s := stompSubscribe(t, sc, "/queue/"+c.queue)
		stompGot[c] = stompRecv(t, s, c.label())
	}
	_, jmsGot, err := jmsReceiver.result()
	if err != nil {
		t.Error(err)
	}

	for _, c := range by("", "amqp") {
		if d, ok := amqpGot[c]; ok {
			t.Run(c.from+"_to_amqp_"+c.kind, func(t *testing.T) { checkAMQP(t, c, d) })
		}
	}
	if want := by("", "jms"); len(jmsGot) != len(want) {
		t.Errorf("JMS consumer received %d messages, want %d", len(jmsGot), len(want))
	} else {
		for i, c := range want {
			m := jmsGot[i]
			t.Run(c.from+"_to_jms_"+c.kind, func(t *testing.T) { checkJMS(t, c, m) })
		}
	}
	for _, c := range by("", "stomp") {
		if m, ok := stompGot[c]; ok {
			t.Run(c.from+"_to_stomp_"+c.kind, func(t *testing.T) { checkSTOMP(t, c, m) })
		}
	}
}

func sendAMQP(t *testing.T, j *junction, cells []*cell) {
	ch := j.amqpChannel(t)
	// Confirms: the broker has routed (and stamped the expiry of) each
	// message when its confirm arrives.
	if err := ch.Confirm(false); err != nil {
		t.Fatalf("confirm.select: %v", err)
	}
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, len(cells)))
	for _, c := range cells {
		headers := amqp.Table{}
		for _, p := range props {
			headers[p.name] = p.amqp
		}
		now := time.Now()
		c.messageID = "amqp-mid-" + c.to + "-" + c.kind
		c.sentTimestamp = now.Unix() * 1000 // AMQP timestamps are seconds
		c.contentEncoded = true
		c.relativeTTL = true
		c.expiresLo = now.Add(ttl).UnixMilli()
		amqpPublish(t, ch, "", c.queue, amqp.Publishing{
			ContentType:     c.contentType,
			ContentEncoding: "identity",
			MessageId:       c.messageID,
			CorrelationId:   c.correlationID,
			ReplyTo:         c.replyQueue,
			Type:            c.msgType,
			Priority:        7,
			DeliveryMode:    amqp.Persistent,
			Expiration:      strconv.FormatInt(ttl.Milliseconds(), 10),
			Timestamp:       now,
			Headers:         headers,
			Body:            c.body,
		})
		select {
		case conf := <-confirms:
			if !conf.Ack {
				t.Fatalf("%s: publish nacked", c.label())
			}
		case <-time.After(wait):
			t.Fatalf("%s: no publisher confirm within %v", c.label(), wait)
		}
		c.expiresHi = time.Now().Add(ttl).UnixMilli()
	}
}

func sendSTOMP(t *testing.T, j *junction, cells []*cell) {
	sc := j.stompConn(t)
	for _, c := range cells {
		now := time.Now()
		c.messageID = "stomp-mid-" + c.to + "-" + c.kind
		c.sentTimestamp = now.UnixMilli()
		c.contentEncoded = true
		h := map[string]string{
			"amqp-message-id":  c.messageID,
			"correlation-id":   c.correlationID,
			"reply-to":         "/queue/" + c.replyQueue,
			"type":             c.msgType,
			"priority":         "7",
			"persistent":       "true",
			"timestamp":        strconv.FormatInt(c.sentTimestamp, 10),
			"content-encoding": "identity",
		}
		// Both expiry conventions: ActiveMQ's absolute expires for text,
		// RabbitMQ's relative expiration for bytes.
		if c.kind == "text" {
			exp := now.Add(ttl).UnixMilli()
			h["expires"] = strconv.FormatInt(exp, 10)
			c.expiresLo, c.expiresHi = exp, exp
		} else {
			h["expiration"] = strconv.FormatInt(ttl.Milliseconds(), 10)
			c.relativeTTL = true
			c.expiresLo = now.Add(ttl).UnixMilli()
		}
		for _, p := range props {
			h[p.name] = p.text
		}
		stompSend(t, sc, "/queue/"+c.queue, c.contentType, c.body, h)
		if c.kind != "text" {
			c.expiresHi = time.Now().Add(ttl).UnixMilli()
		}
	}
}

// sendJMS runs one JVM per message (each carries its own body and
// correlation id), all at once.
func sendJMS(t *testing.T, java *javaEnv, j *junction, cells []*cell) {
	runs := make([]*jmsRun, len(cells))
	for i, c := range cells {
		bodyOpt := "--text-b64"
		if c.kind == "bytes" {
			bodyOpt = "--bytes-b64"
		}
		args := []string{"send", "--url", j.openwireURL, "--dest", "queue://" + c.queue,
			bodyOpt, base64.StdEncoding.EncodeToString(c.body),
			"--priority", "7", "--persistent", "true", "--ttl", strconv.FormatInt(ttl.Milliseconds(), 10),
			"--correlation-id", c.correlationID, "--reply-to", "queue://" + c.replyQueue, "--type", c.msgType}
		for _, p := range props {
			args = append(args, "--prop", p.name+"="+jmsPropType[p.jmsType]+":"+p.java)
		}
		runs[i] = java.runAsync(t, args...)
	}
	for i, c := range cells {
		sent, _, err := runs[i].result()
		if err != nil {
			t.Errorf("%s: %v", c.label(), err)
			continue
		}
		if len(sent) != 1 {
			t.Errorf("%s: JMS send reported %d messages, want 1", c.label(), len(sent))
			continue
		}
		c.messageID = sent[0].MessageID
		c.sentTimestamp = sent[0].Timestamp
		c.expiresLo, c.expiresHi = sent[0].Expiration, sent[0].Expiration
		if sent[0].Expiration != sent[0].Timestamp+ttl.Milliseconds() {
			t.Errorf("%s: the JMS client stamped expiration %d for timestamp %d and ttl %v", c.label(), sent[0].Expiration, sent[0].Timestamp, ttl)
		}
	}
}
