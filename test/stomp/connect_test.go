package stomp_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3"
)

func TestAcceptVersionNegotiatesTheHighestCommonVersion(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	cases := []struct {
		accept []stomp.Version
		want   stomp.Version
	}{
		{[]stomp.Version{stomp.V10}, stomp.V10},
		{[]stomp.Version{stomp.V11}, stomp.V11},
		{[]stomp.Version{stomp.V12}, stomp.V12},
		{[]stomp.Version{stomp.V10, stomp.V11}, stomp.V11},
		{[]stomp.Version{stomp.V10, stomp.V11, stomp.V12}, stomp.V12},
	}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(joinVersions(tc.accept), ",", "_"), func(t *testing.T) {
			c := b.dial(t, stomp.ConnOpt.AcceptVersion(tc.accept...))
			if got := c.Version(); got != tc.want {
				t.Errorf("accept-version %s negotiated %s, want %s", joinVersions(tc.accept), got, tc.want)
			}
			// The version is in force: a message goes through.
			q := "/queue/" + name(t, "q")
			s := subscribe(t, c, q, stomp.AckAuto)
			send(t, c, q, "hello "+string(tc.want))
			if got := string(recv(t, s, "after negotiation").Body); got != "hello "+string(tc.want) {
				t.Errorf("received %q, want %q", got, "hello "+string(tc.want))
			}
		})
	}
}

func joinVersions(vs []stomp.Version) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ",")
}

func TestConnectedFrameNamesTheNegotiatedVersion(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	for _, tc := range []struct{ accept, want string }{
		{"1.1,1.2", "1.2"},
		{"1.0,1.1", "1.1"},
		{"1.2,2.0", "1.2"},
	} {
		c := rawDial(t, b.addr)
		f := c.connect("accept-version:"+tc.accept, "host:/")
		if got := f.value("version"); got != tc.want {
			t.Errorf("accept-version:%s: CONNECTED version %q, want %q", tc.accept, got, tc.want)
		}
		if f.value("session") == "" {
			t.Errorf("accept-version:%s: CONNECTED has no session header: %s", tc.accept, f)
		}
	}
}

func TestConnectWithoutAcceptVersionSpeaksSTOMP10(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	c := rawDial(t, b.addr)
	f := c.connect("login:guest", "passcode:guest")
	if v, ok := f.get("version"); ok && v != "1.0" {
		t.Errorf("CONNECTED version %q for a 1.0 client, want 1.0 or none", v)
	}
	// 1.0 has no header escaping: a backslash sequence is literal.
	q := "/queue/" + name(t, "q")
	c.receipt("SUBSCRIBE", "", "s", "destination:"+q)
	c.send("SEND", "x", "destination:"+q, `note:a\cb`)
	m := c.expect("MESSAGE")
	if got := m.value("note"); got != `a\cb` {
		t.Errorf("1.0 MESSAGE header note = %q, want the literal %q", got, `a\cb`)
	}
}

func TestSTOMPFrameConnectsWithVersion12(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	c := b.dial(t, stomp.ConnOpt.UseStomp, stomp.ConnOpt.AcceptVersion(stomp.V11, stomp.V12))
	if got := c.Version(); got != stomp.V12 {
		t.Errorf("STOMP frame negotiated %s, want 1.2", got)
	}
	q := "/queue/" + name(t, "q")
	s := subscribe(t, c, q, stomp.AckAuto)
	send(t, c, q, "via STOMP frame")
	if got := string(recv(t, s, "after STOMP frame").Body); got != "via STOMP frame" {
		t.Errorf("received %q, want %q", got, "via STOMP frame")
	}
}

// STOMP 1.2 §Protocol Negotiation: with no common version the server
// answers ERROR with a version header listing the versions it supports,
// and closes.
func TestAcceptVersionWithNoCommonVersionIsRefusedWithSupportedVersions(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	c := rawDial(t, b.addr)
	c.send("CONNECT", "", "accept-version:2.0,2.1", "host:/")
	f := c.expectError("CONNECT accept-version:2.0,2.1")
	if got := f.value("version"); got != "1.0,1.1,1.2" {
		t.Errorf("ERROR version header %q, want %q (STOMP 1.2 Protocol Negotiation)", got, "1.0,1.1,1.2")
	}
	b.serves(t)
}

func TestLoginWithAConfiguredUserSucceeds(t *testing.T) {
	t.Parallel()
	b := start(t, withUser("alice", "s3cret"))
	c := b.dial(t, stomp.ConnOpt.Login("alice", "s3cret"))
	q := "/queue/" + name(t, "q")
	s := subscribe(t, c, q, stomp.AckAuto)
	send(t, c, q, "from alice")
	if got := string(recv(t, s, "as alice").Body); got != "from alice" {
		t.Errorf("received %q, want %q", got, "from alice")
	}
}

