package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAMQPClientFlagDefaultsToAmqp091AndAcceptsLeanBothAndAliases(t *testing.T) {
	c, err := parseArgs(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.amqpClients, []string{"amqp091"}) {
		t.Fatalf("default -amqp-client %q, want [amqp091]: today's behaviour", c.amqpClients)
	}
	for arg, want := range map[string][]string{
		"lean": {"lean"}, "amqp091": {"amqp091"}, "amqp091,lean": {"amqp091", "lean"}, "lean,amqp091": {"lean", "amqp091"},
		"amqp-lean, amqp091-go ,lean": {"lean", "amqp091"},
	} {
		c, err := parseArgs([]string{"-amqp-client", arg})
		if err != nil {
			t.Errorf("-amqp-client %q: %v", arg, err)
			continue
		}
		if !slices.Equal(c.amqpClients, want) {
			t.Errorf("-amqp-client %q = %q, want %q", arg, c.amqpClients, want)
		}
	}
	for _, arg := range []string{"", "rabbitmq-c", "lean,pika"} {
		if _, err := parseArgs([]string{"-amqp-client", arg}); err == nil || !strings.Contains(err.Error(), "-amqp-client") {
			t.Errorf("-amqp-client %q: err %v, want one naming the flag", arg, err)
		}
	}
}

func TestLoadGeneratorsGiveAMQPOneClientPerKeyInOrder(t *testing.T) {
	gens := loadGenerators("perf", "run.sh", []string{"lean", "amqp091"}, []string{"go"}, "tcp://127.0.0.1:%d")
	var names []string
	for _, c := range gens["amqp"] {
		names = append(names, c.name)
	}
	if !slices.Equal(names, []string{amqpLeanPerfName, amqpPerfName}) {
		t.Fatalf("AMQP load generators %q, want the lean client then amqp091-go", names)
	}
	lean, std := gens["amqp"][0], gens["amqp"][1]
	const u = "amqp://guest:guest@127.0.0.1:5672/"
	w := scenario(t, "persistent-confirms").W
	la, sa := lean.args(u, w, 15*time.Second, "cmp-pc"), std.args(u, w, 15*time.Second, "cmp-pc")
	if la[slices.Index(la, "-protocol")+1] != "amqp-lean" || sa[slices.Index(sa, "-protocol")+1] != "amqp" {
		t.Fatalf("protocols: lean %q, amqp091 %q", la, sa)
	}
	// Apart from the protocol the two clients get the same workload.
	la[slices.Index(la, "-protocol")+1] = "amqp"
	if !slices.Equal(la, sa) {
		t.Errorf("workload arguments differ\nlean    %q\namqp091 %q", la, sa)
	}
	if idle := lean.idleArgs(u, 10); idle[slices.Index(idle, "-protocol")+1] != "amqp-lean" || idle[slices.Index(idle, "-idle-connections")+1] != "10" {
		t.Errorf("lean idle args %q", idle)
	}
	for _, s := range scenarios() {
		if why := lean.skipReason(s); why != "" {
			t.Errorf("lean client skips %s: %s", s.Key, why)
		}
	}
	if only := loadGenerators("perf", "run.sh", []string{"amqp091"}, []string{"go"}, "tcp://h:%d")["amqp"]; len(only) != 1 || only[0].name != amqpPerfName {
		t.Errorf("-amqp-client amqp091: %d AMQP clients, want amqp091-go alone", len(only))
	}
}

func TestPlanMeasuresJunctionAndRabbitMQWithEachAMQPClient(t *testing.T) {
	brokers := []broker{
		fakeBroker{"junction", map[string]string{"amqp": "amqp://j", "stomp": "stomp://j"}},
		fakeBroker{"rabbitmq", map[string]string{"amqp": "amqp://r", "stomp": "stomp://r"}},
	}
	gens := loadGenerators("perf", "run.sh", []string{"amqp091", "lean"}, []string{"go"}, "tcp://127.0.0.1:%d")
	var got []string
	for _, k := range plan(brokers, []string{"small-transient"}, []string{"amqp"}, gens) {
		got = append(got, strings.Join([]string{k.b.Name(), k.s.Key, k.protocol, k.cl.name}, " / "))
	}
	want := []string{
		"junction / small-transient / amqp / " + amqpPerfName,
		"junction / small-transient / amqp / " + amqpLeanPerfName,
		"rabbitmq / small-transient / amqp / " + amqpPerfName,
		"rabbitmq / small-transient / amqp / " + amqpLeanPerfName,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("plan\n got %q\nwant %q", got, want)
	}
}

