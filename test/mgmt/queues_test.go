package mgmt

import (
	"encoding/json"
	"testing"
)

func TestQueuePutDeclaresThenAnswersNoContentForTheSameQueue(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/queues/%2F/orders", obj{"durable": true, "arguments": obj{"x-max-length": 10, "x-queue-mode": "lazy"}})
	g.must(204, "PUT", "/api/queues/%2F/orders", obj{"durable": true, "arguments": obj{"x-max-length": 10, "x-queue-mode": "lazy"}})

	var q obj
	g.get("/api/queues/%2F/orders", &q)
	if q["name"] != "orders" || q["vhost"] != "/" || q["durable"] != true || q["auto_delete"] != false || q["exclusive"] != false {
		t.Fatalf("queue = %v", q)
	}
	args := field(t, q, "arguments").(map[string]any)
	if args["x-max-length"] != float64(10) || args["x-queue-mode"] != "lazy" || len(args) != 2 {
		t.Fatalf("arguments = %v, want x-max-length 10 and x-queue-mode lazy", args)
	}
	for _, f := range []string{"messages", "messages_ready", "messages_unacknowledged", "consumers"} {
		if num(t, q, f) != 0 {
			t.Fatalf("%s = %v, want 0", f, q[f])
		}
	}
}

func TestQueuePutWithDifferentDurabilityIsRefusedAsInequivalent(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/queues/%2F/q", obj{"durable": true})
	code, body := g.do("PUT", "/api/queues/%2F/q", obj{"durable": false})
	var e obj
	_ = json.Unmarshal(body, &e)
	if code != 400 || e["error"] != "bad_request" {
		t.Fatalf("status %d body %s, want 400 bad_request", code, body)
	}
}

func TestQueueCountsAndMessageStatsFollowPublishGetAndAck(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/queues/%2F/work", obj{"durable": false})
	for _, p := range []string{"one", "two", "three"} {
		var res obj
		if err := json.Unmarshal(g.must(200, "POST", "/api/exchanges/%2F/amq.default/publish",
			obj{"routing_key": "work", "payload": p, "payload_encoding": "string", "properties": obj{"delivery_mode": 2, "headers": obj{"n": 1}}}), &res); err != nil {
			t.Fatal(err)
		}
		if res["routed"] != true {
			t.Fatalf("publish %q: %v, want routed", p, res)
		}
	}

	// A peek: the messages come back in order and stay queued.
	var got []obj
	if err := json.Unmarshal(g.must(200, "POST", "/api/queues/%2F/work/get",
		obj{"count": 2, "ackmode": "ack_requeue_true", "encoding": "auto"}), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0]["payload"] != "one" || got[1]["payload"] != "two" {
		t.Fatalf("get = %v, want one then two", got)
	}
	if got[0]["payload_encoding"] != "string" || num(t, got[0], "payload_bytes") != 3 || got[0]["routing_key"] != "work" || got[0]["exchange"] != "" {
		t.Fatalf("first message = %v", got[0])
	}
	if num(t, got[0], "message_count") != 2 || num(t, got[1], "message_count") != 1 {
		t.Fatalf("message_count = %v, %v; want 2 then 1 (remaining after each)", got[0]["message_count"], got[1]["message_count"])
	}
	if num(t, got[0], "properties", "delivery_mode") != 2 || num(t, got[0], "properties", "headers", "n") != 1 {
		t.Fatalf("properties = %v", got[0]["properties"])
	}

	var q obj
	g.get("/api/queues/%2F/work", &q)
	if num(t, q, "messages") != 3 || num(t, q, "messages_ready") != 3 || num(t, q, "messages_unacknowledged") != 0 {
		t.Fatalf("after a requeueing get: messages %v ready %v unacked %v, want 3/3/0", q["messages"], q["messages_ready"], q["messages_unacknowledged"])
	}
	ms := field(t, q, "message_stats").(map[string]any)
	if ms["publish"] != float64(3) || ms["deliver_get"] != float64(2) || ms["ack"] != float64(0) {
		t.Fatalf("message_stats = %v, want publish 3, deliver_get 2, ack 0", ms)
	}
	if _, ok := field(t, q, "message_stats", "publish_details").(map[string]any)["rate"]; !ok {
		t.Fatalf("publish_details has no rate: %v", ms)
	}

	// Taking one for good: the requeued message comes back redelivered.
	if err := json.Unmarshal(g.must(200, "POST", "/api/queues/%2F/work/get",
		obj{"count": 1, "ackmode": "ack_requeue_false", "encoding": "base64"}), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0]["payload"] != "b25l" || got[0]["payload_encoding"] != "base64" || got[0]["redelivered"] != true {
		t.Fatalf("get = %v, want base64 of one, redelivered", got)
	}
	g.get("/api/queues/%2F/work", &q)
	ms = q["message_stats"].(map[string]any)
	if num(t, q, "messages") != 2 || ms["ack"] != float64(1) || ms["redeliver"] != float64(1) {
		t.Fatalf("after ack: messages %v stats %v, want 2 messages, ack 1, redeliver 1", q["messages"], ms)
	}
}

