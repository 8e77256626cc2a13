// Package openwire is Junction's OpenWire server: the unchanged ActiveMQ
// JMS clients (and other OpenWire clients) connect and get JMS semantics on
// the shared core. The codec lives in openwire/wire; this package turns
// OpenWire commands into calls on package broker.
package openwire

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/connset"
	"github.com/junctionmq/junction/openwire/wire"
)

// Config holds what the server negotiates and how it maps JMS onto the core.
type Config struct {
	// BrokerName is reported in BrokerInfo (JMS getBrokerName).
	BrokerName string
	// VHost is the vhost OpenWire clients use; OpenWire has no vhost notion.
	VHost string
	// MaxFrameSize bounds a command (default 100 MiB, ActiveMQ's default).
	MaxFrameSize int64
	// Inactivity is the MaxInactivityDuration the broker proposes.
	Inactivity time.Duration
	// ConnectTimeout bounds the wait for the client's WireFormatInfo.
	ConnectTimeout time.Duration
	// URL is what BrokerInfo reports as the connector URL.
	URL string
}

// Server accepts OpenWire connections.
type Server struct {
	broker   *broker.Broker
	cfg      Config
	log      *slog.Logger
	brokerID string

	conns connset.Set[*conn]

	mu        sync.Mutex // guards clientIDs
	clientIDs map[string]*conn

	temps tempRegistry
	seq   atomic.Int64 // broker-originated message sequence
}

// NewServer returns a server for b.
func NewServer(b *broker.Broker, cfg Config, log *slog.Logger) *Server {
	if cfg.BrokerName == "" {
		cfg.BrokerName = "junction"
	}
	if cfg.VHost == "" {
		cfg.VHost = "/"
	}
	if cfg.MaxFrameSize == 0 {
		cfg.MaxFrameSize = 100 << 20
	}
	if cfg.Inactivity == 0 {
		cfg.Inactivity = 30 * time.Second
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 30 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	host, _ := os.Hostname()
	return &Server{
		broker:    b,
		cfg:       cfg,
		log:       log.With("protocol", "openwire"),
		brokerID:  fmt.Sprintf("ID:%s-%d-%d-0:1", host, os.Getpid(), time.Now().UnixMilli()),
		clientIDs: map[string]*conn{},
		temps:     tempRegistry{dests: map[string]*tempDest{}},
	}
}

// ServeConn runs one accepted connection until it ends.
func (s *Server) ServeConn(nc net.Conn) {
	if !s.conns.Serve(newConn(s, nc), (*conn).serve) {
		nc.Close()
	}
}

// Close closes every connection and waits for them. Like ActiveMQ at
// shutdown it just closes the sockets: failover clients reconnect without
// reporting an error.
func (s *Server) Close() {
	for _, c := range s.conns.Close() {
		c.closing.Store(true)
		c.nc.Close()
	}
	s.conns.Wait()
}

// ConnectionInfo describes a connection for management.
type ConnectionInfo struct {
	Name        string
	User        string
	ClientID    string
	Peer        string
	ConnectedAt time.Time
	Version     int
	// VHost, Sessions and BrokerClient (the broker.Client's ID, linking
	// consumers to the connection) are for management.
	VHost        string
	Sessions     int
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

// CloseConnection closes the named connection; it reports whether it
// existed.
func (s *Server) CloseConnection(name, reason string) bool {
	target, ok := s.conns.Find(func(c *conn) bool { return c.name == name })
	if ok {
		target.forceClose(reason)
	}
	return ok
}

// claimClientID registers a client ID for c. A connection reusing the
// ConnectionId of a registered one is a failover client taking over its own
// session: the stale connection is closed first.
func (s *Server) claimClientID(c *conn, clientID, connectionID string) error {
	s.mu.Lock()
	old, taken := s.clientIDs[clientID]
	if taken && old != c && old.connID == connectionID {
		delete(s.clientIDs, clientID)
		taken = false
		s.mu.Unlock()
		old.forceClose("connection taken over by a reconnecting client")
		s.mu.Lock()
	}
	if taken && old != c {
		s.mu.Unlock()
		return &jmsError{class: "InvalidClientIDException", msg: fmt.Sprintf("Broker: %s - Client: %s already connected from %s", s.cfg.BrokerName, clientID, old.nc.RemoteAddr())}
	}
	s.clientIDs[clientID] = c
	s.mu.Unlock()
	return nil
}

func (s *Server) releaseClientID(c *conn, clientID string) {
	s.mu.Lock()
	if s.clientIDs[clientID] == c {
		delete(s.clientIDs, clientID)
	}
	s.mu.Unlock()
}

func (s *Server) brokerInfo() *wire.BrokerInfo {
	return &wire.BrokerInfo{
		BrokerId:   &wire.BrokerId{Value: s.brokerID},
		BrokerURL:  wire.Str(s.cfg.URL),
		BrokerName: wire.Str(s.cfg.BrokerName),
	}
}