// twoAMQPClientReport is Junction and RabbitMQ under both AMQP clients,
// with figures chosen so that pairing across clients would give other
// ratios.
func twoAMQPClientReport() *Report {
	s, l := amqpPerfName, amqpLeanPerfName
	return &Report{Duration: "3s", Rows: []Row{
		{Scenario: "small-transient", Protocol: "amqp", Broker: "junction", Client: s, Published: 100000, Consumed: 100000, P50: 100, P99: 900},
		{Scenario: "small-transient", Protocol: "amqp", Broker: "junction", Client: l, Published: 400000, Consumed: 400000, P50: 200, P99: 800},
		{Scenario: "small-transient", Protocol: "amqp", Broker: "rabbitmq", Client: s, Published: 50000, Consumed: 50000, P50: 150, P99: 1800},
		{Scenario: "small-transient", Protocol: "amqp", Broker: "rabbitmq", Client: l, Published: 800000, Consumed: 800000, P50: 250, P99: 400},
	}}
}

func TestAMQPRatiosDivideFiguresOfTheSameClientAndRowsSayWhichClient(t *testing.T) {
	md := renderMarkdown(twoAMQPClientReport(), "benchmarks.png")
	title := scenario(t, "small-transient").Title
	if got := tableRowFor(t, md, title, "AMQP 0-9-1", "RabbitMQ", amqpPerfName); !strings.HasSuffix(got, "| 50,000 | 50,000 | 150 µs | 1.8 ms | — | — | 2.00× |") {
		t.Errorf("RabbitMQ under amqp091-go: %s, want its figures and ratio 2.00×", got)
	}
	if got := tableRowFor(t, md, title, "AMQP 0-9-1", "RabbitMQ", amqpLeanPerfName); !strings.HasSuffix(got, "| 800,000 | 800,000 | 250 µs | 400 µs | — | — | 0.50× |") {
		t.Errorf("RabbitMQ under the lean client: %s, want its figures and ratio 0.50×", got)
	}
	var order []string
	for _, line := range tableRowsOf(t, md, title) {
		cells := strings.Split(line, " | ")
		order = append(order, cells[1]+" / "+cells[2])
	}
	want := []string{"Junction / " + amqpPerfName, "RabbitMQ / " + amqpPerfName, "Junction / " + amqpLeanPerfName, "RabbitMQ / " + amqpLeanPerfName}
	if !slices.Equal(order, want) {
		t.Errorf("row order\n got %q\nwant %q", order, want)
	}
}

func TestReportNamesTheAMQPLoadGeneratorsItRan(t *testing.T) {
	both := renderMarkdown(twoAMQPClientReport(), "x.png")
	if !strings.Contains(both, "AMQP: both `junction-perf -protocol amqp`") || !strings.Contains(both, "and `junction-perf -protocol amqp-lean`") {
		t.Error("a report with both AMQP clients does not name both")
	}
	var leanOnly, stdOnly Report
	for _, r := range twoAMQPClientReport().Rows {
		if r.Client == amqpLeanPerfName {
			leanOnly.Rows = append(leanOnly.Rows, r)
		} else {
			stdOnly.Rows = append(stdOnly.Rows, r)
		}
	}
	if md := renderMarkdown(&leanOnly, "x.png"); !strings.Contains(md, "only (`-amqp-client lean`)") || strings.Contains(md, "-protocol amqp`") {
		t.Error("a report with only the lean client does not say so")
	}
	if md := renderMarkdown(&stdOnly, "x.png"); !strings.Contains(md, "AMQP: `junction-perf -protocol amqp` (this tree; amqp091-go") || strings.Contains(md, "amqp-lean") {
		t.Error("a report with only amqp091-go does not name it alone")
	}
}

func TestChartLabelsEachAMQPClientsRowByItsClient(t *testing.T) {
	var labels []string
	for _, r := range chartRows(twoAMQPClientReport()) {
		labels = append(labels, r.label)
	}
	if want := []string{"AMQP 0-9-1 (amqp091-go)", "AMQP 0-9-1 (lean client)"}; !slices.Equal(labels, want) {
		t.Fatalf("chart rows %q, want %q", labels, want)
	}
	rep := twoAMQPClientReport()
	rep.Rows = slices.DeleteFunc(rep.Rows, func(r Row) bool { return r.Client == amqpLeanPerfName })
	rows := chartRows(rep)
	if len(rows) != 1 {
		t.Fatalf("chart with amqp091-go alone has %d rows, want 1", len(rows))
	}
	if rows[0].label != "AMQP 0-9-1" {
		t.Errorf("chart with amqp091-go alone labels its row %q, want AMQP 0-9-1 as before", rows[0].label)
	}
}
