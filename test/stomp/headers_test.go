package stomp_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3"
)

func TestBinaryBodyWithNULsSurvivesByContentLength(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := "/queue/" + name(t, "q")
	body := []byte{0, 1, 2, 0, 0, 0xff, '\n', 0, 'x', 0}
	c := b.dial(t)
	s := subscribe(t, c, q, stomp.AckAuto)
	if err := c.Send(q, "application/octet-stream", body, stomp.SendOpt.Receipt); err != nil {
		t.Fatalf("SEND: %v", err)
	}
	m := recv(t, s, "binary body")
	if !bytes.Equal(m.Body, body) {
		t.Errorf("body %v, want %v", m.Body, body)
	}
	wantHeader(t, m, "content-length", strconv.Itoa(len(body)))
	wantHeader(t, m, "content-type", "application/octet-stream")

	// A frame without content-length ends at the first NUL.
	r := rawDial(t, b.addr)
	r.connect()
	r.receipt("SEND", "text body", "r1", "destination:"+q)
	if got := string(recv(t, s, "body without content-length").Body); got != "text body" {
		t.Errorf("body %q, want %q", got, "text body")
	}
}

// Header values survive a round trip through the broker in each version's
// escaping: 1.2 escapes \c \n \r \\, 1.1 the same but \r, 1.0 nothing.
func TestHeaderEscapingFollowsTheVersion(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	cases := []struct {
		version string
		sent    string // on the wire in SEND
		want    string // on the wire in MESSAGE
	}{
		{"1.2", `a\cb\nc\rd\\e`, `a\cb\nc\rd\\e`},
		{"1.1", `a\cb\nc\\e`, `a\cb\nc\\e`},
		{"1.0", `a\cb:c\\`, `a\cb:c\\`},
	}
	for _, tc := range cases {
		t.Run(tc.version, func(t *testing.T) {
			c := rawDial(t, b.addr)
			c.connect("accept-version:"+tc.version, "host:/")
			q := "/queue/" + name(t, "q")
			c.receipt("SUBSCRIBE", "", "s", "id:0", "destination:"+q)
			c.send("SEND", "x", "destination:"+q, "x-escaped:"+tc.sent)
			m := c.expect("MESSAGE")
			if got := m.value("x-escaped"); got != tc.want {
				t.Errorf("MESSAGE header on the wire %q, want %q", got, tc.want)
			}
		})
	}

	// A carriage return a 1.2 client sent cannot be escaped for 1.1, where
	// \r is undefined: it must not reach a 1.1 client as \r.
	q := "/queue/" + name(t, "cr")
	v11 := rawDial(t, b.addr)
	v11.connect("accept-version:1.1", "host:/")
	v11.receipt("SUBSCRIBE", "", "s", "id:0", "destination:"+q)
	v12 := rawDial(t, b.addr)
	v12.connect()
	v12.receipt("SEND", "x", "sent", "destination:"+q, `x-cr:a\rb`)
	m := v11.expect("MESSAGE")
	if got := m.value("x-cr"); strings.Contains(got, `\r`) {
		t.Errorf("1.1 MESSAGE header %q uses the escape \\r, undefined in 1.1", got)
	}

	// go-stomp decodes 1.2 escapes: the value is the original.
	gc := b.dial(t)
	gq := "/queue/" + name(t, "go")
	s := subscribe(t, gc, gq, stomp.AckAuto)
	send(t, gc, gq, "x", hdr("x-value", "a:b\nc\\d"))
	wantHeader(t, recv(t, s, "escaped value"), "x-value", "a:b\nc\\d")
}

func TestStandardHeadersReachTheConsumer(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := name(t, "q")
	c := b.dial(t)
	s := subscribe(t, c, "/queue/"+q, stomp.AckAuto, stomp.SubscribeOpt.Id("my-sub"))
	send(t, c, "/queue/"+q, "one",
		hdr("correlation-id", "corr-1"), hdr("reply-to", "/queue/answers"), hdr("type", "order"),
		hdr("x-custom", "v1"), hdr("JMSXGroupID", "g1"))
	send(t, c, "/queue/"+q, "two")
	m1, m2 := recv(t, s, "one"), recv(t, s, "two")
	wantHeader(t, m1, "destination", "/queue/"+q)
	wantHeader(t, m1, "subscription", "my-sub")
	wantHeader(t, m1, "correlation-id", "corr-1")
	wantHeader(t, m1, "reply-to", "/queue/answers")
	wantHeader(t, m1, "type", "order")
	wantHeader(t, m1, "x-custom", "v1")
	wantHeader(t, m1, "JMSXGroupID", "g1")
	wantHeader(t, m1, "content-type", "text/plain")
	id1, ok1 := header(m1, "message-id")
	id2, ok2 := header(m2, "message-id")
	if !ok1 || !ok2 || id1 == "" || id1 == id2 {
		t.Errorf("message-ids %q and %q, want two distinct ids", id1, id2)
	}
	for _, h := range []string{"correlation-id", "reply-to", "type", "x-custom"} {
		if v, ok := header(m2, h); ok {
			t.Errorf("second message carries %s:%s it was not sent with", h, v)
		}
	}
}

