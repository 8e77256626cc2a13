package crash

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// tornQueues are the torn-tail test's queues; producer p publishes to
// queue p only, so a queue's journal order is its producer's order.
var tornQueues = []string{"torn.q0", "torn.q1", "torn.q2"}

// How the newest segment is damaged after the kill. Everything before the
// cut offset is left intact.
type tamper int

const (
	truncateAt tamper = iota // the file ends at the cut
	garbageAt                // random bytes overwrite [cut, cut+n)
	flipAfter                // a few bytes at or after the cut are inverted
	zeroFrom                 // zeros from the cut to the end of the valid data
	tamperKinds
)

func (m tamper) String() string {
	return [...]string{"truncate", "garbage", "flip", "zeros"}[m]
}

// After a kill, the newest journal segment is damaged at a random offset
// at or past the point that was on disk when every message published so
// far had been confirmed: truncated there, overwritten with garbage,
// bytes flipped, or zeroed. The broker must then:
//   - start, and log no error (a torn tail is expected after a crash; the
//     journal may warn that it cut one off);
//   - recover exactly the messages whose journal records lie wholly in
//     older segments or before the first damaged byte of the newest one
//     (found by walking the segment with the journal's documented format):
//     nothing after the damage, nothing before it lost;
//   - therefore keep every message confirmed before that point, and give
//     each queue a prefix of its producer's messages, in order;
//   - log that count as its recovered messages;
//   - accept new messages after the cut, and recover them (and not the
//     drained ones) after another kill.
//
// Short form: one case per kind of damage; JUNCTION_LONG=1: 40 cases
// (JUNCTION_TORN_CASES sets any number).
func TestTornJournalTailRecoversTheIntactPrefix(t *testing.T) {
	cases := int(tamperKinds)
	if long() {
		cases = 40
	}
	cases = envInt(t, "JUNCTION_TORN_CASES", cases)
	r := newRand(t)
	for i := 0; i < cases; i++ {
		mode := tamper(i % int(tamperKinds))
		t.Run(fmt.Sprintf("%02d-%s", i, mode), func(t *testing.T) {
			tornCase(t, mode, rand.New(rand.NewPCG(r.Uint64(), uint64(i))))
		})
	}
}

func tornCase(t *testing.T, mode tamper, r *rand.Rand) {
	dir := t.TempDir()
	storeDir := filepath.Join(dir, "store")
	n := startNode(t, dir)
	url := n.proc.AMQPURL()
	declareTorn(t, url)

	// Phase A: confirmed, so on disk up to safeEnd of the newest segment.
	perProducer := 100 + r.IntN(400)
	confirmed := publishTorn(t, url, 1, 0, perProducer, nil)
	safeSeg, err := newestSegment(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	_, safeEnd, err := walkSegment(safeSeg)
	if err != nil {
		t.Fatal(err)
	}

	// Phase B: more publishes until a random moment, then the kill.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		publishTorn(t, url, 1, perProducer, 1<<30, stop)
	}()
	time.Sleep(time.Duration(20+r.IntN(400)) * time.Millisecond)
	n.kill()
	close(stop)
	wg.Wait()

	seg, err := newestSegment(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	recs, end, err := walkSegment(seg)
	if err != nil {
		t.Fatal(err)
	}
	lo := int64(segHeaderSize)
	if seg == safeSeg {
		lo = safeEnd
	}
	cut := lo + r.Int64N(end-lo+1)
	damage(t, seg, mode, cut, end, r)
	want := expectedAfterCut(t, storeDir, seg, recs, cut)
	t.Logf("%s at %d of %s (confirmed prefix ends at %d, valid data at %d): %d messages expected",
		mode, cut, filepath.Base(seg), lo, end, len(want))

	n.restart()
	if warns := n.proc.Lines("WARN"); len(warns) > 0 {
		t.Logf("recovery warnings:\n%s", strings.Join(warns, "\n"))
	}
	if got := n.proc.Recovered["messages"]; got != len(want) {
		t.Errorf("the broker logged %d recovered messages, want %d", got, len(want))
	}
	got := drainTorn(t, n.proc.AMQPURL())
	checkTorn(t, got, want, confirmed)

	// Appends after the cut survive the next kill; the drained messages
	// do not come back.
	publishTorn(t, n.proc.AMQPURL(), 2, 0, 50, nil)
	n.kill()
	n.restart()
	after := drainTorn(t, n.proc.AMQPURL())
	for p, q := range tornQueues {
		var ids []string
		for i := 0; i < 50; i++ {
			ids = append(ids, msgKey{2, p, i}.String())
		}
		if !equalIDs(after[q], ids) {
			t.Errorf("after a second kill %s holds %d messages (%s), want exactly the 50 published after the first recovery", q, len(after[q]), firstFew(after[q]))
		}
	}
}

func declareTorn(t *testing.T, url string) {
	t.Helper()
	conn, err := dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range tornQueues {
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			t.Fatalf("declare %s: %v", q, err)
		}
	}
}

