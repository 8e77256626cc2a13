package main

import (
	"bytes"
	"image/png"
	"slices"
	"strings"
	"testing"
)

// twoClientReport is a run of Junction and ActiveMQ over OpenWire under
// both load generators, rows in run order (broker by broker), with figures
// chosen so that pairing across load generators would give other ratios.
func twoClientReport() *Report {
	j, g := jmsPerfName, openwirePerfName
	return &Report{Duration: "3s", Args: []string{"-quick"}, Rows: []Row{
		{Scenario: "small-transient", Protocol: "openwire", Broker: "junction", Client: j, Published: 20000, Consumed: 20000, P50: 100, P99: 900},
		{Scenario: "small-transient", Protocol: "openwire", Broker: "junction", Client: g, Published: 40000, Consumed: 40000, P50: 200, P99: 800},
		{Scenario: "kb-transient", Protocol: "openwire", Broker: "junction", Client: j, Published: 9000, Consumed: 9000, P50: 100, P99: 300},
		{Scenario: "kb-transient", Protocol: "openwire", Broker: "junction", Client: g, Err: "junction-perf: exit status 1"},
		{Scenario: "fanout", Protocol: "openwire", Broker: "junction", Client: j, Published: 8000, Consumed: 80000, P50: 300, P99: 700},
		{Scenario: "fanout", Protocol: "openwire", Broker: "junction", Client: g, Published: 5000, Consumed: 50000, P50: 300, P99: 600},
		{Scenario: "idle-connections", Protocol: "openwire", Broker: "junction", Client: j, Skipped: "JmsPerf has no idle-connection mode"},
		{Scenario: "idle-connections", Protocol: "openwire", Broker: "junction", Client: g, Conns: 100, RSSBeforeKiB: 10000, RSSAfterKiB: 14000},
		{Scenario: "small-transient", Protocol: "openwire", Broker: "activemq", Client: j, Published: 10000, Consumed: 10000, P50: 150, P99: 1800},
		{Scenario: "small-transient", Protocol: "openwire", Broker: "activemq", Client: g, Published: 80000, Consumed: 80000, P50: 250, P99: 400},
		{Scenario: "kb-transient", Protocol: "openwire", Broker: "activemq", Client: j, Published: 3000, Consumed: 3000, P50: 100, P99: 300},
		{Scenario: "kb-transient", Protocol: "openwire", Broker: "activemq", Client: g, Published: 6000, Consumed: 6000, P50: 100, P99: 300},
		{Scenario: "fanout", Protocol: "openwire", Broker: "activemq", Client: j, Published: 2000, Consumed: 20000, P50: 500, P99: 900},
		{Scenario: "fanout", Protocol: "openwire", Broker: "activemq", Client: g, Published: 2500, Consumed: 25000, P50: 300, P99: 1200},
		{Scenario: "idle-connections", Protocol: "openwire", Broker: "activemq", Client: j, Skipped: "JmsPerf has no idle-connection mode"},
		{Scenario: "idle-connections", Protocol: "openwire", Broker: "activemq", Client: g, Conns: 100, RSSBeforeKiB: 100000, RSSAfterKiB: 116000},
	}}
}

func TestOpenWireRatiosDivideFiguresOfTheSameLoadGeneratorOnly(t *testing.T) {
	md := renderMarkdown(twoClientReport(), "benchmarks.png")
	title := scenario(t, "small-transient").Title
	// JmsPerf: 20,000 / 10,000; the Go client: 40,000 / 80,000.
	if got := tableRowFor(t, md, title, "OpenWire", "ActiveMQ", jmsPerfName); !strings.HasSuffix(got, "| 2.00× |") {
		t.Errorf("ActiveMQ under JmsPerf: %s, want ratio 2.00× (Junction under JmsPerf)", got)
	}
	if got := tableRowFor(t, md, title, "OpenWire", "ActiveMQ", openwirePerfName); !strings.HasSuffix(got, "| 0.50× |") {
		t.Errorf("ActiveMQ under the Go client: %s, want ratio 0.50× (Junction under the Go client)", got)
	}
}

func TestOpenWireRatioIsMissingWhenJunctionFailedUnderThatLoadGenerator(t *testing.T) {
	md := renderMarkdown(twoClientReport(), "benchmarks.png")
	title := scenario(t, "kb-transient").Title
	// Junction's Go-client run failed: its JmsPerf figure (9,000) must not
	// stand in for it.
	if got := tableRowFor(t, md, title, "OpenWire", "ActiveMQ", openwirePerfName); !strings.HasSuffix(got, "| 6,000 | 6,000 | 100 µs | 300 µs | — | — | — |") {
		t.Errorf("ActiveMQ under the Go client: %s, want its figures and no ratio", got)
	}
	if got := tableRowFor(t, md, title, "OpenWire", "ActiveMQ", jmsPerfName); !strings.HasSuffix(got, "| 3.00× |") {
		t.Errorf("ActiveMQ under JmsPerf: %s, want ratio 3.00×", got)
	}
	if got := tableRowFor(t, md, title, "OpenWire", "Junction", openwirePerfName); !strings.Contains(got, "| error: junction-perf: exit status 1 |") {
		t.Errorf("Junction under the Go client: %s, want its error", got)
	}
}

