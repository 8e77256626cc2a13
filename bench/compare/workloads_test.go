package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func scenario(t *testing.T, key string) Scenario {
	t.Helper()
	for _, s := range scenarios() {
		if s.Key == key {
			return s
		}
	}
	t.Fatalf("no scenario %q", key)
	return Scenario{}
}

func TestPerfArgsCarryEveryWorkloadSetting(t *testing.T) {
	s := scenario(t, "persistent-confirms")
	got := perfArgs("junction-perf", "stomp")("stomp://h:1/", s.W, 30*time.Second, "cmp-p")
	want := []string{"junction-perf", "-protocol", "stomp", "-uri", "stomp://h:1/", "-producers", "1", "-consumers", "1",
		"-queues", "1", "-size", "1024", "-duration", "30s", "-queue-prefix", "cmp-p", "-quiet",
		"-persistent", "-confirm", "100", "-prefetch", "100"}
	if !slices.Equal(got, want) {
		t.Fatalf("args\n got %q\nwant %q", got, want)
	}
	fan := perfArgs("p", "amqp")("u", scenario(t, "fanout").W, time.Second, "x")
	if !slices.Contains(fan, "-fanout") || !slices.Contains(fan, "-autoack") || fan[slices.Index(fan, "-consumers")+1] != "10" {
		t.Fatalf("fan-out args %q lack -fanout, -autoack or 10 consumers", fan)
	}
	rate := perfArgs("p", "amqp")("u", scenario(t, "fixed-rate-latency").W, time.Second, "x")
	if i := slices.Index(rate, "-rate"); i < 0 || rate[i+1] != "10000" {
		t.Fatalf("latency args %q lack -rate 10000", rate)
	}
}

func TestJMSClientRunsFourQueuesAndFanoutOnATopic(t *testing.T) {
	c := jmsClient("run.sh")
	if c.idleArgs != nil {
		t.Fatal("JmsPerf cannot hold idle connections, but the client says it can")
	}
	fan := c.args("tcp://h:1", scenario(t, "fanout").W, time.Second, "q")
	if !slices.Contains(fan, "-topic") || fan[slices.Index(fan, "-consumers")+1] != "10" || slices.Contains(fan, "-queues") {
		t.Errorf("fan-out over JmsPerf %q, want -topic with 10 consumers and no -queues", fan)
	}
	four := c.args("tcp://h:1", scenario(t, "four-queues").W, time.Second, "q")
	if i := slices.Index(four, "-queues"); i < 0 || four[i+1] != "4" || four[slices.Index(four, "-producers")+1] != "4" || slices.Contains(four, "-topic") {
		t.Errorf("four queues over JmsPerf %q, want -producers 4 -queues 4 and no -topic", four)
	}
	if one := c.args("tcp://h:1", scenario(t, "kb-transient").W, time.Second, "q"); slices.Contains(one, "-queues") || slices.Contains(one, "-topic") {
		t.Errorf("one queue over JmsPerf %q, want neither -queues nor -topic", one)
	}
	a := c.args("tcp://h:1", scenario(t, "persistent-confirms").W, 2500*time.Millisecond, "q")
	joined := strings.Join(a, " ")
	for _, want := range []string{"run.sh -url tcp://h:1 ", "-duration 2.5 ", "-persistent", "-prefetch 100", "-queue q "} {
		if !strings.Contains(joined, want) {
			t.Fatalf("JmsPerf args %q lack %q", joined, want)
		}
	}
}

func TestEveryScenarioKeyHasAChartLabelOrIsNotCharted(t *testing.T) {
	for _, s := range scenarios() {
		if _, ok := shortName[s.Key]; (s.Kind == "flow") != ok {
			t.Errorf("scenario %s (kind %s): chart label present = %v", s.Key, s.Kind, ok)
		}
	}
}

func TestPortOfReadsTheURLPort(t *testing.T) {
	for u, want := range map[string]int{"tcp://127.0.0.1:61616": 61616, "amqp://g:g@127.0.0.1:5672/": 5672, "::bad": 0} {
		if got := portOf(u); got != want {
			t.Errorf("portOf(%q) = %d, want %d", u, got, want)
		}
	}
}

func TestOneRunCoversBothOpenWireLoadGeneratorsByDefault(t *testing.T) {
	c, err := parseArgs(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.openwireClients, []string{"java", "go"}) || c.openwireURLTmpl != "tcp://127.0.0.1:%d" {
		t.Fatalf("defaults: clients %q, Go URL %q; want [java go] and tcp://127.0.0.1:%%d", c.openwireClients, c.openwireURLTmpl)
	}
	if c.duration != 30*time.Second || c.quick {
		t.Fatalf("defaults: duration %v, quick %v", c.duration, c.quick)
	}
}

