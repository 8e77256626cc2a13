package config

import (
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
