package main

import (
	"slices"
	"strings"
	"testing"
)

func sampleReport() *Report {
	return &Report{Quick: true, Duration: "3s", IdleConns: 200, RestartMsgs: 20000, Args: []string{"-quick"},
		Rows: []Row{
			{Scenario: "kb-transient", Protocol: "amqp", Broker: "junction", Client: "jp", Published: 30000, Consumed: 30000, P50: 800, P99: 2500, BrokerCores: 0.3, ClientCores: 1.2, BrokerSysCores: 0.12, ClientSysCores: 0.9},
			{Scenario: "kb-transient", Protocol: "amqp", Broker: "rabbitmq", Client: "jp", Published: 12000, Consumed: 10000, P50: 1500, P99: 5000, BrokerCores: 1.05, ClientCores: 0.4},
			{Scenario: "kb-transient", Protocol: "openwire", Broker: "activemq", Client: "jms", Err: "start activemq: port | closed"},
			{Scenario: "fixed-rate-latency", Protocol: "stomp", Broker: "junction", Consumed: 10000, P50: 300, P99: 1000},
			{Scenario: "fixed-rate-latency", Protocol: "stomp", Broker: "activemq", Consumed: 10000, P50: 400, P99: 4000},
			{Scenario: "idle-connections", Protocol: "openwire", Broker: "junction", Skipped: "JmsPerf has no idle-connection mode"},
			{Scenario: "idle-connections", Protocol: "amqp", Broker: "junction", Client: "jp", Conns: 100, RSSBeforeKiB: 10000, RSSAfterKiB: 12000},
			{Scenario: "idle-connections", Protocol: "amqp", Broker: "rabbitmq", Client: "jp", Conns: 100, RSSBeforeKiB: 100000, RSSAfterKiB: 108000},
			{Scenario: "restart", Broker: "junction", Messages: 1000, DiskBytes: 1100000, AcceptS: 0.5, FirstS: 1},
			{Scenario: "restart", Broker: "rabbitmq", Messages: 1000, AcceptS: 3, FirstS: 4},
			{Scenario: "*", Broker: "activemq", Skipped: "needs Java"},
		}}
}

// tableRow returns the markdown table line for broker and protocol in the
// section titled title.
func tableRow(t *testing.T, md, title, protocol, broker string) string {
	t.Helper()
	return tableRowFor(t, md, title, protocol, broker, "")
}

// tableRowsOf returns the table lines of the section titled title, header
// and separator excluded.
func tableRowsOf(t *testing.T, md, title string) []string {
	t.Helper()
	_, section, ok := strings.Cut(md, "## "+title+"\n")
	if !ok {
		t.Fatalf("no section %q", title)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var out []string
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| protocol |") && !strings.HasPrefix(line, "| broker |") {
			out = append(out, line)
		}
	}
	return out
}

// tableRowFor is tableRow narrowed to one load generator ("" for any).
func tableRowFor(t *testing.T, md, title, protocol, broker, client string) string {
	t.Helper()
	lines := tableRowsOf(t, md, title)
	for _, line := range lines {
		if strings.HasPrefix(line, "| "+protocol) && strings.Contains(line, "| "+broker+" |") &&
			(client == "" || strings.Contains(line, "| "+client+" |")) {
			return line
		}
	}
	t.Fatalf("section %q has no row for %s %s %s:\n%s", title, protocol, broker, client, strings.Join(lines, "\n"))
	return ""
}

func TestFlowTableShowsFiguresCPUPerMessageAndJunctionsThroughputRatio(t *testing.T) {
	md := renderMarkdown(sampleReport(), "benchmarks.png")
	title := scenario(t, "kb-transient").Title
	want := "| AMQP 0-9-1 | RabbitMQ | jp | 12,000 | 10,000 | 1.5 ms | 5.0 ms | 1.05 cores, 105.0 µs/msg | 0.40 cores, 40.0 µs/msg | 3.00× |"
	if got := tableRow(t, md, title, "AMQP", "RabbitMQ"); got != want {
		t.Fatalf("RabbitMQ row\n got %s\nwant %s", got, want)
	}
	if got := tableRow(t, md, title, "AMQP", "Junction"); !strings.HasSuffix(got, "| 800 µs | 2.5 ms | 0.30 cores, 10.0 µs/msg (40 % kernel) | 1.20 cores, 40.0 µs/msg (75 % kernel) | — |") {
		t.Fatalf("Junction row %s: want its own latency and no ratio", got)
	}
	if got := tableRow(t, md, title, "OpenWire", "ActiveMQ"); !strings.Contains(got, "error: start activemq: port / closed") {
		t.Fatalf("failed row %s: want the error with | escaped", got)
	}
}

func TestLatencyScenarioRatioIsOfP99(t *testing.T) {
	md := renderMarkdown(sampleReport(), "benchmarks.png")
	got := tableRow(t, md, scenario(t, "fixed-rate-latency").Title, "STOMP", "ActiveMQ")
	if !strings.HasSuffix(got, "| 400 µs | 4.0 ms | — | — | 0.25× |") || !strings.Contains(md, "Junction ÷ other (p99)") {
		t.Fatalf("latency row %s: want ratio 0.25× of p99", got)
	}
}

