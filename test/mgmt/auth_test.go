package mgmt

import (
	"net/http"
	"testing"
)

func TestRequestsWithoutCredentialsAreUnauthorizedWithABasicChallenge(t *testing.T) {
	b := start(t, nil)
	resp, err := http.Get(b.HTTPURL() + "/api/overview")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("status %d, WWW-Authenticate %q; want 401 with a challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	as(t, b, "guest", "wrong").must(401, "GET", "/api/overview", nil)
	as(t, b, "nobody", "x").must(401, "GET", "/api/overview", nil)
}

func TestUsersWithoutAManagementTagCannotUseTheAPI(t *testing.T) {
	b := start(t, nil)
	as(t, b, "plain", "plain").must(401, "GET", "/api/whoami", nil)
}

func TestMonitoringUserReadsEverythingAndChangesNothing(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/queues/%2F/keep", obj{})
	g.must(201, "PUT", "/api/queues/dev/other", obj{})
	m := as(t, b, "mon", "mon")
	var qs []obj
	m.get("/api/queues", &qs)
	if len(qs) != 2 {
		t.Fatalf("monitoring user sees %d queues, want all 2", len(qs))
	}
	m.must(401, "DELETE", "/api/queues/%2F/keep", nil)
	m.must(401, "PUT", "/api/queues/%2F/new", obj{})
	m.must(401, "DELETE", "/api/queues/%2F/keep/contents", nil)
	m.must(401, "GET", "/api/users", nil)
	g.must(200, "GET", "/api/queues/%2F/keep", nil)
	g.must(404, "GET", "/api/queues/%2F/new", nil)
}

func TestManagementUserSeesAndChangesOnlyItsVHosts(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/queues/%2F/root-q", obj{})
	d := as(t, b, "dev", "dev")
	d.must(201, "PUT", "/api/queues/dev/mine", obj{})
	var qs []obj
	d.get("/api/queues", &qs)
	if len(qs) != 1 || qs[0]["name"] != "mine" || qs[0]["vhost"] != "dev" {
		t.Fatalf("management user sees %v, want only dev/mine", qs)
	}
	var vhosts []obj
	d.get("/api/vhosts", &vhosts)
	if len(vhosts) != 1 || vhosts[0]["name"] != "dev" {
		t.Fatalf("management user's vhosts = %v", vhosts)
	}
	d.must(401, "GET", "/api/queues/%2F", nil)
	d.must(401, "GET", "/api/queues/%2F/root-q", nil)
	d.must(401, "DELETE", "/api/queues/%2F/root-q", nil)
	d.must(401, "PUT", "/api/users/x", obj{"password": "x", "tags": ""})
	d.must(401, "GET", "/api/definitions", nil)
	var me obj
	d.get("/api/whoami", &me)
	if me["name"] != "dev" || len(me["tags"].([]any)) != 1 || me["tags"].([]any)[0] != "management" {
		t.Fatalf("whoami = %v", me)
	}
}

func TestManagementUserIsHeldToItsPermissionPatterns(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	g.must(201, "PUT", "/api/users/narrow", obj{"password": "n", "tags": "management"})
	g.must(201, "PUT", "/api/permissions/dev/narrow", obj{"configure": "^app\\.", "write": ".*", "read": ".*"})
	n := as(t, b, "narrow", "n")
	n.must(201, "PUT", "/api/queues/dev/app.q", obj{})
	code, body := n.do("PUT", "/api/queues/dev/other.q", obj{})
	if code != 401 {
		t.Fatalf("declare outside the configure pattern: %d %s, want 401", code, body)
	}
}