func TestTablesGroupRowsByProtocolThenLoadGeneratorThenBroker(t *testing.T) {
	md := renderMarkdown(twoClientReport(), "benchmarks.png")
	var got []string
	for _, line := range tableRowsOf(t, md, scenario(t, "small-transient").Title) {
		cells := strings.Split(line, " | ")
		got = append(got, cells[1]+" / "+cells[2])
	}
	want := []string{
		"Junction / " + jmsPerfName, "ActiveMQ / " + jmsPerfName,
		"Junction / " + openwirePerfName, "ActiveMQ / " + openwirePerfName,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("row order\n got %q\nwant %q", got, want)
	}
}

func TestScenarioAClientCannotRunIsSkippedForThatClientOnly(t *testing.T) {
	md := renderMarkdown(twoClientReport(), "benchmarks.png")
	fan := scenario(t, "fanout").Title
	lines := tableRowsOf(t, md, fan)
	if len(lines) != 4 {
		t.Fatalf("fan-out table has %d rows, want 4 (two brokers × two load generators):\n%s", len(lines), strings.Join(lines, "\n"))
	}
	// JmsPerf: 80,000 / 20,000; the Go client: 50,000 / 25,000.
	if got := tableRowFor(t, md, fan, "OpenWire", "ActiveMQ", jmsPerfName); !strings.HasSuffix(got, "| 2,000 | 20,000 | 500 µs | 900 µs | — | — | 4.00× |") {
		t.Errorf("ActiveMQ fan-out under JmsPerf: %s, want figures and ratio 4.00×", got)
	}
	if got := tableRowFor(t, md, fan, "OpenWire", "ActiveMQ", openwirePerfName); !strings.HasSuffix(got, "| 2,500 | 25,000 | 300 µs | 1.2 ms | — | — | 2.00× |") {
		t.Errorf("ActiveMQ fan-out under the Go client: %s, want figures and ratio 2.00×", got)
	}
	idle := scenario(t, "idle-connections").Title
	if got := tableRowFor(t, md, idle, "OpenWire", "ActiveMQ", jmsPerfName); !strings.Contains(got, "| skipped: JmsPerf has no idle-connection mode |") {
		t.Errorf("idle under JmsPerf: %s, want the skip and its reason", got)
	}
	// Per connection: Junction 40 KiB, ActiveMQ 160 KiB.
	want := "| OpenWire | ActiveMQ | " + openwirePerfName + " | 100 | 97.7 MiB | 113.3 MiB | 160.0 KiB | 0.25× |"
	if got := tableRowFor(t, md, idle, "OpenWire", "ActiveMQ", openwirePerfName); got != want {
		t.Errorf("idle under the Go client\n got %s\nwant %s", got, want)
	}
}

func TestReportNamesTheOpenWireLoadGeneratorsItRan(t *testing.T) {
	both := renderMarkdown(twoClientReport(), "x.png")
	if !strings.Contains(both, "OpenWire: both `bench/jms/run.sh`") || !strings.Contains(both, "and `junction-perf -protocol openwire`") {
		t.Error("a report with both OpenWire load generators does not name both")
	}
	var goOnly Report
	for _, r := range twoClientReport().Rows {
		if r.Client == openwirePerfName {
			goOnly.Rows = append(goOnly.Rows, r)
		}
	}
	if md := renderMarkdown(&goOnly, "x.png"); !strings.Contains(md, "only (`-openwire-client go`)") || strings.Contains(md, "JmsPerf on") {
		t.Error("a report with only the Go OpenWire client does not say so")
	}
}

func TestChartGivesEachOpenWireLoadGeneratorItsOwnLabelledRow(t *testing.T) {
	rep := twoClientReport()
	// A scenario every run of one load generator skipped gets no group in
	// that generator's row.
	for i, r := range rep.Rows {
		if r.Client == jmsPerfName && r.Scenario == "fanout" {
			rep.Rows[i] = Row{Scenario: r.Scenario, Protocol: r.Protocol, Broker: r.Broker, Client: r.Client, Skipped: "no mode for it"}
		}
	}
	rep.Rows = append(rep.Rows,
		Row{Scenario: "small-transient", Protocol: "amqp", Broker: "junction", Client: amqpPerfName, Consumed: 1000, P99: 100},
		Row{Scenario: "small-transient", Protocol: "amqp", Broker: "rabbitmq", Client: amqpPerfName, Consumed: 500, P99: 200})
	rows := chartRows(rep)
	var labels []string
	for _, r := range rows {
		labels = append(labels, r.label+": "+strings.Join(r.scenarios, ","))
	}
	want := []string{
		"AMQP 0-9-1: small-transient",
		"OpenWire (JmsPerf): small-transient,kb-transient",
		"OpenWire (junction-perf): small-transient,kb-transient,fanout",
	}
	if !slices.Equal(labels, want) {
		t.Fatalf("chart rows\n got %q\nwant %q", labels, want)
	}
	if got := rows[2].rate["small-transient"]; got["junction"] != 40000 || got["activemq"] != 80000 {
		t.Errorf("Go-client row bars %v, want Junction 40000 and ActiveMQ 80000", got)
	}
	if _, ok := rows[2].rate["kb-transient"]["junction"]; ok {
		t.Error("Junction's failed Go-client run has a bar, want n/a")
	}
	pw := panelWidth(rows)
	if need := textWidth(want[2][:strings.Index(want[2], ":")]+rateTitle, 2) + 2*panelMargin; pw < need {
		t.Errorf("panel %d px wide cannot hold its title (%d px)", pw, need)
	}
	img, err := png.Decode(bytes.NewReader(renderChart(rep)))
	if err != nil {
		t.Fatalf("chart is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 2*pw || b.Dy() != headerH+3*rowH {
		t.Fatalf("chart is %v, want %dx%d (three rows)", b, 2*pw, headerH+3*rowH)
	}
}
