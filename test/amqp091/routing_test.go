package amqp091_test

import (
	"slices"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

func TestDirectExchangeRoutesOnExactKeyOnly(t *testing.T) {
	s := newSession(t)
	x := s.exchange("x", "direct", nil)
	qab, qa := s.queue("ab", nil), s.queue("a", nil)
	s.bind(qab, "a.b", x, nil)
	s.bind(qa, "a", x, nil)

	s.sendBodies(x, "a.b", "to-ab")
	s.sendBodies(x, "a", "to-a")
	s.sendBodies(x, "A.B", "case-differs")
	s.sendBodies(x, "a.b.c", "longer")
	s.sendBodies(x, "", "empty-key")

	if got := getBodies(t, s.ch, qab); !slices.Equal(got, bodies("to-ab")) {
		t.Errorf("queue bound with a.b got %q, want [to-ab]", got)
	}
	if got := getBodies(t, s.ch, qa); !slices.Equal(got, bodies("to-a")) {
		t.Errorf("queue bound with a got %q, want [to-a]", got)
	}
}

func TestFanoutExchangeCopiesToEveryBoundQueueIgnoringKey(t *testing.T) {
	s := newSession(t)
	x := s.exchange("x", "fanout", nil)
	q1, q2 := s.queue("1", nil), s.queue("2", nil)
	s.bind(q1, "ignored", x, nil)
	s.bind(q2, "", x, nil)

	s.sendBodies(x, "any.key", "m1", "m2")

	for _, q := range []string{q1, q2} {
		if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("m1", "m2")) {
			t.Errorf("%s got %q, want [m1 m2]", q, got)
		}
	}
}

// topicRoutes binds one queue per pattern to a fresh topic exchange, publishes
// one message per key (body = key) and returns what each pattern's queue got.
func topicRoutes(s *session, patterns, keys []string) map[string][]string {
	s.t.Helper()
	x := s.exchange("topic", "topic", nil)
	qs := map[string]string{}
	for i, p := range patterns {
		q := s.queue("p"+itoaSmall(i), nil)
		s.bind(q, p, x, nil)
		qs[p] = q
	}
	for _, k := range keys {
		s.sendBodies(x, k, k)
	}
	got := map[string][]string{}
	for p, q := range qs {
		got[p] = getBodies(s.t, s.ch, q)
	}
	return got
}

func itoaSmall(i int) string { return string(rune('a' + i)) }

func TestTopicStarMatchesExactlyOneWord(t *testing.T) {
	s := newSession(t)
	got := topicRoutes(s, []string{"a.*.c", "*"}, []string{"a.b.c", "a.c", "a.b.b.c", "a..c", "x", "x.y", ""})
	if want := bodies("a.b.c", "a..c"); !slices.Equal(got["a.*.c"], want) {
		t.Errorf("a.*.c matched %q, want %q", got["a.*.c"], want)
	}
	// An empty key has one empty word, yet RabbitMQ does not match it with *.
	if want := bodies("x"); !slices.Equal(got["*"], want) {
		t.Errorf("* matched %q, want %q", got["*"], want)
	}
}

func TestTopicHashMatchesZeroOrMoreWords(t *testing.T) {
	s := newSession(t)
	got := topicRoutes(s, []string{"a.#", "#.c", "#", "a.#.c"},
		[]string{"a", "a.b", "a.b.c", "c", "b.a", "a.c", ""})
	want := map[string][]string{
		"a.#":   {"a", "a.b", "a.b.c", "a.c"},
		"#.c":   {"a.b.c", "c", "a.c"},
		"#":     {"a", "a.b", "a.b.c", "c", "b.a", "a.c", ""},
		"a.#.c": {"a.b.c", "a.c"},
	}
	for p, w := range want {
		if !slices.Equal(got[p], w) {
			t.Errorf("%s matched %q, want %q", p, got[p], w)
		}
	}
}

func TestTopicQueueWithSeveralMatchingBindingsGetsOneCopy(t *testing.T) {
	s := newSession(t)
	x := s.exchange("x", "topic", nil)
	q, other := s.queue("q", nil), s.queue("other", nil)
	for _, p := range []string{"a.*", "#.b", "a.b", "#"} {
		s.bind(q, p, x, nil)
	}
	s.bind(other, "*.b", x, nil)

	s.sendBodies(x, "a.b", "once")

	if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("once")) {
		t.Errorf("queue with four matching bindings got %q, want exactly one copy", got)
	}
	if got := getBodies(t, s.ch, other); !slices.Equal(got, bodies("once")) {
		t.Errorf("second queue got %q, want one copy", got)
	}
}

