package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"
)

// Row is one measurement: a scenario on one broker over one protocol.
type Row struct {
	Scenario string `json:"scenario"`
	Protocol string `json:"protocol,omitempty"`
	Broker   string `json:"broker"`
	Client   string `json:"client,omitempty"`
	// Flow scenarios.
	Published float64 `json:"published_msgs_per_sec,omitempty"`
	Consumed  float64 `json:"consumed_msgs_per_sec,omitempty"`
	P50       float64 `json:"p50_us,omitempty"`
	P99       float64 `json:"p99_us,omitempty"`
	Seconds   float64 `json:"seconds,omitempty"`
	// CPU in cores (user and system time over wall time) of the broker and
	// of the load generator's processes, over the middle half of the
	// counted traffic: where the machine's cores went.
	BrokerCores float64 `json:"broker_cores,omitempty"`
	ClientCores float64 `json:"load_generator_cores,omitempty"`
	// Of those, the cores spent in the kernel (system time).
	BrokerSysCores float64 `json:"broker_sys_cores,omitempty"`
	ClientSysCores float64 `json:"load_generator_sys_cores,omitempty"`
	// Runs holds every repetition's consumed rate, in run order, when the
	// case ran more than once (-repeat); the row's figures are then the
	// median run's.
	Runs []float64 `json:"consumed_runs,omitempty"`
	// Idle connections.
	Conns        int   `json:"connections,omitempty"`
	RSSBeforeKiB int64 `json:"rss_before_kib,omitempty"`
	RSSAfterKiB  int64 `json:"rss_after_kib,omitempty"`
	// Restart.
	Messages  int     `json:"messages,omitempty"`
	FillRate  float64 `json:"fill_msgs_per_sec,omitempty"`
	DiskBytes int64   `json:"disk_bytes,omitempty"`
	EmptyS    float64 `json:"empty_start_s,omitempty"`
	StopS     float64 `json:"stop_s,omitempty"`
	AcceptS   float64 `json:"accepting_s,omitempty"`
	FirstS    float64 `json:"first_message_s,omitempty"`

	Err     string `json:"error,omitempty"`
	Skipped string `json:"skipped,omitempty"`
}

type runner struct {
	c       *config
	logf    func(string, ...any)
	perf    string
	fill    string
	brokers []broker
	clients map[string][]client // protocol → its load generators
	skipped map[string]string   // broker → why it cannot run here
}

// newRunner builds Junction and the load generators from the tree and
// prepares each broker.
func newRunner(ctx context.Context, c *config, logf func(string, ...any)) (*runner, error) {
	bin := filepath.Join(c.work, "bin")
	r := &runner{c: c, logf: logf, perf: filepath.Join(bin, "junction-perf"), fill: filepath.Join(bin, "fill"),
		skipped: map[string]string{}}
	for _, pkg := range []string{"cmd/junction", "cmd/junction-perf", "bench/persist/fill"} {
		logf("== go build ./%s", pkg)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, filepath.Base(pkg)), "./"+pkg)
		cmd.Dir = c.repo
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build ./%s: %w: %s", pkg, err, out)
		}
	}
	r.clients = loadGenerators(r.perf, filepath.Join(c.repo, "bench/jms/run.sh"), c.amqpClients, c.openwireClients, c.openwireURLTmpl)
	for _, name := range c.brokers {
		switch name {
		case "junction":
			r.brokers = append(r.brokers, &junctionBroker{bin: filepath.Join(bin, "junction"), dir: filepath.Join(c.work, "junction")})
		case "rabbitmq":
			if os.Geteuid() != 0 {
				r.skipped[name] = "needs root (runs the node as user rabbitmq)"
				continue
			}
			r.brokers = append(r.brokers, &rabbitBroker{dir: filepath.Join(c.work, "rabbitmq")})
		case "activemq":
			classes := filepath.Join(c.work, "classes")
			jars := "/usr/share/activemq/lib/*"
			logf("== javac CompareBroker.java")
			cmd := exec.CommandContext(ctx, "javac", "-nowarn", "-cp", jars, "-d", classes,
				filepath.Join(c.repo, "bench/compare/CompareBroker.java"))
			if out, err := cmd.CombinedOutput(); err != nil {
				return nil, fmt.Errorf("javac CompareBroker.java: %w: %s", err, out)
			}
			r.brokers = append(r.brokers, &activeMQBroker{dir: filepath.Join(c.work, "activemq"),
				classpath: classes + ":" + jars + ":/usr/share/java/slf4j-simple.jar"})
		}
	}
	return r, nil
}

// benchCase is one row to measure: a scenario on a broker, and for
// throughput, latency and idle scenarios a protocol and load generator.
type benchCase struct {
	b        broker
	s        Scenario
	protocol string // "" for restart
	cl       client
}