func TestIdleAndRestartTablesComputePerUnitFigures(t *testing.T) {
	md := renderMarkdown(sampleReport(), "benchmarks.png")
	idle := tableRow(t, md, scenario(t, "idle-connections").Title, "AMQP", "RabbitMQ")
	if want := "| AMQP 0-9-1 | RabbitMQ | jp | 100 | 97.7 MiB | 105.5 MiB | 80.0 KiB | 0.25× |"; idle != want {
		t.Fatalf("idle row\n got %s\nwant %s", idle, want)
	}
	_, restart, _ := strings.Cut(md, "## "+scenario(t, "restart").Title)
	if !strings.Contains(restart, "| Junction | 1,000 |") || !strings.Contains(restart, "| 1100 B |") ||
		!strings.Contains(restart, "| 3.00 s | 4.00 s | — | 0.25× |") {
		t.Fatalf("restart table lacks Junction's disk per message or RabbitMQ's ratio:\n%s", restart)
	}
}

func TestSmokeRunsAreMarkedAndSkippedBrokersNamed(t *testing.T) {
	rep := sampleReport()
	md := renderMarkdown(rep, "benchmarks.png")
	if !strings.Contains(md, "**Smoke run: not representative (machine busy).**") {
		t.Fatal("quick report lacks the smoke-run warning")
	}
	if !strings.Contains(md, "ActiveMQ was not run: needs Java.") {
		t.Fatal("report does not say why ActiveMQ was not run")
	}
	if !strings.Contains(md, "![Throughput and p99 latency per scenario](benchmarks.png)") {
		t.Fatal("report does not embed the chart")
	}
	rep.Quick = false
	if strings.Contains(renderMarkdown(rep, "x.png"), "Smoke run") {
		t.Fatal("full report carries the smoke-run warning")
	}
}

func TestRatioKeepsThreeDecimalsBelowOneTenth(t *testing.T) {
	for _, c := range []struct {
		j, o float64
		want string
	}{{30, 10, "3.00×"}, {1, 4, "0.25×"}, {2.7, 922.7, "0.003×"}, {0, 5, "—"}, {5, 0, "—"}} {
		if got := ratio(c.j, c.o); got != c.want {
			t.Errorf("ratio(%v, %v) = %q, want %q", c.j, c.o, got, c.want)
		}
	}
}

func TestNumberFormats(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567.4: "1,234,567", -4321: "-4,321"} {
		if got := thousands(v); got != want {
			t.Errorf("thousands(%v) = %q, want %q", v, got, want)
		}
	}
	for us, want := range map[float64]string{0: "—", 999: "999 µs", 1500: "1.5 ms", 2.5e6: "2.50 s"} {
		if got := micros(us); got != want {
			t.Errorf("micros(%v) = %q, want %q", us, got, want)
		}
	}
}

func TestRepeatedCaseReportsTheMedianRunAndTheRange(t *testing.T) {
	runs := []Row{
		{Scenario: "kb-transient", Broker: "junction", Consumed: 70000, P99: 900},
		{Scenario: "kb-transient", Broker: "junction", Consumed: 81000, P99: 700},
		{Scenario: "kb-transient", Broker: "junction", Consumed: 75000, P99: 800},
	}
	m := medianRun(runs)
	if m.Consumed != 75000 || m.P99 != 800 {
		t.Fatalf("median run: consumed %v p99 %v, want the 75,000 run with its p99 800", m.Consumed, m.P99)
	}
	if !slices.Equal(m.Runs, []float64{70000, 81000, 75000}) {
		t.Fatalf("runs %v, want every rate in run order", m.Runs)
	}
	if got, want := consumedCell(m), "75,000 (70,000–81,000, 3 runs)"; got != want {
		t.Fatalf("cell %q, want %q", got, want)
	}
	if got := consumedCell(runs[0]); got != "70,000" {
		t.Fatalf("single run cell %q, want the bare rate", got)
	}
	if even := medianRun(runs[:2]); even.Consumed != 70000 {
		t.Fatalf("median of two: %v, want the lower middle run", even.Consumed)
	}
}

func TestRepeatBelowOneIsRefused(t *testing.T) {
	if _, err := parseArgs([]string{"-repeat", "0"}); err == nil || !strings.Contains(err.Error(), "-repeat") {
		t.Fatalf("parseArgs(-repeat 0) = %v, want an error naming -repeat", err)
	}
}

func TestReportSaysHowLongTheUncountedWarmupWas(t *testing.T) {
	rep := sampleReport()
	rep.Duration, rep.Warmup = "30s", "10s"
	want := "Each throughput and latency run counts 30s of traffic after a 10s warm-up on the same connections, whose messages and latencies are not counted."
	if md := renderMarkdown(rep, "x.png"); !strings.Contains(md, want) {
		t.Fatalf("report lacks %q", want)
	}
	for _, none := range []string{"", "0s"} {
		rep.Warmup = none
		if md := renderMarkdown(rep, "x.png"); strings.Contains(md, "warm-up") {
			t.Fatalf("report with warm-up %q mentions one", none)
		}
	}
}