func TestWrongPasscodeIsRefusedWithErrorAndClose(t *testing.T) {
	t.Parallel()
	b := start(t, withUser("alice", "s3cret"))

	_, err := b.tryDial(stomp.ConnOpt.Login("alice", "wrong"))
	f := stompError(t, err, "go-stomp CONNECT with a wrong passcode")
	if msg := f.Header.Get("message"); msg == "" {
		t.Errorf("ERROR frame without a message header: %v", f.Header)
	}

	c := rawDial(t, b.addr)
	c.send("CONNECT", "", "accept-version:1.2", "host:/", "login:alice", "passcode:wrong", "receipt:login-1")
	e := c.expectError("raw CONNECT with a wrong passcode")
	if strings.Contains(string(e.body), "s3cret") || strings.Contains(e.value("message"), "s3cret") {
		t.Errorf("ERROR frame reveals the password: %s", e)
	}
	c = rawDial(t, b.addr)
	c.send("CONNECT", "", "accept-version:1.2", "host:/", "login:nobody", "passcode:x")
	c.expectError("CONNECT as an unknown user")
	b.serves(t)
}

func TestHostHeaderSelectsTheVirtualHost(t *testing.T) {
	t.Parallel()
	b := start(t, withUser("alice", "pw", "/", "tenant"))
	q := "/queue/" + name(t, "q")

	tenant := b.dial(t, stomp.ConnOpt.Login("alice", "pw"), stomp.ConnOpt.Host("tenant"))
	send(t, tenant, q, "in tenant")

	root := b.dial(t, stomp.ConnOpt.Login("alice", "pw"), stomp.ConnOpt.Host("/"))
	rs := subscribe(t, root, q, stomp.AckAuto)
	noMessage(t, rs, "a queue of the same name on vhost /")

	ts := subscribe(t, b.dial(t, stomp.ConnOpt.Login("alice", "pw"), stomp.ConnOpt.Host("tenant")), q, stomp.AckAuto)
	if got := string(recv(t, ts, "vhost tenant").Body); got != "in tenant" {
		t.Errorf("vhost tenant received %q, want %q", got, "in tenant")
	}
}

func TestDisconnectWithReceiptGetsTheReceiptThenClose(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	c := rawDial(t, b.addr)
	c.connect()
	c.send("DISCONNECT", "", "receipt:bye-77")
	r := c.expect("RECEIPT")
	if got := r.value("receipt-id"); got != "bye-77" {
		t.Errorf("RECEIPT receipt-id %q, want bye-77", got)
	}
	c.expectClosed("after DISCONNECT")

	// go-stomp's Disconnect waits for that receipt.
	if err := b.dial(t).Disconnect(); err != nil {
		t.Errorf("go-stomp Disconnect: %v", err)
	}
}

// Every client frame may carry a receipt header; the broker answers each
// with a RECEIPT naming it, in order.
func TestEveryFrameWithAReceiptHeaderGetsARECEIPT(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	c := rawDial(t, b.addr)
	c.connect()
	q := "/queue/" + name(t, "q")
	c.receipt("SEND", "one", "r-send-1", "destination:"+q)
	c.receipt("SEND", "two", "r-send-2", "destination:"+q)

	c.send("SUBSCRIBE", "", "id:0", "destination:"+q, "ack:client-individual", "receipt:r-sub")
	var msgs []*rawFrame
	gotReceipt := false
	for i := 0; i < 3; i++ {
		f, err := c.read(wait)
		if err != nil {
			t.Fatalf("after SUBSCRIBE: %v", err)
		}
		switch {
		case f.command == "RECEIPT" && f.value("receipt-id") == "r-sub":
			gotReceipt = true
		case f.command == "MESSAGE":
			msgs = append(msgs, f)
		default:
			t.Fatalf("after SUBSCRIBE: unexpected %s", f)
		}
	}
	if !gotReceipt || len(msgs) != 2 || string(msgs[0].body) != "one" || string(msgs[1].body) != "two" {
		t.Fatalf("after SUBSCRIBE: receipt %v, messages %v; want the receipt and MESSAGEs one, two", gotReceipt, msgs)
	}
	c.receipt("ACK", "", "r-ack", "id:"+msgs[0].value("ack"))
	c.receipt("BEGIN", "", "r-begin", "transaction:t1")
	c.receipt("COMMIT", "", "r-commit", "transaction:t1")
	c.receipt("BEGIN", "", "r-begin-2", "transaction:t2")
	c.receipt("ABORT", "", "r-abort", "transaction:t2")

	// NACK requeues "two", which comes back on the same subscription.
	c.send("NACK", "", "id:"+msgs[1].value("ack"), "receipt:r-nack")
	gotReceipt, redelivered := false, false
	for i := 0; i < 2; i++ {
		f, err := c.read(wait)
		if err != nil {
			t.Fatalf("after NACK: %v", err)
		}
		switch {
		case f.command == "RECEIPT" && f.value("receipt-id") == "r-nack":
			gotReceipt = true
		case f.command == "MESSAGE" && string(f.body) == "two":
			redelivered = true
		default:
			t.Fatalf("after NACK: unexpected %s", f)
		}
	}
	if !gotReceipt || !redelivered {
		t.Fatalf("after NACK: receipt %v, redelivery %v; want both", gotReceipt, redelivered)
	}
	c.receipt("UNSUBSCRIBE", "", "r-unsub", "id:0")
	c.receipt("DISCONNECT", "", "r-disc")
}

