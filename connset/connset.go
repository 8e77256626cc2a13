// Package connset tracks a protocol server's live connections: each is
// registered while it is served, shutdown refuses new ones and waits for
// the rest, and management looks connections up. Every protocol server
// (amqp, openwire, stomp) keeps one.
package connset

import "sync"

// Set holds the connections being served. The zero value is ready to use.
type Set[C comparable] struct {
	mu     sync.Mutex
	conns  map[C]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Serve runs serve(c) with c registered, and reports false without
// running it if the set is closed (the caller then drops the socket).
func (s *Set[C]) Serve(c C, serve func(C)) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	if s.conns == nil {
		s.conns = map[C]struct{}{}
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	serve(c)
	return true
}

// Close refuses connections from now on and returns those still served,
// for the caller to end; Wait then waits for them.
func (s *Set[C]) Close() []C {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return s.All()
}

// Wait returns once every served connection has ended.
func (s *Set[C]) Wait() { s.wg.Wait() }

// All is a snapshot of the connections being served.
func (s *Set[C]) All() []C {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]C, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// Find returns a connection for which match is true, and whether there was
// one. match runs with the set locked: it must not call back into the set.
func (s *Set[C]) Find(match func(C) bool) (C, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if match(c) {
			return c, true
		}
	}
	var zero C
	return zero, false
}
