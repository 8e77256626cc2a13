package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

const ctlUsage = `usage: junction ctl [--url URL] [--user U] [--password P] [--vhost V] [--format table|json] COMMAND

Administers a running broker through its management HTTP API, in the
manner of rabbitmqadmin.

  list connections|channels|consumers|queues|exchanges|bindings|users|vhosts|
       permissions|durable-subscriptions|xa-transactions
  show overview
  close connection name=NAME [reason=TEXT]
  declare queue name=Q [durable=true] [auto_delete=false] [arguments=JSON]
  declare exchange name=X type=direct|fanout|topic|headers [durable=true] [auto_delete=false] [internal=false] [arguments=JSON]
  declare binding source=X destination=D [destination_type=queue|exchange] [routing_key=K] [arguments=JSON]
  declare user name=U password=P|password_hash=H [tags=a,b]
  declare vhost name=V
  declare permission user=U [vhost=V] configure=RE write=RE read=RE
  delete queue|exchange|user|vhost name=NAME
  delete binding source=X destination=D [destination_type=queue] properties_key=K
  delete permission user=U [vhost=V]
  purge queue name=Q
  publish [exchange=amq.default] routing_key=K payload=TEXT [payload_encoding=string] [properties=JSON]
  get queue=Q [count=1] [ackmode=ack_requeue_true] [encoding=auto]
  export FILE|-          (definitions, RabbitMQ's format)
  import FILE|-
`

// ctl is one invocation of junction ctl.
type ctl struct {
	ctx    context.Context
	base   string
	user   string
	pass   string
	vhost  string
	format string
	out    io.Writer
	in     io.Reader
	http   *http.Client
}

// runCtl parses the global flags and runs one command.
func runCtl(ctx context.Context, args []string, out io.Writer) error {
	return runCtlIO(ctx, args, os.Stdin, out)
}

func runCtlIO(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("junction ctl", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { fmt.Fprint(out, ctlUsage) }
	c := &ctl{ctx: ctx, out: out, in: in, http: &http.Client{Timeout: 30 * time.Second}}
	fs.StringVar(&c.base, "url", "http://127.0.0.1:8161", "the management API's base URL")
	fs.StringVar(&c.user, "user", "guest", "user name")
	fs.StringVar(&c.pass, "password", "guest", "password")
	fs.StringVar(&c.vhost, "vhost", "/", "vhost for commands on vhost objects")
	fs.StringVar(&c.format, "format", "table", "output format: table or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.format != "table" && c.format != "json" {
		return fmt.Errorf("--format %q: want table or json", c.format)
	}
	c.base = strings.TrimRight(c.base, "/")
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return errors.New("ctl: no command")
	}
	return c.run(rest[0], rest[1:])
}

// kv parses key=value arguments.
func kv(args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("argument %q: want key=value", a)
		}
		out[k] = v
	}
	return out, nil
}

func need(m map[string]string, keys ...string) error {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return fmt.Errorf("missing argument %s=VALUE", k)
		}
	}
	return nil
}

func (c *ctl) run(verb string, args []string) error {
	switch verb {
	case "list":
		if len(args) != 1 {
			return errors.New("usage: list OBJECTS")
		}
		return c.list(args[0])
	case "show":
		if len(args) != 1 || args[0] != "overview" {
			return errors.New("usage: show overview")
		}
		return c.showOverview()
	case "export":
		if len(args) != 1 {
			return errors.New("usage: export FILE|-")
		}
		return c.export(args[0])
	case "import":
		if len(args) != 1 {
			return errors.New("usage: import FILE|-")
		}
		return c.importDefs(args[0])
	case "publish", "get":
		m, err := kv(args)
		if err != nil {
			return err
		}
		if verb == "publish" {
			return c.publish(m)
		}
		return c.get(m)
	case "close", "declare", "delete", "purge":
		if len(args) < 1 {
			return fmt.Errorf("usage: %s OBJECT [key=value]", verb)
		}
		m, err := kv(args[1:])
		if err != nil {
			return err
		}
		return c.change(verb, args[0], m)
	}
	return fmt.Errorf("unknown command %q (see junction ctl --help)", verb)
}

