package crash

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// strictEnv asks for the stricter redelivered rule: a message acked before
// a kill may come back only with redelivered=true, even when nothing made
// its delivery count durable (the store does not promise that).
const strictEnv = "JUNCTION_CRASH_STRICT_REDELIVERED"

var strictRedelivered = os.Getenv(strictEnv) != ""

// msgKey names a message: the round it was published in, its producer and
// the producer's sequence number. It travels as the message id (header
// "id" and property message-id), e.g. "r003-p1-0000042".
type msgKey struct {
	round, producer, seq int
}

func (k msgKey) String() string { return fmt.Sprintf("r%03d-p%d-%07d", k.round, k.producer, k.seq) }

func parseKey(s string) (msgKey, bool) {
	var k msgKey
	if len(s) != len("r000-p0-0000000") {
		return k, false
	}
	n, err := fmt.Sscanf(s, "r%03d-p%d-%07d", &k.round, &k.producer, &k.seq)
	return k, err == nil && n == 3 && k.String() == s
}

// bodyFor is the body a message carries: its id, then pseudo-random bytes
// (0 to 2 KiB, from a hash of the id), so a body can be checked byte for
// byte without keeping it.
func bodyFor(k msgKey) []byte {
	h := fnv.New64a()
	h.Write([]byte(k.String()))
	seed := h.Sum64()
	r := rand.New(rand.NewPCG(seed, seed>>7))
	n := r.IntN(2048)
	b := make([]byte, 0, 16+n)
	b = append(b, k.String()...)
	b = append(b, ':')
	for i := 0; i < n; i++ {
		b = append(b, byte(r.Uint32()))
	}
	return b
}

// sent is the ledger's record of one published message.
type sent struct {
	targets   []string  // queues the message was routed to
	sentAt    time.Time // just before the publish (or commit) went out
	confirmed bool      // a publisher confirm or tx.commit-ok arrived
	nacked    bool      // the broker sent basic.nack
}

// refState is one message in one queue, as its consumers saw it.
type refState struct {
	delivered   int       // deliveries in the current broker lifetime
	seenAt      time.Time // first delivery in the current lifetime
	everSeen    bool      // delivered to a consumer in an earlier lifetime
	countOnDisk bool      // ... and a sync confirmed after it in that lifetime
	acked       bool      // a plain basic.ack, or tx.commit covering one, was sent: may be gone
	ackDurable  bool      // acked in a transaction whose commit-ok arrived: must be gone
	drainedOnce bool      // seen by the drain after the latest restart
}

type refKey struct {
	msg   msgKey
	queue string
}

// ledger is what the clients know. All methods are safe for concurrent
// use by producers and consumers.
type ledger struct {
	mu    sync.Mutex
	round int
	msgs  map[msgKey]*sent
	// nConfirmed counts the confirmed messages.
	nConfirmed int
	refs       map[refKey]*refState
	// lastSync is the latest send time of a publish or commit whose
	// confirm or commit-ok arrived: every record the broker appended before
	// that moment was on disk when the reply came (the store keeps records
	// in append order).
	lastSync time.Time
	syncWhat string // what set lastSync, for failure messages
	// lifetimeSync and lifetimeWhat are lastSync and syncWhat as they were
	// at the latest restart.
	lifetimeSync time.Time
	lifetimeWhat string
	killedAt     time.Time // when the test sent the last SIGKILL
	// lastSeq is the last sequence seen per (queue, producer) in this
	// lifetime, for the FIFO check.
	lastSeq map[string]int
	errs    []string
	notes   map[string]int
}

func newLedger(round int) *ledger {
	return &ledger{round: round, msgs: map[msgKey]*sent{}, refs: map[refKey]*refState{}, lastSeq: map[string]int{}, notes: map[string]int{}}
}

func (l *ledger) failf(format string, args ...any) {
	if len(l.errs) < 50 {
		l.errs = append(l.errs, fmt.Sprintf(format, args...))
	} else if len(l.errs) == 50 {
		l.errs = append(l.errs, "... more errors not shown")
	}
}

// note counts something allowed but worth reporting.
func (l *ledger) note(what string) { l.notes[what]++ }

func (l *ledger) published(k msgKey, targets []string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs[k] = &sent{targets: targets, sentAt: at}
	for _, q := range targets {
		l.refs[refKey{k, q}] = &refState{}
	}
}

// confirmed records a confirm (ack true) or nack for messages.
func (l *ledger) confirmed(ack bool, keys ...msgKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		m := l.msgs[k]
		if ack {
			if !m.confirmed {
				l.nConfirmed++
			}
			m.confirmed = true
			if m.sentAt.After(l.lastSync) {
				l.lastSync, l.syncWhat = m.sentAt, "publish of "+k.String()
			}
		} else {
			m.nacked = true
		}
	}
}

// confirmedCount is how many messages have been confirmed so far.
func (l *ledger) confirmedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nConfirmed
}

// synced records a commit-ok for a commit sent at at.
func (l *ledger) synced(at time.Time, what string) {
	l.mu.Lock()
	if at.After(l.lastSync) {
		l.lastSync, l.syncWhat = at, what
	}
	l.mu.Unlock()
}

// killed notes the moment of a SIGKILL.
func (l *ledger) killed() {
	l.mu.Lock()
	l.killedAt = time.Now()
	l.mu.Unlock()
}

func (l *ledger) acked(q string, durable bool, keys ...msgKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		r := l.refs[refKey{k, q}]
		r.acked = true
		r.ackDurable = r.ackDurable || durable
	}
}

