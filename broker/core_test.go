package broker

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/junctionmq/junction/auth"
	"github.com/junctionmq/junction/message"
)

// recorder is a Sink that records deliveries in order.
type recorder struct {
	mu        sync.Mutex
	got       []Delivery
	cancelled int
}

func (r *recorder) Deliver(d Delivery) {
	r.mu.Lock()
	r.got = append(r.got, d)
	r.mu.Unlock()
}

func (r *recorder) ConsumerCancelled(*Consumer) {
	r.mu.Lock()
	r.cancelled++
	r.mu.Unlock()
}

func (r *recorder) bodies() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.got))
	for i, d := range r.got {
		out[i] = string(d.Message.Body)
	}
	return out
}

func (r *recorder) take() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	return out
}

func newTestVHost(t *testing.T) (*VHost, *Client) {
	t.Helper()
	b := mustNew(t, Options{Users: auth.NewDefaultRegistry()})
	v, _ := b.VHost("/")
	return v, InternalClient(v)
}

func msg(exchange, key, body string) *message.Message {
	m := message.NewInternal(&message.Properties{})
	m.Exchange, m.RoutingKey, m.Body = exchange, key, []byte(body)
	return m
}

func publish(t *testing.T, v *VHost, c *Client, m *message.Message) PublishResult {
	t.Helper()
	res, err := v.Publish(c, m, nil)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	return res
}

func declare(t *testing.T, v *VHost, c *Client, name string, args message.Table) *Queue {
	t.Helper()
	q, err := v.DeclareQueue(c, QueueSpec{Name: name, Args: args}, false)
	if err != nil {
		t.Fatalf("declare %s: %v", name, err)
	}
	return q
}

func TestRoundRobinAmongEqualPriorityConsumers(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", nil)
	var a, b recorder
	if _, err := q.Consume(c, ConsumerOptions{Tag: "a"}, &a); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Consume(c, ConsumerOptions{Tag: "b"}, &b); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		publish(t, v, c, msg("", "q", fmt.Sprint(i)))
	}
	if got := fmt.Sprint(a.bodies()); got != "[0 2 4]" {
		t.Errorf("consumer a got %s", got)
	}
	if got := fmt.Sprint(b.bodies()); got != "[1 3 5]" {
		t.Errorf("consumer b got %s", got)
	}
}

func TestHigherPriorityConsumerServedUntilBlocked(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", nil)
	var hi, lo recorder
	hiLimit := NewLimiter(2, 0)
	q.Consume(c, ConsumerOptions{Tag: "lo", Priority: 0}, &lo)
	q.Consume(c, ConsumerOptions{Tag: "hi", Priority: 10, Limit: hiLimit}, &hi)
	for i := 0; i < 5; i++ {
		publish(t, v, c, msg("", "q", fmt.Sprint(i)))
	}
	if got := fmt.Sprint(hi.bodies()); got != "[0 1]" {
		t.Errorf("high priority got %s, want its prefetch of 2", got)
	}
	if got := fmt.Sprint(lo.bodies()); got != "[2 3 4]" {
		t.Errorf("low priority got %s", got)
	}
}

func TestPrefetchWindowRefillsOnAck(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", nil)
	var r recorder
	q.Consume(c, ConsumerOptions{Tag: "c", Limit: NewLimiter(2, 0)}, &r)
	for i := 0; i < 5; i++ {
		publish(t, v, c, msg("", "q", fmt.Sprint(i)))
	}
	first := r.take()
	if len(first) != 2 {
		t.Fatalf("delivered %d before any ack, want 2", len(first))
	}
	q.Settle([]*Entry{first[0].Entry}, Ack)
	if got := r.take(); len(got) != 1 || string(got[0].Message.Body) != "2" {
		t.Fatalf("after one ack: %v", got)
	}
	ready, unacked, _ := q.Counts()
	if ready != 2 || unacked != 2 {
		t.Fatalf("counts ready=%d unacked=%d, want 2/2", ready, unacked)
	}
}

