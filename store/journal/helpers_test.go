package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// quiet returns options that log nothing, with small segments.
func quiet(segSize int64) Options {
	return Options{SegmentSize: segSize, Logger: slog.New(slog.DiscardHandler), MaintainEvery: -1}
}

func openT(t testing.TB, dir string, o Options) *Journal {
	t.Helper()
	j, err := Open(dir, o)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func closeT(t testing.TB, j *Journal) {
	t.Helper()
	if err := j.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

type entry struct {
	p Pos
	r Record
}

// replayAll replays j and returns what it saw. Like the upper layer would,
// it releases the filler records tests write as dead weight: Release is not
// persisted, so they come back live after a restart.
func replayAll(t testing.TB, j *Journal) []entry {
	t.Helper()
	var out []entry
	if err := j.Replay(func(p Pos, r Record) error {
		r.Payload = bytes.Clone(r.Payload) // Replay reuses its buffer
		out = append(out, entry{p, r})
		if r.Type == fillerType && r.Cancels.IsZero() {
			j.Release(p)
		}
		return nil
	}); err != nil {
		t.Fatalf("Replay: %v", err)
	}
	return out
}

// payloadFor derives a checkable payload from an id: the id, then bytes
// that only that id produces.
func payloadFor(id uint64, n int) []byte {
	n = max(n, 8)
	b := make([]byte, n)
	binary.LittleEndian.PutUint64(b, id)
	r := rand.New(rand.NewPCG(id, 0x6a756e6374696f6e))
	for i := 8; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

// idOf checks a payload made by payloadFor and returns its id.
func idOf(b []byte) (uint64, bool) {
	if len(b) < 8 {
		return 0, false
	}
	id := binary.LittleEndian.Uint64(b)
	return id, bytes.Equal(b, payloadFor(id, len(b)))
}

// liveIDs reopens dir and returns the ids of the live positive records.
func liveIDs(t testing.TB, dir string, o Options) map[uint64]Pos {
	t.Helper()
	j := openT(t, dir, o)
	defer closeT(t, j)
	got := make(map[uint64]Pos)
	for _, e := range replayAll(t, j) {
		if !e.r.Cancels.IsZero() || !j.Live(e.p) {
			continue
		}
		id, ok := idOf(e.r.Payload)
		if !ok {
			t.Fatalf("record at %v has a corrupt payload", e.p)
		}
		if prev, dup := got[id]; dup {
			t.Fatalf("id %d live twice, at %v and %v", id, prev, e.p)
		}
		got[id] = e.p
	}
	return got
}

func segFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.jnl"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(m)
	return m
}

func copyDir(t testing.TB, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range segFiles(t, from) {
		src, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(filepath.Join(to, filepath.Base(f)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		if err := dst.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func mustAppend(t testing.TB, j *Journal, r Record) Pos {
	t.Helper()
	p, err := j.Append(r, nil)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return p
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
