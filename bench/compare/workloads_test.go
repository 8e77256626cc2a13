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

func TestJMSClientRunsQueuesButHasNoTopicMode(t *testing.T) {
	c := jmsClient("run.sh")
	if c.idleArgs != nil {
		t.Fatal("JmsPerf cannot hold idle connections, but the client says it can")
	}
	if a := c.args("tcp://h:1", scenario(t, "fanout").W, time.Second, "q"); a != nil {
		t.Fatalf("fan-out over JmsPerf built %q, want nil (skipped)", a)
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
