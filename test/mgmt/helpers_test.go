package mgmt

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/servertest"
)

// start runs a broker with every listener on, plus the users the tests
// log in as:
//
//	mon/mon     monitoring (read-only, sees everything)
//	dev/dev     management, permissions on vhost "dev" only
//	plain/plain no tags (may use AMQP, not the API)
func start(t *testing.T, mutate func(*config.Config)) *servertest.Broker {
	t.Helper()
	return servertest.Start(t, func(c *config.Config) {
		c.Listeners = config.Listeners{AMQP: "127.0.0.1:0", STOMP: "127.0.0.1:0", OpenWire: "127.0.0.1:0", HTTP: "127.0.0.1:0"}
		c.VHosts = append(c.VHosts, config.VHost{Name: "dev"})
		c.Users = append(c.Users,
			config.User{Name: "mon", Password: "mon", Tags: []string{"monitoring"}},
			config.User{Name: "dev", Password: "dev", Tags: []string{"management"}},
			config.User{Name: "plain", Password: "plain"},
		)
		c.Perms = append(c.Perms,
			config.Perm{User: "dev", VHost: "dev", Configure: ".*", Write: ".*", Read: ".*"},
			config.Perm{User: "mon", VHost: "/", Configure: ".*", Write: ".*", Read: ".*"},
			config.Perm{User: "plain", VHost: "/", Configure: ".*", Write: ".*", Read: ".*"},
		)
		if mutate != nil {
			mutate(c)
		}
	})
}

// api is an HTTP client of the management API logged in as one user.
type api struct {
	t          *testing.T
	base       string
	user, pass string
}

func as(t *testing.T, b *servertest.Broker, user, pass string) *api {
	return &api{t: t, base: b.HTTPURL(), user: user, pass: pass}
}

func guest(t *testing.T, b *servertest.Broker) *api { return as(t, b, "guest", "guest") }

// do sends a request and returns the status and body. A non-nil body
// is sent as JSON.
func (a *api) do(method, path string, body any, header ...string) (int, []byte) {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, r)
	if err != nil {
		a.t.Fatal(err)
	}
	if a.user != "" {
		req.SetBasicAuth(a.user, a.pass)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, out
}

// must sends a request that must answer want, returning the body.
func (a *api) must(want int, method, path string, body any, header ...string) []byte {
	a.t.Helper()
	got, out := a.do(method, path, body, header...)
	if got != want {
		a.t.Fatalf("%s %s as %s: status %d, want %d; body %s", method, path, a.user, got, want, out)
	}
	return out
}

// get decodes the JSON answer of a GET that must succeed.
func (a *api) get(path string, v any) {
	a.t.Helper()
	if err := json.Unmarshal(a.must(200, "GET", path, nil), v); err != nil {
		a.t.Fatalf("GET %s: %v", path, err)
	}
}

// obj is a decoded JSON object.
type obj = map[string]any

// field walks nested objects: field(o, "message_stats", "publish").
func field(t *testing.T, o obj, path ...string) any {
	t.Helper()
	var cur any = o
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("field %s: %v is not an object", strings.Join(path, "."), cur)
		}
		if cur, ok = m[p]; !ok {
			t.Fatalf("field %s missing in %v", strings.Join(path, "."), m)
		}
	}
	return cur
}

func num(t *testing.T, o obj, path ...string) int {
	t.Helper()
	f, ok := field(t, o, path...).(float64)
	if !ok {
		t.Fatalf("field %s = %v, not a number", strings.Join(path, "."), field(t, o, path...))
	}
	return int(f)
}

// dial opens an AMQP connection with a connection_name.
func dial(t *testing.T, b *servertest.Broker, name string) *amqp.Connection {
	t.Helper()
	cfg := amqp.Config{Properties: amqp.Table{"connection_name": name}, Heartbeat: 10 * time.Second}
	c, err := amqp.DialConfig(b.AMQPURL(), cfg)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// eventually polls cond until it holds or five seconds pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// byName indexes a list of objects by their "name" field.
func byName(list []obj) map[string]obj {
	out := map[string]obj{}
	for _, o := range list {
		if n, ok := o["name"].(string); ok {
			out[n] = o
		}
	}
	return out
}
