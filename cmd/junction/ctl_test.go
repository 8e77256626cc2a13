package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/junctionmq/junction/auth"
	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/servertest"
)

func startHTTP(t *testing.T) *servertest.Broker {
	return servertest.Start(t, func(c *config.Config) { c.Listeners.HTTP = "127.0.0.1:0" })
}

// ctlRun runs junction ctl against b and returns its output.
func ctlRun(t *testing.T, b *servertest.Broker, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	full := append([]string{"--url", b.HTTPURL()}, args...)
	err := runCtlIO(context.Background(), full, strings.NewReader(""), &out)
	return out.String(), err
}

func mustCtl(t *testing.T, b *servertest.Broker, args ...string) string {
	t.Helper()
	out, err := ctlRun(t, b, args...)
	if err != nil {
		t.Fatalf("junction ctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// rows splits table output into lines of whitespace-separated cells.
func rows(out string) [][]string {
	var r [][]string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		r = append(r, strings.Fields(l))
	}
	return r
}

func TestCtlDeclaresPublishesListsAndGetsLikeRabbitmqadmin(t *testing.T) {
	b := startHTTP(t)
	if out := mustCtl(t, b, "declare", "queue", "name=q1", "durable=false"); out != "queue declared\n" {
		t.Fatalf("declare output %q", out)
	}
	mustCtl(t, b, "declare", "exchange", "name=ex", "type=fanout")
	mustCtl(t, b, "declare", "binding", "source=ex", "destination=q1")
	if out := mustCtl(t, b, "publish", "exchange=ex", "routing_key=any", "payload=hello"); out != "Message published\n" {
		t.Fatalf("publish output %q", out)
	}
	if out := mustCtl(t, b, "publish", "routing_key=nobody", "payload=x"); out != "Message published but NOT routed\n" {
		t.Fatalf("unrouted publish output %q", out)
	}

	r := rows(mustCtl(t, b, "list", "queues"))
	want := [][]string{
		{"vhost", "name", "durable", "messages", "messages_ready", "messages_unacknowledged", "consumers"},
		{"/", "q1", "false", "1", "1", "0", "0"},
	}
	if len(r) != 2 || strings.Join(r[0], " ") != strings.Join(want[0], " ") || strings.Join(r[1], " ") != strings.Join(want[1], " ") {
		t.Fatalf("list queues = %v, want %v", r, want)
	}

	var got []map[string]any
	if err := json.Unmarshal([]byte(mustCtl(t, b, "--format", "json", "get", "queue=q1", "ackmode=ack_requeue_false")), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0]["payload"] != "hello" || got[0]["exchange"] != "ex" {
		t.Fatalf("get = %v", got)
	}

	mustCtl(t, b, "publish", "routing_key=q1", "payload=again")
	mustCtl(t, b, "purge", "queue", "name=q1")
	var qs []map[string]any
	if err := json.Unmarshal([]byte(mustCtl(t, b, "--format", "json", "list", "queues")), &qs); err != nil {
		t.Fatal(err)
	}
	if len(qs) != 1 || qs[0]["messages"] != float64(0) {
		t.Fatalf("after purge: %v", qs)
	}
	br := rows(mustCtl(t, b, "list", "bindings"))
	// header, the default-exchange binding, ex -> q1
	if len(br) != 3 || br[2][1] != "ex" || br[2][2] != "q1" {
		t.Fatalf("list bindings = %v", br)
	}
	mustCtl(t, b, "delete", "queue", "name=q1")
	mustCtl(t, b, "delete", "exchange", "name=ex")
	if r := rows(mustCtl(t, b, "list", "queues")); len(r) != 1 {
		t.Fatalf("queues after delete = %v, want the header only", r)
	}
}

func TestCtlListsAndClosesConnections(t *testing.T) {
	b := startHTTP(t)
	conn, err := amqp091.DialConfig(b.AMQPURL(), amqp091.Config{Properties: amqp091.Table{"connection_name": "cli-test"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	closed := conn.NotifyClose(make(chan *amqp091.Error, 1))
	var list []map[string]any
	if err := json.Unmarshal([]byte(mustCtl(t, b, "--format", "json", "list", "connections")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0]["protocol"] != "AMQP 0-9-1" {
		t.Fatalf("connections = %v", list)
	}
	name := list[0]["name"].(string)
	if out := mustCtl(t, b, "close", "connection", "name="+name, "reason=bye"); out != "connection closed\n" {
		t.Fatalf("close output %q", out)
	}
	if e := <-closed; e == nil || e.Code != 320 || e.Reason != "CONNECTION_FORCED - bye" {
		t.Fatalf("client saw %v", e)
	}
}

func TestCtlManagesUsersAndPermissions(t *testing.T) {
	b := startHTTP(t)
	mustCtl(t, b, "declare", "vhost", "name=v1")
	mustCtl(t, b, "declare", "user", "name=eve", "password=pw", "tags=monitoring")
	mustCtl(t, b, "declare", "permission", "vhost=v1", "user=eve", "configure=.*", "write=.*", "read=.*")
	r := rows(mustCtl(t, b, "list", "permissions"))
	found := false
	for _, row := range r {
		if len(row) == 5 && row[0] == "v1" && row[1] == "eve" {
			found = true
		}
	}
	if !found {
		t.Fatalf("list permissions = %v, want a v1 eve row", r)
	}
	if r := rows(mustCtl(t, b, "--user", "eve", "--password", "pw", "list", "queues")); len(r) != 1 {
		t.Fatalf("a monitoring user's queue list = %v, want the header only", r)
	}
	if _, err := ctlRun(t, b, "--user", "eve", "--password", "pw", "list", "users"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("a monitoring user listing users: %v, want an HTTP 401 error", err)
	}
	mustCtl(t, b, "delete", "permission", "vhost=v1", "user=eve")
	mustCtl(t, b, "delete", "user", "name=eve")
	if _, err := ctlRun(t, b, "--user", "eve", "--password", "pw", "list", "queues"); err == nil {
		t.Fatal("a deleted user can still use the API")
	}
}

func TestCtlExportThenImportIntoAnotherBroker(t *testing.T) {
	src := startHTTP(t)
	mustCtl(t, src, "declare", "queue", "name=kept", "arguments={\"x-max-length\": 5}")
	file := filepath.Join(t.TempDir(), "defs.json")
	if out := mustCtl(t, src, "export", file); !strings.Contains(out, file) {
		t.Fatalf("export output %q", out)
	}
	raw, err := os.ReadFile(file)
	if err != nil || !json.Valid(raw) {
		t.Fatalf("exported file: %v", err)
	}
	dst := startHTTP(t)
	mustCtl(t, dst, "import", file)
	var qs []map[string]any
	if err := json.Unmarshal([]byte(mustCtl(t, dst, "--format", "json", "list", "queues")), &qs); err != nil {
		t.Fatal(err)
	}
	if len(qs) != 1 || qs[0]["name"] != "kept" || qs[0]["arguments"].(map[string]any)["x-max-length"] != float64(5) {
		t.Fatalf("imported queues = %v", qs)
	}
}

func TestCtlReportsAPIErrorsAndBadArguments(t *testing.T) {
	b := startHTTP(t)
	if _, err := ctlRun(t, b, "delete", "queue", "name=missing"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("deleting a missing queue: %v, want a 404 error", err)
	}
	if _, err := ctlRun(t, b, "declare", "queue"); err == nil || !strings.Contains(err.Error(), "name=") {
		t.Fatalf("declare without a name: %v", err)
	}
	if _, err := ctlRun(t, b, "frobnicate"); err == nil {
		t.Fatal("an unknown command succeeded")
	}
	if _, err := ctlRun(t, b, "--password", "wrong", "list", "queues"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestPasswdPrintsAHashTheConfigAccepts(t *testing.T) {
	var out bytes.Buffer
	if err := runPasswd(nil, strings.NewReader("s3cret\n"), &out); err != nil {
		t.Fatal(err)
	}
	hash := strings.TrimSpace(out.String())
	if !auth.CheckPassword(hash, "s3cret") || auth.CheckPassword(hash, "other") {
		t.Fatalf("hash %q does not check against the password", hash)
	}
	var cfg config.Config
	if err := config.Parse("[[users]]\nname = \"u\"\npassword_hash = \""+hash+"\"\n", &cfg); err != nil {
		t.Fatalf("config rejects the hash: %v", err)
	}
	if err := runPasswd(nil, strings.NewReader("\n"), &out); err == nil {
		t.Fatal("an empty password was hashed")
	}
}