func TestQuickShortensRunsButExplicitFlagsWin(t *testing.T) {
	c, err := parseArgs([]string{"-quick", "-restart-messages", "500", "-brokers", "junction", "-protocols", "openwire", "-scenarios", "small-transient"})
	if err != nil {
		t.Fatal(err)
	}
	if c.duration != 3*time.Second || c.idleConns != 200 || c.restartMsgs != 500 {
		t.Fatalf("quick: duration %v, idle %d, restart %d; want 3s, 200, 500", c.duration, c.idleConns, c.restartMsgs)
	}
	if !slices.Equal(c.brokers, []string{"junction"}) || !slices.Equal(c.protocols, []string{"openwire"}) ||
		!slices.Equal(c.scenarios, []string{"small-transient"}) || !slices.Equal(c.openwireClients, []string{"java", "go"}) {
		t.Fatalf("quick run selection %+v", c)
	}
}

func TestOpenWireClientFlagAcceptsEitherBothOrTheOldJMSName(t *testing.T) {
	for arg, want := range map[string][]string{
		"go": {"go"}, "java": {"java"}, "jms": {"java"}, "go,java": {"go", "java"}, "java, jms ,go": {"java", "go"},
	} {
		c, err := parseArgs([]string{"-openwire-client", arg})
		if err != nil {
			t.Errorf("-openwire-client %q: %v", arg, err)
			continue
		}
		if !slices.Equal(c.openwireClients, want) {
			t.Errorf("-openwire-client %q = %q, want %q", arg, c.openwireClients, want)
		}
	}
	for _, arg := range []string{"", "rust", "java,python"} {
		if _, err := parseArgs([]string{"-openwire-client", arg}); err == nil || !strings.Contains(err.Error(), "-openwire-client") {
			t.Errorf("-openwire-client %q: err %v, want one naming the flag", arg, err)
		}
	}
	if _, err := parseArgs([]string{"-openwire-go-url", "tcp://127.0.0.1:61616"}); err == nil {
		t.Error("-openwire-go-url without a port placeholder accepted")
	}
}

func TestLoadGeneratorsGiveOpenWireOneClientPerKeyInOrder(t *testing.T) {
	gens := loadGenerators("perf", "run.sh", []string{"amqp091"}, []string{"java", "go"}, "tcp://127.0.0.1:%d?jms.userName=u")
	var names []string
	for _, p := range []string{"amqp", "openwire", "stomp"} {
		for _, c := range gens[p] {
			names = append(names, p+": "+c.name)
		}
	}
	want := []string{"amqp: " + amqpPerfName, "openwire: " + jmsPerfName, "openwire: " + openwirePerfName, "stomp: " + stompPerfName}
	if !slices.Equal(names, want) {
		t.Fatalf("load generators\n got %q\nwant %q", names, want)
	}
	jms, goc := gens["openwire"][0], gens["openwire"][1]
	if u := jms.url("tcp://127.0.0.1:61616"); u != "tcp://127.0.0.1:61616" {
		t.Errorf("JmsPerf URL %q, want the broker's", u)
	}
	goURL := goc.url("tcp://127.0.0.1:61616")
	if goURL != "tcp://127.0.0.1:61616?jms.userName=u" {
		t.Errorf("Go client URL %q, want the -openwire-go-url template with the broker's port", goURL)
	}
	fan := goc.args(goURL, scenario(t, "fanout").W, time.Second, "cmp-fanout")
	if fan[0] != "perf" || fan[slices.Index(fan, "-protocol")+1] != "openwire" || fan[slices.Index(fan, "-uri")+1] != goURL || !slices.Contains(fan, "-fanout") {
		t.Errorf("Go client fan-out args %q: want junction-perf -protocol openwire -uri %s -fanout", fan, goURL)
	}
	idle := goc.idleArgs(goURL, 50)
	if idle[slices.Index(idle, "-idle-connections")+1] != "50" || idle[slices.Index(idle, "-protocol")+1] != "openwire" {
		t.Errorf("Go client idle args %q", idle)
	}
	for _, key := range []string{"small-transient", "persistent-confirms", "fanout", "idle-connections"} {
		if why := goc.skipReason(scenario(t, key)); why != "" {
			t.Errorf("Go client skips %s: %s", key, why)
		}
	}
	for key, want := range map[string]string{"fanout": "", "idle-connections": "no idle-connection mode", "small-transient": "", "four-queues": ""} {
		why := jms.skipReason(scenario(t, key))
		if (want == "") != (why == "") || !strings.Contains(why, want) {
			t.Errorf("JmsPerf on %s: skip reason %q, want one containing %q", key, why, want)
		}
	}
	if only := loadGenerators("perf", "run.sh", []string{"amqp091"}, []string{"go"}, "tcp://h:%d")["openwire"]; len(only) != 1 || only[0].name != openwirePerfName {
		t.Errorf("-openwire-client go: OpenWire clients %d, want the Go client alone", len(only))
	}
}

