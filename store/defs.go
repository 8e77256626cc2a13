package store

import (
	"fmt"

	"github.com/junctionmq/junction/store/journal"
)

// maxDefPart bounds a definition's kind and key (a uint16 length).
const maxDefPart = 1<<16 - 1

// PutDefinition stores value under (kind, key), replacing any previous
// value, and returns once it is durable. Definitions are the broker's
// durable topology and users, opaque to the store (say kind "queue", key
// vhost+"\x00"+name, value the broker's JSON).
func (s *Store) PutDefinition(kind, key string, value []byte) error {
	if len(kind) > maxDefPart || len(key) > maxDefPart {
		return fmt.Errorf("store: put definition: kind or key longer than %d bytes", maxDefPart)
	}
	if len(value)+len(kind)+len(key)+12 > maxPayload {
		return fmt.Errorf("store: put definition %s %q: value of %d bytes too large", kind, key, len(value))
	}
	done := make(chan error, 1)
	if err := s.putDef(kind, key, value, done); err != nil {
		return err
	}
	if err := <-done; err != nil {
		return fmt.Errorf("store: put definition %s %q: %w", kind, key, err)
	}
	return nil
}

func (s *Store) putDef(kind, key string, value []byte, done chan error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writableLocked(); err != nil {
		return err
	}
	k := defKey{kind, key}
	rec := defRec{seq: s.next, kind: kind, key: key, value: value}
	cb := func(err error) { done <- err }
	old, had := s.defs[k]
	// The new value first, then the cancel of the old: a crash between
	// them leaves both, and Recover keeps the newer by its sequence.
	newCB := cb
	if had {
		newCB = nil
	}
	p, err := s.appendRawLocked(journal.Record{Type: recDef, Payload: encodeDef(nil, rec)}, newCB)
	if err != nil {
		return fmt.Errorf("store: put definition %s %q: %w", kind, key, err)
	}
	s.next++
	s.defs[k] = defEntry{pos: p, seq: rec.seq}
	if had {
		if _, err := s.appendRawLocked(journal.Record{Type: recUndef, Cancels: old.pos}, cb); err != nil {
			return fmt.Errorf("store: put definition %s %q: replace old value: %w", kind, key, err)
		}
	}
	return nil
}

// DeleteDefinition removes (kind, key) and returns once that is durable.
// Deleting an absent definition does nothing.
func (s *Store) DeleteDefinition(kind, key string) error {
	done := make(chan error, 1)
	s.mu.Lock()
	if err := s.writableLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	k := defKey{kind, key}
	old, had := s.defs[k]
	if !had {
		s.mu.Unlock()
		return nil
	}
	_, err := s.appendRawLocked(journal.Record{Type: recUndef, Cancels: old.pos}, func(err error) { done <- err })
	if err == nil {
		delete(s.defs, k)
	}
	s.mu.Unlock()
	if err == nil {
		err = <-done
	}
	if err != nil {
		return fmt.Errorf("store: delete definition %s %q: %w", kind, key, err)
	}
	return nil
}
