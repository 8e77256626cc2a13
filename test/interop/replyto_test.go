package interop_test

import (
	"encoding/base64"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

// A request/reply round trip between every pair of protocols: the
// requester names its private reply queue in its own protocol's way (an
// AMQP server-named exclusive queue, a JMS TemporaryQueue, a STOMP
// /temp-queue/), the responder replies wherever its protocol shows the
// reply-to, and the requester gets the reply with the correlation id.
func TestRequestReplyAcrossProtocols(t *testing.T) {
	t.Parallel()
	java := setupJava(t)
	j := start(t)
	for _, req := range protocols {
		for _, resp := range protocols {
			t.Run(req+"_requester_"+resp+"_responder", func(t *testing.T) {
				t.Parallel()
				service := uniq("svc." + req + "." + resp)
				corr := "corr-" + req + "-" + resp
				body := "question from " + req

				respond := startResponder(t, java, j, resp, service)
				r := newRequester(t, java, j, req)
				r.send(service, body, corr)
				seen := respond()
				gotBody, gotCorr := r.reply()

				if want := "reply to " + body; gotBody != want {
					t.Errorf("reply body %q, want %q", gotBody, want)
				}
				if gotCorr != corr {
					t.Errorf("reply correlation id %q, want %q", gotCorr, corr)
				}
				checkReplyToForm(t, resp, seen, r.queue())
			})
		}
	}
}

// checkReplyToForm checks that the reply-to a responder saw is in its
// protocol's form (AMQP a bare queue name, JMS a queue destination, STOMP
// /queue/NAME) and names the requester's queue when that name is known.
func checkReplyToForm(t *testing.T, resp, seen, queue string) {
	t.Helper()
	name := seen
	switch resp {
	case "amqp":
		if strings.Contains(seen, "://") || strings.HasPrefix(seen, "/") {
			t.Errorf("AMQP responder saw reply-to %q, want a bare queue name", seen)
		}
	case "jms":
		kind, n, ok := strings.Cut(seen, "://")
		if !ok || (kind != "queue" && kind != "temp-queue") {
			t.Errorf("JMS responder saw JMSReplyTo %q, want a queue", seen)
		}
		name = n
	case "stomp":
		n, ok := strings.CutPrefix(seen, "/queue/")
		if !ok {
			t.Errorf("STOMP responder saw reply-to %q, want /queue/NAME", seen)
		}
		name = n
	}
	if queue != "" && name != queue {
		t.Errorf("%s responder saw reply-to %q, naming %q; want the requester's queue %q", resp, seen, name, queue)
	}
}

// startResponder starts a responder listening on queue service; the
// function it returns waits for one request, replies to it and returns the
// reply-to it saw.
func startResponder(t *testing.T, java *javaEnv, j *junction, proto, service string) func() string {
	t.Helper()
	switch proto {
	case "jms":
		run := java.start(t, true, "respond", "--url", j.openwireURL, "--dest", "queue://"+service)
		return func() string {
			t.Helper()
			_, got := run.finish()
			if len(got) != 1 {
				t.Fatalf("JMS responder received %d requests, want 1", len(got))
			}
			return deref(got[0].ReplyTo)
		}
	case "amqp":
		ch := j.amqpChannel(t)
		if _, err := ch.QueueDeclare(service, false, false, false, false, nil); err != nil {
			t.Fatalf("declare %s: %v", service, err)
		}
		deliveries := amqpConsume(t, ch, service)
		return func() string {
			t.Helper()
			d := amqpRecv(t, deliveries, "request at the AMQP responder")
			amqpPublish(t, ch, "", d.ReplyTo, amqp.Publishing{
				ContentType: "text/plain", CorrelationId: d.CorrelationId, Body: []byte("reply to " + string(d.Body)),
			})
			return d.ReplyTo
		}
	}
	c := j.stompConn(t)
	s := stompSubscribe(t, c, "/queue/"+service)
	return func() string {
		t.Helper()
		m := stompRecv(t, s, "request at the STOMP responder")
		replyTo := m.Header.Get("reply-to")
		stompSend(t, c, replyTo, "text/plain", []byte("reply to "+string(m.Body)),
			map[string]string{"correlation-id": m.Header.Get("correlation-id")})
		return replyTo
	}
}

// requester is one protocol's side of a request/reply exchange.
type requester struct {
	send  func(service, body, corr string)
	reply func() (body, corr string)
	// queue is the reply queue's real name, "" when the requester cannot
	// know it (STOMP's /temp-queue/ hides it).
	queue func() string
}

func newRequester(t *testing.T, java *javaEnv, j *junction, proto string) requester {
	t.Helper()
	switch proto {
	case "jms":
		// One JVM sends and then waits for the reply, in the background
		// while the responder acts.
		var run *jmsRun
		var replyTo string
		var body, corr string
		done := false
		finish := func() {
			if done {
				return
			}
			done = true
			sent, got, err := run.result()
			if err != nil {
				t.Fatal(err)
			}
			if len(sent) != 1 || len(got) != 1 {
				t.Fatalf("JMS requester sent %d and received %d messages, want 1 and 1", len(sent), len(got))
			}
			replyTo = strings.TrimPrefix(sent[0].ReplyTo, "temp-queue://")
			body, corr = string(got[0].Body), deref(got[0].CorrelationID)
		}
		return requester{
			send: func(service, b, c string) {
				run = java.runAsync(t, "request", "--url", j.openwireURL, "--dest", "queue://"+service,
					"--text-b64", base64.StdEncoding.EncodeToString([]byte(b)), "--correlation-id", c)
			},
			reply: func() (string, string) { finish(); return body, corr },
			queue: func() string { finish(); return replyTo },
		}
	case "amqp":
		ch := j.amqpChannel(t)
		q, err := ch.QueueDeclare("", false, true, true, false, nil)
		if err != nil {
			t.Fatalf("declare the reply queue: %v", err)
		}
		replies := amqpConsume(t, ch, q.Name)
		return requester{
			send: func(service, body, corr string) {
				amqpPublish(t, ch, "", service, amqp.Publishing{ContentType: "text/plain", ReplyTo: q.Name, CorrelationId: corr, Body: []byte(body)})
			},
			reply: func() (string, string) {
				d := amqpRecv(t, replies, "reply at the AMQP requester")
				return string(d.Body), d.CorrelationId
			},
			queue: func() string { return q.Name },
		}
	}
	c := j.stompConn(t)
	s := stompSubscribe(t, c, "/temp-queue/replies")
	return requester{
		send: func(service, body, corr string) {
			stompSend(t, c, "/queue/"+service, "text/plain", []byte(body),
				map[string]string{"reply-to": "/temp-queue/replies", "correlation-id": corr})
		},
		reply: func() (string, string) {
			m := stompRecv(t, s, "reply at the STOMP requester")
			return string(m.Body), m.Header.Get("correlation-id")
		},
		queue: func() string { return "" },
	}
}
