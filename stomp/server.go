package stomp

import (
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/junctionmq/junction/broker"
)

// Config holds the server's limits.
type Config struct {
	Limits Limits
	// DefaultVHost is used when the CONNECT host header names no vhost.
	DefaultVHost string
	// ConnectTimeout bounds the wait for CONNECT.
	ConnectTimeout time.Duration
}

// Server accepts STOMP connections.
type Server struct {
	broker *broker.Broker
	cfg    Config
	log    *slog.Logger

	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// NewServer returns a server for b.
func NewServer(b *broker.Broker, cfg Config, log *slog.Logger) *Server {
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits()
	}
	if cfg.DefaultVHost == "" {
		cfg.DefaultVHost = "/"
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	return &Server{broker: b, cfg: cfg, log: log.With("protocol", "stomp"), conns: map[*conn]struct{}{}}
}

// ServeConn runs one accepted connection until it ends.
func (s *Server) ServeConn(nc net.Conn) {
	c := newConn(s, nc)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	c.serve()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Close sends every client an ERROR and closes the connections.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.forceClose("broker shutdown")
	}
	s.wg.Wait()
}

// ConnectionInfo describes a connection for management.
type ConnectionInfo struct {
	Name, User, VHost, Version, Peer string
	ConnectedAt                      time.Time
	// ClientID is the CONNECT frame's client-id header; BrokerClient is the
	// broker.Client's ID, linking consumers to the connection.
	ClientID     string
	BrokerClient uint64
}

// Connections returns a snapshot of the open connections.
func (s *Server) Connections() []ConnectionInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ConnectionInfo, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c.info())
	}
	return out
}

// CloseConnection closes the named connection.
func (s *Server) CloseConnection(name, reason string) bool {
	s.mu.Lock()
	var target *conn
	for c := range s.conns {
		if c.name == name {
			target = c
		}
	}
	s.mu.Unlock()
	if target != nil {
		target.forceClose(reason)
	}
	return target != nil
}
