package interop_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/go-stomp/stomp/v3"
)

// A message with nothing but a text body, from each protocol to each:
// every optional header stays absent or at its protocol's default, and
// nothing is invented on the way.
func TestMinimalMessagesKeepTheDefaults(t *testing.T) {
	t.Parallel()
	java := setupJava(t)
	j := start(t)
	run := uniq("min")
	queue := func(from, to string) string { return run + "." + from + "." + to }
	ch := j.amqpChannel(t)
	for _, from := range protocols {
		for _, to := range protocols {
			if _, err := ch.QueueDeclare(queue(from, to), true, false, false, false, nil); err != nil {
				t.Fatalf("declare: %v", err)
			}
		}
	}
	body := func(from string) []byte { return []byte("minimal from " + from) }

	sc := j.stompConn(t)
	jmsArgs := []string{"send", "--url", j.openwireURL, "--persistent", "false", "--text-b64", base64.StdEncoding.EncodeToString(body("jms"))}
	for _, to := range protocols {
		amqpPublish(t, ch, "", queue("amqp", to), amqp.Publishing{ContentType: "text/plain", Body: body("amqp")})
		stompSend(t, sc, "/queue/"+queue("stomp", to), "text/plain", body("stomp"), nil)
		jmsArgs = append(jmsArgs, "--dest", "queue://"+queue("jms", to))
	}
	sent, _ := java.run(t, jmsArgs...)
	if len(sent) != 3 {
		t.Fatalf("JMS sent %d messages, want 3", len(sent))
	}
	jmsSent := map[string]jmsSent{}
	for _, s := range sent {
		jmsSent[s.Dest] = s
	}

	recvArgs := []string{"receive", "--url", j.openwireURL}
	for _, from := range protocols {
		recvArgs = append(recvArgs, "--dest", "queue://"+queue(from, "jms"))
	}
	jmsRecv := java.runAsync(t, recvArgs...)

	for _, from := range protocols {
		k := checker{t, from + "→amqp (minimal)"}
		d, ok, err := ch.Get(queue(from, "amqp"), true)
		if err != nil || !ok {
			k.fail("basic.get: ok=%v err=%v", ok, err)
			continue
		}
		k.eq("body", string(d.Body), string(body(from)))
		k.eq("content-type", d.ContentType, "text/plain")
		k.eq("correlation-id", d.CorrelationId, "")
		k.eq("reply-to", d.ReplyTo, "")
		k.eq("type", d.Type, "")
		k.eq("expiration", d.Expiration, "")
		if d.DeliveryMode == amqp.Persistent {
			k.fail("delivery-mode 2 for a non-persistent message")
		}
		if len(d.Headers) != 0 {
			k.fail("headers %v, want none", d.Headers)
		}
		if from == "jms" {
			s := jmsSent["queue://"+queue(from, "amqp")]
			k.eq("message-id", d.MessageId, s.MessageID)
			k.eq("priority", d.Priority, 4) // JMS's default priority is explicit
			k.eq("timestamp (s)", d.Timestamp.Unix(), s.Timestamp/1000)
		} else {
			k.eq("message-id", d.MessageId, "")
			k.eq("priority", d.Priority, 0)
			if !d.Timestamp.IsZero() {
				k.fail("timestamp %v, want none", d.Timestamp)
			}
		}
	}

	for _, from := range protocols {
		k := checker{t, from + "→stomp (minimal)"}
		s := stompSubscribe(t, sc, "/queue/"+queue(from, "stomp"))
		m := stompRecv(t, s, k.label)
		k.eq("body", string(m.Body), string(body(from)))
		k.eq("content-type", m.Header.Get("content-type"), "text/plain")
		allowed := map[string]bool{"destination": true, "message-id": true, "subscription": true, "content-type": true, "content-length": true}
		if from == "jms" {
			allowed["priority"], allowed["timestamp"], allowed["amqp-message-id"] = true, true, true
			k.eq("priority", m.Header.Get("priority"), "4")
		}
		var extra []string
		for i := 0; i < m.Header.Len(); i++ {
			name, v := m.Header.GetAt(i)
			if !allowed[name] {
				extra = append(extra, name+":"+v)
			}
		}
		if len(extra) > 0 {
			k.fail("unexpected headers %v", extra)
		}
	}

	_, got, err := jmsRecv.result()
	if err != nil {
		t.Fatal(err)
	}
	for i, from := range protocols {
		k := checker{t, from + "→jms (minimal)"}
		m := got[i]
		k.eq("body", string(m.Body), string(body(from)))
		k.eq("class", m.Class, "TextMessage")
		k.eq("JMSCorrelationID", show(m.CorrelationID), "<nil>")
		k.eq("JMSReplyTo", show(m.ReplyTo), "<nil>")
		k.eq("JMSType", show(m.Type), "<nil>")
		k.eq("JMSPriority", m.Priority, 4)
		k.eq("JMSDeliveryMode", m.DeliveryMode, 1)
		k.eq("JMSExpiration", m.Expiration, 0)
		if len(m.Properties) != 0 {
			k.fail("properties %v, want none", m.Properties)
		}
		if from == "jms" {
			k.eq("JMSTimestamp", m.Timestamp, jmsSent["queue://"+queue(from, "jms")].Timestamp)
		} else {
			k.eq("JMSTimestamp", m.Timestamp, 0)
		}
	}
}

