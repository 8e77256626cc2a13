// Command junction runs the Junction message broker.
//
//	junction                      # embedded defaults: ./data, standard ports
//	junction --config junction.toml --amqp-listen 127.0.0.1:5672
//	junction ctl list queues      # administer a running broker over its HTTP API
//	junction passwd               # print the password hash the config accepts
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"syscall"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/gcfloor"
	"github.com/junctionmq/junction/procs"
	"github.com/junctionmq/junction/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := dispatch(ctx, os.Args[1:]); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "junction:", err)
		os.Exit(1)
	}
}

// dispatch runs a subcommand (ctl, passwd) or, when the first argument is
// none of them (a flag, or nothing), the broker.
func dispatch(ctx context.Context, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "ctl":
			return runCtl(ctx, args[1:], os.Stdout)
		case "passwd":
			return runPasswd(args[1:], os.Stdin, os.Stdout)
		case "config":
			return runConfig(args[1:], os.Stdout)
		}
	}
	return run(ctx, args, os.Stderr)
}

// run starts the broker and serves until ctx ends (a signal), then shuts
// down cleanly.
func run(ctx context.Context, args []string, logOut io.Writer) error {
	fs := flag.NewFlagSet("junction", flag.ContinueOnError)
	configPath := fs.String("config", "", "configuration file (TOML)")
	dataDir := fs.String("data-dir", "", "data directory (default ./data)")
	amqpAddr := fs.String("amqp-listen", "", "AMQP 0-9-1 listen address (default :5672; empty turns it off)")
	openwireAddr := fs.String("openwire-listen", "", "OpenWire listen address (default :61616; empty turns it off)")
	stompAddr := fs.String("stomp-listen", "", "STOMP listen address (default :61613; empty turns it off)")
	httpAddr := fs.String("http-listen", "", "management HTTP listen address (default :8161; empty turns it off)")
	logLevel := fs.String("log-level", "", "debug, info, warn or error")
	pprofAddr := fs.String("pprof-listen", "", "serve Go's net/http/pprof on this address (for profiling)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// Precedence: flags, then JUNCTION_* variables, then the file.
	if *configPath == "" {
		*configPath = os.Getenv(config.EnvPrefix + "CONFIG")
	}
	cfg := config.Default()
	if *configPath != "" {
		var err error
		if cfg, err = config.Load(*configPath); err != nil {
			return err
		}
	}
	if err := config.ApplyEnv(&cfg, os.Environ()); err != nil {
		return err
	}
	// Flags override the file only when given, so that an explicit empty
	// value can turn a listener off.
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "data-dir":
			cfg.DataDir = *dataDir
		case "amqp-listen":
			cfg.Listeners.AMQP = *amqpAddr
		case "openwire-listen":
			cfg.Listeners.OpenWire = *openwireAddr
		case "stomp-listen":
			cfg.Listeners.STOMP = *stompAddr
		case "http-listen":
			cfg.Listeners.HTTP = *httpAddr
		case "log-level":
			cfg.Log.Level = *logLevel
		}
	})
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := newLogger(cfg.Log, logOut)
	if *pprofAddr != "" {
		go func() {
			log.Info("pprof listening", "addr", *pprofAddr)
			if err := http.ListenAndServe(*pprofAddr, nil); err != nil {
				log.Error("pprof listener failed", "err", err)
			}
		}()
	}
	defer gcfloor.Start(uint64(cfg.Limits.GCHeapFloor))()
	defer procs.Start(cfg.Limits.AdaptiveGOMAXPROCS, log)()
	s, err := server.New(cfg, log)
	if err != nil {
		return err
	}
	if err := s.Start(); err != nil {
		return err
	}
	log.Info("Junction started", "data_dir", cfg.DataDir)
	<-ctx.Done()
	log.Info("shutting down")
	s.Close()
	log.Info("stopped")
	return nil
}

func newLogger(c config.Log, out io.Writer) *slog.Logger {
	var level slog.Level
	switch c.Level {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
}
