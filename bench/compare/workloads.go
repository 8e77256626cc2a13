package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Scenario is one row group of the report: the same workload run against
// every broker that speaks each of its protocols.
type Scenario struct {
	Key   string // flag name, e.g. "kb-transient"
	Title string
	// Kind selects how it runs and how its table looks: "flow"
	// (producers → consumers, throughput and latency), "idle"
	// (memory per idle connection) or "restart" (recovery of a backlog).
	Kind string
	W    Workload
	// What is the paragraph of the report that says what runs.
	What string
}

// Workload is what a load generator is asked to do.
type Workload struct {
	Producers, Consumers, Queues int
	Size                         int
	Persistent                   bool
	Confirm                      int // AMQP confirms / STOMP receipts in flight; JMS sends synchronously
	Prefetch                     int
	AutoAck                      bool
	Fanout                       bool
	Rate                         int
}

// scenarios lists every scenario in report order.
func scenarios() []Scenario {
	return []Scenario{
		{Key: "small-transient", Title: "1 producer / 1 consumer, 16 B, transient", Kind: "flow",
			W:    Workload{Producers: 1, Consumers: 1, Queues: 1, Size: 16, AutoAck: true},
			What: "One producer and one consumer on one queue, 16-byte transient messages, publishing as fast as the broker takes them, consumer without acknowledgements (AMQP no-ack, STOMP ack:auto, OpenWire AUTO_ACKNOWLEDGE; the Go OpenWire client sends asynchronously, as the Java client does for transient messages)."},
		{Key: "kb-transient", Title: "1 producer / 1 consumer, 1 KB, transient", Kind: "flow",
			W:    Workload{Producers: 1, Consumers: 1, Queues: 1, Size: 1024, AutoAck: true},
			What: "As above with 1,024-byte bodies."},
		{Key: "four-queues", Title: "4 producers / 4 consumers on 4 queues, 1 KB, transient", Kind: "flow",
			W:    Workload{Producers: 4, Consumers: 4, Queues: 4, Size: 1024, AutoAck: true},
			What: "Four producers and four consumers (one connection each), producer i and consumer i on queue i, 1 KB transient, no acknowledgements (JmsPerf: AUTO_ACKNOWLEDGE)."},
		{Key: "persistent-confirms", Title: "1 producer / 1 consumer, 1 KB, persistent, confirmed", Kind: "flow",
			W:    Workload{Producers: 1, Consumers: 1, Queues: 1, Size: 1024, Persistent: true, Confirm: 100, Prefetch: 100},
			What: "Persistent 1 KB messages on a durable queue. AMQP: publisher confirms with 100 in flight, consumer prefetch 100 acknowledging each message. STOMP: persistent:true with a receipt on every SEND, 100 receipts outstanding, ack:client-individual with prefetch 100. OpenWire, JmsPerf: persistent sends, which the ActiveMQ client makes synchronous (one in flight), AUTO_ACKNOWLEDGE, prefetch 100. OpenWire, junction-perf (Go client): persistent sends with 100 awaiting the broker's receipt, CLIENT_ACKNOWLEDGE of each message, prefetch 100."},
		{Key: "fanout", Title: "fan-out: 1 producer to 10 consumers, 1 KB, transient", Kind: "flow",
			W:    Workload{Producers: 1, Consumers: 10, Size: 1024, Fanout: true, AutoAck: true},
			What: "One producer, ten consumers each receiving every message. AMQP: a fanout exchange bound to one queue per consumer. STOMP: one /topic/ destination with ten subscribers. OpenWire (JmsPerf and junction-perf's Go client): one topic with ten non-durable subscribers. The consumed figure counts every copy."},
		{Key: "fixed-rate-latency", Title: "latency at a fixed 10,000 msgs/s, 1 KB, transient", Kind: "flow",
			W:    Workload{Producers: 1, Consumers: 1, Queues: 1, Size: 1024, AutoAck: true, Rate: 10000},
			What: "One producer held to 10,000 msgs/s (released in 1 ms ticks), one consumer without acknowledgements; end-to-end latency (send time stamped in the body, read at delivery) is the figure that matters here."},
		{Key: "idle-connections", Title: "memory of idle connections", Kind: "idle",
			What: "The broker is started fresh and left 3 s; its RSS is read (before); then the load generator opens N idle connections (AMQP: connection plus one channel; STOMP: a CONNECTed session, heart-beats off; OpenWire: a connection of the Go client, no session; JmsPerf has no idle mode) and once the kernel shows all N established plus 3 s, RSS is read again (after). Per connection = (after − before) / N. RSS is VmRSS of the broker process (Junction; RabbitMQ's beam.smp; ActiveMQ's JVM, -Xmx1g)."},
		{Key: "restart", Title: "restart with a persistent backlog", Kind: "restart",
			What: "A fresh broker gets N persistent 1 KB messages in one durable queue (Junction and RabbitMQ: bench/persist/fill over AMQP, 4 producers × 500 unconfirmed; ActiveMQ: STOMP, 4 producers committing transactions of 500, each commit with a receipt), is stopped cleanly (SIGTERM; RabbitMQ: rabbitmqctl stop), and started again. Timed from the exec of the start: every listener accepting TCP, and the first backlog message delivered (AMQP basic.get; STOMP SUBSCRIBE on ActiveMQ), left unacknowledged. The empty column is the first start of the fresh broker, for scale."},
	}
}

