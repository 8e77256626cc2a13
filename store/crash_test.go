package store

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/junctionmq/junction/store/journal"
)

const (
	envCrashDir   = "STORE_CRASH_CHILD_DIR"
	envCrashRound = "STORE_CRASH_CHILD_ROUND"
)

func crashStoreOptions() Options {
	return Options{
		SegmentSize:   64 << 10,
		Sync:          journal.SyncAlways,
		CompactMinAge: 1,
		CompactRatio:  0.5,
		MaintainEvery: 5 * time.Millisecond,
		Logger:        slog.New(slog.DiscardHandler),
	}
}

// crashBody derives a message body from its key, so the parent can check
// what comes back.
func crashBody(key uint64) []byte {
	return []byte(body(int(key%1500), fmt.Sprintf("key%d:", key)))
}

func fmtTargets(ts []Target) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, fmt.Sprintf("%d:%d", t.Queue, t.Seq))
	}
	return strings.Join(parts, ",")
}

func parseTargets(s string) []Target {
	var out []Target
	for _, p := range strings.Split(s, ",") {
		q, seq, _ := strings.Cut(p, ":")
		qn, _ := strconv.ParseUint(q, 10, 64)
		sn, _ := strconv.ParseUint(seq, 10, 64)
		out = append(out, tg(QueueID(qn), sn))
	}
	return out
}

