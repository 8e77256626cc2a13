package journal

import (
	"bufio"
	"errors"
	"flag"
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
)

var long = flag.Bool("long", false, "run the long crash test (also JUNCTION_LONG=1)")

func longTests() bool { return *long || os.Getenv("JUNCTION_LONG") == "1" }

const (
	envCrashDir   = "JOURNAL_CRASH_CHILD_DIR"
	envCrashFirst = "JOURNAL_CRASH_CHILD_FIRST"
)

func crashOptions() Options {
	return Options{
		SegmentSize:   64 << 10,
		Sync:          SyncAlways,
		CompactMinAge: 1,
		CompactRatio:  0.5,
		MaintainEvery: 5 * time.Millisecond,
		Logger:        slog.New(slog.DiscardHandler),
	}
}

// TestCrashChild is the process the crash test kills. It appends records
// from several goroutines and prints, after each durability callback,
// "D id seg off" for a record and "C id" for a cancel; "R oldseg oldoff
// newseg newoff" for each relocation. "X id" comes before it appends a
// cancel, since a kill may then leave the cancel durable but unreported.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(envCrashDir)
	if dir == "" {
		t.Skip("only runs as the crash test's child process")
	}
	first, _ := strconv.ParseUint(os.Getenv(envCrashFirst), 10, 64)
	out := bufio.NewWriter(os.Stdout)
	var outMu sync.Mutex
	say := func(format string, args ...any) {
		outMu.Lock()
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
		outMu.Unlock()
	}
	var posMu sync.Mutex
	where := map[Pos]uint64{}
	cur := map[uint64]Pos{}
	o := crashOptions()
	o.Relocated = func(old, new Pos) {
		posMu.Lock()
		if id, ok := where[old]; ok {
			delete(where, old)
			where[new], cur[id] = id, new
		}
		posMu.Unlock()
		say("R %d %d %d %d", old.Seg, old.Off, new.Seg, new.Off)
	}
	j, err := Open(dir, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	if err := j.Replay(func(p Pos, r Record) error { return nil }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	var next atomic.Uint64
	next.Store(first)
	for g := range 8 {
		go func() {
			rng := rand.New(rand.NewPCG(first, uint64(g)))
			for {
				id := next.Add(1)
				durable := make(chan struct{})
				p, err := j.Append(Record{Type: 1, Payload: payloadFor(id, 8+rng.IntN(3000))}, func(err error) {
					if err == nil {
						close(durable)
					}
				})
				if err != nil {
					os.Exit(4)
				}
				posMu.Lock()
				where[p], cur[id] = id, p
				posMu.Unlock()
				<-durable
				say("D %d %d %d", id, p.Seg, p.Off)
				if rng.IntN(3) == 0 { // a third stay live
					continue
				}
				say("X %d", id) // about to cancel: from now on either outcome is right
				for {
					posMu.Lock()
					target := cur[id]
					posMu.Unlock()
					_, err := j.Append(Record{Type: 2, Cancels: target}, func(err error) {
						if err == nil {
							say("C %d", id)
						}
					})
					if err == nil {
						break
					}
					if !errors.Is(err, ErrNotLive) {
						os.Exit(4)
					}
				}
			}
		}()
	}
	time.Sleep(time.Minute) // the parent kills us long before
	os.Exit(5)
}

type crashState struct {
	mu         sync.Mutex
	durable    map[uint64]Pos  // last known position of each durable record
	cancelled  map[uint64]bool // cancel reported durable
	cancelling map[uint64]bool // cancel appended, maybe durable
	lines      int
	moves      int
}

func (s *crashState) apply(line string, moved map[Pos]Pos) {
	f := strings.Fields(line)
	n := make([]uint64, len(f))
	for i := 1; i < len(f); i++ {
		n[i], _ = strconv.ParseUint(f[i], 10, 64)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines++
	switch {
	case len(f) == 4 && f[0] == "D":
		s.durable[n[1]] = Pos{uint32(n[2]), uint32(n[3])}
	case len(f) == 2 && f[0] == "C":
		s.cancelled[n[1]] = true
	case len(f) == 2 && f[0] == "X":
		s.cancelling[n[1]] = true
	case len(f) == 5 && f[0] == "R":
		s.moves++
		moved[Pos{uint32(n[1]), uint32(n[2])}] = Pos{uint32(n[3]), uint32(n[4])}
	}
}

func TestKill9NeverLosesARecordReportedDurable(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	rounds, maxRun := 3, 300*time.Millisecond
	if longTests() {
		rounds, maxRun = 40, time.Second
	}
	dir := t.TempDir()
	st := &crashState{durable: map[uint64]Pos{}, cancelled: map[uint64]bool{}, cancelling: map[uint64]bool{}}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for round := range rounds {
		moved := map[Pos]Pos{}
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
		cmd.Env = append(os.Environ(), envCrashDir+"="+dir, fmt.Sprintf("%s=%d", envCrashFirst, uint64(round+1)<<32))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		firstLine := make(chan struct{})
		readDone := make(chan struct{})
		go func() {
			defer close(readDone)
			sc := bufio.NewScanner(stdout)
			once := sync.Once{}
			for sc.Scan() {
				st.apply(sc.Text(), moved)
				once.Do(func() { close(firstLine) })
			}
		}()
		select {
		case <-firstLine:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("round %d: child reported nothing; stderr: %s", round, stderr.String())
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
		if len(moved) > 0 { // follow relocations the child reported
			at := make(map[Pos]uint64, len(st.durable))
			for id, p := range st.durable {
				at[p] = id
			}
			for old, new := range moved {
				if id, ok := at[old]; ok {
					st.durable[id] = new
				}
			}
		}
		start := time.Now()
		verifyCrashState(t, round, dir, st)
		if longTests() {
			t.Logf("round %d: %d segment files, recovery and check took %v", round, len(segFiles(t, dir)), time.Since(start))
		}
	}
	t.Logf("%d rounds, %d lines of reports, %d durable records, %d cancelled, %d relocations",
		rounds, st.lines, len(st.durable), len(st.cancelled), st.moves)
}

// verifyCrashState recovers dir and checks it against what the child said.
func verifyCrashState(t *testing.T, round int, dir string, st *crashState) {
	t.Helper()
	j, err := Open(dir, crashOptions())
	if err != nil {
		t.Fatalf("round %d: recovery failed: %v", round, err)
	}
	defer j.Close()
	live := map[uint64]Pos{}
	err = j.Replay(func(p Pos, r Record) error {
		if !r.Cancels.IsZero() {
			return nil
		}
		id, ok := idOf(r.Payload)
		if !ok {
			return fmt.Errorf("record at %v has a corrupt payload", p)
		}
		if j.Live(p) {
			if prev, dup := live[id]; dup {
				return fmt.Errorf("id %d live twice, at %v and %v", id, prev, p)
			}
			live[id] = p
		}
		return nil
	})
	if err != nil {
		t.Fatalf("round %d: replay: %v", round, err)
	}
	for id, want := range st.durable {
		got, ok := live[id]
		switch {
		case st.cancelled[id] && ok:
			t.Fatalf("round %d: id %d was cancelled durably but is live at %v", round, id, got)
		case !ok && st.cancelling[id]:
			st.cancelled[id] = true // the unreported cancel made it
		case !ok:
			t.Fatalf("round %d: id %d reported durable at %v is missing", round, id, want)
		case ok && got != want && got.Seg <= want.Seg:
			// A different position is fine only for a relocation the child
			// did not live to report, which moves the record forward.
			t.Fatalf("round %d: id %d at %v, reported at %v", round, id, got, want)
		case ok:
			st.durable[id] = got
		}
	}
}
