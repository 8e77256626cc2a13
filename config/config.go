// Package config is Junction's configuration: one TOML file, overridden by
// command-line flags. Everything has a default, so no file is needed to run
// a broker.
package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/junctionmq/junction/auth"
)

// Config is the broker's whole configuration.
type Config struct {
	DataDir   string     `toml:"data_dir"`
	Listeners Listeners  `toml:"listeners"`
	AMQP      AMQP       `toml:"amqp"`
	Log       Log        `toml:"log"`
	Users     []User     `toml:"users"`
	VHosts    []VHost    `toml:"vhosts"`
	Perms     []Perm     `toml:"permissions"`
	Defaults  DefaultUsr `toml:"default_user"`
	Limits    Limits     `toml:"limits"`
	Metrics   Metrics    `toml:"metrics"`
	Policies  []Policy   `toml:"policies"`
	Store     Store      `toml:"store"`
}

// Limits are the resource alarms' thresholds.
type Limits struct {
	// MemoryHighWatermark is a fraction of the memory available to the
	// process (RabbitMQ's vm_memory_high_watermark, default 0.4) ...
	MemoryHighWatermark float64 `toml:"memory_high_watermark"`
	// ... or an absolute size, which wins when set.
	MemoryHighWatermarkBytes Size `toml:"memory_high_watermark_bytes"`
	// DiskFreeLimit blocks publishers when the data directory's disk has
	// less free space (default 50MB).
	DiskFreeLimit Size `toml:"disk_free_limit"`
	// QueueInMemoryMessages is how many ready messages per queue keep
	// their bodies in memory; persistent messages beyond are paged out to
	// the store (default 10000; -1 keeps everything in memory).
	QueueInMemoryMessages int `toml:"queue_in_memory_messages"`
	// DestinationMemoryLimit slows publishers to a queue that keeps more
	// than this many bytes of ready messages in memory, each counting its
	// body and a fixed overhead (default 64MiB; 0 turns it off): an
	// OpenWire producer is held (its sync send's response or its async
	// send window), ActiveMQ's per-destination producer flow control; an
	// AMQP or STOMP publisher's connection, or an OpenWire one sending
	// asynchronously without a window, stops reading for up to 50 ms at a
	// time while the queue has consumers, RabbitMQ's connection flow
	// state.
	DestinationMemoryLimit Size `toml:"destination_memory_limit"`
	// GCHeapFloor lets the Go heap grow to this size before the garbage
	// collector runs, however little of it is live (default 64MiB; 0 turns
	// it off, leaving GOGC alone). Small transient messages otherwise make
	// the collector run hundreds of times a second; above the floor GOGC
	// applies as usual.
	GCHeapFloor Size `toml:"gc_heap_floor"`
	// AdaptiveGOMAXPROCS runs as many Go Ps as the broker's CPU use needs,
	// up to the runtime's default (default true). Fewer Ps than cores
	// means fewer thread wake-ups per message when the load is light; a
	// busy broker gets them all back within a fraction of a second. A
	// GOMAXPROCS environment variable turns it off.
	AdaptiveGOMAXPROCS bool `toml:"adaptive_gomaxprocs"`
}

// MemoryLimit returns the memory alarm threshold in bytes (0 = off).
func (l Limits) MemoryLimit() uint64 {
	if l.MemoryHighWatermarkBytes > 0 {
		return uint64(l.MemoryHighWatermarkBytes)
	}
	return uint64(l.MemoryHighWatermark * float64(TotalMemory()))
}

// Listeners are the listen addresses; an empty address turns one off.
type Listeners struct {
	AMQP     string `toml:"amqp"`
	OpenWire string `toml:"openwire"`
	STOMP    string `toml:"stomp"`
	HTTP     string `toml:"http"`
}

// AMQP holds AMQP 0-9-1 tuning.
type AMQP struct {
	Heartbeat        Duration `toml:"heartbeat"`
	FrameMax         uint32   `toml:"frame_max"`
	ChannelMax       uint16   `toml:"channel_max"`
	MaxMessageSize   uint64   `toml:"max_message_size"`
	HandshakeTimeout Duration `toml:"handshake_timeout"`
}

// Log configures logging.
type Log struct {
	Level  string `toml:"level"`  // debug, info, warn, error
	Format string `toml:"format"` // text or json
}

// User is a configured user. Password is plain text (handy for tests);
// PasswordHash is what `junction passwd` prints (RabbitMQ's format).
type User struct {
	Name         string   `toml:"name"`
	Password     string   `toml:"password"`
	PasswordHash string   `toml:"password_hash"`
	Tags         []string `toml:"tags"`
	LoopbackOnly bool     `toml:"loopback_only"`
}

// VHost is a configured vhost.
type VHost struct {
	Name string `toml:"name"`
}

