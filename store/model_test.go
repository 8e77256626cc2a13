package store

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"testing"
)

var long = flag.Bool("long", false, "run long randomized and crash tests (also JUNCTION_LONG=1)")

func longTests() bool { return *long || os.Getenv("JUNCTION_LONG") == "1" }

// The model is what the store should hold, kept the simple way.
type mMsg struct {
	key   int // model identity of the message (one per enqueue)
	body  string
	deliv uint32
}

type mEnq struct {
	key     int
	body    string
	targets []Target
}

type mTx struct {
	id    TxID
	encs  []mEnq
	acks  []Target
	refs  []MsgRef
	xa    bool
	state int // 0 open, 1 prepared
}

type model struct {
	msgs   map[Target]mMsg
	defs   map[string]string
	txs    map[TxID]*mTx
	next   map[QueueID]uint64
	keys   int
	ref    map[int]MsgRef // model key → store ref, for ReadMessage checks
	bodies map[int]string
}

// modelRun drives a store and a model with the same random operations,
// reopening (cleanly or as after a crash) at random points and checking
// that recovery reports exactly the model.
type modelRun struct {
	t    *testing.T
	rng  *rand.Rand
	o    Options
	s    *Store
	dir  string
	m    *model
	txn  uint64
	ops  []string
	step int
}

func newModelRun(t *testing.T, seed uint64) *modelRun {
	o := compacting(8 << 10)
	r := &modelRun{t: t, rng: rand.New(rand.NewPCG(seed, 99)), o: o, m: &model{
		msgs: map[Target]mMsg{}, defs: map[string]string{}, txs: map[TxID]*mTx{},
		next: map[QueueID]uint64{}, ref: map[int]MsgRef{}, bodies: map[int]string{},
	}}
	r.s, r.dir = fresh(t, o)
	return r
}

func (r *modelRun) fail(format string, args ...any) {
	r.t.Helper()
	tail := r.ops[max(0, len(r.ops)-25):]
	r.t.Fatalf("step %d: %s\nlast operations:\n%v", r.step, fmt.Sprintf(format, args...), tail)
}

func (r *modelRun) logOp(format string, args ...any) {
	r.ops = append(r.ops, fmt.Sprintf("%d: ", r.step)+fmt.Sprintf(format, args...))
}

func (r *modelRun) newBody(key int) string {
	n := 1 + r.rng.IntN(1500)
	if r.rng.IntN(4) == 0 {
		n = r.rng.IntN(20)
	}
	return body(n, fmt.Sprintf("k%d:", key))
}

func (r *modelRun) targets() []Target {
	qs := []QueueID{1, 2, 3, 4}
	r.rng.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	n := 1
	if r.rng.IntN(3) == 0 {
		n = 2 + r.rng.IntN(2)
	}
	var out []Target
	for _, q := range qs[:n] {
		r.m.next[q]++
		out = append(out, tg(q, r.m.next[q]))
	}
	return out
}

func (r *modelRun) visible() []Target {
	out := make([]Target, 0, len(r.m.msgs))
	for t := range r.m.msgs {
		out = append(out, t)
	}
	sort.Slice(out, func(a, b int) bool {
		return out[a].Queue < out[b].Queue || out[a].Queue == out[b].Queue && out[a].Seq < out[b].Seq
	})
	return out
}

func (r *modelRun) pick() (Target, bool) {
	v := r.visible()
	if len(v) == 0 {
		return Target{}, false
	}
	return v[r.rng.IntN(len(v))], true
}