func TestHeadersExchangeMatching(t *testing.T) {
	s := newSession(t)
	x := s.exchange("x", "headers", nil)
	bindings := map[string]amqp.Table{
		"all":        {"x-match": "all", "a": "1", "b": "2"},
		"any":        {"x-match": "any", "a": "1", "b": "2"},
		"default":    {"a": "1", "b": "2"},
		"all-x":      {"x-match": "all", "a": "1", "x-k": "v"},
		"all-with-x": {"x-match": "all-with-x", "a": "1", "x-k": "v"},
		"any-with-x": {"x-match": "any-with-x", "x-k": "v"},
		"any-x-only": {"x-match": "any", "x-k": "v"},
		"presence":   {"x-match": "all", "p": nil},
	}
	qs := map[string]string{}
	for b, args := range bindings {
		qs[b] = s.queue(b, nil)
		s.bind(qs[b], "", x, args)
	}
	msgs := []struct {
		body    string
		headers amqp.Table
	}{
		{"a1b2", amqp.Table{"a": "1", "b": "2"}},
		{"a1b2c3", amqp.Table{"a": "1", "b": "2", "c": "3"}},
		{"a1", amqp.Table{"a": "1"}},
		{"b2c9", amqp.Table{"b": "2", "c": "9"}},
		{"a1bX", amqp.Table{"a": "1", "b": "X"}},
		{"c3", amqp.Table{"c": "3"}},
		{"a1xk", amqp.Table{"a": "1", "x-k": "v"}},
		{"xk", amqp.Table{"x-k": "v"}},
		{"p", amqp.Table{"p": "anything"}},
		{"none", nil},
	}
	for _, m := range msgs {
		s.send(x, "", amqp.Publishing{Headers: m.headers, Body: []byte(m.body)})
	}
	want := map[string][]string{
		"all":        {"a1b2", "a1b2c3"},
		"any":        {"a1b2", "a1b2c3", "a1", "b2c9", "a1bX", "a1xk"},
		"default":    {"a1b2", "a1b2c3"},
		"all-x":      {"a1b2", "a1b2c3", "a1", "a1bX", "a1xk"}, // x- keys ignored
		"all-with-x": {"a1xk"},
		"any-with-x": {"a1xk", "xk"},
		"any-x-only": nil,
		"presence":   {"p"},
	}
	for b, w := range want {
		if got := getBodies(t, s.ch, qs[b]); !slices.Equal(got, w) {
			t.Errorf("binding %s %v matched %q, want %q", b, bindings[b], got, w)
		}
	}
}

func TestDefaultExchangeRoutesToTheQueueNamedByTheKey(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	s.sendBodies("", q, "direct-to-queue")
	s.sendBodies("", q+".missing", "nowhere")
	if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("direct-to-queue")) {
		t.Errorf("got %q, want [direct-to-queue]", got)
	}
}

func TestBindingToTheDefaultExchangeIsRefused403(t *testing.T) {
	s := newSession(t)
	q := s.queue("q", nil)
	err := s.ch.QueueBind(q, "k", "", false, nil)
	channelClosedWith(t, s.conn, err, codeAccessRefused, "queue.bind to the default exchange")
}

func TestPredeclaredExchangesExist(t *testing.T) {
	s := newSession(t)
	for _, x := range []struct{ name, kind string }{
		{"amq.direct", "direct"},
		{"amq.fanout", "fanout"},
		{"amq.topic", "topic"},
		{"amq.headers", "headers"},
		{"amq.match", "headers"},
		{"amq.rabbitmq.trace", "topic"},
	} {
		ch := s.channel()
		if err := ch.ExchangeDeclarePassive(x.name, x.kind, true, false, false, false, nil); err != nil {
			t.Errorf("passive declare %s: %v", x.name, err)
			continue
		}
		_ = ch.Close()
	}
	// Redeclaring one with its own properties is allowed (it is only the
	// amq. prefix on a new name that is reserved).
	if err := s.ch.ExchangeDeclare("amq.direct", "direct", true, false, false, false, nil); err != nil {
		t.Errorf("redeclare amq.direct with identical properties: %v", err)
	}
	q := s.queue("q", nil)
	s.bind(q, "k", "amq.direct", nil)
	s.sendBodies("amq.direct", "k", "via-amq.direct")
	if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("via-amq.direct")) {
		t.Errorf("amq.direct routed %q, want [via-amq.direct]", got)
	}
}

func TestExchangeToExchangeBindingForwardsMatchingMessages(t *testing.T) {
	s := newSession(t)
	src := s.exchange("src", "topic", nil)
	dst := s.exchange("dst", "fanout", nil)
	q := s.queue("q", nil)
	s.bind(q, "", dst, nil)
	if err := s.ch.ExchangeBind(dst, "orders.*", src, false, nil); err != nil {
		t.Fatalf("exchange.bind: %v", err)
	}
	s.sendBodies(src, "orders.new", "forwarded")
	s.sendBodies(src, "invoices.new", "filtered")
	if got := getBodies(t, s.ch, q); !slices.Equal(got, bodies("forwarded")) {
		t.Fatalf("queue behind e2e binding got %q, want [forwarded]", got)
	}
	if err := s.ch.ExchangeUnbind(dst, "orders.*", src, false, nil); err != nil {
		t.Fatalf("exchange.unbind: %v", err)
	}
	s.sendBodies(src, "orders.new", "after-unbind")
	if got := getBodies(t, s.ch, q); len(got) != 0 {
		t.Errorf("after exchange.unbind the queue got %q, want nothing", got)
	}
}

