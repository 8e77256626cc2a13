package crash

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/junctionmq/junction/test/crash/junctionproc"
)

// node is the broker under test: a child process on a data directory that
// outlives it.
type node struct {
	t    *testing.T
	dir  string
	proc *junctionproc.Proc
}

func startNode(t *testing.T, dir string) *node {
	t.Helper()
	n := &node{t: t, dir: dir}
	n.start()
	t.Cleanup(func() {
		if n.proc != nil {
			_ = n.proc.Kill()
		}
	})
	return n
}

func (n *node) start() {
	n.t.Helper()
	p, err := junctionproc.Start(junctionproc.Options{Bin: junctionBin(n.t), DataDir: n.dir, AMQP: "127.0.0.1:0"})
	if err != nil {
		n.t.Fatal(err)
	}
	n.proc = p
}

// kill sends SIGKILL; restart then starts the broker again on the same
// data directory. A recovery must log no error.
func (n *node) kill() {
	n.t.Helper()
	if err := n.proc.Kill(); err != nil {
		n.t.Fatal(err)
	}
}

func (n *node) restart() {
	n.t.Helper()
	n.start()
	if errs := n.proc.Lines("ERROR"); len(errs) > 0 {
		n.t.Errorf("the restarted broker logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// Kill -9 at random moments under a load of confirmed publishes and
// acknowledging consumers; after each kill the broker restarts, every
// queue is drained, and the ledger is checked:
//   - every confirmed message is back exactly once, unless it was
//     acknowledged before the kill;
//   - no message is back that was never published, or published to
//     another queue, or drained in an earlier round; bodies are intact;
//   - no message is back twice, and each producer's messages keep their
//     order in each queue;
//   - a message whose ack was committed (tx.commit-ok) is not back; one
//     acked without a commit may be back;
//   - a message delivered before the kill is back with redelivered=true
//     whenever a publish or commit sent after its delivery was confirmed
//     (that confirm put the delivery count on disk);
//   - unconfirmed messages may or may not be back.
//
// Short form: 3 rounds; JUNCTION_LONG=1: 50 (JUNCTION_CRASH_ROUNDS sets
// any number).
func TestKill9UnderLoadLosesNothingConfirmed(t *testing.T) {
	rounds, killWithin := 3, 600
	if long() {
		rounds, killWithin = 50, 1500
	}
	rounds = envInt(t, "JUNCTION_CRASH_ROUNDS", rounds)
	r := newRand(t)
	n := startNode(t, t.TempDir())
	if err := declareTopology(n.proc.AMQPURL()); err != nil {
		t.Fatal(err)
	}
	totals := map[string]int{}
	for round := 1; round <= rounds; round++ {
		l := newLedger(round)
		ctx, cancel := context.WithCancel(context.Background())
		ld := startLoad(ctx, n.proc.AMQPURL(), l, round, r.Uint64())
		// A random moment, once some traffic has flowed and the broker
		// has confirmed something.
		began := time.Now()
		deadline := began.Add(20 * time.Second)
		for (ld.count() < 50 || l.confirmedCount() == 0) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if l.confirmedCount() == 0 {
			t.Errorf("round %d: no publish confirmed within %v of load", round, time.Since(began))
		} else if wait := time.Since(began); wait > time.Second {
			t.Logf("round %d: the first confirms took %v", round, wait)
		}
		time.Sleep(time.Duration(r.IntN(killWithin)) * time.Millisecond)
		l.killed()
		n.kill()
		cancel()
		ld.wait()

		l.restarted()
		n.restart()
		if r.IntN(3) == 0 {
			// Another kill in the middle of the drain: some queues drained
			// and committed, one consumed with its acks not committed.
			partial := r.IntN(producers)
			for i := 0; i <= partial; i++ {
				if _, err := drainQueue(n.proc.AMQPURL(), queueName(i), l, i < partial); err != nil {
					t.Fatalf("round %d: partial drain of %s: %v", round, queueName(i), err)
				}
			}
			l.killed()
			n.kill()
			l.restarted()
			n.restart()
			t.Logf("round %d: killed again during the drain, after committing %d queues", round, partial)
		}
		recovered := drainAll(t, n.proc.AMQPURL(), l)
		if want, got := recovered, n.proc.Recovered["messages"]; got != want {
			t.Errorf("round %d: the broker logged %d recovered messages; the drain found %d", round, got, want)
		}
		counts := l.verify()
		errs, notes := l.report()
		t.Logf("round %d: %d published, %v; %s", round, len(l.msgs), counts, notes)
		for k, v := range counts {
			totals[k] += v
		}
		if len(errs) > 0 {
			t.Fatalf("round %d: %d violations:\n%s", round, len(errs), strings.Join(errs, "\n"))
		}
	}
	t.Logf("all rounds: %v", totals)
}

// drainAll consumes every queue to empty in one transaction per queue,
// checks each message against the ledger, commits, and returns how many
// messages it found.
func drainAll(t *testing.T, url string, l *ledger) int {
	t.Helper()
	total := 0
	for _, q := range allQueues() {
		n, err := drainQueue(url, q, l, true)
		if err != nil {
			t.Fatalf("drain %s: %v", q, err)
		}
		total += n
	}
	// The drain settles the round: the next one starts from empty queues.
	conn, err := dial(url)
	if err != nil {
		t.Fatalf("drain: %v", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("drain: %v", err)
	}
	for _, q := range allQueues() {
		st, err := ch.QueueDeclarePassive(q, true, false, false, false, nil)
		if err != nil {
			t.Fatalf("drain: passive declare %s: %v", q, err)
		}
		if st.Messages != 0 {
			t.Fatalf("drain: %s still holds %d messages after its drain was committed", q, st.Messages)
		}
	}
	return total
}

// drainQueue consumes a queue to empty in one transaction, checking each
// message against the ledger, and commits unless told not to (the
// connection then stays open, acks pending, until the broker is killed).
func drainQueue(url, q string, l *ledger, commit bool) (int, error) {
	conn, err := dial(url)
	if err != nil {
		return 0, err
	}
	if commit {
		defer conn.Close()
	}
	ch, err := conn.Channel()
	if err != nil {
		return 0, err
	}
	st, err := ch.QueueDeclarePassive(q, true, false, false, false, nil)
	if err != nil {
		return 0, fmt.Errorf("passive declare: %w", err)
	}
	if err := ch.Tx(); err != nil {
		return 0, err
	}
	// Unlimited: acks in a transaction free no prefetch credit until the
	// commit.
	if err := ch.Qos(0, 0, false); err != nil {
		return 0, err
	}
	ds, err := ch.Consume(q, "drain", false, false, false, false, nil)
	if err != nil {
		return 0, err
	}
	var last amqp.Delivery
	var keys []msgKey
	got := 0
	// Everything the passive declare counted, then nothing more for a
	// while: no publisher runs, so a late extra would be a duplicate.
	for timeout := 20 * time.Second; ; {
		if got >= st.Messages {
			timeout = 300 * time.Millisecond
		}
		select {
		case d, ok := <-ds:
			if !ok {
				return got, fmt.Errorf("consumer closed after %d of %d messages", got, st.Messages)
			}
			id, _ := d.Headers["id"].(string)
			if k, ok := l.drained(q, id, d.Body, d.Redelivered); ok {
				keys = append(keys, k)
			}
			last = d
			got++
			continue
		case <-time.After(timeout):
		}
		break
	}
	if got < st.Messages {
		return got, fmt.Errorf("got %d messages, the queue counted %d", got, st.Messages)
	}
	if got > 0 {
		if err := last.Ack(true); err != nil {
			return got, err
		}
	}
	if !commit {
		return got, nil
	}
	if err := ch.Cancel("drain", false); err != nil {
		return got, err
	}
	l.acked(q, false, keys...)
	at := time.Now()
	if err := ch.TxCommit(); err != nil {
		return got, err
	}
	l.acked(q, true, keys...)
	l.synced(at, "drain commit of "+q)
	return got, nil
}