func TestQueuePurgeEmptiesAndDeleteRemovesTheQueue(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/queues/%2F/tmp", obj{"durable": false})
	for i := 0; i < 4; i++ {
		g.must(200, "POST", "/api/exchanges/%2F/amq.default/publish", obj{"routing_key": "tmp", "payload": "x", "payload_encoding": "string", "properties": obj{}})
	}
	g.must(204, "DELETE", "/api/queues/%2F/tmp/contents", nil)
	var q obj
	g.get("/api/queues/%2F/tmp", &q)
	if num(t, q, "messages") != 0 {
		t.Fatalf("after purge messages = %v", q["messages"])
	}
	g.must(204, "DELETE", "/api/queues/%2F/tmp", nil)
	g.must(404, "GET", "/api/queues/%2F/tmp", nil)
	g.must(404, "DELETE", "/api/queues/%2F/tmp", nil)
}

func TestQueueDeleteIfEmptyRefusesAQueueWithMessages(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/queues/%2F/full", obj{"durable": false})
	g.must(200, "POST", "/api/exchanges/%2F/amq.default/publish", obj{"routing_key": "full", "payload": "x", "payload_encoding": "string", "properties": obj{}})
	g.must(400, "DELETE", "/api/queues/%2F/full?if-empty=true", nil)
	g.must(200, "GET", "/api/queues/%2F/full", nil)
}

func TestQueueListIsSortedAndScopedToTheVHostOfThePath(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/queues/%2F/b", obj{})
	g.must(201, "PUT", "/api/queues/%2F/a", obj{})
	g.must(201, "PUT", "/api/queues/dev/c", obj{})
	var all, root []obj
	g.get("/api/queues", &all)
	g.get("/api/queues/%2F", &root)
	names := func(l []obj) (out []string) {
		for _, o := range l {
			out = append(out, o["vhost"].(string)+"/"+o["name"].(string))
		}
		return out
	}
	if got := names(all); len(got) != 3 || got[0] != "//a" || got[1] != "//b" || got[2] != "dev/c" {
		t.Fatalf("all queues = %v, want //a //b dev/c", got)
	}
	if got := names(root); len(got) != 2 || got[0] != "//a" || got[1] != "//b" {
		t.Fatalf("queues of / = %v", got)
	}
	g.must(404, "GET", "/api/queues/nosuch", nil)
}

func TestPutWithAnEmptyBodyDeclaresTransientObjectsAsRabbitMQ(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/queues/%2F/transient", obj{})
	g.must(201, "PUT", "/api/exchanges/%2F/plain", obj{})
	var q, x obj
	g.get("/api/queues/%2F/transient", &q)
	g.get("/api/exchanges/%2F/plain", &x)
	if q["durable"] != false || x["durable"] != false || x["type"] != "direct" {
		t.Fatalf("queue durable %v; exchange durable %v type %v; want false, false, direct", q["durable"], x["durable"], x["type"])
	}
}
