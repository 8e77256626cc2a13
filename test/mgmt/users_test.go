package mgmt

import (
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/junctionmq/junction/auth"
	"github.com/junctionmq/junction/config"
)

func TestUserCreatedThroughTheAPICanConnectWithItsPermissions(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/vhosts/shop", obj{})
	g.must(201, "PUT", "/api/users/alice", obj{"password": "s3cret", "tags": "management,monitoring"})
	g.must(204, "PUT", "/api/users/alice", obj{"tags": "management,monitoring"})
	g.must(201, "PUT", "/api/permissions/shop/alice", obj{"configure": ".*", "write": ".*", "read": ".*"})

	var u obj
	g.get("/api/users/alice", &u)
	tags := u["tags"].([]any)
	if u["name"] != "alice" || len(tags) != 2 || tags[0] != "management" || tags[1] != "monitoring" || u["hashing_algorithm"] != "rabbit_password_hashing_sha256" {
		t.Fatalf("user = %v", u)
	}
	if !auth.CheckPassword(u["password_hash"].(string), "s3cret") {
		t.Fatal("the password hash does not check against the password set (an update without password must keep it)")
	}
	var p obj
	g.get("/api/permissions/shop/alice", &p)
	if p["user"] != "alice" || p["vhost"] != "shop" || p["configure"] != ".*" || p["write"] != ".*" || p["read"] != ".*" {
		t.Fatalf("permission = %v", p)
	}
	c, err := amqp.Dial(b.AMQPURLFor("alice", "s3cret", "shop"))
	if err != nil {
		t.Fatalf("alice cannot connect to shop: %v", err)
	}
	c.Close()
	if _, err := amqp.Dial(b.AMQPURLFor("alice", "s3cret", "")); err == nil {
		t.Fatal("alice connected to / without a permission there")
	}

	var ups []obj
	g.get("/api/users/alice/permissions", &ups)
	if len(ups) != 1 || ups[0]["vhost"] != "shop" {
		t.Fatalf("alice's permissions = %v", ups)
	}
	g.must(204, "DELETE", "/api/permissions/shop/alice", nil)
	g.must(404, "GET", "/api/permissions/shop/alice", nil)
	g.must(204, "DELETE", "/api/users/alice", nil)
	g.must(404, "GET", "/api/users/alice", nil)
	if _, err := amqp.Dial(b.AMQPURLFor("alice", "s3cret", "shop")); err == nil {
		t.Fatal("a deleted user could still connect")
	}
}

func TestUserPutWithAPasswordHashAndWithoutAnyPassword(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	hash := auth.HashPassword("hashed")
	g.must(201, "PUT", "/api/users/bob", obj{"password_hash": hash, "tags": []string{"administrator"}})
	as(t, b, "bob", "hashed").must(200, "GET", "/api/users", nil)
	g.must(400, "PUT", "/api/users/carol", obj{"tags": ""})
	g.must(400, "PUT", "/api/users/carol", obj{"password_hash": "not base64!", "tags": ""})
}

func TestPermissionForAnUnknownUserOrVHostIsABadRequest(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(400, "PUT", "/api/permissions/%2F/ghost", obj{"configure": ".*", "write": ".*", "read": ".*"})
	g.must(400, "PUT", "/api/permissions/nowhere/guest", obj{"configure": ".*", "write": ".*", "read": ".*"})
}

func TestVHostsListCountsAndDeleteRemovesTheirQueues(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/vhosts/tmp", obj{})
	g.must(204, "PUT", "/api/vhosts/tmp", obj{})
	g.must(201, "PUT", "/api/permissions/tmp/guest", obj{"configure": ".*", "write": ".*", "read": ".*"})
	g.must(201, "PUT", "/api/queues/tmp/q", obj{})
	g.must(200, "POST", "/api/exchanges/tmp/amq.default/publish", obj{"routing_key": "q", "payload": "x", "payload_encoding": "string", "properties": obj{}})
	var vs []obj
	g.get("/api/vhosts", &vs)
	names := byName(vs)
	if len(vs) != 3 || names["/"] == nil || names["dev"] == nil || num(t, names["tmp"], "messages") != 1 {
		t.Fatalf("vhosts = %v", vs)
	}
	g.must(204, "DELETE", "/api/vhosts/tmp", nil)
	g.must(404, "GET", "/api/vhosts/tmp", nil)
	g.must(404, "GET", "/api/queues/tmp/q", nil)
	g.must(404, "DELETE", "/api/vhosts/tmp", nil)
}

func TestUsersVHostsAndPermissionsSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	withDir := func(c *config.Config) { c.DataDir = dir }
	b := start(t, withDir)
	g := guest(t, b)
	g.must(201, "PUT", "/api/vhosts/kept", obj{})
	g.must(201, "PUT", "/api/users/dave", obj{"password": "pw", "tags": "administrator"})
	g.must(201, "PUT", "/api/permissions/kept/dave", obj{"configure": "^d", "write": ".*", "read": ".*"})
	g.must(204, "DELETE", "/api/users/mon", nil)
	b.Close()

	b2 := start(t, withDir)
	d := as(t, b2, "dave", "pw")
	var p obj
	d.get("/api/permissions/kept/dave", &p)
	if p["configure"] != "^d" {
		t.Fatalf("permission after restart = %v", p)
	}
	d.must(200, "GET", "/api/vhosts/kept", nil)
	d.must(404, "GET", "/api/users/mon", nil)
	c, err := amqp.Dial(b2.AMQPURLFor("dave", "pw", "kept"))
	if err != nil {
		t.Fatalf("dave cannot connect after a restart: %v", err)
	}
	c.Close()
}
