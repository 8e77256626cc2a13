package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/mgmt"
	"github.com/junctionmq/junction/mgmt/console"
	"github.com/junctionmq/junction/servertest"
)

// TestConsolePublishPurgeAndCloseFromBrowser logs in to the console in
// headless Chromium, closes an AMQP connection, publishes to a queue an
// AMQP consumer reads, peeks at and purges another queue, and screenshots
// the overview; the broker side of each action is checked here.
func TestConsolePublishPurgeAndCloseFromBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end browser test: skipped with -short")
	}
	chromium := requireTool(t, envOr("JUNCTION_CHROMIUM", "/usr/bin/chromium"), "install Debian's chromium package (apt-get install -y chromium) or set JUNCTION_CHROMIUM")
	node := requireTool(t, "node", "install Node.js 20 or newer (apt-get install -y nodejs npm)")
	installPlaywright(t)

	b := servertest.Start(t, func(c *config.Config) {
		c.Listeners = config.Listeners{AMQP: "127.0.0.1:0", STOMP: "127.0.0.1:0", HTTP: "127.0.0.1:0"}
	})
	base := consoleURL(t, b)

	consumer := dial(t, b, "e2e-consumer")
	ch := channel(t, consumer)
	declare(t, ch, "orders")
	declare(t, ch, "backlog")
	deliveries, err := ch.Consume("orders", "e2e", true, false, false, false, nil)
	if err != nil {
		t.Fatalf("consume orders: %v", err)
	}
	for i := 1; i <= 5; i++ {
		publish(t, ch, "backlog", fmt.Sprintf("backlog-%d", i))
	}
	// Publishes are asynchronous: wait until the broker has routed all five.
	got := 0
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got = queueMessages(t, base, "backlog"); got == 5 {
			break
		}
	}
	if got != 5 {
		t.Fatalf("backlog before the browser: %d messages, want 5", got)
	}

	doomed := dial(t, b, "e2e-doomed")
	closed := doomed.NotifyClose(make(chan *amqp.Error, 1))

	durableSubscription(t, b, "e2e-stomp", "ticker")

	stopTraffic := traffic(t, b)
	defer stopTraffic()

	screenshot := os.Getenv("JUNCTION_CONSOLE_SCREENSHOT")
	if screenshot == "" {
		screenshot = filepath.Join(t.TempDir(), "console.png")
	} else if abs, err := filepath.Abs(screenshot); err == nil {
		screenshot = abs
	}
	payload := fmt.Sprintf(`{"order":42,"sent":"console","at":%d}`, time.Now().UnixNano())

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "e2e.mjs")
	cmd.Env = append(os.Environ(),
		"CONSOLE_URL="+base+"/",
		"CONSOLE_USER=guest",
		"CONSOLE_PASSWORD=guest",
		"CHROMIUM="+chromium,
		"PUBLISH_PAYLOAD="+payload,
		"CLOSE_CONNECTION=e2e-doomed",
		"SCREENSHOT="+screenshot,
		"DURABLE_CLIENT_ID=e2e-stomp",
		"DURABLE_NAME=ticker",
		"NEW_USER=ops",
		"PAGES_DIR="+os.Getenv("JUNCTION_CONSOLE_PAGES_DIR"),
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("browser script failed: %v\n%s", err, out.String())
	}
	t.Logf("browser script:\n%s", out.String())

	select {
	case d := <-deliveries:
		if string(d.Body) != payload {
			t.Errorf("orders consumer got body %q, want %q", d.Body, payload)
		}
		if d.RoutingKey != "orders" || d.Exchange != "" {
			t.Errorf("orders consumer got exchange %q routing key %q, want the default exchange and \"orders\"", d.Exchange, d.RoutingKey)
		}
		if d.DeliveryMode != amqp.Persistent {
			t.Errorf("orders consumer got delivery mode %d, want persistent (2)", d.DeliveryMode)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("orders consumer received nothing from the console's publish")
	}
	select {
	case d := <-deliveries:
		t.Errorf("orders consumer got a second message %q; the console published once", d.Body)
	case <-time.After(200 * time.Millisecond):
	}

	if got := queueMessages(t, base, "backlog"); got != 0 {
		t.Errorf("backlog after the console's purge: %d messages, want 0", got)
	}

	select {
	case e := <-closed:
		if e == nil || e.Code != amqp.ConnectionForced || !strings.Contains(e.Reason, "Closed from the Junction console") {
			t.Errorf("doomed connection closed with %v, want 320 CONNECTION_FORCED with the console's reason", e)
		}
	case <-time.After(5 * time.Second):
		t.Error("doomed connection still open after the console closed it")
	}

	var ops struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}
	if status := getJSON(t, base+"/api/users/ops", &ops); status != http.StatusOK {
		t.Errorf("GET user ops created in the console: status %d, want 200", status)
	} else if ops.Name != "ops" || len(ops.Tags) != 1 || ops.Tags[0] != "monitoring" {
		t.Errorf("user created in the console is %+v, want ops tagged [monitoring]", ops)
	}

	png, err := os.ReadFile(screenshot)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 20000 {
		t.Errorf("screenshot %s is %d bytes and not a full PNG page", screenshot, len(png))
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// requireTool fails (never skips) when a tool is missing, so CI without
// the browser reports the gap instead of passing silently.
func requireTool(t *testing.T, name, hint string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("console end-to-end test needs %s: %v; %s (or run go test -short to skip it)", name, err, hint)
	}
	return p
}