// AMQP table values JMS properties and STOMP headers cannot hold as such
// travel in a form they can (mapping.md: converted, never dropped).
func TestAMQPHeaderTypesWithoutAnEquivalentAreConverted(t *testing.T) {
	t.Parallel()
	java := setupJava(t)
	j := start(t)
	q1, q2 := uniq("types.jms"), uniq("types.stomp")
	ch := j.amqpChannel(t)
	ts := time.Unix(1700000000, 0)
	headers := amqp.Table{
		"u8": uint8(200), "u16": uint16(60000), "u32": uint32(4000000000),
		"dec": amqp.Decimal{Scale: 2, Value: 12345}, "ts": ts,
		"tbl": amqp.Table{"a": int32(1)}, "arr": []any{int32(1), "x"}, "bin": []byte("raw"),
	}
	for _, q := range []string{q1, q2} {
		if _, err := ch.QueueDeclare(q, false, false, false, false, nil); err != nil {
			t.Fatalf("declare: %v", err)
		}
		amqpPublish(t, ch, "", q, amqp.Publishing{ContentType: "text/plain", Headers: headers, Body: []byte("typed")})
	}

	_, got := java.run(t, "receive", "--url", j.openwireURL, "--dest", "queue://"+q1)
	if len(got) != 1 {
		t.Fatalf("JMS received %d messages, want 1", len(got))
	}
	k := checker{t, "amqp→jms"}
	for name, want := range map[string]jmsProp{
		"u8": {"Short", "200"}, "u16": {"Integer", "60000"}, "u32": {"Long", "4000000000"},
		"dec": {"String", "123.45"}, "ts": {"Long", "1700000000000"},
	} {
		k.eq("property "+name, fmt.Sprint(got[0].Properties[name]), fmt.Sprint(want))
	}
	for _, name := range []string{"tbl", "arr", "bin"} {
		if p, ok := got[0].Properties[name]; !ok {
			k.fail("property %s dropped (AMQP %T), want it converted", name, headers[name])
		} else {
			t.Logf("amqp→jms: AMQP %T %v became %s %q", headers[name], headers[name], p.Type, p.Value)
		}
	}

	s := stompSubscribe(t, j.stompConn(t), "/queue/"+q2)
	m := stompRecv(t, s, "typed headers")
	k = checker{t, "amqp→stomp"}
	for name, want := range map[string]string{
		"u8": "200", "u16": "60000", "u32": "4000000000", "dec": "123.45", "ts": "1700000000000",
	} {
		k.eq("header "+name, m.Header.Get(name), want)
	}
	for _, name := range []string{"tbl", "arr", "bin"} {
		if v, ok := m.Header.Contains(name); !ok {
			k.fail("header %s dropped (AMQP %T), want it converted", name, headers[name])
		} else {
			t.Logf("amqp→stomp: AMQP %T %v became %q", headers[name], headers[name], v)
		}
	}
}

