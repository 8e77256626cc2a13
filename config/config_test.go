package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseOverridesDefaultsAndBuildsUsers(t *testing.T) {
	cfg := Default()
	err := Parse(`
data_dir = "/tmp/j"
[listeners]
amqp = "127.0.0.1:5673"
stomp = ""
[amqp]
heartbeat = "10s"
[[vhosts]]
name = "prod"
[[users]]
name = "app"
password = "pw"
tags = ["monitoring"]
[[permissions]]
user = "app"
vhost = "prod"
configure = "^app\\."
write = ".*"
read = ".*"
`, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/tmp/j" || cfg.Listeners.AMQP != "127.0.0.1:5673" || cfg.Listeners.STOMP != "" || cfg.Listeners.OpenWire != ":61616" {
		t.Fatalf("listeners/data dir: %+v %q", cfg.Listeners, cfg.DataDir)
	}
	if cfg.AMQP.Heartbeat.Duration != 10*time.Second || cfg.AMQP.FrameMax != 131072 {
		t.Fatalf("amqp: %+v", cfg.AMQP)
	}
	reg, err := cfg.Registry()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := reg.User("guest"); !ok {
		t.Fatal("guest missing")
	}
	p, ok := reg.Permission("app", "prod")
	if !ok || !p.Allows(0, "app.q") || p.Allows(0, "other") {
		t.Fatalf("permission %+v", p)
	}
}

func TestParseReportsLineOfSyntaxError(t *testing.T) {
	cfg := Default()
	err := Parse("data_dir = \"x\"\nthis is not toml\n", &cfg)
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("got %v, want an error naming line 2", err)
	}
}

func TestParseRejectsUnknownKeysAndDanglingPermissions(t *testing.T) {
	cfg := Default()
	if err := Parse("dta_dir = \"x\"\n", &cfg); err == nil || !strings.Contains(err.Error(), "dta_dir") {
		t.Fatalf("unknown key: %v", err)
	}
	cfg = Default()
	err := Parse("[[permissions]]\nuser = \"ghost\"\nvhost = \"nowhere\"\n", &cfg)
	if err == nil || !strings.Contains(err.Error(), "ghost") || !strings.Contains(err.Error(), "nowhere") {
		t.Fatalf("dangling permission: %v", err)
	}
}

func TestDefaultUserCanBeDisabled(t *testing.T) {
	cfg := Default()
	if err := Parse("[default_user]\ndisabled = true\n", &cfg); err != nil {
		t.Fatal(err)
	}
	reg, _ := cfg.Registry()
	if _, ok := reg.User("guest"); ok {
		t.Fatal("guest exists although disabled")
	}
}

func TestPoliciesParseIntoQueueArguments(t *testing.T) {
	cfg := Default()
	err := Parse(`
[[policies]]
name = "orders"
pattern = "^orders\\."
priority = 2
message_ttl = "90s"
max_length = 1000
max_length_bytes = "10MB"
overflow = "reject-publish"
dead_letter_exchange = "dlx"
max_priority = 9
`, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := cfg.BrokerPolicies()
	if err != nil || len(ps) != 1 {
		t.Fatalf("policies %v, %v", ps, err)
	}
	a := ps[0].Args
	if a["x-message-ttl"] != int64(90000) || a["x-max-length"] != int64(1000) || a["x-max-length-bytes"] != int64(10_000_000) ||
		a["x-overflow"] != "reject-publish" || a["x-dead-letter-exchange"] != "dlx" || a["x-max-priority"] != int64(9) || len(a) != 6 {
		t.Fatalf("args %v", a)
	}
	if !ps[0].Pattern.MatchString("orders.eu") || ps[0].Pattern.MatchString("invoices") || ps[0].Priority != 2 {
		t.Fatalf("pattern %v priority %d", ps[0].Pattern, ps[0].Priority)
	}
}

func TestBadPoliciesAreConfigErrors(t *testing.T) {
	for name, text := range map[string]string{
		"bad regexp":     "[[policies]]\nname = \"p\"\npattern = \"(\"\nmax_length = 1",
		"sets nothing":   "[[policies]]\nname = \"p\"\npattern = \".*\"",
		"bad overflow":   "[[policies]]\nname = \"p\"\npattern = \".*\"\noverflow = \"drop-everything\"",
		"no name":        "[[policies]]\npattern = \".*\"\nmax_length = 1",
		"negative limit": "[[policies]]\nname = \"p\"\npattern = \".*\"\nmax_length = -5",
	} {
		cfg := Default()
		if err := Parse(text, &cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestDocumentedExampleConfigurationIsValid keeps docs/configuration.md's
// annotated example loadable as it is written.
func TestDocumentedExampleConfigurationIsValid(t *testing.T) {
	doc, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```toml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no ```toml block in docs/configuration.md")
	}
	cfg := Default()
	if err := Parse(example, &cfg); err != nil {
		t.Fatalf("the documented example: %v", err)
	}
	if len(cfg.Policies) != 1 || cfg.Policies[0].Name != "orders" || cfg.Limits.DestinationMemoryLimit != 64<<20 {
		t.Fatalf("example parsed to policies %v, destination limit %d", cfg.Policies, cfg.Limits.DestinationMemoryLimit)
	}
	if cfg.Store.Sync.Interval != 0 || cfg.Store.SegmentSize != 64<<20 || cfg.Store.Linger.Duration != time.Millisecond {
		t.Fatalf("example parsed to store %+v, want the defaults it documents", cfg.Store)
	}
}

func TestAdaptiveGOMAXPROCSIsOnUnlessTurnedOff(t *testing.T) {
	cfg := Default()
	if err := Parse("[limits]\ngc_heap_floor = \"32MiB\"\n", &cfg); err != nil {
		t.Fatal(err)
	}
	if !cfg.Limits.AdaptiveGOMAXPROCS {
		t.Error("a [limits] section without adaptive_gomaxprocs turned it off; the default is on")
	}
	if err := Parse("[limits]\nadaptive_gomaxprocs = false\n", &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Limits.AdaptiveGOMAXPROCS {
		t.Error("adaptive_gomaxprocs = false left it on")
	}
}