// check validates a delivery against the ledger: it must be a message of
// this round, published to this queue, with its body intact, and in order
// among its producer's messages in this queue. It returns the message key
// and whether the delivery can be acknowledged.
func (l *ledger) checkLocked(q, id string, body []byte) (msgKey, *refState, bool) {
	k, ok := parseKey(id)
	if !ok {
		l.failf("%s: a message with id %q that no producer of this test sent", q, id)
		return k, nil, false
	}
	if k.round != l.round {
		l.failf("%s: %s from round %d came back in round %d: it was drained and committed then (resurrected)", q, k, k.round, l.round)
		return k, nil, false
	}
	r := l.refs[refKey{k, q}]
	if r == nil {
		if l.msgs[k] == nil {
			l.failf("%s: %s was never published", q, k)
		} else {
			l.failf("%s: %s was published to %v, not to this queue", q, k, l.msgs[k].targets)
		}
		return k, nil, false
	}
	if want := bodyFor(k); !bytes.Equal(body, want) {
		l.failf("%s: %s has a corrupted body (%d bytes, want %d)", q, k, len(body), len(want))
	}
	fifo := fmt.Sprintf("%s/p%d", q, k.producer)
	if last, ok := l.lastSeq[fifo]; ok && k.seq <= last {
		l.failf("%s: %s delivered after seq %d of the same producer: queue order broken", q, k, last)
	}
	l.lastSeq[fifo] = k.seq
	return k, r, true
}

// delivered checks a delivery during the load, when no message can have
// been delivered before (nothing is requeued while the broker runs).
func (l *ledger) delivered(q, id string, body []byte, redelivered bool, at time.Time) (msgKey, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k, r, ok := l.checkLocked(q, id, body)
	if !ok {
		return k, false
	}
	r.delivered++
	if r.delivered > 1 {
		l.failf("%s: %s delivered %d times by one broker lifetime with nothing requeued (duplicate)", q, k, r.delivered)
	}
	if redelivered {
		l.failf("%s: %s delivered for the first time with redelivered=true", q, k)
	}
	if r.seenAt.IsZero() {
		r.seenAt = at
	}
	return k, true
}

// restarted starts a new broker lifetime: what was delivered is now
// "seen before", and FIFO checks start over. A delivery's count is on disk
// if a publish or commit sent after it was confirmed in the same lifetime:
// records are appended in order, and a reply comes after the fsync.
func (l *ledger) restarted() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.refs {
		if r.delivered > 0 {
			r.everSeen = true
			r.countOnDisk = r.countOnDisk || r.seenAt.Before(l.lastSync)
		}
		r.delivered = 0
		r.seenAt = time.Time{}
		r.drainedOnce = false
	}
	l.lastSeq = map[string]int{}
	l.lifetimeSync, l.lifetimeWhat = l.lastSync, l.syncWhat
}

// drained checks one message a drain found after a restart.
func (l *ledger) drained(q, id string, body []byte, redelivered bool) (msgKey, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k, r, ok := l.checkLocked(q, id, body)
	if !ok {
		return k, false
	}
	r.delivered++
	r.drainedOnce = true
	if r.seenAt.IsZero() {
		r.seenAt = time.Now()
	}
	switch {
	case r.delivered > 1:
		l.failf("%s: %s is in the queue twice after the restart (duplicate)", q, k)
	case r.ackDurable:
		l.failf("%s: %s came back although its ack was committed (tx.commit-ok) before the kill", q, k)
	case r.everSeen && !redelivered && r.countOnDisk:
		l.failf("%s: %s was delivered before the kill and came back with redelivered=false, though a publish or commit sent after that delivery was confirmed (latest: the %s, %v before the kill): its delivery count should have been on disk",
			q, k, l.lifetimeWhat, l.killedAt.Sub(l.lifetimeSync))
	case r.everSeen && !redelivered && r.acked && strictRedelivered:
		l.failf("%s: %s was acked before the kill and came back with redelivered=false (strict rule, %s)", q, k, strictEnv)
	case r.everSeen && !redelivered && r.acked:
		l.note("acked before the kill, back with redelivered=false (its delivery count was not on disk yet)")
	case r.everSeen && !redelivered:
		l.note("delivered before the kill, back with redelivered=false (its delivery count was not on disk yet)")
	case !r.everSeen && redelivered:
		l.note("back with redelivered=true though no consumer saw it (sent by the broker, still in the client's buffer)")
	}
	if r.acked && !r.ackDurable {
		l.note("acked (no commit) before the kill and back after it")
	}
	return k, true
}

// verify checks, once every queue is drained, that nothing confirmed was
// lost. It returns the counts of what the round's ledger holds.
func (l *ledger) verify() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := map[string]int{}
	keys := make([]refKey, 0, len(l.refs))
	for k := range l.refs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.queue != b.queue {
			return a.queue < b.queue
		}
		return a.msg.String() < b.msg.String()
	})
	for _, rk := range keys {
		r, m := l.refs[rk], l.msgs[rk.msg]
		c["references"]++
		if m.confirmed {
			c["confirmed references"]++
		}
		if m.nacked {
			c["nacked references"]++
		}
		if r.drainedOnce {
			c["recovered references"]++
		}
		if r.acked {
			c["acked"]++
		}
		switch {
		case m.confirmed && !r.acked && !r.drainedOnce:
			l.failf("%s: confirmed %s is missing after the restart (never acked): LOST", rk.queue, rk.msg)
		case !m.confirmed && r.drainedOnce:
			c["unconfirmed but recovered"]++
		case !m.confirmed && !r.drainedOnce && !r.acked:
			c["unconfirmed and gone"]++
		}
	}
	return c
}

// report returns the errors and the notes.
func (l *ledger) report() (errs []string, notes string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ns []string
	for k, v := range l.notes {
		ns = append(ns, fmt.Sprintf("%d × %s", v, k))
	}
	sort.Strings(ns)
	return append([]string(nil), l.errs...), strings.Join(ns, "; ")
}