// ActiveMQ's STOMP rule (mapping.md): a SEND without content-length is a
// TextMessage for JMS consumers; with one, a BytesMessage unless the
// content-type says text.
func TestSTOMPBodyTypeForJMSConsumers(t *testing.T) {
	t.Parallel()
	java := setupJava(t)
	j := start(t)
	qNoLength, qOctets, qJSON := uniq("nolength"), uniq("octets"), uniq("json")

	r := rawSTOMP(t, j)
	r.sendFrame("SEND", "no content-length", "destination:/queue/"+qNoLength, "receipt:r1")
	sc := j.stompConn(t)
	if err := sc.Send("/queue/"+qOctets, "", []byte("length, no type"), stomp.SendOpt.Receipt); err != nil {
		t.Fatalf("SEND: %v", err)
	}
	stompSend(t, sc, "/queue/"+qJSON, "application/json", []byte(`{"a":1}`), nil)

	_, got := java.run(t, "receive", "--url", j.openwireURL,
		"--dest", "queue://"+qNoLength, "--dest", "queue://"+qOctets, "--dest", "queue://"+qJSON)
	if len(got) != 3 {
		t.Fatalf("JMS received %d messages, want 3", len(got))
	}
	for i, want := range []struct{ what, class, body string }{
		{"SEND without content-length or content-type", "TextMessage", "no content-length"},
		{"SEND with content-length and no content-type", "BytesMessage", "length, no type"},
		{"SEND with content-type application/json", "BytesMessage", `{"a":1}`},
	} {
		if got[i].Class != want.class || string(got[i].Body) != want.body {
			t.Errorf("%s: JMS got a %s %q, want a %s %q", want.what, got[i].Class, got[i].Body, want.class, want.body)
		}
	}
}

// A reply-to naming a topic stays a topic in every protocol.
func TestReplyToATopicStaysATopic(t *testing.T) {
	t.Parallel()
	java := setupJava(t)
	j := start(t)
	qa, qs, qj := uniq("rt.amqp"), uniq("rt.stomp"), uniq("rt.jms")
	ch := j.amqpChannel(t)
	for _, q := range []string{qa, qs, qj} {
		if _, err := ch.QueueDeclare(q, false, false, false, false, nil); err != nil {
			t.Fatalf("declare: %v", err)
		}
	}
	java.run(t, "send", "--url", j.openwireURL, "--reply-to", "topic://answers.all",
		"--text-b64", base64.StdEncoding.EncodeToString([]byte("x")),
		"--dest", "queue://"+qa, "--dest", "queue://"+qs)
	stompSend(t, j.stompConn(t), "/queue/"+qj, "text/plain", []byte("y"), map[string]string{"reply-to": "/topic/answers.all"})

	d, ok, err := ch.Get(qa, true)
	if err != nil || !ok {
		t.Fatalf("basic.get: ok=%v err=%v", ok, err)
	}
	if !strings.Contains(d.ReplyTo, "answers.all") || !strings.Contains(d.ReplyTo, "topic") {
		t.Errorf("AMQP reply-to %q for JMSReplyTo topic://answers.all, want a topic address", d.ReplyTo)
	}
	m := stompRecv(t, stompSubscribe(t, j.stompConn(t), "/queue/"+qs), "JMS reply-to topic")
	if got := m.Header.Get("reply-to"); got != "/topic/answers.all" {
		t.Errorf("STOMP reply-to %q for JMSReplyTo topic://answers.all, want /topic/answers.all", got)
	}
	_, got := java.run(t, "receive", "--url", j.openwireURL, "--dest", "queue://"+qj)
	if len(got) != 1 || deref(got[0].ReplyTo) != "topic://answers.all" || got[0].ReplyToKind != "topic" {
		t.Errorf("JMS got %+v for STOMP reply-to /topic/answers.all, want JMSReplyTo topic://answers.all (a Topic)", got)
	}
}