// plan lists the cases of a run in order: broker by broker, scenario by
// scenario, then each protocol the broker speaks and each of that
// protocol's load generators.
func plan(brokers []broker, keys, protocols []string, clients map[string][]client) []benchCase {
	var out []benchCase
	for _, b := range brokers {
		for _, s := range scenarios() {
			if !slices.Contains(keys, s.Key) {
				continue
			}
			if s.Kind == "restart" {
				out = append(out, benchCase{b: b, s: s})
				continue
			}
			for _, p := range protocols {
				if b.url(p) == "" {
					continue
				}
				for _, cl := range clients[p] {
					out = append(out, benchCase{b: b, s: s, protocol: p, cl: cl})
				}
			}
		}
	}
	return out
}

// runAll runs every planned case, a fresh broker per case; failures
// become rows with an error, not an abort.
func (r *runner) runAll(ctx context.Context) []Row {
	var rows []Row
	for name, why := range r.skipped {
		rows = append(rows, Row{Scenario: "*", Broker: name, Skipped: why})
	}
	for _, k := range plan(r.brokers, r.c.scenarios, r.c.protocols, r.clients) {
		if k.s.Kind == "restart" {
			rows = append(rows, r.restart(ctx, k.b, k.s))
		} else {
			rows = append(rows, r.repeatCase(ctx, k))
		}
		if ctx.Err() != nil {
			return rows
		}
	}
	return rows
}

// stopBroker stops b and removes its data.
func (r *runner) stopBroker(b broker) {
	if err := b.stop(); err != nil {
		r.logf("   stop %s: %v", b.Name(), err)
	}
	b.wipe()
}

// portOf returns the port of a broker URL made by this program.
func portOf(raw string) int {
	u, err := url.Parse(raw)
	if err != nil {
		return 0
	}
	p, _ := strconv.Atoi(u.Port())
	return p
}

// repeatCase runs a case -repeat times (flow scenarios only: one idle
// measurement is not noisy in the same way) and returns the run with the
// median consumed rate, carrying every run's rate. A failed or skipped run
// ends the repetition and is returned as it is.
func (r *runner) repeatCase(ctx context.Context, k benchCase) Row {
	n := r.c.repeat
	if k.s.Kind != "flow" || n < 2 {
		return r.runCase(ctx, k.b, k.s, k.protocol, k.cl)
	}
	var runs []Row
	for i := range n {
		row := r.runCase(ctx, k.b, k.s, k.protocol, k.cl)
		if row.Err != "" || row.Skipped != "" || ctx.Err() != nil {
			return row
		}
		r.logf("   run %d/%d: %s msgs/s consumed", i+1, n, thousands(row.Consumed))
		runs = append(runs, row)
	}
	return medianRun(runs)
}

// medianRun picks the run with the median consumed rate (the lower middle
// one for an even count) and records all the rates in it.
func medianRun(runs []Row) Row {
	rates := make([]float64, len(runs))
	for i, r := range runs {
		rates[i] = r.Consumed
	}
	sorted := slices.Clone(runs)
	slices.SortStableFunc(sorted, func(a, b Row) int { return cmp.Compare(a.Consumed, b.Consumed) })
	m := sorted[(len(sorted)-1)/2]
	m.Runs = rates
	return m
}

func (r *runner) runCase(ctx context.Context, b broker, s Scenario, protocol string, cl client) Row {
	row := Row{Scenario: s.Key, Protocol: protocol, Broker: b.Name(), Client: cl.name}
	why := cl.skipReason(s)
	// A client without a way to run the kind is skipped even when it gave
	// no reason, rather than called through a nil builder.
	switch {
	case why != "":
	case s.Kind == "idle" && cl.idleArgs == nil:
		why = cl.name + " has no idle-connection mode"
	case s.Kind == "flow" && cl.args("", s.W, 0, "") == nil:
		why = cl.name + " cannot run this workload"
	}
	if why != "" {
		row.Skipped = why
		return row
	}
	r.logf("== %s / %s / %s / %s", s.Key, b.Name(), protocol, cl.name)
	if _, err := start(ctx, b, true); err != nil {
		row.Err = err.Error()
		r.logf("   %v", err)
		return row
	}
	defer r.stopBroker(b)
	u := cl.url(b.url(protocol))
	var err error
	if s.Kind == "idle" {
		err = r.idle(ctx, b, cl, u, &row)
	} else {
		pid, perr := b.pid()
		if perr != nil {
			r.logf("   broker CPU not measured: %v", perr)
		}
		var res perfResult
		var use cpuUse
		res, use, err = runFlow(ctx, withWarmup(cl.args(u, s.W, r.c.duration, "cmp-"+s.Key), r.c.warmup), r.c.warmup, r.c.duration, pid, r.logf)
		row.Published, row.Consumed = res.PublishedRate, res.ConsumedRate
		row.P50, row.P99, row.Seconds = res.Latency.P50, res.Latency.P99, res.Seconds
		row.BrokerCores, row.ClientCores = use.broker, use.client
		row.BrokerSysCores, row.ClientSysCores = use.brokerSys, use.clientSys
	}
	if err != nil {
		row.Err = err.Error()
		r.logf("   %v", err)
	}
	return row
}

