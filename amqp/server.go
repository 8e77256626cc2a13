// Package amqp is Junction's AMQP 0-9-1 server (accepting 0-9 and 0-8
// clients too). It turns AMQP connections and channels into calls on the
// protocol-neutral core in package broker; the wire codec lives in
// amqp/wire.
package amqp

import (
	"log/slog"
	"net"
	"time"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/connset"
)

// Config holds the limits a server negotiates with clients.
type Config struct {
	// Heartbeat is the interval the server proposes (0 disables).
	Heartbeat time.Duration
	// FrameMax is the largest frame the server accepts and proposes.
	FrameMax uint32
	// ChannelMax is the highest channel number the server allows.
	ChannelMax uint16
	// MaxMessageSize bounds a message body (RabbitMQ's max_message_size).
	MaxMessageSize uint64
	// HandshakeTimeout bounds the time from TCP accept to connection.open.
	HandshakeTimeout time.Duration
}

// DefaultConfig mirrors RabbitMQ 3.10's defaults.
func DefaultConfig() Config {
	return Config{
		Heartbeat:        60 * time.Second,
		FrameMax:         131072,
		ChannelMax:       2047,
		MaxMessageSize:   128 << 20,
		HandshakeTimeout: 10 * time.Second,
	}
}

// Server accepts AMQP connections for a broker.
type Server struct {
	broker *broker.Broker
	cfg    Config
	log    *slog.Logger

	conns connset.Set[*conn]
}

// NewServer returns a server for b.
func NewServer(b *broker.Broker, cfg Config, log *slog.Logger) *Server {
	def := DefaultConfig()
	if cfg.FrameMax == 0 {
		cfg.FrameMax = def.FrameMax
	}
	if cfg.ChannelMax == 0 {
		cfg.ChannelMax = def.ChannelMax
	}
	if cfg.MaxMessageSize == 0 {
		cfg.MaxMessageSize = def.MaxMessageSize
	}
	if cfg.HandshakeTimeout == 0 {
		cfg.HandshakeTimeout = def.HandshakeTimeout
	}
	if log == nil {
		log = slog.Default()
	}
	return &Server{broker: b, cfg: cfg, log: log.With("protocol", "amqp")}
}

// ServeConn runs one accepted connection until it ends.
func (s *Server) ServeConn(nc net.Conn) {
	if !s.conns.Serve(newConn(s, nc), (*conn).serve) {
		nc.Close()
	}
}

// Close closes every connection with CONNECTION_FORCED
// (as RabbitMQ does on shutdown) and waits for them to finish.
func (s *Server) Close() {
	for _, c := range s.conns.Close() {
		c.forceClose("broker shutdown")
	}
	s.conns.Wait()
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

// CloseConnection closes the named connection with CONNECTION_FORCED and
// the given reason, which the client sees. It reports whether it existed.
func (s *Server) CloseConnection(name, reason string) bool {
	target, ok := s.conns.Find(func(c *conn) bool { return c.name == name })
	if ok {
		target.forceClose(reason)
	}
	return ok
}