// fakeBroker speaks the protocols it has URLs for; plan only asks for
// those.
type fakeBroker struct {
	name string
	urls map[string]string
}

func (f fakeBroker) Name() string               { return f.name }
func (f fakeBroker) launch(bool) (*proc, error) { return nil, nil }
func (f fakeBroker) stop() error                { return nil }
func (f fakeBroker) pid() (int, error)          { return 0, nil }
func (f fakeBroker) url(p string) string        { return f.urls[p] }
func (f fakeBroker) ports() []int               { return nil }
func (f fakeBroker) wipe()                      {}

func TestPlanRunsEveryOpenWireLoadGeneratorOnEveryOpenWireBroker(t *testing.T) {
	brokers := []broker{
		fakeBroker{"junction", map[string]string{"amqp": "amqp://j", "openwire": "tcp://j:1", "stomp": "stomp://j"}},
		fakeBroker{"rabbitmq", map[string]string{"amqp": "amqp://r", "stomp": "stomp://r"}},
		fakeBroker{"activemq", map[string]string{"openwire": "tcp://a:2", "stomp": "stomp://a"}},
	}
	gens := loadGenerators("perf", "run.sh", []string{"amqp091"}, []string{"java", "go"}, "tcp://127.0.0.1:%d")
	var got []string
	for _, k := range plan(brokers, []string{"fanout", "small-transient", "restart"}, []string{"openwire", "amqp"}, gens) {
		got = append(got, strings.Join([]string{k.b.Name(), k.s.Key, k.protocol, k.cl.name}, " / "))
	}
	want := []string{
		// Scenarios in report order, protocols in -protocols order.
		"junction / small-transient / openwire / " + jmsPerfName,
		"junction / small-transient / openwire / " + openwirePerfName,
		"junction / small-transient / amqp / " + amqpPerfName,
		"junction / fanout / openwire / " + jmsPerfName,
		"junction / fanout / openwire / " + openwirePerfName,
		"junction / fanout / amqp / " + amqpPerfName,
		"junction / restart /  / ",
		"rabbitmq / small-transient / amqp / " + amqpPerfName,
		"rabbitmq / fanout / amqp / " + amqpPerfName,
		"rabbitmq / restart /  / ",
		"activemq / small-transient / openwire / " + jmsPerfName,
		"activemq / small-transient / openwire / " + openwirePerfName,
		"activemq / fanout / openwire / " + jmsPerfName,
		"activemq / fanout / openwire / " + openwirePerfName,
		"activemq / restart /  / ",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("plan\n got %q\nwant %q", got, want)
	}
}

func TestFlowRunsOfBothOpenWireClientsGetTheWarmup(t *testing.T) {
	w := scenario(t, "kb-transient").W
	for _, c := range []client{jmsClient("run.sh"), {name: openwirePerfName, args: perfArgs("junction-perf", "openwire")}} {
		a := withWarmup(c.args("tcp://h:1", w, 30*time.Second, "q"), 10*time.Second)
		if n := len(a); n < 2 || a[n-2] != "-warmup" || a[n-1] != "10s" {
			t.Errorf("%s: args %q, want them to end with -warmup 10s", c.name, a)
		}
		if a := withWarmup(c.args("tcp://h:1", w, 30*time.Second, "q"), 0); slices.Contains(a, "-warmup") {
			t.Errorf("%s: args %q carry a warm-up of zero", c.name, a)
		}
	}
	if a := withWarmup(nil, time.Second); a != nil {
		t.Errorf("a skipped run (nil args) got a warm-up: %q", a)
	}
}

func TestQuickRunsHaveNoWarmupUnlessAsked(t *testing.T) {
	c, err := parseArgs([]string{"-quick"})
	if err != nil {
		t.Fatal(err)
	}
	if c.warmup != 0 {
		t.Errorf("-quick warm-up %v, want 0", c.warmup)
	}
	if c, err = parseArgs([]string{"-quick", "-warmup", "2s"}); err != nil || c.warmup != 2*time.Second {
		t.Errorf("-quick -warmup 2s: %v, %v", c.warmup, err)
	}
	if c, err = parseArgs(nil); err != nil || c.warmup != 10*time.Second {
		t.Errorf("default warm-up: %v, %v; want 10s", c.warmup, err)
	}
}