// idle measures the broker's RSS before and with n idle connections.
func (r *runner) idle(ctx context.Context, b broker, cl client, u string, row *Row) error {
	settle := 3 * time.Second
	sleep(ctx, settle)
	pid, err := b.pid()
	if err != nil {
		return err
	}
	if row.RSSBeforeKiB, err = rssKiB(pid); err != nil {
		return err
	}
	n := r.c.idleConns
	argv := cl.idleArgs(u, n)
	r.logf("  $ %v", argv)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logPath := filepath.Join(r.c.work, "idle-client.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("idle client log: %w", err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start idle client: %w", err)
	}
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}()
	if err := waitEstablished(ctx, portOf(u), n, 2*time.Minute); err != nil {
		return fmt.Errorf("idle connections (client log %s: %s): %w", logPath, tailFile(logPath, 3), err)
	}
	sleep(ctx, settle)
	row.Conns = n
	if row.RSSAfterKiB, err = rssKiB(pid); err != nil {
		return err
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

const backlogQueue = "restart-backlog-0"

// restart fills a fresh broker with a persistent backlog, stops it cleanly
// and times the next start.
func (r *runner) restart(ctx context.Context, b broker, s Scenario) Row {
	row := Row{Scenario: s.Key, Broker: b.Name(), Messages: r.c.restartMsgs}
	r.logf("== %s / %s (%d messages)", s.Key, b.Name(), row.Messages)
	fail := func(err error) Row {
		row.Err = err.Error()
		r.logf("   %v", err)
		return row
	}
	empty, err := start(ctx, b, true)
	if err != nil {
		return fail(err)
	}
	defer r.stopBroker(b)
	row.EmptyS = empty.Seconds()
	if u := b.url("amqp"); u != "" {
		row.Client = "bench/persist/fill (AMQP)"
		argv := []string{r.fill, "-uri", u, "-queue", backlogQueue, "-count", strconv.Itoa(row.Messages), "-size", "1024"}
		r.logf("  $ %v", argv)
		out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			return fail(fmt.Errorf("fill: %w: %s", err, lastLines(string(out), 3)))
		}
		var filled struct {
			Rate float64 `json:"msgs_per_sec"`
		}
		if err := json.Unmarshal([]byte(lastLines(string(out), 1)), &filled); err != nil {
			return fail(fmt.Errorf("fill output %q: %w", lastLines(string(out), 1), err))
		}
		row.FillRate = filled.Rate
	} else {
		row.Client = "STOMP transactions of 500"
		r.logf("  STOMP fill: 4 producers, transactions of 500, %d messages", row.Messages)
		rate, err := fillSTOMP(ctx, fmt.Sprintf("127.0.0.1:%d", portOf(b.url("stomp"))), backlogQueue, row.Messages, 1024, 4, 500)
		if err != nil {
			return fail(err)
		}
		row.FillRate = rate
	}
	t := time.Now()
	if err := b.stop(); err != nil {
		return fail(fmt.Errorf("clean stop: %w", err))
	}
	row.StopS = time.Since(t).Seconds()
	row.DiskBytes = dirBytes(dataDir(b))
	accept, err := start(ctx, b, false)
	if err != nil {
		return fail(fmt.Errorf("restart: %w", err))
	}
	row.AcceptS = accept.Seconds()
	t = time.Now()
	if u := b.url("amqp"); u != "" {
		err = firstAMQP(ctx, u, backlogQueue, 10*time.Minute)
	} else {
		err = firstSTOMP(ctx, fmt.Sprintf("127.0.0.1:%d", portOf(b.url("stomp"))), backlogQueue, 10*time.Minute)
	}
	if err != nil {
		return fail(err)
	}
	row.FirstS = row.AcceptS + time.Since(t).Seconds()
	if pid, err := b.pid(); err == nil {
		row.RSSAfterKiB, _ = rssKiB(pid)
	}
	return row
}

func dataDir(b broker) string {
	switch b := b.(type) {
	case *junctionBroker:
		return b.dir
	case *rabbitBroker:
		return filepath.Join(b.dir, "mnesia")
	case *activeMQBroker:
		return filepath.Join(b.dir, "kahadb")
	}
	return ""
}

// dirBytes sums the sizes of the files under dir.
func dirBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
