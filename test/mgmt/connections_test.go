package mgmt

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3"
	amqp "github.com/rabbitmq/amqp091-go"
)

func connectionsByClientName(t *testing.T, g *api) map[string]obj {
	t.Helper()
	var list []obj
	g.get("/api/connections", &list)
	out := map[string]obj{}
	for _, c := range list {
		props, _ := c["client_properties"].(map[string]any)
		if n, ok := props["connection_name"].(string); ok {
			out[n] = c
		}
	}
	return out
}

func TestConnectionsListAMQPAndSTOMPClientsWithRabbitMQFields(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	c := dial(t, b, "orders-service")
	ch, err := c.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Channel(); err != nil {
		t.Fatal(err)
	}
	_ = ch
	sc, err := stomp.Dial("tcp", b.Addr("stomp").String(), stomp.ConnOpt.Login("guest", "guest"), stomp.ConnOpt.Header("client-id", "stomp-app"))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Disconnect()

	var list []obj
	g.get("/api/connections", &list)
	if len(list) != 2 {
		t.Fatalf("%d connections listed, want 2: %v", len(list), list)
	}
	conns := connectionsByClientName(t, g)
	a := conns["orders-service"]
	if a == nil {
		t.Fatalf("no connection with connection_name orders-service in %v", list)
	}
	if a["protocol"] != "AMQP 0-9-1" || a["user_provided_name"] != "orders-service" || a["user"] != "guest" || a["vhost"] != "/" || a["peer_host"] != "127.0.0.1" || num(t, a, "channels") != 2 {
		t.Fatalf("AMQP connection = %v", a)
	}
	local := c.LocalAddr().String()
	if port := num(t, a, "peer_port"); !strings.HasSuffix(local, ":"+strconv.Itoa(port)) {
		t.Fatalf("peer_port %d, client's local address %s", port, local)
	}
	if _, ok := field(t, a, "client_properties", "capabilities").(map[string]any); !ok {
		t.Fatalf("client_properties lacks the client's capabilities table: %v", a["client_properties"])
	}
	if at := int64(num(t, a, "connected_at")); time.Since(time.UnixMilli(at)) > time.Minute || at > time.Now().UnixMilli() {
		t.Fatalf("connected_at %d is not a recent Unix millisecond time", at)
	}
	name := a["name"].(string)
	var one obj
	g.get("/api/connections/"+url.PathEscape(name), &one)
	if one["name"] != name || one["protocol"] != "AMQP 0-9-1" {
		t.Fatalf("GET connection by name = %v", one)
	}

	s := conns["stomp-app"]
	if s == nil || !strings.HasPrefix(s["protocol"].(string), "STOMP") || s["user"] != "guest" || s["vhost"] != "/" {
		t.Fatalf("STOMP connection = %v", s)
	}
}

func TestDeleteConnectionForcesAMQPCloseWithTheReasonAndTheClientReconnects(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	c := dial(t, b, "recovering")
	closed := c.NotifyClose(make(chan *amqp.Error, 1))
	name := connectionsByClientName(t, g)["recovering"]["name"].(string)

	g.must(204, "DELETE", "/api/connections/"+url.PathEscape(name), nil, "X-Reason", "maintenance window")
	var e *amqp.Error
	select {
	case e = <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("client was not told the connection closed")
	}
	if e == nil || e.Code != 320 || e.Reason != "CONNECTION_FORCED - maintenance window" || !e.Server {
		t.Fatalf("close = %+v, want server-initiated 320 CONNECTION_FORCED - maintenance window", e)
	}

	// What a recovering client does: dial again with the same name.
	c2 := dial(t, b, "recovering")
	eventually(t, "the new connection to be listed alone", func() bool {
		var list []obj
		g.get("/api/connections", &list)
		if len(list) != 1 {
			return false // the closed one may still be finishing its close handshake
		}
		props, _ := list[0]["client_properties"].(map[string]any)
		return props["connection_name"] == "recovering" && list[0]["name"] != name
	})
	ch, err := c2.Channel()
	if err != nil {
		t.Fatalf("the new connection does not work: %v", err)
	}
	if _, err := ch.QueueDeclare("", false, true, true, false, nil); err != nil {
		t.Fatalf("the new connection does not work: %v", err)
	}
	g.must(404, "DELETE", "/api/connections/"+url.PathEscape(name), nil)
}