// perfResult is the final JSON line of junction-perf and of JmsPerf; they
// share these keys.
type perfResult struct {
	Published     int64   `json:"published"`
	Consumed      int64   `json:"consumed"`
	Seconds       float64 `json:"seconds"`
	PublishedRate float64 `json:"published_msgs_per_sec"`
	ConsumedRate  float64 `json:"consumed_msgs_per_sec"`
	Latency       struct {
		P50  float64 `json:"p50"`
		P95  float64 `json:"p95"`
		P99  float64 `json:"p99"`
		P999 float64 `json:"p99_9"`
		Max  float64 `json:"max"`
	} `json:"latency_us"`
}

// parseResult takes the last line of out that is a JSON object: both load
// generators print their summary last, and may print other lines before.
func parseResult(out []byte) (perfResult, error) {
	var last []byte
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 && line[0] == '{' {
			last = append(last[:0], line...)
		}
	}
	if err := sc.Err(); err != nil {
		return perfResult{}, fmt.Errorf("read load generator output: %w", err)
	}
	if last == nil {
		return perfResult{}, fmt.Errorf("no JSON summary line in load generator output (%d bytes)", len(out))
	}
	var r perfResult
	if err := json.Unmarshal(last, &r); err != nil {
		return perfResult{}, fmt.Errorf("decode summary %.200q: %w", last, err)
	}
	return r, nil
}

// client builds load-generator command lines for one protocol. A
// protocol may have several (OpenWire: JmsPerf and junction-perf); each
// gives rows of its own, named by name.
type client struct {
	name string // shown in the report; ratios pair rows with equal names
	// dialURL turns a broker's URL into the one the client takes; nil
	// keeps it.
	dialURL func(brokerURL string) string
	// args returns the program and arguments for a flow workload.
	args func(url string, w Workload, d time.Duration, prefix string) []string
	// idleArgs returns those for n idle connections held until SIGINT;
	// nil when the client cannot.
	idleArgs func(url string, n int) []string
	// cannot says why the client cannot run s, or "" when it can.
	cannot func(s Scenario) string
}

// url is the address the client is given for a broker URL.
func (c client) url(brokerURL string) string {
	if c.dialURL == nil {
		return brokerURL
	}
	return c.dialURL(brokerURL)
}

// skipReason is why c does not run s ("" when it does).
func (c client) skipReason(s Scenario) string {
	if c.cannot == nil {
		return ""
	}
	return c.cannot(s)
}