// publishTorn publishes seqs [from, from+count) of round to each queue,
// one producer per queue with confirms (32 in flight), until done or stop
// closes; it returns the keys whose confirms arrived. Errors only end a
// producer: they are how a kill shows up.
func publishTorn(t *testing.T, url string, round, from, count int, stop chan struct{}) map[msgKey]bool {
	var mu sync.Mutex
	confirmed := map[msgKey]bool{}
	var wg sync.WaitGroup
	for p, q := range tornQueues {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := dial(url)
			if err != nil {
				return
			}
			defer conn.Close()
			ch, err := conn.Channel()
			if err != nil || ch.Confirm(false) != nil {
				return
			}
			var pending []*amqp.DeferredConfirmation
			var keys []msgKey
			settle := func(keep int) bool {
				for len(pending) > keep {
					select {
					case <-pending[0].Done():
					case <-stop:
						return false
					}
					if pending[0].Acked() {
						mu.Lock()
						confirmed[keys[0]] = true
						mu.Unlock()
					}
					pending, keys = pending[1:], keys[1:]
				}
				return true
			}
			for seq := from; seq < from+count; seq++ {
				if stop != nil {
					select {
					case <-stop:
						return
					default:
					}
				}
				k := msgKey{round, p, seq}
				dc, err := ch.PublishWithDeferredConfirm("", q, false, false, publishing(k))
				if err != nil {
					return
				}
				pending, keys = append(pending, dc), append(keys, k)
				if !settle(31) {
					return
				}
			}
			settle(0)
		}()
	}
	wg.Wait()
	if stop == nil && len(confirmed) != count*len(tornQueues) {
		t.Fatalf("only %d of %d publishes were confirmed by a running broker", len(confirmed), count*len(tornQueues))
	}
	return confirmed
}

// damage tampers with the segment from offset cut on; end is where its
// valid data ends.
func damage(t *testing.T, seg string, mode tamper, cut, end int64, r *rand.Rand) {
	t.Helper()
	if mode == truncateAt {
		if err := os.Truncate(seg, cut); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.OpenFile(seg, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf []byte
	switch mode {
	case garbageAt:
		buf = make([]byte, 1+r.IntN(4096))
		for i := range buf {
			buf[i] = byte(r.Uint32())
		}
		_, err = f.WriteAt(buf, cut)
	case flipAfter:
		if cut == end {
			// Nothing valid after the cut: flip the first byte past it.
			end++
		}
		for i := 0; i < 1+r.IntN(8) && err == nil; i++ {
			off := cut
			if i > 0 {
				off = cut + r.Int64N(end-cut)
			}
			b := make([]byte, 1)
			if _, err = f.ReadAt(b, off); err == nil {
				b[0] = ^b[0]
				_, err = f.WriteAt(b, off)
			}
		}
	case zeroFrom:
		_, err = f.WriteAt(make([]byte, end-cut), cut)
	}
	if err != nil {
		t.Fatalf("damage %s: %v", seg, err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
}

// expectedAfterCut lists the messages whose records lie in older segments
// or end at or before cut in the newest one; damage always touches the
// byte at cut (or the file ends there), so the record holding it is torn.
func expectedAfterCut(t *testing.T, storeDir, newest string, recs []jrecord, cut int64) map[msgKey]bool {
	t.Helper()
	want := map[msgKey]bool{}
	segs, _ := filepath.Glob(filepath.Join(storeDir, "*.jnl"))
	for _, s := range segs {
		if s == newest {
			continue
		}
		old, _, err := walkSegment(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range old {
			for _, k := range messageIDs(rec) {
				want[k] = true
			}
		}
	}
	for _, rec := range recs {
		if rec.end > cut {
			break
		}
		for _, k := range messageIDs(rec) {
			want[k] = true
		}
	}
	return want
}

// drainTorn consumes every torn queue to empty (acks committed) and
// returns the message ids per queue, in order.
func drainTorn(t *testing.T, url string) map[string][]string {
	t.Helper()
	conn, err := dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	out := map[string][]string{}
	for _, q := range tornQueues {
		ch, err := conn.Channel()
		if err != nil {
			t.Fatal(err)
		}
		if err := ch.Tx(); err != nil {
			t.Fatal(err)
		}
		for {
			d, ok, err := ch.Get(q, false)
			if err != nil {
				t.Fatalf("basic.get from %s: %v", q, err)
			}
			if !ok {
				break
			}
			id, _ := d.Headers["id"].(string)
			k, valid := parseKey(id)
			if !valid || string(d.Body) != string(bodyFor(k)) {
				t.Errorf("%s: message %q with a body that is not its own (%d bytes)", q, id, len(d.Body))
			}
			out[q] = append(out[q], id)
			if err := d.Ack(false); err != nil {
				t.Fatal(err)
			}
		}
		if err := ch.TxCommit(); err != nil {
			t.Fatal(err)
		}
		_ = ch.Close()
	}
	return out
}

// checkTorn compares what the queues held with what the journal's intact
// prefix holds.
func checkTorn(t *testing.T, got map[string][]string, want, confirmedBefore map[msgKey]bool) {
	t.Helper()
	for p, q := range tornQueues {
		var wantIDs []string
		for k := range want {
			if k.producer == p {
				wantIDs = append(wantIDs, k.String())
			}
		}
		sort.Strings(wantIDs)
		if !equalIDs(got[q], wantIDs) {
			t.Errorf("%s holds %d messages (%s), want the %d of the intact prefix (%s)", q, len(got[q]), firstFew(got[q]), len(wantIDs), firstFew(wantIDs))
		}
		for i, id := range got[q] {
			if k, _ := parseKey(id); k.seq != i {
				t.Errorf("%s: message %d is %s: not a prefix of its producer's messages in order", q, i, id)
				break
			}
		}
	}
	lost := 0
	for k := range confirmedBefore {
		if !want[k] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d messages confirmed before the kill are not in the journal's records before the damage (their confirms came before the data was on disk?)", lost)
	}
}

func equalIDs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func firstFew(ids []string) string {
	if len(ids) > 3 {
		return strings.Join(ids[:3], ", ") + fmt.Sprintf(", … %s", ids[len(ids)-1])
	}
	return strings.Join(ids, ", ")
}
