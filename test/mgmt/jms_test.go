package mgmt

import (
	"bufio"
	"io"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3"
	"github.com/junctionmq/junction/test/javatest"
)

// holder is the running java/Holder.java.
type holder struct {
	lines chan string
	stdin io.WriteCloser
}

// startHolder runs Holder.java (Java's single-file launcher compiles it)
// and waits for its READY line.
func startHolder(t *testing.T, addr, clientID string) *holder {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("java not found: install a JDK (Debian: default-jdk-headless)")
	}
	cp := javatest.BrokerJars()
	if cp == "" {
		t.Skip("ActiveMQ client jars not found: install libactivemq-java or set JMS_CLASSPATH")
	}
	cmd := exec.Command(java, "-cp", cp, "java/Holder.java", "tcp://"+addr, clientID)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &holder{lines: make(chan string, 16), stdin: stdin}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		close(h.lines)
	}()
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	if line := h.next(t, 60*time.Second); line != "READY" {
		t.Fatalf("Holder.java said %q, want READY; stderr:\n%s", line, stderr.String())
	}
	return h
}

func (h *holder) next(t *testing.T, wait time.Duration) string {
	t.Helper()
	select {
	case l, ok := <-h.lines:
		if !ok {
			return "(exited)"
		}
		return l
	case <-time.After(wait):
		t.Fatal("Holder.java said nothing in time")
	}
	return ""
}

func TestJMSClientIsListedWithItsDurableSubscriptionAndPreparedXATransaction(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	h := startHolder(t, b.Addr("openwire").String(), "jms-app")

	conns := connectionsByClientName(t, g)
	c := conns["jms-app"]
	if c == nil {
		t.Fatalf("no OpenWire connection with connection_name jms-app in %v", conns)
	}
	if c["protocol"] != "OpenWire" || c["user"] != "guest" || c["vhost"] != "/" || c["peer_host"] != "127.0.0.1" || num(t, c, "channels") < 1 {
		t.Fatalf("OpenWire connection = %v", c)
	}

	var subs []obj
	g.get("/api/jms/durable-subscriptions", &subs)
	if len(subs) != 1 {
		t.Fatalf("durable subscriptions = %v, want 1", subs)
	}
	s := subs[0]
	if s["client_id"] != "jms-app" || s["subscription_name"] != "feed" || s["topic"] != "prices" || s["selector"] != "region = 'eu'" ||
		s["active"] != true || num(t, s, "consumers") != 1 || num(t, s, "pending_messages") != 0 {
		t.Fatalf("durable subscription = %v", s)
	}

	var xas []obj
	g.get("/api/jms/xa-transactions", &xas)
	if len(xas) != 1 || num(t, xas[0], "format_id") != 42 || xas[0]["global_transaction_id"] != "67747831" || xas[0]["branch_qualifier"] != "6231" {
		t.Fatalf("prepared XA transactions = %v, want format 42 gtx1/b1 in hex", xas)
	}

	g.must(204, "DELETE", "/api/connections/"+url.PathEscape(c["name"].(string)), nil, "X-Reason", "jms maintenance")
	line := h.next(t, 10*time.Second)
	if !strings.HasPrefix(line, "EXCEPTION") || !strings.Contains(line, "jms maintenance") {
		t.Fatalf("JMS client saw %q, want its exception listener to get the reason", line)
	}
	eventually(t, "the subscription to stay, inactive", func() bool {
		g.get("/api/jms/durable-subscriptions", &subs)
		return len(subs) == 1 && subs[0]["active"] == false && subs[0]["client_id"] == "jms-app"
	})
}

func TestSTOMPDurableSubscriptionIsListedAsAJMSDurableSubscription(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	sc, err := stomp.Dial("tcp", b.Addr("stomp").String(), stomp.ConnOpt.Login("guest", "guest"), stomp.ConnOpt.Header("client-id", "stomp-client"))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Disconnect()
	if _, err := sc.Subscribe("/topic/news", stomp.AckClient, stomp.SubscribeOpt.Header("activemq.subscriptionName", "daily")); err != nil {
		t.Fatal(err)
	}
	var subs []obj
	// SUBSCRIBE declares and binds the subscription's queue, then attaches
	// the consumer: the listing may show it for a moment before it is active.
	eventually(t, "the subscription to be listed, active", func() bool {
		g.get("/api/jms/durable-subscriptions", &subs)
		return len(subs) == 1 && subs[0]["active"] == true
	})
	s := subs[0]
	if s["client_id"] != "stomp-client" || s["subscription_name"] != "daily" || s["topic"] != "news" || s["active"] != true {
		t.Fatalf("subscription = %v", s)
	}
}