func TestErrorFrameCarriesMessageAndTheReceiptIdOfTheOffendingFrame(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	c := rawDial(t, b.addr)
	c.connect()
	c.send("SEND", "x", "destination:/nowhere/x", "receipt:bad-1")
	e := c.expectError("SEND to an unknown destination prefix")
	if got := e.value("receipt-id"); got != "bad-1" {
		t.Errorf("ERROR receipt-id %q, want bad-1: %s", got, e)
	}
	if !strings.Contains(e.value("message")+string(e.body), "/nowhere/x") {
		t.Errorf("ERROR does not name the destination: %s", e)
	}
	b.serves(t)
}

func TestHeartBeatValuesAreNegotiated(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	c := rawDial(t, b.addr)
	f := c.connect("accept-version:1.2", "host:/", "heart-beat:5000,3000")
	// The broker sends every 3000 ms (what the client asked to receive)
	// and expects the client's every 5000 ms.
	if got := f.value("heart-beat"); got != "3000,5000" {
		t.Errorf("CONNECTED heart-beat %q, want 3000,5000", got)
	}

	gc := b.dial(t, stomp.ConnOpt.HeartBeat(2*time.Second, 4*time.Second))
	if gc.Version() != stomp.V12 {
		t.Errorf("go-stomp with heart-beats negotiated %s", gc.Version())
	}
}

func TestBrokerSendsHeartBeatsWhenAsked(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	c := rawDial(t, b.addr)
	c.connect("accept-version:1.2", "host:/", "heart-beat:0,100")
	// Over two seconds of silence the broker sends an EOL about every
	// 100 ms; five allows for a machine that stalls the test for a second.
	if f, err := c.read(2 * time.Second); err == nil {
		t.Fatalf("unexpected frame while idle: %s", f)
	}
	if c.heartbeats < 5 {
		t.Errorf("%d heart-beats in 2 s at an agreed 100 ms, want several", c.heartbeats)
	}
}

func TestBrokerClosesAClientThatStopsHeartBeating(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	c := rawDial(t, b.addr)
	c.connect("accept-version:1.2", "host:/", "heart-beat:100,0")
	// Beat for longer than the broker's timeout: the connection stays up.
	for i := 0; i < 20; i++ {
		c.write([]byte("\n"))
		time.Sleep(100 * time.Millisecond)
	}
	c.receipt("BEGIN", "", "still-up", "transaction:t")
	// Then stop: the broker must drop the connection.
	c.expectClosed("client silent after promising heart-beats every 100 ms")
	b.serves(t)
}

func TestHeartBeatingIdleClientStaysConnected(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	c := b.dial(t, stomp.ConnOpt.HeartBeat(100*time.Millisecond, 100*time.Millisecond))
	q := "/queue/" + name(t, "q")
	// No receipts here: go-stomp waits for a receipt only as long as its
	// heart-beat interval, 100 ms. Frames on one connection stay in order,
	// so the SEND after the SUBSCRIBE reaches the subscription.
	s, err := c.Subscribe(q, stomp.AckAuto)
	if err != nil {
		t.Fatalf("SUBSCRIBE: %v", err)
	}
	time.Sleep(2 * time.Second) // well past the broker's 1.2 s limit for silence
	if err := c.Send(q, "text/plain", []byte("after idling")); err != nil {
		t.Fatalf("SEND after idling: %v", err)
	}
	if got := string(recv(t, s, "after idling").Body); got != "after idling" {
		t.Errorf("received %q, want %q", got, "after idling")
	}
}

// The broker must beat at least as often as agreed: clients allow little
// slack (stomp.py gives up after 1.5 intervals of silence, go-stomp after
// one interval plus its HeartBeatError).
func TestBrokerHeartBeatsKeepTheNegotiatedInterval(t *testing.T) {
	t.Parallel()
	b := start(t, nil)
	c := rawDial(t, b.addr)
	c.connect("accept-version:1.2", "host:/", "heart-beat:0,200")
	var gaps []time.Duration
	last := time.Now()
	// Nine beats take 1.8 s at 200 ms; the deadline leaves room for a
	// loaded machine to stall this test (or the broker) for a while.
	deadline := last.Add(5 * time.Second)
	for len(gaps) < 9 && time.Now().Before(deadline) {
		_ = c.nc.SetReadDeadline(deadline)
		by, err := c.r.ReadByte()
		if err != nil {
			break
		}
		if by != '\n' {
			t.Fatalf("byte %q while idle, want only heart-beat EOLs", by)
		}
		now := time.Now()
		gaps = append(gaps, now.Sub(last).Round(10*time.Millisecond))
		last = now
	}
	// A stall of most of a second, which no broker can help, stretches one
	// gap, so the typical gap is what must keep the interval: the median
	// of nine.
	sorted := slices.Clone(gaps)
	slices.Sort(sorted)
	if len(gaps) < 9 || sorted[len(sorted)/2] > 200*time.Millisecond {
		t.Errorf("%d heart-beats in 5 s at an agreed 200 ms (gaps %v), want 9 with a median gap within 200 ms", len(gaps), gaps)
	}
}
