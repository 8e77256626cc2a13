package mgmt

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/junctionmq/junction/broker"
)

func newTestAPI(t testing.TB) *API {
	t.Helper()
	b, err := broker.New(broker.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return New(Options{Broker: b})
}

// serve runs one request as guest from loopback.
func serve(a *API, method, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://localhost/", strings.NewReader(body))
	// Set the raw target after construction: fuzzed paths need not parse
	// as a request line.
	req.URL.Path, req.URL.RawPath = target, ""
	if p, err := url.PathUnescape(target); err == nil {
		req.URL.Path, req.URL.RawPath = p, target
	}
	req.RemoteAddr = "127.0.0.1:5555"
	req.SetBasicAuth("guest", "guest")
	w := httptest.NewRecorder()
	a.ServeHTTP(w, req)
	return w
}

// FuzzAPIRequest sends arbitrary methods, paths and bodies to the API: no
// input may panic, and every answer is a valid status with a JSON body
// (or none).
func FuzzAPIRequest(f *testing.F) {
	seeds := []struct{ method, path, body string }{
		{"PUT", "/api/queues/%2F/q", `{"durable":true,"arguments":{"x-max-length":10,"x-message-ttl":1.5,"x":{"a":[1,"b",null]}}}`},
		{"PUT", "/api/exchanges/%2F/x", `{"type":"headers","arguments":{"alternate-exchange":"amq.fanout"}}`},
		{"POST", "/api/bindings/%2F/e/amq.headers/q/q", `{"routing_key":"","arguments":{"x-match":"any","a":1}}`},
		{"POST", "/api/exchanges/%2F/amq.default/publish", `{"routing_key":"q","payload":"aGk=","payload_encoding":"base64","properties":{"priority":300,"headers":{"h":[1,2]},"expiration":"-1","timestamp":"x"}}`},
		{"POST", "/api/queues/%2F/q/get", `{"count":1000000,"ackmode":"reject_requeue_false","encoding":"base64","truncate":-5}`},
		{"POST", "/api/definitions", `{"users":[{"name":"u","password_hash":"AAAA","tags":7}],"vhosts":[{"name":"v"}],"permissions":[{"user":"u","vhost":"v","configure":"(","write":"","read":""}],"queues":[{"name":"q","vhost":"nope"}],"bindings":[{"source":"","destination":"q"}]}`},
		{"PUT", "/api/users/x", `{"password":"p","password_hash":"h","tags":["a"]}`},
		{"PUT", "/api/permissions/%2F/guest", `{"configure":"[","write":".*","read":".*"}`},
		{"DELETE", "/api/bindings/%2F/e/x/q/q/~", ``},
		{"GET", "/api/queues/%zz/q", ``},
		{"DELETE", "/api/vhosts/%2F", ``},
		{"GET", "/api/bindings/%2F/e/%2F/x/y", ``},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.body)
	}
	a := newTestAPI(f)
	f.Fuzz(func(t *testing.T, method, path, body string) {
		switch method {
		case "GET", "PUT", "POST", "DELETE":
		default:
			method = "GET"
		}
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		w := serve(a, method, path, body)
		if w.Code < 200 || w.Code > 599 {
			t.Fatalf("%s %s: status %d", method, path, w.Code)
		}
		if w.Code >= 300 && w.Body.Len() > 0 && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s: error body is not JSON: %q", method, path, w.Body.String())
		}
		if w.Code == 500 {
			t.Fatalf("%s %s %q: internal error %s", method, path, body, w.Body.String())
		}
	})
}

// FuzzTableFromJSON checks the JSON to message table conversion accepts
// any JSON object without panicking and renders back to JSON.
func FuzzTableFromJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":1.5,"c":"s","d":true,"e":null,"f":[1,[2]],"g":{"h":{}}}`, `{"big":123456789012345678901234567890}`, `{"neg":-0.0}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var m map[string]any
		if dec.Decode(&m) != nil {
			return
		}
		tab, err := tableFromJSON(m)
		if err != nil {
			return
		}
		if _, err := json.Marshal(tableJSON(tab)); err != nil {
			t.Fatalf("table from %q does not render: %v", s, err)
		}
	})
}
