package store

import (
	"bytes"
	"log/slog"
	"testing"
)

func emptyStore() *Store { return newStore(Options{Logger: slog.New(slog.DiscardHandler)}) }

// FuzzCheckpointState feeds the store's checkpoint decoder arbitrary
// state. It must fail cleanly, never panic; state it accepts must encode
// to bytes that decode to the same state.
func FuzzCheckpointState(f *testing.F) {
	// Seed: the state of a real store (ckStore's mix, with notes).
	dir := f.TempDir()
	s, _ := openRecover(f, dir, quiet(8<<10), -1)
	enqueue(f, s, "a", nil, tg(1, 1))
	enqueue(f, s, "fan", nil, tg(1, 2), tg(2, 1))
	enqueue(f, s, "b", nil, tg(1, 3))
	if err := s.PutDefinition("queue", "q1", []byte("v")); err != nil {
		f.Fatal(err)
	}
	if err := s.Delivered(1, 3, 2); err != nil {
		f.Fatal(err)
	}
	if err := s.PurgeQueue(1, 1, nil); err != nil {
		f.Fatal(err)
	}
	s.mu.Lock()
	note := NoteFunc(func(seq, id uint64) []byte { return []byte{1, 2, byte(seq)} })
	f.Add(s.encodeCheckpointLocked(map[QueueID]NoteFunc{1: note, 2: note}))
	f.Add(s.encodeCheckpointLocked(nil))
	s.mu.Unlock()

	f.Fuzz(func(t *testing.T, data []byte) {
		a := emptyStore()
		a.mu.Lock()
		defer a.mu.Unlock()
		lists, err := a.adoptCheckpointLocked(data)
		if err != nil {
			return
		}
		rep := &report{}
		a.reportCheckpointLocked(rep, lists)
		once := a.encodeCheckpointLocked(nil)
		b := emptyStore()
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, err := b.adoptCheckpointLocked(once); err != nil {
			t.Fatalf("state encoded from an accepted checkpoint does not decode: %v", err)
		}
		if twice := b.encodeCheckpointLocked(nil); !bytes.Equal(once, twice) {
			t.Fatalf("state changed in a round trip:\n%x\n%x", once, twice)
		}
	})
}
