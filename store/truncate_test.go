package store

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// tstate is a canonical picture of a store, for comparing.
type tstate struct {
	defs     map[string]string
	msgs     map[Target]string
	deliv    map[Target]uint32
	prepared map[string]bool
}

func newTState() *tstate {
	return &tstate{defs: map[string]string{}, msgs: map[Target]string{}, deliv: map[Target]uint32{}, prepared: map[string]bool{}}
}

func (s *tstate) clone() *tstate {
	c := newTState()
	for k, v := range s.defs {
		c.defs[k] = v
	}
	for k, v := range s.msgs {
		c.msgs[k] = v
	}
	for k, v := range s.deliv {
		c.deliv[k] = v
	}
	for k, v := range s.prepared {
		c.prepared[k] = v
	}
	return c
}

func (s *tstate) String() string {
	var parts []string
	for k, v := range s.defs {
		parts = append(parts, "def "+k+"="+v)
	}
	for t, b := range s.msgs {
		parts = append(parts, fmt.Sprintf("msg %d/%d=%s d%d", t.Queue, t.Seq, b, s.deliv[t]))
	}
	for x := range s.prepared {
		parts = append(parts, "prepared "+x)
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

func stateOf(rec *recovered) *tstate {
	s := newTState()
	for k, v := range rec.defs {
		s.defs[k] = v
	}
	for q, list := range rec.msgs {
		for _, m := range list {
			s.msgs[tg(q, m.seq)] = m.body
			if m.deliv > 0 {
				s.deliv[tg(q, m.seq)] = m.deliv
			}
		}
	}
	for x := range rec.prepared {
		s.prepared[x.String()] = true
	}
	return s
}

type tailOp struct {
	name string
	do   func(t *testing.T, s *Store)
	want func(m *tstate)
}

// TestEveryTruncationOfTheTailRecoversAPrefixOfTheOperations cuts the log
// at every byte of a run of operations of every kind and checks that
// recovery always yields the state after some prefix of them: each
// operation, transactions included, is all or nothing, and a later one is
// never kept while an earlier one is lost.
func TestEveryTruncationOfTheTailRecoversAPrefixOfTheOperations(t *testing.T) {
	o := quiet(1 << 20)
	dir := t.TempDir()
	s, _ := openRecover(t, dir, o, -1)
	xid := mustXA(t, "prepared-before", "b")
	base := newTState()
	for seq := uint64(1); seq <= 5; seq++ {
		enqueue(t, s, fmt.Sprint("base", seq), nil, tg(1, seq))
		base.msgs[tg(1, seq)] = fmt.Sprint("base", seq)
	}
	if err := s.PutDefinition("queue", "d", []byte("v1")); err != nil {
		t.Fatal(err)
	}
	base.defs["queue/d"] = "v1"
	s.TxEnqueue(xid, []byte("xa"), []Target{tg(4, 1)})
	s.TxAck(xid, 1, 3)
	if err := s.Prepare(xid, nil); err != nil {
		t.Fatal(err)
	}
	base.prepared[xid.String()] = true
	if err := s.j.Sync(); err != nil {
		t.Fatal(err)
	}
	tailStart := s.j.Stats().DataBytes

	ops := []tailOp{
		{"enqueue", func(t *testing.T, s *Store) { enqueue(t, s, "A", nil, tg(1, 10)) },
			func(m *tstate) { m.msgs[tg(1, 10)] = "A" }},
		{"ack", func(t *testing.T, s *Store) { ack(t, s, 1, 1) },
			func(m *tstate) { delete(m.msgs, tg(1, 1)) }},
		{"fan-out", func(t *testing.T, s *Store) { enqueue(t, s, "B", nil, tg(1, 11), tg(2, 11)) },
			func(m *tstate) { m.msgs[tg(1, 11)], m.msgs[tg(2, 11)] = "B", "B" }},
		{"partial ack", func(t *testing.T, s *Store) { ack(t, s, 2, 11) },
			func(m *tstate) { delete(m.msgs, tg(2, 11)) }},
		{"replace definition", func(t *testing.T, s *Store) {
			if err := s.PutDefinition("queue", "d", []byte("v2")); err != nil {
				t.Fatal(err)
			}
		}, func(m *tstate) { m.defs["queue/d"] = "v2" }},
		{"local tx", func(t *testing.T, s *Store) {
			tx := LocalTx(1)
			s.TxEnqueue(tx, []byte("C"), []Target{tg(3, 1)})
			s.TxEnqueue(tx, []byte("D"), []Target{tg(3, 2), tg(2, 2)})
			s.TxAck(tx, 1, 2)
			s.TxAck(tx, 1, 11)
			if err := s.Commit(tx, nil); err != nil {
				t.Fatal(err)
			}
		}, func(m *tstate) {
			m.msgs[tg(3, 1)], m.msgs[tg(3, 2)], m.msgs[tg(2, 2)] = "C", "D", "D"
			delete(m.msgs, tg(1, 2))
			delete(m.msgs, tg(1, 11))
		}},
		{"xa commit", func(t *testing.T, s *Store) {
			if err := s.Commit(xid, nil); err != nil {
				t.Fatal(err)
			}
		}, func(m *tstate) {
			m.msgs[tg(4, 1)] = "xa"
			delete(m.msgs, tg(1, 3))
			delete(m.prepared, xid.String())
		}},
		{"delivered", func(t *testing.T, s *Store) {
			if err := s.Delivered(1, 10, 3); err != nil {
				t.Fatal(err)
			}
		}, func(m *tstate) { m.deliv[tg(1, 10)] = 3 }},
		{"purge", func(t *testing.T, s *Store) {
			if err := s.PurgeQueue(1, 5, nil); err != nil {
				t.Fatal(err)
			}
		}, func(m *tstate) { delete(m.msgs, tg(1, 4)); delete(m.msgs, tg(1, 5)) }},
		{"delete definition", func(t *testing.T, s *Store) {
			if err := s.DeleteDefinition("queue", "d"); err != nil {
				t.Fatal(err)
			}
		}, func(m *tstate) { delete(m.defs, "queue/d") }},
	}
	states := []*tstate{base}
	for _, op := range ops {
		op.do(t, s)
		next := states[len(states)-1].clone()
		op.want(next)
		states = append(states, next)
	}
	closeT(t, s)
	seg := segFiles(t, dir)
	if len(seg) != 1 {
		t.Fatalf("want one segment, have %v", seg)
	}
	data, err := os.ReadFile(seg[0])
	if err != nil {
		t.Fatal(err)
	}
	index := map[string]int{}
	for i, st := range states {
		index[st.String()] = i
	}

	scratch := tmpfsDir(t)
	last := 0
	seen := map[int]bool{}
	for cut := tailStart; cut <= int64(len(data)); cut++ {
		d := filepath.Join(scratch, fmt.Sprint(cut))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, filepath.Base(seg[0])), data[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		s, rec := openRecover(t, d, o, -1)
		got := stateOf(rec)
		k, ok := index[got.String()]
		if !ok {
			t.Fatalf("cut at %d: recovered a state that no prefix gives:\n%v\nlast prefix state (%d ops):\n%v",
				cut, got, last, states[last])
		}
		if k < last {
			t.Fatalf("cut at %d keeps %d operations; an earlier cut kept %d", cut, k, last)
		}
		last = k
		seen[k] = true
		closeT(t, s)
		os.RemoveAll(d)
	}
	if last != len(ops) {
		t.Fatalf("the whole log recovers %d of %d operations", last, len(ops))
	}
	// Each operation ends with a record of its own, so every prefix is
	// the outcome of some cut.
	for k := range states {
		if !seen[k] {
			t.Errorf("no cut recovered exactly the first %d operations (%s)", k, ops[max(k-1, 0)].name)
		}
	}
}

// tmpfsDir prefers /dev/shm: these tests open thousands of stores.
func tmpfsDir(t testing.TB) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "store-test-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return t.TempDir()
}