// Load generator names, as the report's "load generator" column shows them.
const (
	amqpPerfName     = "junction-perf (amqp091-go)"
	amqpLeanPerfName = "junction-perf (lean client, -protocol amqp-lean)"
	stompPerfName    = "junction-perf (STOMP 1.2)"
	openwirePerfName = "junction-perf (client/openwire)"
	jmsPerfName      = "JmsPerf (activemq-client 5.17)"
)

// loadGenerators maps each protocol to the clients that drive it, in run
// order. perf is the junction-perf binary, runSH bench/jms/run.sh, amqp
// the -amqp-client keys ("amqp091", "lean"), openwire the
// -openwire-client keys ("java", "go") and goURL the -openwire-go-url
// template.
func loadGenerators(perf, runSH string, amqp, openwire []string, goURL string) map[string][]client {
	m := map[string][]client{
		"stomp": {{name: stompPerfName, args: perfArgs(perf, "stomp"), idleArgs: perfIdleArgs(perf, "stomp")}},
	}
	for _, k := range amqp {
		switch k {
		case "amqp091":
			m["amqp"] = append(m["amqp"], client{name: amqpPerfName, args: perfArgs(perf, "amqp"), idleArgs: perfIdleArgs(perf, "amqp")})
		case "lean":
			m["amqp"] = append(m["amqp"], client{name: amqpLeanPerfName, args: perfArgs(perf, "amqp-lean"), idleArgs: perfIdleArgs(perf, "amqp-lean")})
		}
	}
	for _, k := range openwire {
		switch k {
		case "java":
			m["openwire"] = append(m["openwire"], jmsClient(runSH))
		case "go":
			m["openwire"] = append(m["openwire"], client{name: openwirePerfName,
				dialURL:  func(u string) string { return fmt.Sprintf(goURL, portOf(u)) },
				args:     perfArgs(perf, "openwire"),
				idleArgs: perfIdleArgs(perf, "openwire")})
		}
	}
	return m
}

func perfArgs(bin, protocol string) func(string, Workload, time.Duration, string) []string {
	return func(url string, w Workload, d time.Duration, prefix string) []string {
		a := []string{bin, "-protocol", protocol, "-uri", url,
			"-producers", strconv.Itoa(w.Producers), "-consumers", strconv.Itoa(w.Consumers),
			"-queues", strconv.Itoa(max(w.Queues, 1)), "-size", strconv.Itoa(w.Size),
			"-duration", d.String(), "-queue-prefix", prefix, "-quiet"}
		if w.Persistent {
			a = append(a, "-persistent")
		}
		if w.Confirm > 0 {
			a = append(a, "-confirm", strconv.Itoa(w.Confirm))
		}
		if w.Prefetch > 0 {
			a = append(a, "-prefetch", strconv.Itoa(w.Prefetch))
		}
		if w.AutoAck {
			a = append(a, "-autoack")
		}
		if w.Fanout {
			a = append(a, "-fanout")
		}
		if w.Rate > 0 {
			a = append(a, "-rate", strconv.Itoa(w.Rate))
		}
		return a
	}
}

// withWarmup adds a warm-up to a flow command line. JmsPerf and
// junction-perf both take -warmup as seconds with an "s" suffix.
func withWarmup(argv []string, d time.Duration) []string {
	if d <= 0 || argv == nil {
		return argv
	}
	return append(argv, "-warmup", strconv.FormatFloat(d.Seconds(), 'f', -1, 64)+"s")
}

func perfIdleArgs(bin, protocol string) func(string, int) []string {
	return func(url string, n int) []string {
		return []string{bin, "-protocol", protocol, "-uri", url, "-producers", "0", "-consumers", "0",
			"-idle-connections", strconv.Itoa(n), "-duration", "1h", "-quiet"}
	}
}