func TestRequeueRestoresOriginalOrderAndFlagsRedelivered(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", nil)
	for i := 0; i < 4; i++ {
		publish(t, v, c, msg("", "q", fmt.Sprint(i)))
	}
	d0, _, _ := q.Get(false)
	d1, _, _ := q.Get(false)
	q.Settle([]*Entry{d1.Entry, d0.Entry}, Requeue)
	var order []string
	var redelivered []bool
	for {
		d, _, ok := q.Get(true)
		if !ok {
			break
		}
		order = append(order, string(d.Message.Body))
		redelivered = append(redelivered, d.Redelivered)
	}
	if fmt.Sprint(order) != "[0 1 2 3]" || fmt.Sprint(redelivered) != "[true true false false]" {
		t.Fatalf("order %v redelivered %v", order, redelivered)
	}
}

func TestPriorityQueueDeliversHighestFirst(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", message.Table{"x-max-priority": int32(5)})
	for i, p := range []uint8{1, 9, 3, 5, 0} {
		m := msg("", "q", fmt.Sprintf("m%d-p%d", i, p))
		m.Priority = p
		publish(t, v, c, m)
	}
	var order []string
	for {
		d, _, ok := q.Get(true)
		if !ok {
			break
		}
		order = append(order, string(d.Message.Body))
	}
	// Priority 9 is capped at the queue's maximum 5, sharing its level with
	// the priority-5 message in arrival order.
	if got := fmt.Sprint(order); got != "[m1-p9 m3-p5 m2-p3 m0-p1 m4-p0]" {
		t.Fatalf("order %s", got)
	}
}

type bodyFilter string

func (f bodyFilter) Match(m *message.Message) bool { return string(m.Body)[0] == string(f)[0] }

func TestFilteredConsumerLeavesOtherMessagesForOthers(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", nil)
	var reds recorder
	q.Consume(c, ConsumerOptions{Tag: "red", Filter: bodyFilter("r")}, &reds)
	for _, b := range []string{"b1", "r1", "b2", "r2"} {
		publish(t, v, c, msg("", "q", b))
	}
	if got := fmt.Sprint(reds.bodies()); got != "[r1 r2]" {
		t.Fatalf("red consumer got %s", got)
	}
	var rest recorder
	q.Consume(c, ConsumerOptions{Tag: "all"}, &rest)
	if got := fmt.Sprint(rest.bodies()); got != "[b1 b2]" {
		t.Fatalf("unfiltered consumer got %s", got)
	}
}

func TestMessageGroupSticksToOneConsumer(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", nil)
	var a, b recorder
	q.Consume(c, ConsumerOptions{Tag: "a"}, &a)
	q.Consume(c, ConsumerOptions{Tag: "b"}, &b)
	for i := 0; i < 6; i++ {
		m := msg("", "q", fmt.Sprintf("g%d-%d", i%2, i))
		m.GroupID = fmt.Sprintf("g%d", i%2)
		publish(t, v, c, m)
	}
	ga, gb := a.bodies(), b.bodies()
	if len(ga) != 3 || len(gb) != 3 {
		t.Fatalf("a=%v b=%v", ga, gb)
	}
	for _, s := range ga {
		if s[:2] != ga[0][:2] {
			t.Fatalf("group split across consumers: a=%v b=%v", ga, gb)
		}
	}
}

func TestSingleActiveConsumerFailsOver(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", message.Table{"x-single-active-consumer": true})
	var a, b recorder
	ca, _ := q.Consume(c, ConsumerOptions{Tag: "a"}, &a)
	q.Consume(c, ConsumerOptions{Tag: "b"}, &b)
	publish(t, v, c, msg("", "q", "1"))
	publish(t, v, c, msg("", "q", "2"))
	ca.Cancel()
	publish(t, v, c, msg("", "q", "3"))
	if fmt.Sprint(a.bodies()) != "[1 2]" || fmt.Sprint(b.bodies()) != "[3]" {
		t.Fatalf("a=%v b=%v", a.bodies(), b.bodies())
	}
}

