package config

import (
	"strings"
	"testing"
	"time"

	"github.com/junctionmq/junction/store/journal"
)

func TestStoreSyncDefaultsToAlwaysAndAcceptsAnInterval(t *testing.T) {
	cfg := Default()
	if got := cfg.Store.Sync.Policy(); got != journal.SyncAlways {
		t.Fatalf("default sync policy %v, want always", got)
	}
	if cfg.Store.SegmentSize != 64<<20 {
		t.Fatalf("default segment size %d, want 64MiB", cfg.Store.SegmentSize)
	}
	if cfg.Store.StoreLinger() != time.Millisecond {
		t.Fatalf("default linger %v, want 1ms", cfg.Store.StoreLinger())
	}
	if err := Parse("[store]\nsync = \"10ms\"\nsegment_size = \"8MiB\"\n", &cfg); err != nil {
		t.Fatal(err)
	}
	if got := cfg.Store.Sync.Policy(); got != journal.SyncInterval(10*time.Millisecond) {
		t.Fatalf("sync = \"10ms\" gave %v", got)
	}
	if cfg.Store.SegmentSize != 8<<20 {
		t.Fatalf("segment_size = 8MiB gave %d", cfg.Store.SegmentSize)
	}
	if err := Parse("[store]\nlinger = \"0s\"\n", &cfg); err != nil || cfg.Store.StoreLinger() >= 0 {
		t.Fatalf("linger = \"0s\": %v, store linger %v, want off", err, cfg.Store.StoreLinger())
	}
	if err := Parse("[store]\nsync = \"always\"\n", &cfg); err != nil || cfg.Store.Sync.Policy() != journal.SyncAlways {
		t.Fatalf("sync = \"always\": %v, policy %v", err, cfg.Store.Sync.Policy())
	}
}

func TestStoreSyncFromEnvironmentAndText(t *testing.T) {
	cfg := Default()
	if err := ApplyEnv(&cfg, []string{"JUNCTION_STORE_SYNC=5ms", "JUNCTION_STORE_SEGMENT_SIZE=2MiB"}); err != nil {
		t.Fatal(err)
	}
	if cfg.Store.Sync.Interval != 5*time.Millisecond || cfg.Store.SegmentSize != 2<<20 {
		t.Fatalf("environment gave sync %v, segment size %d", cfg.Store.Sync.Interval, cfg.Store.SegmentSize)
	}
	for _, s := range []Sync{{}, {Interval: 5 * time.Millisecond}} {
		text, _ := s.MarshalText()
		var back Sync
		if err := back.UnmarshalText(text); err != nil || back != s {
			t.Fatalf("%v formats as %q and reads back as %v (%v)", s, text, back, err)
		}
	}
}

func TestBadStoreSettingsAreConfigErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"[store]\nsync = \"fast\"\n", `store.sync "fast"`},
		{"[store]\nsync = \"0s\"\n", `store.sync "0s"`},
		{"[store]\nsync = \"-5ms\"\n", `store.sync "-5ms"`},
		{"[store]\nsync = \"2s\"\n", "at most 1s"},
		{"[store]\nsegment_size = \"64KiB\"\n", "store.segment_size 65536: at least 1MiB"},
		{"[store]\nsegment_size = \"2GiB\"\n", "at most 1GiB"},
		{"[store]\nfsync = \"always\"\n", "unknown keys: store.fsync"},
		{"[store]\nlinger = \"5s\"\n", "store.linger 5s: want 0s to 1s"},
	} {
		cfg := Default()
		err := Parse(c.text, &cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.text, err, c.want)
		}
	}
}