// TestStoreCrashChild is the process the kill -9 test kills. Before each
// operation it announces it ("P key targets" for an enqueue, "PT" with
// several for a transaction, "X q seq" for an ack) and after its done
// callback it confirms it ("E key", "A q seq").
func TestStoreCrashChild(t *testing.T) {
	dir := os.Getenv(envCrashDir)
	if dir == "" {
		t.Skip("only runs as the kill -9 test's child process")
	}
	round, _ := strconv.ParseUint(os.Getenv(envCrashRound), 10, 64)
	out := bufio.NewWriter(os.Stdout)
	var outMu sync.Mutex
	say := func(format string, args ...any) {
		outMu.Lock()
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
		outMu.Unlock()
	}
	s, err := Open(dir, crashStoreOptions())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	var mu sync.Mutex
	var ackable []Target // confirmed and not yet acked by us
	deliv := map[Target]uint32{}
	err = s.Recover(Recovery{Message: func(q QueueID, seq uint64, _ MsgRef, _ []byte, d uint32) {
		ackable = append(ackable, tg(q, seq))
		deliv[tg(q, seq)] = d
	}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	say("R") // recovered: the parent starts its clock
	var seq, key, txn atomic.Uint64
	seq.Store(round << 32)
	key.Store(round << 32)
	txn.Store(round << 32)
	targets := func(rng *rand.Rand) []Target {
		n := 1 + rng.IntN(3)
		first := 1 + rng.IntN(3)
		var ts []Target
		for i := range n {
			ts = append(ts, tg(QueueID((first+i)%3+1), seq.Add(1)))
		}
		return ts
	}
	takeAckable := func(rng *rand.Rand) (Target, bool) {
		mu.Lock()
		defer mu.Unlock()
		if len(ackable) == 0 {
			return Target{}, false
		}
		i := rng.IntN(len(ackable))
		t := ackable[i]
		ackable[i] = ackable[len(ackable)-1]
		ackable = ackable[:len(ackable)-1]
		return t, true
	}
	confirm := func(ts []Target) {
		mu.Lock()
		ackable = append(ackable, ts...)
		mu.Unlock()
	}
	for g := range 4 {
		go func() {
			rng := rand.New(rand.NewPCG(round, uint64(g)))
			for {
				switch p := rng.IntN(10); {
				case p < 5:
					k, ts := key.Add(1), targets(rng)
					done := make(chan struct{})
					say("P %d %s", k, fmtTargets(ts))
					if _, err := s.Enqueue(crashBody(k), ts, func(error) { close(done) }); err != nil {
						os.Exit(4)
					}
					<-done
					say("E %d", k)
					confirm(ts)
				case p < 7:
					at, ok := takeAckable(rng)
					if !ok {
						continue
					}
					done := make(chan struct{})
					say("X %d %d", at.Queue, at.Seq)
					err := s.Ack(at.Queue, at.Seq, func(error) { close(done) })
					if errors.Is(err, ErrNoMessage) {
						continue // purged meanwhile
					}
					if err != nil {
						os.Exit(4)
					}
					<-done
					say("A %d %d", at.Queue, at.Seq)
				case p < 8 && rng.IntN(5) > 0:
					at, ok := takeAckable(rng)
					if !ok {
						continue
					}
					mu.Lock()
					deliv[at]++
					c := deliv[at]
					ackable = append(ackable, at)
					mu.Unlock()
					say("D %d %d %d", at.Queue, at.Seq, c)
					if err := s.Delivered(at.Queue, at.Seq, c); err != nil && !errors.Is(err, ErrNoMessage) {
						os.Exit(4)
					}
				case p < 8:
					q := QueueID(1 + rng.IntN(3))
					upTo := seq.Load() - uint64(rng.IntN(2000))
					done := make(chan struct{})
					say("Q %d %d", q, upTo)
					if err := s.PurgeQueue(q, upTo, func(error) { close(done) }); err != nil {
						os.Exit(4)
					}
					<-done
					say("U %d %d", q, upTo)
					mu.Lock()
					kept := ackable[:0]
					for _, t := range ackable {
						if t.Queue != q || t.Seq > upTo {
							kept = append(kept, t)
						}
					}
					ackable = kept
					mu.Unlock()
				default:
					tx := LocalTx(txn.Add(1))
					var parts []string
					var all []Target
					for range 2 {
						k, ts := key.Add(1), targets(rng)
						if _, err := s.TxEnqueue(tx, crashBody(k), ts); err != nil {
							os.Exit(4)
						}
						parts = append(parts, fmt.Sprintf("%d %s", k, fmtTargets(ts)))
						all = append(all, ts...)
					}
					at, acking := takeAckable(rng)
					if acking {
						err := s.TxAck(tx, at.Queue, at.Seq)
						if errors.Is(err, ErrNoMessage) {
							acking = false
						} else if err != nil {
							os.Exit(4)
						} else {
							say("X %d %d", at.Queue, at.Seq)
						}
					}
					say("PT %s", strings.Join(parts, " "))
					done := make(chan struct{})
					if err := s.Commit(tx, func(error) { close(done) }); err != nil {
						os.Exit(4)
					}
					<-done
					for _, p := range parts {
						say("E %s", strings.Fields(p)[0])
					}
					if acking {
						say("A %d %d", at.Queue, at.Seq)
					}
					confirm(all)
				}
			}
		}()
	}
	time.Sleep(time.Minute) // the parent kills us long before
	os.Exit(5)
}

// crashModel is what the parent knows from the child's reports.
type crashModel struct {
	announced map[uint64][]Target // key → targets, once announced
	txOf      map[uint64][]uint64 // key → all keys of its transaction
	confirmed map[uint64]bool     // enqueue durable (done ran)
	present   map[Target]uint64   // references that must exist
	acking    map[Target]bool     // ack or purge announced, maybe durable
	acked     map[Target]bool     // ack or purge durable (done ran)
	purging   map[string][]Target // purge announced: references it must drop
	maxDeliv  map[Target]uint32   // highest delivery count announced
	lastDeliv map[Target]uint32   // delivery count recovered last round
}

func (m *crashModel) apply(line string) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return
	}
	num := func(i int) uint64 { n, _ := strconv.ParseUint(f[i], 10, 64); return n }
	switch f[0] {
	case "P":
		m.announced[num(1)] = parseTargets(f[2])
	case "PT":
		var keys []uint64
		for i := 1; i+1 < len(f); i += 2 {
			m.announced[num(i)] = parseTargets(f[i+1])
			keys = append(keys, num(i))
		}
		for _, k := range keys {
			m.txOf[k] = keys
		}
	case "E":
		k := num(1)
		m.confirmed[k] = true
		for _, t := range m.announced[k] {
			m.present[t] = k
		}
	case "X":
		m.acking[tg(QueueID(num(1)), num(2))] = true
	case "D":
		at := tg(QueueID(num(1)), num(2))
		m.maxDeliv[at] = max(m.maxDeliv[at], uint32(num(3)))
	case "Q":
		// References confirmed before the purge was asked for must go;
		// announced ones may have been enqueued after it.
		q, upTo := QueueID(num(1)), num(2)
		var list []Target
		for at := range m.present {
			if at.Queue == q && at.Seq <= upTo {
				list = append(list, at)
				m.acking[at] = true
			}
		}
		for _, ts := range m.announced {
			for _, at := range ts {
				if at.Queue == q && at.Seq <= upTo {
					m.acking[at] = true
				}
			}
		}
		m.purging[f[1]+" "+f[2]] = list
	case "U":
		for _, at := range m.purging[f[1]+" "+f[2]] {
			m.acked[at] = true
		}
	case "A":
		m.acked[tg(QueueID(num(1)), num(2))] = true
	}
}

