// Package server assembles a running broker from a configuration: the core,
// the user registry, the data directory and one listener per protocol. It
// is what cmd/junction runs and what tests start in-process.
package server

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/junctionmq/junction/amqp"
	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/mgmt"
	"github.com/junctionmq/junction/openwire"
	"github.com/junctionmq/junction/stomp"
	"github.com/junctionmq/junction/store"
)

// Server is a running broker.
type Server struct {
	cfg      config.Config
	log      *slog.Logger
	broker   *broker.Broker
	amqp     *amqp.Server
	openwire *openwire.Server
	stomp    *stomp.Server

	stopMonitor chan struct{}
	storeClosed bool

	mu    sync.Mutex
	addrs map[string]net.Addr
	wg    sync.WaitGroup // accept loops
	conns sync.WaitGroup // connection handlers
	close []func()
}

// New builds a server; Start opens its listeners.
func New(cfg config.Config, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	users, err := cfg.Registry()
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	if cfg.DataDir != "" {
		// Users, vhosts and permissions changed through the management
		// API replace the configured ones once saved.
		saved, err := mgmt.LoadAccess(accessPath(cfg.DataDir))
		if err != nil {
			return nil, err
		}
		if saved != nil {
			users = saved
		}
	}
	var st *store.Store
	if cfg.DataDir != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
		st, err = store.Open(filepath.Join(cfg.DataDir, "store"), store.Options{Logger: log,
			Sync: cfg.Store.Sync.Policy(), SegmentSize: int64(cfg.Store.SegmentSize), Linger: cfg.Store.StoreLinger()})
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	policies, err := cfg.BrokerPolicies()
	if err != nil {
		if st != nil {
			st.Close()
		}
		return nil, err
	}
	b, err := broker.New(broker.Options{Users: users, Logger: log, Store: st, PageLimit: cfg.Limits.QueueInMemoryMessages, Policies: policies,
		FlowLimit: int64(cfg.Limits.DestinationMemoryLimit)})
	if err != nil {
		if st != nil {
			st.Close()
		}
		return nil, err
	}
	amqpCfg := amqp.Config{
		Heartbeat:        cfg.AMQP.Heartbeat.Duration,
		FrameMax:         cfg.AMQP.FrameMax,
		ChannelMax:       cfg.AMQP.ChannelMax,
		MaxMessageSize:   cfg.AMQP.MaxMessageSize,
		HandshakeTimeout: cfg.AMQP.HandshakeTimeout.Duration,
	}
	return &Server{
		cfg:      cfg,
		log:      log,
		broker:   b,
		amqp:     amqp.NewServer(b, amqpCfg, log),
		openwire: openwire.NewServer(b, openwire.Config{URL: "tcp://" + cfg.Listeners.OpenWire}, log),
		stomp:    stomp.NewServer(b, stomp.Config{}, log),
		addrs:    map[string]net.Addr{},
	}, nil
}

// Broker returns the core.
func (s *Server) Broker() *broker.Broker { return s.broker }

// AMQP returns the AMQP server (for management of its connections).
func (s *Server) AMQP() *amqp.Server { return s.amqp }

// STOMP returns the STOMP server.
func (s *Server) STOMP() *stomp.Server { return s.stomp }

// OpenWire returns the OpenWire server.
func (s *Server) OpenWire() *openwire.Server { return s.openwire }

// Start creates the data directory and opens every configured listener,
// logging one line per listener once it accepts connections.
func (s *Server) Start() error {
	if s.cfg.DataDir != "" {
		if err := os.MkdirAll(s.cfg.DataDir, 0o755); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
	}
	s.stopMonitor = make(chan struct{})
	go s.broker.Monitor(broker.Limits{
		MemoryHighWatermark: s.cfg.Limits.MemoryLimit(),
		DiskFreeLimit:       uint64(s.cfg.Limits.DiskFreeLimit),
		DataDir:             s.cfg.DataDir,
	}, s.stopMonitor)
	if addr := s.cfg.Listeners.AMQP; addr != "" {
		if err := s.listen("amqp", addr, s.amqp.ServeConn, s.amqp.Close); err != nil {
			s.Close()
			return err
		}
	}
	if addr := s.cfg.Listeners.OpenWire; addr != "" {
		if err := s.listen("openwire", addr, s.openwire.ServeConn, s.openwire.Close); err != nil {
			s.Close()
			return err
		}
	}
	if addr := s.cfg.Listeners.STOMP; addr != "" {
		if err := s.listen("stomp", addr, s.stomp.ServeConn, s.stomp.Close); err != nil {
			s.Close()
			return err
		}
	}
	if addr := s.cfg.Listeners.HTTP; addr != "" {
		if err := s.listenHTTP(addr); err != nil {
			s.Close()
			return err
		}
	}
	return nil
}

// listen opens a listener whose connections go to handle; stop closes the
// protocol's open connections at shutdown, after the listener is closed.
func (s *Server) listen(name, addr string, handle func(net.Conn), stop func()) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s listener: %w", name, err)
	}
	s.mu.Lock()
	s.addrs[name] = l.Addr()
	s.close = append(s.close, func() { l.Close(); stop() })
	s.mu.Unlock()
	s.log.Info("listening", "protocol", name, "addr", l.Addr().String())
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := acceptLoop(l, s.log, &s.conns, handle); err != nil {
			s.log.Error("listener failed", "protocol", name, "err", err)
		}
	}()
	return nil
}

// Addr returns the address a protocol listens on, nil if it does not.
func (s *Server) Addr(protocol string) net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addrs[protocol]
}

// Close stops every listener, closes connections and waits for them.
func (s *Server) Close() {
	s.mu.Lock()
	stops := s.close
	s.close = nil
	s.mu.Unlock()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
	s.wg.Wait()
	s.conns.Wait()
	if s.stopMonitor != nil {
		close(s.stopMonitor)
		s.stopMonitor = nil
	}
	if st := s.broker.Store(); st != nil && !s.storeClosed {
		s.storeClosed = true
		if err := s.broker.CloseStore(); err != nil {
			s.log.Error("closing the store failed", "err", err)
		}
	}
}