func TestMaxLengthOverflowModes(t *testing.T) {
	v, c := newTestVHost(t)
	dropHead := declare(t, v, c, "drop", message.Table{"x-max-length": int32(2)})
	reject := declare(t, v, c, "reject", message.Table{"x-max-length": int32(2), "x-overflow": "reject-publish"})
	var rejected int
	for i := 0; i < 4; i++ {
		publish(t, v, c, msg("", "drop", fmt.Sprint(i)))
		rejected += publish(t, v, c, msg("", "reject", fmt.Sprint(i))).Rejected
	}
	bodies := func(q *Queue) []string {
		var out []string
		q.Browse(func(m *message.Message, _ bool) bool { out = append(out, string(m.Body)); return true })
		return out
	}
	if got := fmt.Sprint(bodies(dropHead)); got != "[2 3]" {
		t.Errorf("drop-head kept %s", got)
	}
	if got := fmt.Sprint(bodies(reject)); got != "[0 1]" || rejected != 2 {
		t.Errorf("reject-publish kept %s, rejected %d", got, rejected)
	}
}

func TestExpiredMessagesAreDeadLetteredWithXDeath(t *testing.T) {
	v, c := newTestVHost(t)
	declare(t, v, c, "dead", nil)
	if err := v.QueueBind(c, "dead", "amq.direct", "dl-key", nil); err != nil {
		t.Fatal(err)
	}
	q := declare(t, v, c, "ttl", message.Table{"x-message-ttl": int64(10), "x-dead-letter-exchange": "amq.direct", "x-dead-letter-routing-key": "dl-key"})
	publish(t, v, c, msg("", "ttl", "soon dead"))
	dead, _ := v.Queue("dead")
	deadline := time.Now().Add(2 * time.Second)
	for {
		if r, _, _ := dead.Counts(); r == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("message was not dead-lettered after its TTL")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if r, _, _ := q.Counts(); r != 0 {
		t.Fatalf("ttl queue still holds %d", r)
	}
	d, _, _ := dead.Get(true)
	deaths := d.Message.Props().Headers["x-death"].([]any)
	if len(deaths) != 1 {
		t.Fatalf("x-death has %d entries", len(deaths))
	}
	e := deaths[0].(message.Table)
	if e["queue"] != "ttl" || e["reason"] != "expired" || e["count"] != int64(1) || e["exchange"] != "" {
		t.Fatalf("x-death entry %v", e)
	}
	if fmt.Sprint(e["routing-keys"]) != "[ttl]" {
		t.Fatalf("routing-keys %v", e["routing-keys"])
	}
	if d.Message.RoutingKey != "dl-key" || d.Message.Exchange != "amq.direct" {
		t.Fatalf("dead letter routed as %q/%q", d.Message.Exchange, d.Message.RoutingKey)
	}
}

func TestDeadLetterCycleWithoutRejectionIsDropped(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "self", message.Table{"x-message-ttl": int64(5), "x-dead-letter-exchange": ""})
	publish(t, v, c, msg("", "self", "loop"))
	time.Sleep(100 * time.Millisecond)
	if r, _, _ := q.Counts(); r != 0 {
		t.Fatalf("cycling message still queued (%d)", r)
	}
}

func TestRejectedMessageMayCycleBack(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "retry", message.Table{"x-dead-letter-exchange": ""})
	publish(t, v, c, msg("", "retry", "again"))
	d, _, _ := q.Get(false)
	q.Settle([]*Entry{d.Entry}, Reject)
	d2, _, ok := q.Get(true)
	if !ok {
		t.Fatal("rejected message did not come back through the dead-letter exchange")
	}
	if n := d2.Message.Props().Headers["x-death"].([]any)[0].(message.Table)["count"]; n != int64(1) {
		t.Fatalf("count %v", n)
	}
}

