package mgmt

import (
	"net/url"
	"testing"
)

func TestOverviewReportsVersionsListenersAndQueueTotals(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/queues/%2F/a", obj{})
	g.must(201, "PUT", "/api/queues/dev/b", obj{})
	for vhost, queue := range map[string]string{"%2F": "a", "dev": "b"} {
		g.must(200, "POST", "/api/exchanges/"+vhost+"/amq.default/publish", obj{"routing_key": queue, "payload": "x", "payload_encoding": "string", "properties": obj{}})
	}
	var ov obj
	g.get("/api/overview", &ov)
	if ov["rabbitmq_version"] != "3.10.8" || ov["management_version"] != "3.10.8" || ov["product_name"] != "Junction" {
		t.Fatalf("versions = %v %v %v", ov["rabbitmq_version"], ov["management_version"], ov["product_name"])
	}
	if num(t, ov, "queue_totals", "messages") != 2 || num(t, ov, "queue_totals", "messages_ready") != 2 || num(t, ov, "object_totals", "queues") != 2 {
		t.Fatalf("totals = %v %v", ov["queue_totals"], ov["object_totals"])
	}
	if num(t, ov, "message_stats", "publish") != 2 {
		t.Fatalf("message_stats = %v", ov["message_stats"])
	}
	protos := map[string]int{}
	for _, l := range ov["listeners"].([]any) {
		m := l.(map[string]any)
		protos[m["protocol"].(string)] = int(m["port"].(float64))
	}
	u, _ := url.Parse(b.HTTPURL())
	if len(protos) != 4 || protos["http"] == 0 || u.Port() == "" || protos["amqp"] == 0 {
		t.Fatalf("listeners = %v", ov["listeners"])
	}

	// A management user's overview counts only its vhosts.
	var dov obj
	as(t, b, "dev", "dev").get("/api/overview", &dov)
	if num(t, dov, "object_totals", "queues") != 1 || num(t, dov, "queue_totals", "messages") != 1 {
		t.Fatalf("dev's totals = %v %v", dov["object_totals"], dov["queue_totals"])
	}
}

func TestAlivenessTestPublishesAndGetsAMessage(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	var res obj
	g.get("/api/aliveness-test/%2F", &res)
	if res["status"] != "ok" {
		t.Fatalf("aliveness = %v", res)
	}
	var q obj
	g.get("/api/queues/%2F/aliveness-test", &q)
	if num(t, q, "messages") != 0 {
		t.Fatalf("aliveness-test queue holds %v messages, want 0", q["messages"])
	}
	g.must(404, "GET", "/api/aliveness-test/nosuch", nil)
}

func TestUnknownPathsAndMethodsAreRefused(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(404, "GET", "/api/nosuch", nil)
	g.must(405, "PATCH", "/api/queues/%2F/q", nil)
}
