package main

import (
	"strings"
	"testing"
)

// In sampleReport's 1 KB row Junction consumed 30,000 msgs/s with 0.3
// cores and its load generator used 1.2: 10 + 40 µs a message. Two cores
// then allow 40,000 msgs/s, and the load generator alone 50,000: against
// RabbitMQ's 10,000, ratios of 4× and 5× at most.
func TestThroughputSectionsSayWhatTheMachineAllowsAtTheMeasuredCost(t *testing.T) {
	rep := sampleReport()
	rep.Machine.Cores = 2
	md := renderMarkdown(rep, "c.png")
	_, section, _ := strings.Cut(md, "## 1 producer / 1 consumer, 1 KB, transient\n")
	section, _, _ = strings.Cut(section, "\n## ")
	want := "- jp: 40.0 + 10.0 µs a message, at most 40,000 msgs/s (the load generator alone: 50,000); Junction consumed 30,000, 75 % of that; so the ratio cannot exceed, against RabbitMQ 4.00× at Junction's cost, 5.00× with a broker that cost nothing.\n"
	if !strings.Contains(section, "What this machine allows (2 cores") || !strings.Contains(section, want) {
		t.Fatalf("1 KB section lacks the machine's ceiling %q:\n%s", want, section)
	}
	if strings.Count(section, "\n- ") != 1 {
		t.Fatalf("want one ceiling (the OpenWire row failed, so it has none), got:\n%s", section)
	}
	_, latency, _ := strings.Cut(md, "## latency at a fixed")
	latency, _, _ = strings.Cut(latency, "\n## ")
	if strings.Contains(latency, "What this machine allows") {
		t.Fatalf("a fixed-rate scenario is not bound by the machine, yet has a ceiling:\n%s", latency)
	}
}

func TestNoCeilingWithoutTheMachinesCoresOrJunctionsCPU(t *testing.T) {
	rep := sampleReport()
	if md := renderMarkdown(rep, "c.png"); strings.Contains(md, "What this machine allows") {
		t.Fatal("a report that does not know the machine's cores states a ceiling")
	}
	rows := []Row{{Scenario: "kb-transient", Protocol: "amqp", Broker: "junction", Client: "jp", Consumed: 30000}}
	if cs := ceilings(rows, 2); len(cs) != 0 {
		t.Fatalf("a row without CPU figures gave ceilings %+v", cs)
	}
}
