package stomp

import (
	"log/slog"
	"net"
	"time"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/connset"
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

	conns connset.Set[*conn]
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
	return &Server{broker: b, cfg: cfg, log: log.With("protocol", "stomp")}
}

// ServeConn runs one accepted connection until it ends.
func (s *Server) ServeConn(nc net.Conn) {
	if !s.conns.Serve(newConn(s, nc), (*conn).serve) {
		nc.Close()
	}
}

// Close sends every client an ERROR and closes the connections.
func (s *Server) Close() {
	for _, c := range s.conns.Close() {
		c.forceClose("broker shutdown")
	}
	s.conns.Wait()
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
	conns := s.conns.All()
	out := make([]ConnectionInfo, 0, len(conns))
	for _, c := range conns {
		out = append(out, c.info())
	}
	return out
}

// CloseConnection closes the named connection.
func (s *Server) CloseConnection(name, reason string) bool {
	target, ok := s.conns.Find(func(c *conn) bool { return c.name == name })
	if ok {
		target.forceClose(reason)
	}
	return ok
}
