// Package servertest starts a complete Junction broker in-process on random
// loopback ports with a temporary data directory, for tests of any package.
package servertest

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/server"
)

// Broker is a broker started for a test.
type Broker struct {
	*server.Server
	Config config.Config
}

// Start runs a broker until the test ends. mutate, if not nil, adjusts the
// configuration first (listeners default to 127.0.0.1:0).
func Start(t testing.TB, mutate func(*config.Config)) *Broker {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Listeners = config.Listeners{AMQP: "127.0.0.1:0"}
	if mutate != nil {
		mutate(&cfg)
	}
	var log *slog.Logger
	if os.Getenv("JUNCTION_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	} else {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := server.New(cfg, log)
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("servertest: %v", err)
	}
	t.Cleanup(s.Close)
	return &Broker{Server: s, Config: cfg}
}

// AMQPURL returns an amqp:// URL for user guest on vhost "/".
func (b *Broker) AMQPURL() string {
	return b.AMQPURLFor("guest", "guest", "")
}

// AMQPURLFor returns an amqp:// URL for a user and vhost ("" is "/").
func (b *Broker) AMQPURLFor(user, pass, vhost string) string {
	a := b.Addr("amqp")
	if a == nil {
		panic("servertest: AMQP listener is off")
	}
	if vhost == "" {
		return fmt.Sprintf("amqp://%s:%s@%s/", user, pass, a)
	}
	return fmt.Sprintf("amqp://%s:%s@%s/%s", user, pass, a, vhost)
}
