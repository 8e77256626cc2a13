package mgmt

import (
	"encoding/json"
	"net/url"
	"testing"
)

func TestExchangePutGetAndDelete(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/exchanges/%2F/events", obj{"type": "topic", "durable": true, "arguments": obj{"alternate-exchange": "amq.fanout"}})
	g.must(204, "PUT", "/api/exchanges/%2F/events", obj{"type": "topic", "durable": true, "arguments": obj{"alternate-exchange": "amq.fanout"}})
	g.must(400, "PUT", "/api/exchanges/%2F/events", obj{"type": "fanout", "durable": true})
	var x obj
	g.get("/api/exchanges/%2F/events", &x)
	if x["name"] != "events" || x["type"] != "topic" || x["durable"] != true || x["auto_delete"] != false || x["internal"] != false ||
		field(t, x, "arguments", "alternate-exchange") != "amq.fanout" || x["vhost"] != "/" {
		t.Fatalf("exchange = %v", x)
	}
	var all []obj
	g.get("/api/exchanges/%2F", &all)
	names := byName(all)
	for _, n := range []string{"", "amq.direct", "amq.fanout", "amq.headers", "amq.match", "amq.topic", "events"} {
		if names[n] == nil {
			t.Fatalf("exchange %q missing from %v", n, all)
		}
	}
	if names[""]["type"] != "direct" {
		t.Fatalf("default exchange = %v", names[""])
	}
	g.must(401, "DELETE", "/api/exchanges/%2F/amq.direct", nil)
	g.must(204, "DELETE", "/api/exchanges/%2F/events", nil)
	g.must(404, "GET", "/api/exchanges/%2F/events", nil)
}

func TestBindingsCreateListRouteAndDeleteByPropertiesKey(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/exchanges/%2F/logs", obj{"type": "direct"})
	g.must(201, "PUT", "/api/queues/%2F/errors", obj{"durable": false})
	g.must(201, "POST", "/api/bindings/%2F/e/logs/q/errors", obj{"routing_key": "error", "arguments": obj{}})
	g.must(201, "POST", "/api/bindings/%2F/e/logs/q/errors", obj{"routing_key": "fatal"})

	var between []obj
	g.get("/api/bindings/%2F/e/logs/q/errors", &between)
	if len(between) != 2 || between[0]["routing_key"] != "error" || between[1]["routing_key"] != "fatal" {
		t.Fatalf("bindings between logs and errors = %v", between)
	}
	bd := between[0]
	if bd["source"] != "logs" || bd["destination"] != "errors" || bd["destination_type"] != "queue" || bd["vhost"] != "/" || bd["properties_key"] != "error" {
		t.Fatalf("binding = %v", bd)
	}

	// /api/bindings/{vhost} lists the queue's implicit default-exchange
	// binding too, as RabbitMQ does.
	var all []obj
	g.get("/api/bindings/%2F", &all)
	if len(all) != 3 || all[0]["source"] != "" || all[0]["routing_key"] != "errors" {
		t.Fatalf("vhost bindings = %v", all)
	}
	var src []obj
	g.get("/api/exchanges/%2F/logs/bindings/source", &src)
	var dst []obj
	g.get("/api/queues/%2F/errors/bindings", &dst)
	if len(src) != 2 || len(dst) != 3 {
		t.Fatalf("source bindings %d, queue bindings %d; want 2 and 3", len(src), len(dst))
	}

	publish := func(key string) bool {
		var res obj
		if err := json.Unmarshal(g.must(200, "POST", "/api/exchanges/%2F/logs/publish", obj{"routing_key": key, "payload": key, "payload_encoding": "string", "properties": obj{}}), &res); err != nil {
			t.Fatal(err)
		}
		return res["routed"] == true
	}
	if !publish("error") || publish("info") {
		t.Fatal("routing does not follow the bindings")
	}
	g.must(204, "DELETE", "/api/bindings/%2F/e/logs/q/errors/"+url.PathEscape("error"), nil)
	g.must(404, "DELETE", "/api/bindings/%2F/e/logs/q/errors/"+url.PathEscape("error"), nil)
	if publish("error") || !publish("fatal") {
		t.Fatal("deleting the error binding did not stop routing by it alone")
	}
}

func TestExchangeToExchangeBinding(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/exchanges/%2F/front", obj{"type": "fanout"})
	g.must(201, "PUT", "/api/queues/%2F/sink", obj{})
	g.must(201, "POST", "/api/bindings/%2F/e/front/e/amq.direct", obj{"routing_key": "k"})
	g.must(201, "POST", "/api/bindings/%2F/e/amq.direct/q/sink", obj{"routing_key": "k"})
	g.must(200, "POST", "/api/exchanges/%2F/front/publish", obj{"routing_key": "k", "payload": "via e2e", "payload_encoding": "string", "properties": obj{}})
	var got []obj
	if err := json.Unmarshal(g.must(200, "POST", "/api/queues/%2F/sink/get", obj{"count": 5, "ackmode": "ack_requeue_false", "encoding": "auto"}), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0]["payload"] != "via e2e" || got[0]["exchange"] != "front" {
		t.Fatalf("sink got %v", got)
	}
	var dst []obj
	g.get("/api/exchanges/%2F/amq.direct/bindings/destination", &dst)
	if len(dst) != 1 || dst[0]["source"] != "front" || dst[0]["destination_type"] != "exchange" {
		t.Fatalf("destination bindings of amq.direct = %v", dst)
	}
}

func TestPublishToAMissingExchangeIsNotFoundAndUnroutedIsReported(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(404, "POST", "/api/exchanges/%2F/nope/publish", obj{"routing_key": "", "payload": "", "payload_encoding": "string", "properties": obj{}})
	var res obj
	if err := json.Unmarshal(g.must(200, "POST", "/api/exchanges/%2F/amq.default/publish", obj{"routing_key": "nobody", "payload": "x", "payload_encoding": "string", "properties": obj{}}), &res); err != nil {
		t.Fatal(err)
	}
	if res["routed"] != false {
		t.Fatalf("publish to no queue = %v, want routed false", res)
	}
	g.must(400, "POST", "/api/exchanges/%2F/amq.default/publish", obj{"routing_key": "x", "payload": "!!", "payload_encoding": "base64", "properties": obj{}})
}
