package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/junctionmq/junction/mgmt"
)

// listenHTTP serves the management API and /metrics on addr.
func (s *Server) listenHTTP(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("http listener: %w", err)
	}
	api := mgmt.New(mgmt.Options{
		Broker: s.broker, AMQP: s.amqp, OpenWire: s.openwire, STOMP: s.stomp,
		Listeners:      s.listeners,
		AccessFile:     accessPath(s.cfg.DataDir),
		DataDir:        s.cfg.DataDir,
		MaxQueueLabels: s.cfg.Metrics.MaxQueueLabels,
		MetricsAuth:    s.cfg.Metrics.RequireAuth,
		Logger:         s.log,
	})
	hs := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.addrs["http"] = l.Addr()
	s.close = append(s.close, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			hs.Close()
		}
	})
	s.mu.Unlock()
	s.log.Info("listening", "protocol", "http", "addr", l.Addr().String())
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("listener failed", "protocol", "http", "err", err)
		}
	}()
	return nil
}

// listeners reports the open listeners for the API's overview.
func (s *Server) listeners() []mgmt.Listener {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []mgmt.Listener
	for _, p := range []string{"amqp", "openwire", "stomp", "http"} {
		if a := s.addrs[p]; a != nil {
			out = append(out, mgmt.Listener{Protocol: p, Addr: a})
		}
	}
	return out
}

// accessPath is the file the management API saves users, vhosts and
// permissions to ("" without a data directory).
func accessPath(dataDir string) string {
	if dataDir == "" {
		return ""
	}
	return filepath.Join(dataDir, "access.json")
}