// seg escapes one path segment ("/" becomes %2F, as the API wants).
func seg(s string) string { return url.PathEscape(s) }

// call sends a request and returns the body of a 2xx answer; anything
// else becomes an error carrying the API's reason.
func (c *ctl) call(method, path string, body any, header ...string) ([]byte, error) {
	var r io.Reader
	if body != nil {
		if raw, ok := body.(json.RawMessage); ok {
			r = bytes.NewReader(raw)
		} else {
			b, err := json.Marshal(body)
			if err != nil {
				return nil, fmt.Errorf("encode request: %w", err)
			}
			r = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequestWithContext(c.ctx, method, c.base+path, r)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.SetBasicAuth(c.user, c.pass)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Error, Reason string }
		if json.Unmarshal(out, &e) == nil && e.Reason != "" {
			return nil, fmt.Errorf("%s %s: %s: %s (HTTP %d)", method, path, e.Error, e.Reason, resp.StatusCode)
		}
		return nil, fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	return out, nil
}

// listPaths are the resources `list` knows, with the columns of their
// table output (nested fields with dots).
var listPaths = map[string]struct {
	path    string
	columns []string
}{
	"connections":           {"/api/connections", []string{"name", "user", "vhost", "protocol", "channels"}},
	"channels":              {"/api/channels", []string{"name", "user", "vhost", "consumer_count", "messages_unacknowledged"}},
	"consumers":             {"/api/consumers", []string{"queue.vhost", "queue.name", "consumer_tag", "channel_details.connection_name", "ack_required", "prefetch_count"}},
	"queues":                {"/api/queues", []string{"vhost", "name", "durable", "messages", "messages_ready", "messages_unacknowledged", "consumers"}},
	"exchanges":             {"/api/exchanges", []string{"vhost", "name", "type", "durable", "auto_delete", "internal"}},
	"bindings":              {"/api/bindings", []string{"vhost", "source", "destination", "destination_type", "routing_key", "properties_key"}},
	"users":                 {"/api/users", []string{"name", "tags"}},
	"vhosts":                {"/api/vhosts", []string{"name", "messages"}},
	"permissions":           {"/api/permissions", []string{"vhost", "user", "configure", "write", "read"}},
	"durable-subscriptions": {"/api/jms/durable-subscriptions", []string{"vhost", "client_id", "subscription_name", "topic", "selector", "pending_messages", "active"}},
	"xa-transactions":       {"/api/jms/xa-transactions", []string{"format_id", "global_transaction_id", "branch_qualifier"}},
}

func (c *ctl) list(what string) error {
	lp, ok := listPaths[what]
	if !ok {
		return fmt.Errorf("cannot list %q", what)
	}
	body, err := c.call("GET", lp.path, nil)
	if err != nil {
		return err
	}
	return c.print(body, lp.columns)
}

func (c *ctl) showOverview() error {
	body, err := c.call("GET", "/api/overview", nil)
	if err != nil {
		return err
	}
	return c.print(body, []string{"product_name", "product_version", "rabbitmq_version", "node", "object_totals.connections", "object_totals.queues", "queue_totals.messages"})
}

// change runs close, declare, delete and purge.
func (c *ctl) change(verb, object string, m map[string]string) error {
	vhost := c.vhost
	if v, ok := m["vhost"]; ok {
		vhost = v
	}
	var err error
	switch verb + " " + object {
	case "close connection":
		if err = need(m, "name"); err == nil {
			_, err = c.call("DELETE", "/api/connections/"+seg(m["name"]), nil, "X-Reason", m["reason"])
		}
	case "purge queue":
		if err = need(m, "name"); err == nil {
			_, err = c.call("DELETE", "/api/queues/"+seg(vhost)+"/"+seg(m["name"])+"/contents", nil)
		}
	case "declare queue":
		if err = need(m, "name"); err == nil {
			var body map[string]any
			if body, err = fields(m, "durable", "auto_delete", "arguments"); err == nil {
				_, err = c.call("PUT", "/api/queues/"+seg(vhost)+"/"+seg(m["name"]), body)
			}
		}
	case "declare exchange":
		if err = need(m, "name", "type"); err == nil {
			var body map[string]any
			if body, err = fields(m, "type", "durable", "auto_delete", "internal", "arguments"); err == nil {
				_, err = c.call("PUT", "/api/exchanges/"+seg(vhost)+"/"+seg(m["name"]), body)
			}
		}
	case "declare binding":
		if err = need(m, "source", "destination"); err == nil {
			var body map[string]any
			if body, err = fields(m, "routing_key", "arguments"); err == nil {
				_, err = c.call("POST", "/api/bindings/"+seg(vhost)+"/e/"+seg(m["source"])+"/"+destKind(m)+"/"+seg(m["destination"]), body)
			}
		}
	case "declare user":
		if err = need(m, "name"); err == nil {
			var body map[string]any
			if body, err = fields(m, "password", "password_hash", "tags"); err == nil {
				if _, ok := body["tags"]; !ok {
					body["tags"] = ""
				}
				_, err = c.call("PUT", "/api/users/"+seg(m["name"]), body)
			}
		}
	case "declare vhost":
		if err = need(m, "name"); err == nil {
			_, err = c.call("PUT", "/api/vhosts/"+seg(m["name"]), map[string]any{})
		}
	case "declare permission":
		if err = need(m, "user", "configure", "write", "read"); err == nil {
			body := map[string]string{"configure": m["configure"], "write": m["write"], "read": m["read"]}
			_, err = c.call("PUT", "/api/permissions/"+seg(vhost)+"/"+seg(m["user"]), body)
		}
	case "delete queue", "delete exchange":
		if err = need(m, "name"); err == nil {
			_, err = c.call("DELETE", "/api/"+object+"s/"+seg(vhost)+"/"+seg(m["name"]), nil)
		}
	case "delete user":
		if err = need(m, "name"); err == nil {
			_, err = c.call("DELETE", "/api/users/"+seg(m["name"]), nil)
		}
	case "delete vhost":
		if err = need(m, "name"); err == nil {
			_, err = c.call("DELETE", "/api/vhosts/"+seg(m["name"]), nil)
		}
	case "delete binding":
		if err = need(m, "source", "destination", "properties_key"); err == nil {
			_, err = c.call("DELETE", "/api/bindings/"+seg(vhost)+"/e/"+seg(m["source"])+"/"+destKind(m)+"/"+seg(m["destination"])+"/"+seg(m["properties_key"]), nil)
		}
	case "delete permission":
		if err = need(m, "user"); err == nil {
			_, err = c.call("DELETE", "/api/permissions/"+seg(vhost)+"/"+seg(m["user"]), nil)
		}
	default:
		return fmt.Errorf("cannot %s %q", verb, object)
	}
	if err != nil {
		return err
	}
	return c.done(verb, object)
}

func destKind(m map[string]string) string {
	if m["destination_type"] == "exchange" {
		return "e"
	}
	return "q"
}

// fields builds a JSON body from key=value arguments: booleans and
// numbers as such, arguments and properties parsed as JSON objects.
func fields(m map[string]string, keys ...string) (map[string]any, error) {
	out := map[string]any{}
	for _, k := range keys {
		v, ok := m[k]
		if !ok {
			continue
		}
		switch k {
		case "durable", "auto_delete", "internal":
			if v != "true" && v != "false" {
				return nil, fmt.Errorf("%s=%s: want true or false", k, v)
			}
			out[k] = v == "true"
		case "arguments", "properties":
			var obj map[string]any
			if err := json.Unmarshal([]byte(v), &obj); err != nil {
				return nil, fmt.Errorf("%s: not a JSON object: %w", k, err)
			}
			out[k] = obj
		default:
			out[k] = v
		}
	}
	return out, nil
}

func (c *ctl) done(verb, object string) error {
	past := map[string]string{"close": "closed", "declare": "declared", "delete": "deleted", "purge": "purged"}[verb]
	if c.format == "json" {
		return c.writeJSON(map[string]string{"result": past, "object": object})
	}
	_, err := fmt.Fprintf(c.out, "%s %s\n", object, past)
	return err
}

func (c *ctl) publish(m map[string]string) error {
	if err := need(m, "routing_key"); err != nil {
		return err
	}
	ex := m["exchange"]
	if ex == "" {
		ex = "amq.default"
	}
	body, err := fields(m, "routing_key", "payload", "payload_encoding", "properties")
	if err != nil {
		return err
	}
	if _, ok := body["payload"]; !ok {
		body["payload"] = ""
	}
	if _, ok := body["payload_encoding"]; !ok {
		body["payload_encoding"] = "string"
	}
	if _, ok := body["properties"]; !ok {
		body["properties"] = map[string]any{}
	}
	vhost := c.vhost
	if v, ok := m["vhost"]; ok {
		vhost = v
	}
	out, err := c.call("POST", "/api/exchanges/"+seg(vhost)+"/"+seg(ex)+"/publish", body)
	if err != nil {
		return err
	}
	if c.format == "json" {
		return c.print(out, nil)
	}
	var res struct{ Routed bool }
	if err := json.Unmarshal(out, &res); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	if res.Routed {
		_, err = fmt.Fprintln(c.out, "Message published")
	} else {
		_, err = fmt.Fprintln(c.out, "Message published but NOT routed")
	}
	return err
}

func (c *ctl) get(m map[string]string) error {
	if err := need(m, "queue"); err != nil {
		return err
	}
	body := map[string]any{"count": 1, "ackmode": "ack_requeue_true", "encoding": "auto"}
	if v, ok := m["count"]; ok {
		var n int
		if _, err := fmt.Sscan(v, &n); err != nil {
			return fmt.Errorf("count=%s: %w", v, err)
		}
		body["count"] = n
	}
	for _, k := range []string{"ackmode", "encoding"} {
		if v, ok := m[k]; ok {
			body[k] = v
		}
	}
	vhost := c.vhost
	if v, ok := m["vhost"]; ok {
		vhost = v
	}
	out, err := c.call("POST", "/api/queues/"+seg(vhost)+"/"+seg(m["queue"])+"/get", body)
	if err != nil {
		return err
	}
	return c.print(out, []string{"routing_key", "exchange", "message_count", "payload", "payload_bytes", "payload_encoding", "redelivered"})
}

func (c *ctl) export(file string) error {
	out, err := c.call("GET", "/api/definitions", nil)
	if err != nil {
		return err
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "  "); err != nil {
		return fmt.Errorf("decode definitions: %w", err)
	}
	pretty.WriteByte('\n')
	if file == "-" {
		_, err = c.out.Write(pretty.Bytes())
		return err
	}
	if err := os.WriteFile(file, pretty.Bytes(), 0o600); err != nil {
		return fmt.Errorf("write definitions: %w", err)
	}
	_, err = fmt.Fprintf(c.out, "Exported definitions to %s\n", file)
	return err
}

func (c *ctl) importDefs(file string) error {
	var raw []byte
	var err error
	if file == "-" {
		raw, err = io.ReadAll(c.in)
	} else {
		raw, err = os.ReadFile(file)
	}
	if err != nil {
		return fmt.Errorf("read definitions: %w", err)
	}
	if !json.Valid(raw) {
		return fmt.Errorf("definitions in %s are not valid JSON", file)
	}
	if _, err := c.call("POST", "/api/definitions", json.RawMessage(raw)); err != nil {
		return err
	}
	_, err = fmt.Fprintln(c.out, "Imported definitions")
	return err
}
