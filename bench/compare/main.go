// Command compare runs the same workloads against Junction, RabbitMQ and
// ActiveMQ, one broker at a time on loopback, and writes
// docs/benchmarks.md with a table per scenario (each broker's figures and
// Junction's ratio to the other) and docs/benchmarks.png, a bar chart of
// throughput and p99 latency.
//
//	go run ./bench/compare                  # everything (about 50 minutes; needs root for RabbitMQ)
//	go run ./bench/compare -quick           # smoke check: 3 s per run, small counts
//	go run ./bench/compare -scenarios fanout,restart -brokers junction,rabbitmq
//	go run ./bench/compare -from /tmp/junction-compare.X/results.json   # re-render only
//	go run ./bench/compare -openwire-client go   # OpenWire through the Go client only
//	go run ./bench/compare -amqp-client amqp091,lean   # AMQP under amqp091-go and the lean client
//
// OpenWire runs under two load generators by default, JmsPerf on ActiveMQ's
// Java client and junction-perf's Go client, each row labelled with its
// load generator; Junction is only ever compared with another broker
// driven by the same one. AMQP likewise runs under amqp091-go by default
// and, with -amqp-client lean, under junction-perf's lean client
// (-protocol amqp-lean), whose rows are labelled as such.
//
// See bench/compare/README.md for what each scenario runs per broker.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// config is the command line.
type config struct {
	repo, work, out, chart, from  string
	quick, noInstall              bool
	scenarios, brokers, protocols []string
	// openwireClients are "java" and/or "go", in the order they run.
	openwireClients []string
	// amqpClients are "amqp091" and/or "lean", in the order they run.
	amqpClients     []string
	duration        time.Duration
	warmup          time.Duration
	repeat          int
	idleConns       int
	restartMsgs     int
	openwireURLTmpl string
	note            string
}

