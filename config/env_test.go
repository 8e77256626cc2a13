package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEnvironmentOverridesNestedSettingsOfEveryType(t *testing.T) {
	cfg := Default()
	err := ApplyEnv(&cfg, []string{
		"PATH=/bin",
		"JUNCTION_DATA_DIR=/var/lib/junction",
		"JUNCTION_LISTENERS_AMQP=127.0.0.1:5673",
		"JUNCTION_LISTENERS_STOMP=",
		"JUNCTION_AMQP_HEARTBEAT=15s",
		"JUNCTION_AMQP_CHANNEL_MAX=16",
		"JUNCTION_LIMITS_DISK_FREE_LIMIT=2GB",
		"JUNCTION_LIMITS_MEMORY_HIGH_WATERMARK=0.6",
		"JUNCTION_DEFAULT_USER_DISABLED=true",
		"JUNCTION_LOG_LEVEL=debug",
		"JUNCTION_CONFIG=/etc/junction.toml",
	})
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case cfg.DataDir != "/var/lib/junction", cfg.Listeners.AMQP != "127.0.0.1:5673", cfg.Listeners.STOMP != "",
		cfg.Listeners.OpenWire != ":61616", cfg.AMQP.Heartbeat.Duration != 15*time.Second, cfg.AMQP.ChannelMax != 16,
		cfg.Limits.DiskFreeLimit != 2_000_000_000, cfg.Limits.MemoryHighWatermark != 0.6, !cfg.Defaults.Disabled, cfg.Log.Level != "debug":
		t.Fatalf("overrides not applied: %+v", cfg)
	}
}

func TestUnknownOrMalformedEnvironmentSettingsAreErrors(t *testing.T) {
	cfg := Default()
	err := ApplyEnv(&cfg, []string{"JUNCTION_LISTENERS_AMQQP=:1", "JUNCTION_AMQP_CHANNEL_MAX=70000", "JUNCTION_AMQP_HEARTBEAT=soon"})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"JUNCTION_LISTENERS_AMQQP: no such setting", "JUNCTION_AMQP_CHANNEL_MAX", "JUNCTION_AMQP_HEARTBEAT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func TestStripEnvDropsEveryJunctionVariableAndKeepsTheRest(t *testing.T) {
	in := []string{"PATH=/usr/bin", "JUNCTION_DATA_DIR=/x", "JUNCTION_LONG=1", "JUNCTION_CONFIG=/etc/j.toml", "HOME=/root", "XJUNCTION_A=1", "junction_lower=1"}
	got := StripEnv(in)
	want := []string{"PATH=/usr/bin", "HOME=/root", "XJUNCTION_A=1", "junction_lower=1"}
	if !slices.Equal(got, want) {
		t.Fatalf("StripEnv(%q) = %q, want %q", in, got, want)
	}
}