func TestAutoDeleteQueueGoesWithLastConsumer(t *testing.T) {
	v, c := newTestVHost(t)
	q, err := v.DeclareQueue(c, QueueSpec{Name: "ad", AutoDelete: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	var r recorder
	a, _ := q.Consume(c, ConsumerOptions{Tag: "a"}, &r)
	b, _ := q.Consume(c, ConsumerOptions{Tag: "b"}, &r)
	a.Cancel()
	if _, ok := v.Queue("ad"); !ok {
		t.Fatal("deleted while a consumer remained")
	}
	b.Cancel()
	if _, ok := v.Queue("ad"); ok {
		t.Fatal("auto-delete queue survived its last consumer")
	}
}

func TestDeletingQueueCancelsConsumers(t *testing.T) {
	v, c := newTestVHost(t)
	q := declare(t, v, c, "q", nil)
	var r recorder
	q.Consume(c, ConsumerOptions{Tag: "a"}, &r)
	publish(t, v, c, msg("", "q", "x"))
	if _, err := v.DeleteQueue(c, "q", true, false); KindOf(err) != KindPreconditionFailed {
		t.Fatalf("if-unused delete of a used queue: %v", err)
	}
	if _, err := v.DeleteQueue(c, "q", false, false); err != nil {
		t.Fatal(err)
	}
	if r.cancelled != 1 {
		t.Fatalf("consumer cancel notifications: %d", r.cancelled)
	}
}

func TestAlternateExchangeReceivesUnroutable(t *testing.T) {
	v, c := newTestVHost(t)
	if _, err := v.DeclareExchange(c, ExchangeInfo{Name: "main", Type: Direct, Args: message.Table{"alternate-exchange": "ae"}}, false); err != nil {
		t.Fatal(err)
	}
	v.DeclareExchange(c, ExchangeInfo{Name: "ae", Type: Fanout}, false)
	declare(t, v, c, "unrouted", nil)
	v.QueueBind(c, "unrouted", "ae", "", nil)
	declare(t, v, c, "routed", nil)
	v.QueueBind(c, "routed", "main", "k", nil)
	publish(t, v, c, msg("main", "k", "a"))
	publish(t, v, c, msg("main", "other", "b"))
	for name, want := range map[string]int{"routed": 1, "unrouted": 1} {
		q, _ := v.Queue(name)
		if r, _, _ := q.Counts(); r != want {
			t.Errorf("%s holds %d, want %d", name, r, want)
		}
	}
}

func TestExchangeToExchangeBindingsWithCycle(t *testing.T) {
	v, c := newTestVHost(t)
	v.DeclareExchange(c, ExchangeInfo{Name: "x1", Type: Fanout}, false)
	v.DeclareExchange(c, ExchangeInfo{Name: "x2", Type: Fanout}, false)
	if err := v.ExchangeBind(c, "x2", "x1", "", nil); err != nil {
		t.Fatal(err)
	}
	v.ExchangeBind(c, "x1", "x2", "", nil)
	q := declare(t, v, c, "q", nil)
	v.QueueBind(c, "q", "x2", "", nil)
	v.QueueBind(c, "q", "x1", "", nil)
	if res := publish(t, v, c, msg("x1", "", "once")); res.Matched != 1 {
		t.Fatalf("matched %d queues, want 1", res.Matched)
	}
	if r, _, _ := q.Counts(); r != 1 {
		t.Fatalf("queue holds %d copies, want 1", r)
	}
}

func TestHeadersExchangeMatching(t *testing.T) {
	h := message.Table{"format": "pdf", "type": "report", "size": int64(10)}
	cases := []struct {
		args message.Table
		want bool
	}{
		{message.Table{"x-match": "all", "format": "pdf", "type": "report"}, true},
		{message.Table{"x-match": "all", "format": "pdf", "type": "log"}, false},
		{message.Table{"x-match": "any", "format": "zip", "type": "report"}, true},
		{message.Table{"x-match": "any", "format": "zip"}, false},
		{message.Table{"size": int32(10)}, true},
		{message.Table{"format": nil}, true},
		{message.Table{"missing": nil}, false},
		{message.Table{"x-match": "all", "x-custom": "v"}, true},
		{message.Table{"x-match": "all-with-x", "x-custom": "v"}, false},
	}
	for i, c := range cases {
		m, err := parseXMatch(c.args)
		if err != nil {
			t.Fatal(err)
		}
		if got := matchHeaders(m, c.args, h); got != c.want {
			t.Errorf("case %d %v: got %v, want %v", i, c.args, got, c.want)
		}
	}
}

func TestExclusiveQueueLockedToOwner(t *testing.T) {
	b := mustNew(t, Options{Users: auth.NewDefaultRegistry()})
	guest, _ := b.Users().User("guest")
	c1, _ := b.Connect(guest, "/")
	c2, _ := b.Connect(guest, "/")
	v := c1.VHost
	if _, err := v.DeclareQueue(c1, QueueSpec{Name: "ex", Exclusive: true}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := v.DeclareQueue(c2, QueueSpec{Name: "ex"}, true); KindOf(err) != KindResourceLocked {
		t.Fatalf("passive declare from another connection: %v", err)
	}
	c1.Close()
	if _, ok := v.Queue("ex"); ok {
		t.Fatal("exclusive queue survived its connection")
	}
}

// connectPermitted connects user "u" to vhost "/" with the given
// configure, write and read patterns.
func connectPermitted(t *testing.T, configure, write, read string) (*Broker, *auth.Registry, *Client) {
	t.Helper()
	reg := auth.NewDefaultRegistry()
	reg.PutUser(auth.User{Name: "u", PasswordHash: auth.HashPassword("p")})
	reg.SetPermission(auth.Permission{User: "u", VHost: "/", Configure: configure, Write: write, Read: read})
	b := mustNew(t, Options{Users: reg})
	u, _ := reg.User("u")
	c, err := b.Connect(u, "/")
	if err != nil {
		t.Fatal(err)
	}
	return b, reg, c
}

func TestPermissionsAreEnforced(t *testing.T) {
	b, reg, c := connectPermitted(t, "^u\\.", "^u\\.", ".*")
	v := c.VHost
	if _, err := v.DeclareQueue(c, QueueSpec{Name: "other"}, false); KindOf(err) != KindAccessRefused {
		t.Fatalf("declare outside configure pattern: %v", err)
	}
	if _, err := v.DeclareQueue(c, QueueSpec{Name: "u.q"}, false); err != nil {
		t.Fatalf("declare inside pattern: %v", err)
	}
	m := msg("amq.direct", "k", "x")
	if _, err := v.Publish(c, m, nil); KindOf(err) != KindAccessRefused {
		t.Fatalf("publish without write on amq.direct: %v", err)
	}
	reg.PutUser(auth.User{Name: "nobody", PasswordHash: auth.HashPassword("p")})
	nobody, _ := reg.User("nobody")
	if _, err := b.Connect(nobody, "/"); KindOf(err) != KindNotAllowed {
		t.Fatalf("connect without vhost permission: %v", err)
	}
}

// The last allowed access is remembered for the next publish; it must not
// answer for another resource or another kind of access.
func TestAllowedPublishDoesNotAllowOtherExchangesOrAccess(t *testing.T) {
	_, _, c := connectPermitted(t, "^c\\.", "^u\\.", ".*")
	v := c.VHost
	for _, name := range []string{"u.x", "w.x"} {
		if _, err := v.DeclareExchange(InternalClient(v), ExchangeInfo{Name: name, Type: Direct}, false); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		exchange string
		refused  bool
	}{{"u.x", false}, {"u.x", false}, {"w.x", true}, {"u.x", false}, {"w.x", true}, {"w.x", true}}
	for i, s := range steps {
		_, err := v.Publish(c, msg(s.exchange, "k", "x"), nil)
		if refused := KindOf(err) == KindAccessRefused; refused != s.refused || (err != nil && !refused) {
			t.Fatalf("step %d: publish to %s: %v, want refused=%v", i, s.exchange, err, s.refused)
		}
	}
	if _, err := v.DeclareExchange(c, ExchangeInfo{Name: "u.x", Type: Direct}, false); KindOf(err) != KindAccessRefused {
		t.Fatalf("configure on u.x right after writes to it were allowed: %v", err)
	}
}

func TestImplicitQueueAcceptsAnyLaterDeclaration(t *testing.T) {
	v, c := newTestVHost(t)
	if _, err := v.DeclareQueue(c, QueueSpec{Name: "jms", Durable: true, Implicit: true, Args: message.Table{"x-max-priority": int32(9)}}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := v.DeclareQueue(c, QueueSpec{Name: "jms"}, false); err != nil {
		t.Fatalf("plain declaration of an implicitly created queue: %v", err)
	}
	declare(t, v, c, "explicit", message.Table{"x-max-priority": int32(9)})
	if _, err := v.DeclareQueue(c, QueueSpec{Name: "explicit"}, false); KindOf(err) != KindPreconditionFailed {
		t.Fatalf("inequivalent redeclaration of an explicit queue: %v", err)
	}
}

func mustNew(t testing.TB, o Options) *Broker {
	t.Helper()
	b, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