// Perm grants a user access to a vhost.
type Perm struct {
	User      string `toml:"user"`
	VHost     string `toml:"vhost"`
	Configure string `toml:"configure"`
	Write     string `toml:"write"`
	Read      string `toml:"read"`
}

// DefaultUsr controls the built-in guest/guest account.
type DefaultUsr struct {
	// Disabled removes guest; by default it exists, loopback only, as in
	// RabbitMQ.
	Disabled bool `toml:"disabled"`
}

// Duration is a time.Duration written as "60s" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText formats the duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

// Default returns the configuration used when no file is given: data in
// ./data and the standard ports of each protocol on all interfaces.
func Default() Config {
	return Config{
		DataDir: "./data",
		Listeners: Listeners{
			AMQP:     ":5672",
			OpenWire: ":61616",
			STOMP:    ":61613",
			HTTP:     ":8161",
		},
		AMQP: AMQP{
			Heartbeat:        Duration{60 * time.Second},
			FrameMax:         131072,
			ChannelMax:       2047,
			MaxMessageSize:   128 << 20,
			HandshakeTimeout: Duration{10 * time.Second},
		},
		Log:     Log{Level: "info", Format: "text"},
		Limits:  Limits{MemoryHighWatermark: 0.4, DiskFreeLimit: 50 * 1000 * 1000, DestinationMemoryLimit: 64 << 20, GCHeapFloor: 64 << 20, AdaptiveGOMAXPROCS: true},
		Metrics: Metrics{MaxQueueLabels: DefaultMaxQueueLabels},
		Store:   Store{SegmentSize: 64 << 20, Linger: Duration{time.Millisecond}},
	}
}

// Load reads a TOML file over the defaults. Unknown keys are errors, so a
// typo does not silently fall back to a default.
func Load(path string) (Config, error) {
	cfg := Default()
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("read config: %w", err)
	}
	if err := Parse(string(b), &cfg); err != nil {
		return cfg, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes TOML text into cfg and validates the result.
func Parse(text string, cfg *Config) error {
	md, err := toml.Decode(text, cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return fmt.Errorf("line %d: %s", pe.Position.Line, pe.Message)
		}
		return err
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return fmt.Errorf("unknown keys: %s", strings.Join(keys, ", "))
	}
	return cfg.Validate()
}

// Validate checks cross-references and values.
func (c *Config) Validate() error {
	var errs []error
	users := map[string]bool{}
	for i, u := range c.Users {
		if u.Name == "" {
			errs = append(errs, fmt.Errorf("users[%d]: name is empty", i))
		}
		if u.Password != "" && u.PasswordHash != "" {
			errs = append(errs, fmt.Errorf("user %q: set password or password_hash, not both", u.Name))
		}
		users[u.Name] = true
	}
	vhosts := map[string]bool{"/": true}
	for _, v := range c.VHosts {
		vhosts[v.Name] = true
	}
	for _, p := range c.Perms {
		if !users[p.User] && !(p.User == "guest" && !c.Defaults.Disabled) {
			errs = append(errs, fmt.Errorf("permission for unknown user %q", p.User))
		}
		if !vhosts[p.VHost] {
			errs = append(errs, fmt.Errorf("permission on unknown vhost %q", p.VHost))
		}
	}
	if w := c.Limits.MemoryHighWatermark; w < 0 || w > 1 {
		errs = append(errs, fmt.Errorf("limits.memory_high_watermark %v: want a fraction between 0 and 1", w))
	}
	switch c.Log.Level {
	case "", "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level %q: want debug, info, warn or error", c.Log.Level))
	}
	if _, err := c.BrokerPolicies(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Store.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Registry builds the user registry the configuration describes.
func (c *Config) Registry() (*auth.Registry, error) {
	r := auth.NewRegistry()
	r.AddVHost("/")
	if !c.Defaults.Disabled {
		if err := r.PutUser(auth.User{Name: "guest", PasswordHash: auth.HashPassword("guest"), Tags: []string{auth.TagAdministrator}, LoopbackOnly: true}); err != nil {
			return nil, err
		}
		if err := r.SetPermission(auth.Permission{User: "guest", VHost: "/", Configure: ".*", Write: ".*", Read: ".*"}); err != nil {
			return nil, err
		}
	}
	for _, v := range c.VHosts {
		r.AddVHost(v.Name)
	}
	for _, u := range c.Users {
		hash := u.PasswordHash
		if u.Password != "" {
			hash = auth.HashPassword(u.Password)
		}
		if err := r.PutUser(auth.User{Name: u.Name, PasswordHash: hash, Tags: u.Tags, LoopbackOnly: u.LoopbackOnly}); err != nil {
			return nil, err
		}
	}
	for _, p := range c.Perms {
		if err := r.SetPermission(auth.Permission{User: p.User, VHost: p.VHost, Configure: p.Configure, Write: p.Write, Read: p.Read}); err != nil {
			return nil, err
		}
	}
	return r, nil
}
