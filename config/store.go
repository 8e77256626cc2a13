package config

import (
	"fmt"
	"time"

	"github.com/junctionmq/junction/store/journal"
)

// Store tunes the message store under data_dir/store.
type Store struct {
	// Sync says when the journal is fsynced. Confirms, synchronous sends'
	// responses, commit replies and receipts always wait for the fsync
	// that covers their record; the policy only decides how often that
	// fsync runs.
	Sync Sync `toml:"sync"`
	// SegmentSize is the size of one journal file (default 64MiB).
	SegmentSize Size `toml:"segment_size"`
	// Linger is how long a persistent message that goes straight to a
	// waiting consumer may wait for the disk; if the consumer acknowledges
	// it meanwhile, neither it nor its ack is written (default 1ms; 0s
	// writes every message at once).
	Linger Duration `toml:"linger"`
}

// StoreLinger is Linger as store.Options takes it (negative: off).
func (s Store) StoreLinger() time.Duration {
	if s.Linger.Duration <= 0 {
		return -1
	}
	return s.Linger.Duration
}

// Sync is "always" (an fsync as soon as the previous one ends, covering
// everything written meanwhile: group commit) or a duration such as "10ms"
// (at most one fsync per interval: fewer fsyncs for many publishers, at the
// price of up to that much latency per promise).
type Sync struct{ Interval time.Duration }

// UnmarshalText parses "always" or a positive Go duration.
func (s *Sync) UnmarshalText(b []byte) error {
	if string(b) == "always" || string(b) == "" {
		s.Interval = 0
		return nil
	}
	d, err := time.ParseDuration(string(b))
	if err != nil || d <= 0 {
		return fmt.Errorf("store.sync %q: want \"always\" or a positive duration such as \"10ms\"", b)
	}
	if d > time.Second {
		return fmt.Errorf("store.sync %q: at most 1s, since every promise waits that long", b)
	}
	s.Interval = d
	return nil
}

// MarshalText formats the policy as UnmarshalText reads it.
func (s Sync) MarshalText() ([]byte, error) {
	if s.Interval == 0 {
		return []byte("always"), nil
	}
	return []byte(s.Interval.String()), nil
}

// Policy is the journal's policy for this setting.
func (s Sync) Policy() journal.SyncPolicy {
	if s.Interval == 0 {
		return journal.SyncAlways
	}
	return journal.SyncInterval(s.Interval)
}

// A segment under 1MiB would mostly hold one large message per file; 1GiB
// is the journal's own bound.
const (
	minSegmentSize = 1 << 20
	maxSegmentSize = 1 << 30
)

func (s Store) validate() error {
	if s.Linger.Duration < 0 || s.Linger.Duration > time.Second {
		return fmt.Errorf("store.linger %v: want 0s to 1s", s.Linger.Duration)
	}
	if s.SegmentSize != 0 && (s.SegmentSize < minSegmentSize || s.SegmentSize > maxSegmentSize) {
		return fmt.Errorf("store.segment_size %d: at least 1MiB and at most 1GiB", uint64(s.SegmentSize))
	}
	return nil
}
