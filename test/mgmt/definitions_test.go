package mgmt

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDefinitionsExportImportsIntoAFreshBrokerUnchanged(t *testing.T) {
	src := start(t, nil)
	g := guest(t, src)
	g.must(201, "PUT", "/api/vhosts/shop", obj{})
	g.must(201, "PUT", "/api/users/ops", obj{"password": "ops", "tags": "administrator"})
	g.must(201, "PUT", "/api/permissions/shop/ops", obj{"configure": ".*", "write": ".*", "read": "^r"})
	g.must(201, "PUT", "/api/exchanges/shop/orders", obj{"type": "topic", "durable": true})
	g.must(201, "PUT", "/api/exchanges/shop/audit", obj{"type": "fanout", "durable": true, "internal": true})
	g.must(201, "PUT", "/api/queues/shop/new-orders", obj{"durable": true, "arguments": obj{"x-message-ttl": 60000, "x-dead-letter-exchange": "audit"}})
	g.must(201, "PUT", "/api/queues/%2F/plain", obj{"durable": true})
	g.must(201, "POST", "/api/bindings/shop/e/orders/q/new-orders", obj{"routing_key": "order.*.new"})
	g.must(201, "POST", "/api/bindings/shop/e/orders/e/audit", obj{"routing_key": "#"})
	exported := g.must(200, "GET", "/api/definitions", nil)

	var d obj
	if err := json.Unmarshal(exported, &d); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"rabbit_version", "users", "vhosts", "permissions", "queues", "exchanges", "bindings", "policies", "parameters"} {
		if _, ok := d[k]; !ok {
			t.Fatalf("export lacks %q: %s", k, exported)
		}
	}
	qs := d["queues"].([]any)
	if len(qs) != 2 {
		t.Fatalf("exported queues = %v", qs)
	}
	nq := qs[1].(map[string]any)
	if nq["name"] != "new-orders" || nq["vhost"] != "shop" || nq["durable"] != true || field(t, nq, "arguments", "x-message-ttl") != float64(60000) {
		t.Fatalf("exported queue = %v", nq)
	}
	xs := d["exchanges"].([]any)
	if len(xs) != 2 {
		t.Fatalf("exported exchanges = %v (built-in ones must be left out)", xs)
	}
	bs := d["bindings"].([]any)
	if len(bs) != 2 {
		t.Fatalf("exported bindings = %v (default-exchange ones must be left out)", bs)
	}

	dst := start(t, nil)
	gd := guest(t, dst)
	gd.must(204, "POST", "/api/definitions", json.RawMessage(exported))
	again := gd.must(200, "GET", "/api/definitions", nil)
	var d2 obj
	if err := json.Unmarshal(again, &d2); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"users", "vhosts", "permissions", "queues", "exchanges", "bindings"} {
		if !reflect.DeepEqual(d[k], d2[k]) {
			t.Fatalf("%s after import:\n%v\nwant\n%v", k, d2[k], d[k])
		}
	}
	// The imported user logs in with its original password.
	as(t, dst, "ops", "ops").must(200, "GET", "/api/queues/shop/new-orders", nil)
	// A second import of the same file changes nothing and succeeds.
	gd.must(204, "POST", "/api/definitions", json.RawMessage(exported))
}

func TestDefinitionsImportReportsInequivalentObjects(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/queues/%2F/q", obj{"durable": true})
	code, body := g.do("POST", "/api/definitions", obj{"queues": []obj{{"name": "q", "vhost": "/", "durable": false, "auto_delete": false, "arguments": obj{}}, {"name": "fresh", "vhost": "/", "durable": true, "auto_delete": false, "arguments": obj{}}}})
	if code != 400 {
		t.Fatalf("import of an inequivalent queue: %d %s, want 400", code, body)
	}
	g.must(200, "GET", "/api/queues/%2F/fresh", nil)
}

func TestVHostDefinitionsExportCarriesNoVHostFields(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/queues/dev/q", obj{})
	var d obj
	g.get("/api/definitions/dev", &d)
	qs := d["queues"].([]any)
	if len(qs) != 1 {
		t.Fatalf("queues = %v", qs)
	}
	if _, has := qs[0].(map[string]any)["vhost"]; has {
		t.Fatalf("per-vhost export names the vhost: %v", qs[0])
	}
	if _, has := d["users"]; has {
		t.Fatalf("per-vhost export has users: %v", d)
	}
	b2 := start(t, nil)
	g2 := guest(t, b2)
	g2.must(204, "POST", "/api/definitions/dev", d)
	g2.must(200, "GET", "/api/queues/dev/q", nil)
}