func main() {
	c, err := parseArgs(os.Args[1:])
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "compare:", err)
		}
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// parseArgs reads the command line into a validated config.
func parseArgs(args []string) (*config, error) {
	var c config
	var scen, brok, prot, owc, amc string
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.StringVar(&c.repo, "repo", ".", "Junction source tree (built into the work directory)")
	fs.StringVar(&c.work, "work", "", "scratch directory: binaries, broker data and logs, results.json (default a new /tmp/junction-compare.*)")
	fs.StringVar(&c.out, "out", "docs/benchmarks.md", "report to write (relative to -repo)")
	fs.StringVar(&c.chart, "chart", "docs/benchmarks.png", "chart to write (relative to -repo); the report embeds it by its name")
	fs.StringVar(&c.from, "from", "", "render the report from this results.json instead of running")
	fs.BoolVar(&c.quick, "quick", false, "smoke check: 3 s runs, 200 idle connections, 20,000-message backlog; the report says it is not representative")
	fs.BoolVar(&c.noInstall, "no-install", false, "do not apt-get install missing broker packages")
	fs.StringVar(&scen, "scenarios", "all", "comma-separated scenario keys, or all: "+strings.Join(scenarioKeys(), ","))
	fs.StringVar(&brok, "brokers", "junction,rabbitmq,activemq", "brokers to run, in this order")
	fs.StringVar(&prot, "protocols", "amqp,openwire,stomp", "protocols to run")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "length of each throughput/latency run")
	fs.DurationVar(&c.warmup, "warmup", 10*time.Second, "traffic before each throughput/latency run that is not counted: the JVMs (ActiveMQ, the Java client) compile their hot paths meanwhile")
	fs.IntVar(&c.repeat, "repeat", 1, "run each throughput/latency case this many times, a fresh broker each time, and report the median run (with the range)")
	fs.IntVar(&c.idleConns, "idle-connections", 1000, "idle connections for the memory scenario")
	fs.IntVar(&c.restartMsgs, "restart-messages", 1000000, "persistent 1 KB messages queued before the timed restart")
	fs.StringVar(&owc, "openwire-client", "java,go", "OpenWire load generators, comma-separated, each giving rows of its own: java (bench/jms/run.sh, JmsPerf on ActiveMQ's Java client; jms is accepted too) and go (junction-perf -protocol openwire)")
	fs.StringVar(&amc, "amqp-client", "amqp091", "AMQP load generators, comma-separated, each giving rows of its own: amqp091 (junction-perf -protocol amqp, on amqp091-go) and lean (junction-perf -protocol amqp-lean, the lean client that batches publishes into 64 KiB writes)")
	fs.StringVar(&c.openwireURLTmpl, "openwire-go-url", "tcp://127.0.0.1:%d", "the -uri junction-perf's Go OpenWire client gets, %d is the port")
	fs.StringVar(&c.note, "note", "", "a sentence for the top of the report (a quick run adds its own)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.quick {
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		// Explicit flags win over the smoke-check sizes.
		if !given["duration"] {
			c.duration = 3 * time.Second
		}
		if !given["warmup"] {
			c.warmup = 0
		}
		if !given["idle-connections"] {
			c.idleConns = 200
		}
		if !given["restart-messages"] {
			c.restartMsgs = 20000
		}
	}
	c.brokers = splitList(brok)
	c.protocols = splitList(prot)
	c.openwireClients = splitList(owc)
	c.amqpClients = splitList(amc)
	if scen == "all" {
		c.scenarios = scenarioKeys()
	} else {
		c.scenarios = splitList(scen)
	}
	if err := validate(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func scenarioKeys() []string {
	var keys []string
	for _, s := range scenarios() {
		keys = append(keys, s.Key)
	}
	return keys
}

func validate(c *config) error {
	if c.repeat < 1 {
		return fmt.Errorf("-repeat %d: want at least 1", c.repeat)
	}
	for _, s := range c.scenarios {
		if !slices.Contains(scenarioKeys(), s) {
			return fmt.Errorf("unknown scenario %q (have %s)", s, strings.Join(scenarioKeys(), ", "))
		}
	}
	for _, b := range c.brokers {
		if !slices.Contains([]string{"junction", "rabbitmq", "activemq"}, b) {
			return fmt.Errorf("unknown broker %q (have junction, rabbitmq, activemq)", b)
		}
	}
	for _, p := range c.protocols {
		if !slices.Contains([]string{"amqp", "openwire", "stomp"}, p) {
			return fmt.Errorf("unknown protocol %q (have amqp, openwire, stomp)", p)
		}
	}
	clients, err := openwireClientKeys(c.openwireClients)
	if err != nil {
		return err
	}
	c.openwireClients = clients
	if c.amqpClients, err = amqpClientKeys(c.amqpClients); err != nil {
		return err
	}
	if !strings.Contains(c.openwireURLTmpl, "%d") {
		return fmt.Errorf("-openwire-go-url %q: want a %%d for the port", c.openwireURLTmpl)
	}
	return nil
}

// openwireClientKeys normalises -openwire-client: "jms" is the older
// name of "java", duplicates collapse, and at least one is required so
// that -protocols openwire always has a load generator.
func openwireClientKeys(given []string) ([]string, error) {
	var out []string
	for _, k := range given {
		if k == "jms" {
			k = "java"
		}
		if k != "java" && k != "go" {
			return nil, fmt.Errorf("-openwire-client %q: want java, go or both (java,go)", k)
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-openwire-client is empty: want java, go or both (java,go)")
	}
	return out, nil
}

// amqpClientKeys normalises -amqp-client: "amqp091-go" is accepted for
// "amqp091" and "amqp-lean" for "lean", duplicates collapse, and at least
// one is required so that -protocols amqp always has a load generator.
func amqpClientKeys(given []string) ([]string, error) {
	var out []string
	for _, k := range given {
		switch k {
		case "amqp091-go":
			k = "amqp091"
		case "amqp-lean":
			k = "lean"
		}
		if k != "amqp091" && k != "lean" {
			return nil, fmt.Errorf("-amqp-client %q: want amqp091, lean or both (amqp091,lean)", k)
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-amqp-client is empty: want amqp091, lean or both (amqp091,lean)")
	}
	return out, nil
}

func run(ctx context.Context, c *config) error {
	repo, err := filepath.Abs(c.repo)
	if err != nil {
		return fmt.Errorf("repo path: %w", err)
	}
	c.repo = repo
	if c.from != "" {
		var rep Report
		b, err := os.ReadFile(c.from)
		if err != nil {
			return fmt.Errorf("read results: %w", err)
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			return fmt.Errorf("decode %s: %w", c.from, err)
		}
		return writeReport(c, &rep)
	}
	if c.work == "" {
		if c.work, err = os.MkdirTemp("", "junction-compare."); err != nil {
			return fmt.Errorf("work dir: %w", err)
		}
	} else if err := os.MkdirAll(c.work, 0o755); err != nil {
		return fmt.Errorf("work dir: %w", err)
	}
	// RabbitMQ runs as user rabbitmq and must reach its directory.
	if err := os.Chmod(c.work, 0o755); err != nil {
		return fmt.Errorf("work dir: %w", err)
	}
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	logf("== work directory %s", c.work)
	if !c.noInstall {
		if err := ensurePackages(c.brokers, logf); err != nil {
			return err
		}
	}
	r, err := newRunner(ctx, c, logf)
	if err != nil {
		return err
	}
	rep := &Report{Started: time.Now().UTC(), Quick: c.quick, Note: c.note, Args: os.Args[1:],
		Duration: c.duration.String(), Warmup: c.warmup.String(), IdleConns: c.idleConns, RestartMsgs: c.restartMsgs,
		Machine: describeMachine(c.work, c.repo)}
	rep.Rows = r.runAll(ctx)
	rep.Finished = time.Now().UTC()
	rep.LoadAvgEnd = readTrim("/proc/loadavg")
	b, _ := json.MarshalIndent(rep, "", "  ")
	results := filepath.Join(c.work, "results.json")
	if err := os.WriteFile(results, b, 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	logf("== results in %s", results)
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted; partial results in %s", results)
	}
	return writeReport(c, rep)
}

// ensurePackages installs the Debian packages a broker needs when they are
// missing; installed ones are left alone, so a second run does nothing.
func ensurePackages(brokers []string, logf func(string, ...any)) error {
	need := map[string][]string{
		"rabbitmq": {"rabbitmq-server"},
		"activemq": {"activemq", "libactivemq-java", "libslf4j-java", "openjdk-17-jdk-headless"},
	}
	var missing []string
	for _, b := range brokers {
		for _, pkg := range need[b] {
			out, err := exec.Command("dpkg-query", "-W", "-f", "${Status}", pkg).Output()
			if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "installed") {
				missing = append(missing, pkg)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	logf("== apt-get install %s", strings.Join(missing, " "))
	install := func() error {
		cmd := exec.Command("apt-get", append([]string{"install", "-y", "--no-install-recommends"}, missing...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		return cmd.Run()
	}
	if err := install(); err != nil {
		if err := exec.Command("apt-get", "update").Run(); err != nil {
			return fmt.Errorf("apt-get update: %w", err)
		}
		if err := install(); err != nil {
			return fmt.Errorf("apt-get install %s: %w", strings.Join(missing, " "), err)
		}
	}
	return nil
}