func (r *modelRun) do() {
	r.step++
	switch p := r.rng.IntN(100); {
	case p < 25:
		r.enqueue()
	case p < 40:
		if t, ok := r.pick(); ok {
			r.logOp("ack %v", t)
			if err := r.s.Ack(t.Queue, t.Seq, nil); err != nil {
				r.fail("ack %v: %v", t, err)
			}
			delete(r.m.msgs, t)
		}
	case p < 47:
		if t, ok := r.pick(); ok {
			m := r.m.msgs[t]
			m.deliv += 1 + uint32(r.rng.IntN(3))
			r.logOp("delivered %v %d", t, m.deliv)
			if err := r.s.Delivered(t.Queue, t.Seq, m.deliv); err != nil {
				r.fail("delivered: %v", err)
			}
			r.m.msgs[t] = m
		}
	case p < 50:
		r.purge()
	case p < 54:
		r.definition()
	case p < 66:
		r.transaction()
	case p < 72:
		r.finishXA()
	case p < 90:
		r.filler()
	case p < 93:
		r.logOp("compact")
		if err := r.s.Compact(); err != nil {
			r.fail("compact: %v", err)
		}
	case p < 96:
		r.reopen(false)
	default:
		r.reopen(true)
	}
}

func (r *modelRun) enqueue() {
	r.m.keys++
	key := r.m.keys
	b, ts := r.newBody(key), r.targets()
	r.logOp("enqueue k%d %v", key, ts)
	ref, err := r.s.Enqueue([]byte(b), ts, nil)
	if err != nil {
		r.fail("enqueue: %v", err)
	}
	for _, t := range ts {
		r.m.msgs[t] = mMsg{key: key, body: b}
	}
	r.m.ref[key], r.m.bodies[key] = ref, b
}

// filler writes a message to queue 9 and acks it: dead weight that fills
// segments and gives compaction work.
func (r *modelRun) filler() {
	r.m.next[9]++
	seq := r.m.next[9]
	if _, err := r.s.Enqueue(make([]byte, 200+r.rng.IntN(800)), []Target{tg(9, seq)}, nil); err != nil {
		r.fail("filler: %v", err)
	}
	if err := r.s.Ack(9, seq, nil); err != nil {
		r.fail("filler ack: %v", err)
	}
}

func (r *modelRun) purge() {
	q := QueueID(1 + r.rng.IntN(4))
	upTo := uint64(math.MaxUint64)
	if r.rng.IntN(2) == 0 {
		upTo = r.rng.Uint64N(r.m.next[q] + 1)
	}
	r.logOp("purge %d up to %d", q, upTo)
	if err := r.s.PurgeQueue(q, upTo, nil); err != nil {
		r.fail("purge: %v", err)
	}
	for t := range r.m.msgs {
		if t.Queue == q && t.Seq <= upTo {
			delete(r.m.msgs, t)
		}
	}
}

func (r *modelRun) definition() {
	k := fmt.Sprint("d", r.rng.IntN(4))
	if r.rng.IntN(3) == 0 {
		r.logOp("delete definition %s", k)
		if err := r.s.DeleteDefinition("queue", k); err != nil {
			r.fail("delete definition: %v", err)
		}
		delete(r.m.defs, "queue/"+k)
		return
	}
	v := fmt.Sprint("v", r.step)
	r.logOp("put definition %s=%s", k, v)
	if err := r.s.PutDefinition("queue", k, []byte(v)); err != nil {
		r.fail("put definition: %v", err)
	}
	r.m.defs["queue/"+k] = v
}

func (r *modelRun) transaction() {
	r.txn++
	tx := &mTx{id: LocalTx(r.txn)}
	if r.rng.IntN(3) == 0 {
		tx.id, tx.xa = mustXA(r.t, fmt.Sprint("g", r.txn), "b"), true
	}
	for range r.rng.IntN(4) {
		r.m.keys++
		e := mEnq{key: r.m.keys, body: r.newBody(r.m.keys), targets: r.targets()}
		ref, err := r.s.TxEnqueue(tx.id, []byte(e.body), e.targets)
		if err != nil {
			r.fail("tx enqueue: %v", err)
		}
		tx.encs, tx.refs = append(tx.encs, e), append(tx.refs, ref)
	}
	for range r.rng.IntN(3) {
		if t, ok := r.pick(); ok && !slices.Contains(tx.acks, t) {
			if err := r.s.TxAck(tx.id, t.Queue, t.Seq); err != nil {
				r.fail("tx ack: %v", err)
			}
			tx.acks = append(tx.acks, t)
		}
	}
	var encs []string
	for _, e := range tx.encs {
		encs = append(encs, fmt.Sprintf("k%d%v", e.key, e.targets))
	}
	r.logOp("tx %v enqueues %v acks %v", tx.id, encs, tx.acks)
	if len(tx.encs) == 0 && len(tx.acks) == 0 && !tx.xa {
		return // nothing for the store to know
	}
	r.m.txs[tx.id] = tx
	switch c := r.rng.IntN(10); {
	case tx.xa:
		r.logOp("prepare %v", tx.id)
		if err := r.s.Prepare(tx.id, nil); err != nil {
			r.fail("prepare: %v", err)
		}
		tx.state = 1
	case c < 6:
		r.commit(tx)
	case c < 8:
		r.rollback(tx)
	}
	// Otherwise it stays open; a reopen loses it.
}