// verify recovers dir and checks it against the reports; then the model
// takes what was recovered as the truth for the next round.
func (m *crashModel) verify(t *testing.T, round int, dir string) int {
	t.Helper()
	keyOf := map[Target]uint64{}
	for k, ts := range m.announced {
		for _, tg := range ts {
			keyOf[tg] = k
		}
	}
	s, rec := openRecover(t, dir, crashStoreOptions(), -1)
	defer closeT(t, s)
	got := map[Target]bool{}
	for q, list := range rec.msgs {
		for _, g := range list {
			at := tg(q, g.seq)
			if got[at] {
				t.Fatalf("round %d: %v recovered twice", round, at)
			}
			got[at] = true
			k, known := keyOf[at]
			if !known {
				t.Fatalf("round %d: %v recovered but never enqueued", round, at)
			}
			if g.body != string(crashBody(k)) {
				t.Fatalf("round %d: %v has the wrong body", round, at)
			}
			if m.acked[at] {
				t.Fatalf("round %d: %v is back although its ack or purge was confirmed", round, at)
			}
			if g.deliv > m.maxDeliv[at] || g.deliv < m.lastDeliv[at] {
				t.Fatalf("round %d: %v delivery count %d; announced at most %d, recovered %d before",
					round, at, g.deliv, m.maxDeliv[at], m.lastDeliv[at])
			}
			m.lastDeliv[at] = g.deliv
		}
	}
	for at, k := range m.present {
		if !got[at] && !m.acking[at] {
			t.Fatalf("round %d: %v (key %d) was confirmed and never acked, but is missing", round, at, k)
		}
	}
	// An unconfirmed enqueue or transaction is all there or all gone
	// (references acked meanwhile aside).
	for k, ts := range m.announced {
		if m.confirmed[k] {
			continue
		}
		keys := m.txOf[k]
		if keys == nil {
			keys = []uint64{k}
		}
		var some, all = false, true
		for _, k2 := range keys {
			for _, at := range m.announced[k2] {
				if got[at] {
					some = true
				} else if !m.acking[at] {
					all = false
				}
			}
		}
		if some && !all {
			t.Fatalf("round %d: enqueue %d (transaction %v, targets %v) is partly there", round, k, keys, ts)
		}
	}
	// What was recovered is the truth from now on: unconfirmed enqueues
	// that made it count as confirmed, those that did not are forgotten
	// (so that their coming back later is an error).
	m.present = map[Target]uint64{}
	for at := range got {
		m.present[at] = keyOf[at]
		m.confirmed[keyOf[at]] = true
	}
	for k := range m.announced {
		if !m.confirmed[k] {
			delete(m.announced, k)
			delete(m.txOf, k)
		}
	}
	clear(m.acking)
	clear(m.acked)
	clear(m.purging)
	return len(got)
}

func TestKill9KeepsEveryConfirmedEnqueueOnceAndNoConfirmedAckOrPurge(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	rounds, maxRun := 4, 400*time.Millisecond
	if longTests() {
		rounds, maxRun = 40, 1500*time.Millisecond
	}
	dir := t.TempDir()
	m := &crashModel{
		announced: map[uint64][]Target{}, txOf: map[uint64][]uint64{}, confirmed: map[uint64]bool{},
		present: map[Target]uint64{}, acking: map[Target]bool{}, acked: map[Target]bool{},
		purging: map[string][]Target{}, maxDeliv: map[Target]uint32{}, lastDeliv: map[Target]uint32{},
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	lines := 0
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStoreCrashChild$")
		cmd.Env = append(os.Environ(), envCrashDir+"="+dir, fmt.Sprintf("%s=%d", envCrashRound, round+1))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make(chan struct{})
		readDone := make(chan struct{})
		go func() {
			defer close(readDone)
			sc := bufio.NewScanner(stdout)
			sc.Buffer(make([]byte, 1<<16), 1<<20)
			once := sync.Once{}
			for sc.Scan() {
				if sc.Text() == "R" {
					once.Do(func() { close(ready) })
					continue
				}
				m.apply(sc.Text())
				lines++
			}
		}()
		select {
		case <-ready:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("round %d: child did not recover; stderr: %s", round, stderr.String())
		}
		time.Sleep(time.Duration(rng.Int64N(int64(maxRun))))
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-readDone
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != -1 {
			t.Fatalf("round %d: child exited by itself with %d; stderr: %s", round, code, stderr.String())
		}
		n := m.verify(t, round, dir)
		t.Logf("round %d: %d references recovered", round, n)
	}
	t.Logf("%d rounds, %d report lines", rounds, lines)
}