func TestPersistentHeaderIsVisibleToConsumers(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := "/queue/" + name(t, "q")
	c := b.dial(t)
	s := subscribe(t, c, q, stomp.AckAuto)
	send(t, c, q, "durable", hdr("persistent", "true"))
	send(t, c, q, "transient")
	wantHeader(t, recv(t, s, "persistent"), "persistent", "true")
	if v, ok := header(recv(t, s, "transient"), "persistent"); ok && v == "true" {
		t.Errorf("a message sent without persistent:true arrives with persistent:true")
	}
}

func TestPriorityHeaderOrdersTheQueueAndReachesConsumers(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := "/queue/" + name(t, "q")
	c := b.dial(t)
	for _, p := range []string{"1", "9", "4", "9"} {
		send(t, c, q, "p"+p, hdr("priority", p))
	}
	s := subscribe(t, c, q, stomp.AckAuto)
	var got []string
	for i := 0; i < 4; i++ {
		m := recv(t, s, "by priority")
		got = append(got, string(m.Body))
		wantHeader(t, m, "priority", strings.TrimPrefix(string(m.Body), "p"))
	}
	if want := []string{"p9", "p9", "p4", "p1"}; !equal(got, want) {
		t.Errorf("delivery order %v, want %v (highest priority first)", got, want)
	}
}

func TestExpiredMessagesAreNotDelivered(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := "/queue/" + name(t, "q")
	c := b.dial(t)
	past := strconv.FormatInt(time.Now().Add(-time.Second).UnixMilli(), 10)
	send(t, c, q, "expired (absolute)", hdr("expires", past))
	send(t, c, q, "expired (relative)", hdr("expiration", "1"))
	future := time.Now().Add(time.Hour).UnixMilli()
	send(t, c, q, "live (absolute)", hdr("expires", strconv.FormatInt(future, 10)))
	before := time.Now().UnixMilli()
	send(t, c, q, "live (relative)", hdr("expiration", "60000"))
	after := time.Now().UnixMilli()
	time.Sleep(50 * time.Millisecond) // let the 1 ms TTL pass

	s := subscribe(t, c, q, stomp.AckAuto)
	abs, rel := recv(t, s, "live (absolute)"), recv(t, s, "live (relative)")
	if string(abs.Body) != "live (absolute)" || string(rel.Body) != "live (relative)" {
		t.Fatalf("received %q, %q, want only the two live messages", abs.Body, rel.Body)
	}
	noMessage(t, s, "two expired messages")
	wantHeader(t, abs, "expires", strconv.FormatInt(future, 10))
	exp, err := strconv.ParseInt(rel.Header.Get("expires"), 10, 64)
	if err != nil || exp < before+60000 || exp > after+60000 {
		t.Errorf("expiration:60000 arrives as expires:%q, want an absolute time in [%d, %d]", rel.Header.Get("expires"), before+60000, after+60000)
	}
}

func TestSelectorFiltersQueueDeliveries(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	q := "/queue/" + name(t, "q")
	c := b.dial(t)
	red := subscribe(t, c, q, stomp.AckAuto, hdr("selector", "color = 'red' AND size > 2"))
	for _, m := range []struct{ body, color, size string }{
		{"r1", "red", "3"}, {"b1", "blue", "5"}, {"r-small", "red", "1"}, {"r2", "red", "10"},
	} {
		send(t, c, q, m.body, hdr("color", m.color), hdr("size", m.size))
	}
	if got := recvBodies(t, red, 2); !equal(got, []string{"r1", "r2"}) {
		t.Errorf("selector subscriber received %v, want [r1 r2]", got)
	}
	noMessage(t, red, "only two messages match")
	// The others stay in the queue.
	if got := bodiesOf(leftover(t, b, q, 2)); !equal(got, []string{"b1", "r-small"}) {
		t.Errorf("queue holds %v, want [b1 r-small]", got)
	}
}

func TestSelectorFiltersTopicDeliveries(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	topic := "/topic/" + name(t, "t")
	sel := subscribe(t, b.dial(t), topic, stomp.AckAuto, hdr("selector", "region IN ('eu', 'us')"))
	all := subscribe(t, b.dial(t), topic, stomp.AckAuto)
	pub := b.dial(t)
	for _, r := range []string{"eu", "asia", "us"} {
		send(t, pub, topic, r, hdr("region", r))
	}
	if got := recvBodies(t, sel, 2); !equal(got, []string{"eu", "us"}) {
		t.Errorf("selector subscriber received %v, want [eu us]", got)
	}
	noMessage(t, sel, "two of three match")
	if got := recvBodies(t, all, 3); !equal(got, []string{"eu", "asia", "us"}) {
		t.Errorf("plain subscriber received %v, want all three", got)
	}
}

func TestInvalidSelectorIsAnError(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	c := rawDial(t, b.addr)
	c.connect()
	c.send("SUBSCRIBE", "", "id:0", "destination:/queue/"+name(t, "q"), "selector:color = = 'x'", "receipt:sel")
	e := c.expectError("SUBSCRIBE with a malformed selector")
	if got := e.value("receipt-id"); got != "sel" {
		t.Errorf("ERROR receipt-id %q, want sel", got)
	}
	b.serves(t)
}