func (r *modelRun) commit(tx *mTx) {
	r.logOp("commit %v", tx.id)
	if err := r.s.Commit(tx.id, nil); err != nil {
		r.fail("commit %v: %v", tx.id, err)
	}
	for i, e := range tx.encs {
		for _, t := range e.targets {
			r.m.msgs[t] = mMsg{key: e.key, body: e.body}
		}
		r.m.ref[e.key], r.m.bodies[e.key] = tx.refs[i], e.body
	}
	for _, t := range tx.acks {
		delete(r.m.msgs, t)
	}
	delete(r.m.txs, tx.id)
}

func (r *modelRun) rollback(tx *mTx) {
	r.logOp("rollback %v", tx.id)
	if err := r.s.Rollback(tx.id, nil); err != nil {
		r.fail("rollback %v: %v", tx.id, err)
	}
	delete(r.m.txs, tx.id)
}

func (r *modelRun) finishXA() {
	var ids []TxID
	for id, tx := range r.m.txs {
		if tx.state == 1 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a].String() < ids[b].String() })
	tx := r.m.txs[ids[r.rng.IntN(len(ids))]]
	if r.rng.IntN(3) > 0 {
		r.commit(tx)
	} else {
		r.rollback(tx)
	}
}

func (r *modelRun) reopen(crash bool) {
	r.logOp("reopen crash=%v", crash)
	var rec *recovered
	if crash {
		dir := crashCopy(r.t, r.s, r.dir)
		closeT(r.t, r.s)
		r.dir = dir
		r.s, rec = openRecover(r.t, dir, r.o, -1)
	} else {
		r.s, rec = reopen(r.t, r.s, r.dir, r.o)
	}
	for id, tx := range r.m.txs {
		if tx.state == 0 {
			delete(r.m.txs, id) // open transactions do not survive
		}
	}
	r.check(rec)
}

