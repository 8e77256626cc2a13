package store

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Recovery reads bodies on a second goroutine, several read-ahead windows
// ahead of the callbacks, and reuses a window once its messages are
// delivered. Every body must still be the right one, complete, while its
// callback runs, in queue and seq order, however slowly the callbacks go:
// a window reused too early would show another message's bytes.
func TestRecoveryStreamsBodiesIntactAndInOrderWhileTheCallerLags(t *testing.T) {
	s, dir := fresh(t, quiet(0))
	const perQueue = 2500
	queues := []QueueID{3, 1, 2}
	want := func(q QueueID, seq uint64) string {
		head := fmt.Sprintf("q%d-s%d|", q, seq)
		return head + strings.Repeat(string(rune('a'+int(seq%26))), 900+int(seq%200)-len(head))
	}
	for seq := uint64(1); seq <= perQueue; seq++ {
		for _, q := range queues { // interleaved, as concurrent producers write them
			enqueue(t, s, want(q, seq), nil, tg(q, seq))
		}
	}
	for seq := uint64(1); seq <= perQueue; seq += 7 {
		ack(t, s, 1, seq)
	}
	closeT(t, s)

	for _, bodies := range []int{0, 50, -1} {
		t.Run(fmt.Sprint("bodies=", bodies), func(t *testing.T) {
			s, err := Open(dir, quiet(0))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var order []QueueID
			last := map[QueueID]uint64{}
			count, withBody := 0, 0
			err = s.Recover(Recovery{
				BodiesPerQueue: bodies,
				StreamRest:     bodies == 0,
				Message: func(q QueueID, seq uint64, ref MsgRef, body []byte, _ uint32) {
					if len(order) == 0 || order[len(order)-1] != q {
						order = append(order, q)
					}
					if seq <= last[q] {
						t.Fatalf("queue %d: seq %d after %d", q, seq, last[q])
					}
					last[q] = seq
					if q == 1 && seq%7 == 1 {
						t.Fatalf("acked message %d/%d reported", q, seq)
					}
					count++
					if body != nil {
						withBody++
						if string(body) != want(q, seq) {
							t.Fatalf("queue %d seq %d: body %.20q..., want %.20q...", q, seq, body, want(q, seq))
						}
					}
					if count%300 == 0 {
						time.Sleep(2 * time.Millisecond) // let the reader run ahead
					}
				},
			})
			if err != nil {
				t.Fatalf("Recover: %v", err)
			}
			acked := (perQueue + 6) / 7
			total := 3*perQueue - acked
			wantBodies := total
			if bodies > 0 {
				wantBodies = 3 * bodies
			}
			if fmt.Sprint(order) != "[1 2 3]" || count != total || withBody != wantBodies {
				t.Fatalf("queues %v, %d reported, %d with a body; want [1 2 3], %d, %d", order, count, withBody, total, wantBodies)
			}
		})
	}
}
