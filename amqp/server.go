// Package amqp is Junction's AMQP 0-9-1 server (accepting 0-9 and 0-8
// clients too). It turns AMQP connections and channels into calls on the
// protocol-neutral core in package broker; the wire codec lives in
// amqp/wire.
package amqp

import (
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/junctionmq/junction/broker"
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

	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed bool
	wg     sync.WaitGroup
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
	return &Server{broker: b, cfg: cfg, log: log.With("protocol", "amqp"), conns: map[*conn]struct{}{}}
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

// Close closes every connection with CONNECTION_FORCED
// (as RabbitMQ does on shutdown) and waits for them to finish.
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

// CloseConnection closes the named connection with CONNECTION_FORCED and
// the given reason, which the client sees. It reports whether it existed.
func (s *Server) CloseConnection(name, reason string) bool {
	s.mu.Lock()
	var target *conn
	for c := range s.conns {
		if c.name == name {
			target = c
			break
		}
	}
	s.mu.Unlock()
	if target == nil {
		return false
	}
	target.forceClose(reason)
	return true
}