// check compares what recovery reported with the model.
func (r *modelRun) check(rec *recovered) {
	r.t.Helper()
	if !mapsEqual(rec.defs, r.m.defs) {
		r.fail("definitions %v, model %v", rec.defs, r.m.defs)
	}
	n := 0
	refOf := map[int]MsgRef{}
	keyOf := map[MsgRef]int{}
	for q, list := range rec.msgs {
		for i, g := range list {
			n++
			if i > 0 && list[i-1].seq >= g.seq {
				r.fail("queue %d reported out of seq order: %d then %d", q, list[i-1].seq, g.seq)
			}
			want, ok := r.m.msgs[tg(q, g.seq)]
			if !ok {
				r.fail("queue %d seq %d (%.12q) recovered but not in the model", q, g.seq, g.body)
			}
			if g.body != want.body || g.deliv != want.deliv {
				r.fail("queue %d seq %d: body %.12q deliveries %d, model %.12q %d", q, g.seq, g.body, g.deliv, want.body, want.deliv)
			}
			if prev, ok := refOf[want.key]; ok && prev != g.ref {
				r.fail("message k%d has two refs %v and %v", want.key, prev, g.ref)
			}
			if k, ok := keyOf[g.ref]; ok && k != want.key {
				r.fail("ref %v names messages k%d and k%d", g.ref, k, want.key)
			}
			refOf[want.key], keyOf[g.ref] = g.ref, want.key
		}
	}
	if n != len(r.m.msgs) {
		var missing []Target
		for t := range r.m.msgs {
			if _, ok := rec.find(t.Queue, t.Seq); !ok {
				missing = append(missing, t)
			}
		}
		r.fail("recovered %d references, model has %d; missing %v", n, len(r.m.msgs), missing)
	}
	for k, ref := range refOf {
		r.m.ref[k] = ref
	}
	prepared := 0
	for id, tx := range r.m.txs {
		got, ok := rec.prepared[id]
		if !ok {
			r.fail("prepared %v not recovered", id)
		}
		prepared++
		if len(got.encs) != len(tx.encs) || !slices.Equal(got.acks, tx.acks) {
			r.fail("prepared %v: %d enqueues acks %v, model %d %v", id, len(got.encs), got.acks, len(tx.encs), tx.acks)
		}
		for i, e := range got.encs {
			if string(e.Body) != tx.encs[i].body || !slices.Equal(e.Targets, tx.encs[i].targets) {
				r.fail("prepared %v enqueue %d differs", id, i)
			}
			tx.refs[i] = e.Ref
		}
	}
	if prepared != len(rec.prepared) {
		r.fail("recovered %d prepared transactions, model has %d", len(rec.prepared), prepared)
	}
	st := r.s.Stats()
	if st.Refs != int64(len(r.m.msgs)) || st.PreparedTxs != prepared {
		r.fail("stats %+v; model has %d references, %d prepared", st, len(r.m.msgs), prepared)
	}
}

// readBack checks ReadMessage for a few visible messages.
func (r *modelRun) readBack() {
	for range 3 {
		t, ok := r.pick()
		if !ok {
			return
		}
		m := r.m.msgs[t]
		b, err := r.s.ReadMessage(r.m.ref[m.key])
		if err != nil || string(b) != m.body {
			r.fail("ReadMessage of k%d at %v: %.12q, %v", m.key, t, b, err)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// drain acks and rolls back everything, then checks that compaction and
// reclaim bring the journal down to the definitions.
func (r *modelRun) drain() {
	for id, tx := range r.m.txs {
		r.rollback(tx)
		delete(r.m.txs, id)
	}
	for _, t := range r.visible() {
		if err := r.s.Ack(t.Queue, t.Seq, nil); err != nil {
			r.fail("drain ack %v: %v", t, err)
		}
		delete(r.m.msgs, t)
	}
	// Push the head on, so older segments can go, until they have.
	var st Stats
	for range 10 {
		for range 20 {
			r.filler()
		}
		if err := r.s.Compact(); err != nil {
			r.fail("compact: %v", err)
		}
		if st = r.s.Stats(); st.Purges == 0 && st.Journal.Segments <= 3 {
			break
		}
	}
	if st.Messages != 0 || st.Refs != 0 || st.Commits != 0 || st.Purges != 0 {
		r.fail("drained store still holds state: %+v", st)
	}
	if st.Journal.LiveRecords != int64(len(r.m.defs)) {
		r.fail("drained store has %d live records for %d definitions", st.Journal.LiveRecords, len(r.m.defs))
	}
	if st.Journal.Segments > 4 {
		r.fail("drained store keeps %d segments", st.Journal.Segments)
	}
	r.reopen(false)
}

func TestRandomOperationsMatchAModelAcrossReopensCrashesAndCompaction(t *testing.T) {
	seeds, steps := 12, 600
	if testing.Short() {
		seeds, steps = 3, 300
	}
	if longTests() {
		seeds, steps = 200, 2000
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := newModelRun(t, uint64(seed))
			for range steps {
				r.do()
				if r.step%50 == 0 {
					r.readBack()
				}
			}
			r.reopen(r.rng.IntN(2) == 0)
			r.drain()
		})
	}
}