// installPlaywright runs npm ci once, when node_modules is missing.
func installPlaywright(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join("node_modules", "playwright-core", "package.json")); err == nil {
		return
	}
	npm := requireTool(t, "npm", "install npm (apt-get install -y npm)")
	cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("npm ci in test/console: %v\n%s", err, out)
	}
}

// consoleURL answers where the console and the API are served together:
// the broker's own HTTP listener once it mounts the console, otherwise a
// listener of this test combining the two as the broker will.
func consoleURL(t *testing.T, b *servertest.Broker) string {
	t.Helper()
	res, err := http.Get(b.HTTPURL() + "/")
	if err != nil {
		t.Fatalf("GET /: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode == http.StatusOK && bytes.Contains(body, []byte("console/app.js")) {
		return b.HTTPURL()
	}
	api := mgmt.New(mgmt.Options{
		Broker: b.Broker(), AMQP: b.AMQP(), OpenWire: b.OpenWire(), STOMP: b.STOMP(),
		Listeners: func() []mgmt.Listener {
			var ls []mgmt.Listener
			for _, p := range []string{"amqp", "openwire", "stomp", "http"} {
				if a := b.Addr(p); a != nil {
					ls = append(ls, mgmt.Listener{Protocol: p, Addr: a})
				}
			}
			return ls
		},
	})
	ui := console.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			api.ServeHTTP(w, r)
			return
		}
		ui.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func dial(t *testing.T, b *servertest.Broker, name string) *amqp.Connection {
	t.Helper()
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(name)
	c, err := amqp.DialConfig(b.AMQPURL(), amqp.Config{Properties: props})
	if err != nil {
		t.Fatalf("dial %s: %v", name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func channel(t *testing.T, c *amqp.Connection) *amqp.Channel {
	t.Helper()
	ch, err := c.Channel()
	if err != nil {
		t.Fatalf("channel: %v", err)
	}
	return ch
}

func declare(t *testing.T, ch *amqp.Channel, q string) {
	t.Helper()
	if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
		t.Fatalf("declare %s: %v", q, err)
	}
}

func publish(t *testing.T, ch *amqp.Channel, q, body string) {
	t.Helper()
	err := ch.PublishWithContext(context.Background(), "", q, true, false, amqp.Publishing{Body: []byte(body), DeliveryMode: amqp.Persistent})
	if err != nil {
		t.Fatalf("publish to %s: %v", q, err)
	}
}

// getJSON GETs an API URL as guest and decodes a 200 answer into v.
func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("guest", "guest")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: decode: %v", url, err)
		}
	}
	return res.StatusCode
}

// queueMessages reads a queue's depth from the management API. Publishes
// are asynchronous, so it waits briefly for the count to reach 0 or 5,
// the two depths the test expects.
func queueMessages(t *testing.T, base, q string) int {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); ; {
		var body struct {
			Messages *int `json:"messages"`
		}
		if status := getJSON(t, base+"/api/queues/%2F/"+q, &body); status != http.StatusOK || body.Messages == nil {
			t.Fatalf("GET queue %s: status %d, messages %v", q, status, body.Messages)
		}
		if n := *body.Messages; n == 5 || n == 0 || time.Now().After(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// durableSubscription subscribes a STOMP client durably (ActiveMQ's
// activemq.subscriptionName) to /topic/prices.
func durableSubscription(t *testing.T, b *servertest.Broker, clientID, name string) {
	t.Helper()
	c, err := stomp.Dial("tcp", b.Addr("stomp").String(), stomp.ConnOpt.Login("guest", "guest"), stomp.ConnOpt.Header("client-id", clientID))
	if err != nil {
		t.Fatalf("stomp connect: %v", err)
	}
	t.Cleanup(func() { _ = c.MustDisconnect() })
	_, err = c.Subscribe("/topic/prices", stomp.AckClient, stomp.SubscribeOpt.Header("activemq.subscriptionName", name))
	if err != nil {
		t.Fatalf("stomp durable subscribe: %v", err)
	}
}

// traffic publishes to and consumes from queue "traffic" at a rate that
// swings between about 20 and 120 messages a second, with a consumer
// slower than the peaks, so the overview's charts show moving lines in the
// screenshot.
func traffic(t *testing.T, b *servertest.Broker) (stop func()) {
	t.Helper()
	pc := dial(t, b, "e2e-traffic-producer")
	cc := dial(t, b, "e2e-traffic-consumer")
	pch, cch := channel(t, pc), channel(t, cc)
	declare(t, pch, "traffic")
	if err := cch.Qos(10, 0, false); err != nil {
		t.Fatalf("qos: %v", err)
	}
	msgs, err := cch.Consume("traffic", "traffic", false, false, false, false, nil)
	if err != nil {
		t.Fatalf("consume traffic: %v", err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		start := time.Now()
		for {
			rate := 70 + 50*math.Sin(time.Since(start).Seconds()/2)
			select {
			case <-done:
				return
			case <-time.After(time.Duration(float64(time.Second) / rate)):
			}
			err := pch.PublishWithContext(context.Background(), "", "traffic", false, false, amqp.Publishing{Body: []byte("tick")})
			if err != nil {
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case d, ok := <-msgs:
				if !ok {
					return
				}
				time.Sleep(12 * time.Millisecond)
				if err := d.Ack(false); err != nil && !errors.Is(err, amqp.ErrClosed) {
					return
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}