// user-id, app-id and the JMS group travel as mapping.md lists them: AMQP
// user-id and app-id are JMSXUserID and JMSXAppID in JMS and user-id and
// app-id in STOMP; JMSXGroupID is a header in AMQP and STOMP.
func TestUserAppAndGroupIDsReachEveryProtocol(t *testing.T) {
	t.Parallel()
	java := setupJava(t)
	j := start(t)
	toJMS, toSTOMP, fromJMS := uniq("ids.jms"), uniq("ids.stomp"), uniq("ids.from-jms")
	ch := j.amqpChannel(t)
	for _, q := range []string{toJMS, toSTOMP, fromJMS} {
		if _, err := ch.QueueDeclare(q, false, false, false, false, nil); err != nil {
			t.Fatalf("declare: %v", err)
		}
	}
	for _, q := range []string{toJMS, toSTOMP} {
		amqpPublish(t, ch, "", q, amqp.Publishing{ContentType: "text/plain", UserId: "guest", AppId: "billing", Body: []byte("ids")})
	}
	java.run(t, "send", "--url", j.openwireURL, "--prop", "JMSXGroupID=string:group-1",
		"--text-b64", base64.StdEncoding.EncodeToString([]byte("grouped")), "--dest", "queue://"+fromJMS)

	_, got := java.run(t, "receive", "--url", j.openwireURL, "--dest", "queue://"+toJMS)
	if len(got) != 1 {
		t.Fatalf("JMS received %d messages, want 1", len(got))
	}
	k := checker{t, "amqp→jms"}
	k.eq("JMSXUserID", fmt.Sprint(got[0].Properties["JMSXUserID"]), fmt.Sprint(jmsProp{"String", "guest"}))
	k.eq("JMSXAppID", fmt.Sprint(got[0].Properties["JMSXAppID"]), fmt.Sprint(jmsProp{"String", "billing"}))

	m := stompRecv(t, stompSubscribe(t, j.stompConn(t), "/queue/"+toSTOMP), "ids")
	k = checker{t, "amqp→stomp"}
	k.eq("user-id", m.Header.Get("user-id"), "guest")
	k.eq("app-id", m.Header.Get("app-id"), "billing")

	d, ok, err := ch.Get(fromJMS, true)
	if err != nil || !ok {
		t.Fatalf("basic.get: ok=%v err=%v", ok, err)
	}
	k = checker{t, "jms→amqp"}
	k.eq("headers[JMSXGroupID]", show(d.Headers["JMSXGroupID"]), show("group-1"))
}

// AMQP consumers trust user-id: RabbitMQ (and Junction's AMQP side) refuse
// a publish whose user-id is not the publisher's user. A STOMP or JMS
// publisher must not be able to claim another user either.
func TestUserIDCannotBeForgedFromOtherProtocols(t *testing.T) {
	t.Parallel()
	java := setupJava(t)
	j := start(t)
	fromSTOMP, fromJMS := uniq("forged.stomp"), uniq("forged.jms")
	ch := j.amqpChannel(t)
	for _, q := range []string{fromSTOMP, fromJMS} {
		if _, err := ch.QueueDeclare(q, false, false, false, false, nil); err != nil {
			t.Fatalf("declare: %v", err)
		}
	}
	sc := j.stompConn(t)
	// Either outcome is acceptable for the SEND: refused with an ERROR, or
	// accepted without the forged claim.
	_ = sc.Send("/queue/"+fromSTOMP, "text/plain", []byte("stomp"), stomp.SendOpt.Header("user-id", "admin"), stomp.SendOpt.Receipt)
	_, _, _ = java.start(t, false, "send", "--url", j.openwireURL, "--prop", "JMSXUserID=string:admin",
		"--text-b64", base64.StdEncoding.EncodeToString([]byte("jms")), "--dest", "queue://"+fromJMS).result()

	for _, q := range []string{fromSTOMP, fromJMS} {
		d, ok, err := ch.Get(q, true)
		if err != nil {
			t.Fatalf("basic.get %s: %v", q, err)
		}
		if ok && d.UserId != "" && d.UserId != "guest" {
			t.Errorf("%s: an AMQP consumer sees user-id %q from a publisher authenticated as guest", q, d.UserId)
		}
	}
}