func TestAlternateExchangeReceivesUnroutableMessages(t *testing.T) {
	s := newSession(t)
	ae := s.exchange("ae", "fanout", nil)
	x := s.exchange("x", "direct", amqp.Table{"alternate-exchange": ae})
	routed, unrouted := s.queue("routed", nil), s.queue("unrouted", nil)
	s.bind(routed, "k", x, nil)
	s.bind(unrouted, "", ae, nil)

	s.sendBodies(x, "k", "routable")
	s.sendBodies(x, "other", "unroutable")

	if got := getBodies(t, s.ch, routed); !slices.Equal(got, bodies("routable")) {
		t.Errorf("bound queue got %q, want [routable]", got)
	}
	if got := getBodies(t, s.ch, unrouted); !slices.Equal(got, bodies("unroutable")) {
		t.Errorf("alternate exchange's queue got %q, want [unroutable]", got)
	}
}

func TestPublishToMissingExchangeClosesChannel404(t *testing.T) {
	s := newSession(t)
	notify := s.ch.NotifyClose(make(chan *amqp.Error, 1))
	publish(t, s.ch, name(t, "missing"), "k", amqp.Publishing{Body: []byte("x")})
	e := channelClosedAsync(t, s.conn, notify, codeNotFound, "publish to a missing exchange")
	if !strings.Contains(e.Reason, "no exchange") {
		t.Errorf("reason %q, want it to say no exchange", e.Reason)
	}
}

func TestPublishToInternalExchangeIsRefused403(t *testing.T) {
	s := newSession(t)
	x := name(t, "internal")
	if err := s.ch.ExchangeDeclare(x, "fanout", false, true, true, false, nil); err != nil {
		t.Fatalf("declare internal exchange: %v", err)
	}
	s.cleanup(func(ch *amqp.Channel) { _ = ch.ExchangeDelete(x, false, false) })
	notify := s.ch.NotifyClose(make(chan *amqp.Error, 1))
	publish(t, s.ch, x, "", amqp.Publishing{Body: []byte("x")})
	channelClosedAsync(t, s.conn, notify, codeAccessRefused, "publish to an internal exchange")
}

func TestDeclaringAnAmqPrefixedExchangeIsRefused403(t *testing.T) {
	s := newSession(t)
	err := s.ch.ExchangeDeclare("amq."+name(t, "x"), "direct", false, false, false, false, nil)
	channelClosedWith(t, s.conn, err, codeAccessRefused, "declare amq.*")
}

func TestDeletingAPredeclaredExchangeIsRefused403(t *testing.T) {
	s := newSession(t)
	err := s.ch.ExchangeDelete("amq.direct", false, false)
	channelClosedWith(t, s.conn, err, codeAccessRefused, "delete amq.direct")
	ch := s.channel()
	if err := ch.ExchangeDeclarePassive("amq.direct", "direct", true, false, false, false, nil); err != nil {
		t.Fatalf("amq.direct is gone after the refused delete: %v", err)
	}
}

func TestRedeclaringAnExchangeWithAnotherTypeFails406(t *testing.T) {
	s := newSession(t)
	x := s.exchange("x", "direct", nil)
	err := s.ch.ExchangeDeclare(x, "fanout", false, false, false, false, nil)
	channelClosedWith(t, s.conn, err, codePreconditionFailed, "redeclare direct as fanout")
}

func TestUnknownExchangeTypeClosesConnection503(t *testing.T) {
	s := newSession(t)
	notify := s.conn.NotifyClose(make(chan *amqp.Error, 1))
	err := s.ch.ExchangeDeclare(name(t, "x"), "no-such-type", false, false, false, false, nil)
	if err == nil {
		t.Fatal("declare with an unknown type succeeded")
	}
	e := connectionClosedWith(t, notify, codeCommandInvalid, "unknown exchange type")
	if !strings.Contains(e.Reason, "no-such-type") {
		t.Errorf("reason %q, want it to name the type", e.Reason)
	}
}

func TestExchangeDeleteIfUnusedRefusesABoundExchange(t *testing.T) {
	s := newSession(t)
	x := s.exchange("x", "direct", nil)
	q := s.queue("q", nil)
	s.bind(q, "k", x, nil)

	err := s.ch.ExchangeDelete(x, true, false)
	channelClosedWith(t, s.conn, err, codePreconditionFailed, "exchange.delete if-unused with a binding")

	ch := s.channel()
	if err := ch.QueueUnbind(q, "k", x, nil); err != nil {
		t.Fatalf("unbind: %v", err)
	}
	if err := ch.ExchangeDelete(x, true, false); err != nil {
		t.Fatalf("exchange.delete if-unused without bindings: %v", err)
	}
	err = ch.ExchangeDeclarePassive(x, "direct", false, false, false, false, nil)
	channelClosedWith(t, s.conn, err, codeNotFound, "passive declare of the deleted exchange")
}
