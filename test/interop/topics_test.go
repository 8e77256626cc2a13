package interop_test

import (
	"encoding/base64"
	"sort"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Topics line up: a JMS topic, an AMQP publish to amq.topic with the
// topic's name as routing key and STOMP's /topic/NAME are one topic. Each
// protocol's subscriber (plus a JMS wildcard subscriber) receives what
// each of the three publishes.
func TestTopicsLineUpAcrossProtocols(t *testing.T) {
	t.Parallel()
	java := setupJava(t)
	j := start(t)
	root := uniq("news")
	topic := root + ".sports.results"

	jmsSub := java.start(t, true, "receive", "--url", j.openwireURL, "--count", "3",
		"--dest", "topic://"+topic, "--dest", "topic://"+root+".>", "--dest", "topic://"+root+".*.results")

	ch := j.amqpChannel(t)
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatalf("declare the AMQP subscriber's queue: %v", err)
	}
	if err := ch.QueueBind(q.Name, topic, "amq.topic", false, nil); err != nil {
		t.Fatalf("bind to amq.topic: %v", err)
	}
	amqpSub := amqpConsume(t, ch, q.Name)

	sc := j.stompConn(t)
	stompSub := stompSubscribe(t, sc, "/topic/"+topic)
	stompWild := stompSubscribe(t, sc, "/topic/"+root+".#")

	amqpPublish(t, j.amqpChannel(t), "amq.topic", topic, amqp.Publishing{ContentType: "text/plain", Body: []byte("from amqp")})
	stompSend(t, j.stompConn(t), "/topic/"+topic, "text/plain", []byte("from stomp"), nil)
	java.run(t, "send", "--url", j.openwireURL, "--dest", "topic://"+topic,
		"--text-b64", base64.StdEncoding.EncodeToString([]byte("from jms")))

	want := []string{"from amqp", "from jms", "from stomp"}

	var got []string
	for i := 0; i < 3; i++ {
		d := amqpRecv(t, amqpSub, "AMQP topic subscriber")
		got = append(got, string(d.Body))
		if d.Exchange != "amq.topic" || d.RoutingKey != topic {
			t.Errorf("AMQP delivery of %q: exchange %q key %q, want amq.topic and %q", d.Body, d.Exchange, d.RoutingKey, topic)
		}
	}
	sameSet(t, "AMQP subscriber bound with the topic's name", got, want)

	for _, s := range []struct {
		name string
		recv func() (string, string)
	}{
		{"STOMP /topic/" + topic, func() (string, string) {
			m := stompRecv(t, stompSub, "STOMP topic subscriber")
			return string(m.Body), m.Header.Get("destination")
		}},
		{"STOMP /topic/" + root + ".#", func() (string, string) {
			m := stompRecv(t, stompWild, "STOMP wildcard subscriber")
			return string(m.Body), m.Header.Get("destination")
		}},
	} {
		got = nil
		for i := 0; i < 3; i++ {
			body, dest := s.recv()
			got = append(got, body)
			if dest != "/topic/"+topic {
				t.Errorf("%s: MESSAGE %q has destination %q, want /topic/%s", s.name, body, dest, topic)
			}
		}
		sameSet(t, s.name, got, want)
	}

	_, jmsGot := jmsSub.finish()
	if len(jmsGot) != 9 {
		t.Fatalf("JMS subscribers received %d messages, want 3 on each of 3", len(jmsGot))
	}
	for i, name := range []string{"topic://" + topic, "topic://" + root + ".>", "topic://" + root + ".*.results"} {
		got = nil
		for _, m := range jmsGot[3*i : 3*i+3] {
			got = append(got, string(m.Body))
			if m.Destination != "topic://"+topic {
				t.Errorf("JMS subscriber of %s: message %q has JMSDestination %q, want topic://%s", name, m.Body, m.Destination, topic)
			}
			if m.Class != "TextMessage" {
				t.Errorf("JMS subscriber of %s: message %q is a %s, want TextMessage", name, m.Body, m.Class)
			}
		}
		sameSet(t, "JMS subscriber of "+name, got, want)
	}
	// One published message is one JMS message, whichever subscription
	// delivers it: its JMSMessageID is the same in each.
	ids := map[string]map[string]bool{}
	for _, m := range jmsGot {
		if ids[string(m.Body)] == nil {
			ids[string(m.Body)] = map[string]bool{}
		}
		ids[string(m.Body)][m.MessageID] = true
	}
	for _, body := range want {
		if len(ids[body]) != 1 {
			t.Errorf("message %q reached three JMS subscriptions with %d JMSMessageIDs %v, want one", body, len(ids[body]), ids[body])
		}
	}
}

func sameSet(t *testing.T, who string, got, want []string) {
	t.Helper()
	g := append([]string(nil), got...)
	sort.Strings(g)
	if !equalStrings(g, want) {
		t.Errorf("%s received %v, want one each of %v", who, got, want)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