// jmsClient runs bench/jms/run.sh (ActiveMQ 5.17 client): queues, or one
// topic for fan-out; no idle mode; sends of persistent messages are
// synchronous.
func jmsClient(runSH string) client {
	return client{name: jmsPerfName, args: func(url string, w Workload, d time.Duration, prefix string) []string {
		a := []string{runSH, "-url", url, "-producers", strconv.Itoa(w.Producers),
			"-consumers", strconv.Itoa(w.Consumers), "-size", strconv.Itoa(w.Size),
			"-duration", strconv.FormatFloat(d.Seconds(), 'f', -1, 64), "-queue", prefix, "-ack", "auto", "-quiet"}
		if w.Queues > 1 {
			a = append(a, "-queues", strconv.Itoa(w.Queues))
		}
		if w.Fanout {
			a = append(a, "-topic")
		}
		if w.Persistent {
			a = append(a, "-persistent")
		}
		if w.Prefetch > 0 {
			a = append(a, "-prefetch", strconv.Itoa(w.Prefetch))
		}
		if w.Rate > 0 {
			a = append(a, "-rate", strconv.Itoa(w.Rate))
		}
		return a
	}, cannot: func(s Scenario) string {
		if s.Kind == "idle" {
			return "JmsPerf has no idle-connection mode; junction-perf's Go OpenWire client (-openwire-client go) measures it"
		}
		return ""
	}}
}

// runFlow runs one load-generator command to completion and parses its
// summary.
// cpuUse is the CPU the broker and the load generator used, in cores,
// over the middle half of a run's counted traffic; zero when not measured.
// cpuUse is cores used (CPU time over wall time), in all and in the
// kernel.
type cpuUse struct{ broker, client, brokerSys, clientSys float64 }

// runFlow runs a load generator whose counted traffic starts after warmup
// and lasts d, and measures its CPU use and the broker's (brokerPID; 0 for
// none) meanwhile.
func runFlow(ctx context.Context, argv []string, warmup, d time.Duration, brokerPID int, log func(string, ...any)) (perfResult, cpuUse, error) {
	ctx, cancel := context.WithTimeout(ctx, warmup+d+3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// The JVM of run.sh is a child: kill the whole group on timeout.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	log("  $ %s", strings.Join(argv, " "))
	if err := cmd.Start(); err != nil {
		return perfResult{}, cpuUse{}, fmt.Errorf("%s: %w", argv[0], err)
	}
	done := make(chan struct{})
	cpu := make(chan cpuUse, 1)
	// The middle half: clear of a JVM's start-up at one end and of the
	// generator's shutdown at the other.
	go func() { cpu <- sampleCPU(done, brokerPID, cmd.Process.Pid, warmup+d/4, d/2) }()
	err := cmd.Wait()
	close(done)
	use := <-cpu
	if err != nil {
		return perfResult{}, use, fmt.Errorf("%s: %w: %s", argv[0], err, lastLines(stderr.String(), 5))
	}
	res, err := parseResult(stdout.Bytes())
	return res, use, err
}

// sampleCPU reads the broker's and the process group's CPU time after
// from, and again span later, unless done closes first.
func sampleCPU(done <-chan struct{}, brokerPID, pgid int, from, span time.Duration) cpuUse {
	wait := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-done:
			return false
		case <-t.C:
			return true
		}
	}
	if span <= 0 || !wait(from) {
		return cpuUse{}
	}
	broker := func() cpuTime {
		if brokerPID == 0 {
			return cpuTime{}
		}
		t, _ := processCPU(brokerPID)
		return t
	}
	b0, c0, t0 := broker(), groupCPU(pgid), time.Now()
	if !wait(span) {
		return cpuUse{}
	}
	b1, c1 := broker(), groupCPU(pgid)
	dt := time.Since(t0).Seconds()
	rate := func(a, b float64) float64 { return max(b-a, 0) / dt }
	return cpuUse{broker: rate(b0.total(), b1.total()), client: rate(c0.total(), c1.total()),
		brokerSys: rate(b0.sys, b1.sys), clientSys: rate(c0.sys, c1.sys)}
}

// lastLines keeps the tail of a process's stderr for an error message.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
