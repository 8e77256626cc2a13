package broker

import (
	"fmt"
	"testing"
	"time"
	"unsafe"

	"github.com/junctionmq/junction/auth"
	"github.com/junctionmq/junction/message"
)

// A backlog keeps an Entry per message, paged out or not: 64 bytes is the
// size class it was cut down to (from 96).
func TestQueuedEntryFitsIn64Bytes(t *testing.T) {
	if n := unsafe.Sizeof(Entry{}); n > 64 {
		t.Fatalf("Entry is %d bytes, want at most 64", n)
	}
}

func TestNoteCarriesWhatAPagedOutEntryNeeds(t *testing.T) {
	for _, e := range []*Entry{
		{priority: 0, expiresAt: 0, size: 0},
		{priority: 9, expiresAt: 1_900_000_000_000, size: 1 << 20, group: groupRef("orders-eu")},
		{priority: 4, expiresAt: -1, size: 17, group: groupRef("")},
	} {
		got, ok := decodeNote(appendNote(nil, e))
		want := message.Meta{Priority: e.priority, ExpiresAt: e.expiresAt, BodySize: int(e.size), GroupID: e.groupOf()}
		if !ok || got != want {
			t.Errorf("note of %+v decodes to %+v (ok=%v), want %+v", e, got, ok, want)
		}
	}
	good := appendNote(nil, &Entry{priority: 3, expiresAt: 5, size: 100, group: groupRef("g")})
	for name, b := range map[string][]byte{
		"empty":         nil,
		"other version": append([]byte{2}, good[1:]...),
		"truncated":     good[:len(good)-1],
		"trailing byte": append(append([]byte(nil), good...), 0),
	} {
		if _, ok := decodeNote(b); ok {
			t.Errorf("%s note accepted", name)
		}
	}
}

// A clean restart indexes the paged-out backlog from the notes CloseStore
// left, and the queue is the same as before it: order, priorities,
// groups, expiry, sizes, and bodies read back at delivery.
func TestRestartFromNotesRestoresTheBacklogAsItWas(t *testing.T) {
	dir := t.TempDir()
	_, b, v := pagingBroker(t, dir, 5)
	c := InternalClient(v)
	if _, err := v.DeclareQueue(c, QueueSpec{Name: "deep", Durable: true, Args: message.Table{"x-max-priority": int32(9)}}, false); err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(time.Hour).UnixMilli()
	for i := range 40 {
		m := persistentMsg("deep", fmt.Sprintf("body %02d", i))
		m.Priority = uint8(i % 3 * 4) // 0, 4, 8
		if i%4 == 1 {
			m.GroupID = fmt.Sprint("group-", i%8)
		}
		if i%5 == 2 {
			m.ExpiresAt = expires + int64(i)
		}
		publish(t, v, c, m)
	}
	snapshot := func(b *Broker) []string {
		v, _ := b.VHost("/")
		q, _ := v.Queue("deep")
		q.mu.Lock()
		defer q.mu.Unlock()
		var out []string
		for p := len(q.ready.levels) - 1; p >= 0; p-- {
			d := &q.ready.levels[p]
			for k := range d.len() {
				e := d.at(k)
				out = append(out, fmt.Sprintf("seq %d p%d exp %d group %q size %d", e.seq, e.priority, e.expiresAt, e.groupOf(), e.size))
			}
		}
		return out
	}
	before := snapshot(b)
	if err := b.CloseStore(); err != nil {
		t.Fatal(err)
	}

	st := openStore(t, dir)
	defer st.Close()
	b = mustNew(t, Options{Users: auth.NewDefaultRegistry(), Store: st, PageLimit: 5})
	after := snapshot(b)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("queue after restart:\n%v\nbefore:\n%v", after, before)
	}
	v, _ = b.VHost("/")
	q, _ := v.Queue("deep")
	q.mu.Lock()
	paged := q.paged
	q.mu.Unlock()
	if paged != 35 || b.recoveryNoted != 35 {
		t.Fatalf("%d bodies paged out after restart, %d indexed from notes; want 35 and 35", paged, b.recoveryNoted)
	}
	// Highest priority first, each level in publish order.
	var want []string
	for _, p := range []int{8, 4, 0} {
		for i := range 40 {
			if i%3*4 == p {
				want = append(want, fmt.Sprintf("body %02d", i))
			}
		}
	}
	for i, w := range want {
		d, _, ok := q.Get(true)
		if !ok || string(d.Message.Body) != w {
			t.Fatalf("delivery %d after restart: ok=%v body=%q, want %q", i, ok, d.Message.Body, w)
		}
	}
}

// A queue's message TTL is not stored with the message, so a recovered
// message must not come back without an expiry: from a note it keeps the
// one it had, otherwise the TTL runs again from the restart.
func TestQueueTTLStillAppliesToRecoveredMessages(t *testing.T) {
	const ttl = 600_000
	for _, withNotes := range []bool{false, true} {
		t.Run(fmt.Sprint("notes=", withNotes), func(t *testing.T) {
			dir := t.TempDir()
			st := openStore(t, dir)
			b := mustNew(t, Options{Users: auth.NewDefaultRegistry(), Store: st, PageLimit: 1})
			v, _ := b.VHost("/")
			c := InternalClient(v)
			if _, err := v.DeclareQueue(c, QueueSpec{Name: "ttl", Durable: true, Args: message.Table{"x-message-ttl": int32(ttl)}}, false); err != nil {
				t.Fatal(err)
			}
			published := time.Now().UnixMilli()
			for i := range 3 {
				publish(t, v, c, persistentMsg("ttl", fmt.Sprint(i)))
			}
			publishedEnd := time.Now().UnixMilli()
			// The restart comes measurably later than the publishes, so
			// a TTL that ran from the restart would show.
			time.Sleep(50 * time.Millisecond)
			if withNotes {
				if err := b.CloseStore(); err != nil {
					t.Fatal(err)
				}
			} else if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			st = openStore(t, dir)
			defer st.Close()
			b = mustNew(t, Options{Users: auth.NewDefaultRegistry(), Store: st, PageLimit: 1})
			restarted := time.Now().UnixMilli()
			v, _ = b.VHost("/")
			q, _ := v.Queue("ttl")
			q.mu.Lock()
			defer q.mu.Unlock()
			n := 0
			for p := range q.ready.levels {
				d := &q.ready.levels[p]
				for k := range d.len() {
					e := d.at(k)
					n++
					if e.expiresAt < published+ttl || e.expiresAt > publishedEnd+ttl {
						t.Errorf("seq %d expires at %d, want %d to %d (TTL from its publish; from the restart would be %d)", e.seq, e.expiresAt, published+ttl, publishedEnd+ttl, restarted+ttl)
					}
				}
			}
			if n != 3 || !q.expiring {
				t.Fatalf("%d messages after restart (expiry armed: %v), want 3 and armed", n, q.expiring)
			}
		})
	}
}