func TestDeleteConnectionSendsSTOMPClientAnErrorFrame(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	sc, err := stomp.Dial("tcp", b.Addr("stomp").String(), stomp.ConnOpt.Login("guest", "guest"))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := sc.Subscribe("/queue/x", stomp.AckAuto)
	if err != nil {
		t.Fatal(err)
	}
	var list []obj
	g.get("/api/connections", &list)
	if len(list) != 1 {
		t.Fatalf("connections = %v", list)
	}
	g.must(204, "DELETE", "/api/connections/"+url.PathEscape(list[0]["name"].(string)), nil, "X-Reason", "go away")
	select {
	case m := <-sub.C:
		if m == nil || m.Err == nil || !strings.Contains(m.Err.Error(), "go away") {
			t.Fatalf("subscription got %+v, want the ERROR frame's message", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the STOMP client saw nothing")
	}
	eventually(t, "the STOMP connection to go", func() bool {
		var l []obj
		g.get("/api/connections", &l)
		return len(l) == 0
	})
}

func TestChannelsAndConsumersShowTheConsumingChannel(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	c := dial(t, b, "consumer-app")
	if _, err := c.Channel(); err != nil { // channel 1 stays idle
		t.Fatal(err)
	}
	ch, err := c.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Qos(7, 0, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare("jobs", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Consume("jobs", "worker-1", false, false, false, false, amqp.Table{"x-priority": int32(3)}); err != nil {
		t.Fatal(err)
	}
	var consumers []obj
	eventually(t, "the consumer to be listed", func() bool {
		g.get("/api/consumers", &consumers)
		return len(consumers) == 1
	})
	cs := consumers[0]
	connName := connectionsByClientName(t, g)["consumer-app"]["name"].(string)
	if cs["consumer_tag"] != "worker-1" || field(t, cs, "queue", "name") != "jobs" || field(t, cs, "queue", "vhost") != "/" ||
		cs["ack_required"] != true || cs["exclusive"] != false || num(t, cs, "prefetch_count") != 7 || num(t, cs, "arguments", "x-priority") != 3 {
		t.Fatalf("consumer = %v", cs)
	}
	if field(t, cs, "channel_details", "connection_name") != connName || num(t, cs, "channel_details", "number") != 2 ||
		field(t, cs, "channel_details", "name") != connName+" (2)" {
		t.Fatalf("channel_details = %v, want channel 2 of %s", cs["channel_details"], connName)
	}

	var chans []obj
	g.get("/api/channels", &chans)
	if len(chans) != 2 {
		t.Fatalf("channels = %v, want 2", chans)
	}
	if chans[0]["name"] != connName+" (1)" || num(t, chans[0], "consumer_count") != 0 || chans[1]["name"] != connName+" (2)" || num(t, chans[1], "consumer_count") != 1 {
		t.Fatalf("channels = %v", chans)
	}
	if field(t, chans[1], "connection_details", "name") != connName || chans[1]["user"] != "guest" || chans[1]["vhost"] != "/" {
		t.Fatalf("channel 2 = %v", chans[1])
	}
	var q obj
	g.get("/api/queues/%2F/jobs", &q)
	if num(t, q, "consumers") != 1 {
		t.Fatalf("queue consumers = %v", q["consumers"])
	}
	var ov obj
	g.get("/api/overview", &ov)
	if num(t, ov, "object_totals", "connections") != 1 || num(t, ov, "object_totals", "channels") != 2 || num(t, ov, "object_totals", "consumers") != 1 || num(t, ov, "object_totals", "queues") != 1 {
		t.Fatalf("object_totals = %v", ov["object_totals"])
	}
}

func TestChannelsShowQosConfirmAndTransactionSettings(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	c := dial(t, b, "settings-app")
	if _, err := c.Channel(); err != nil { // 1: nothing chosen
		t.Fatal(err)
	}
	qos, err := c.Channel() // 2: per-consumer and global prefetch
	if err != nil {
		t.Fatal(err)
	}
	if err := qos.Qos(25, 0, false); err != nil {
		t.Fatal(err)
	}
	if err := qos.Qos(100, 0, true); err != nil {
		t.Fatal(err)
	}
	confirming, err := c.Channel() // 3: publisher confirms
	if err != nil {
		t.Fatal(err)
	}
	if err := confirming.Confirm(false); err != nil {
		t.Fatal(err)
	}
	tx, err := c.Channel() // 4: transactional
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Tx(); err != nil {
		t.Fatal(err)
	}
	var chans []obj
	g.get("/api/channels", &chans)
	if len(chans) != 4 {
		t.Fatalf("channels = %v, want 4", chans)
	}
	want := []struct {
		prefetch, global int
		confirm, tx      bool
	}{{0, 0, false, false}, {25, 100, false, false}, {0, 0, true, false}, {0, 0, false, true}}
	for i, w := range want {
		ch := chans[i]
		if num(t, ch, "number") != i+1 || num(t, ch, "prefetch_count") != w.prefetch || num(t, ch, "global_prefetch_count") != w.global ||
			ch["confirm"] != w.confirm || ch["transactional"] != w.tx {
			t.Errorf("channel %d = %v, want prefetch %v, global %v, confirm %v, transactional %v", i+1, ch, w.prefetch, w.global, w.confirm, w.tx)
		}
	}
}

func TestClosedConnectionsLeaveTheList(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	c, err := amqp.Dial(b.AMQPURL())
	if err != nil {
		t.Fatal(err)
	}
	var list []obj
	g.get("/api/connections", &list)
	if len(list) != 1 {
		t.Fatalf("connections = %v", list)
	}
	if err := c.Close(); err != nil && !errors.Is(err, amqp.ErrClosed) {
		t.Fatal(err)
	}
	eventually(t, "the connection to leave the list", func() bool {
		g.get("/api/connections", &list)
		return len(list) == 0
	})
}
