package store

import (
	"testing"

	"github.com/junctionmq/junction/store/journal"
)

// Two live records that claim one (queue, seq) are never written by the
// store, but a journal may hold them (a bug of an older version, a damaged
// copy). Recovery keeps the message with the larger id in the slot, drops
// the other, and indexes every other seq, whatever order the records come
// in: the lookup it skips for a seq above every one seen so far must not
// hide a duplicate.
func TestRecoverKeepsNewerMessageWhenTwoClaimOneSeq(t *testing.T) {
	msg := func(id uint64, q QueueID, seq uint64, body string) journal.Record {
		return journal.Record{Type: recMsg, Payload: encodeMsg(nil, msgRec{id: id, targets: []Target{tg(q, seq)}, body: []byte(body)})}
	}
	recs := []journal.Record{
		msg(10, 1, 3, "q1s3-old"),
		msg(11, 1, 2, "q1s2"), // below the top seen: looked up, not a duplicate
		msg(12, 1, 3, "q1s3-new"),
		msg(20, 2, 1, "q2s1-new"),
		msg(13, 2, 1, "q2s1-old"), // older id arrives second: it loses
		msg(14, 1, 4, "q1s4"),
	}
	dir := tmpfsDir(t)
	if !writeFuzzJournal(t, dir, encodeFuzzRecords(recs, make([]int, len(recs)))) {
		t.Fatal("journal not written")
	}
	s, got := openRecover(t, dir, quiet(0), -1)
	defer closeT(t, s)
	if b := got.bodies(1); len(b) != 3 || b[0] != "q1s2" || b[1] != "q1s3-new" || b[2] != "q1s4" {
		t.Fatalf("queue 1 bodies = %q, want [q1s2 q1s3-new q1s4]", b)
	}
	if b := got.bodies(2); len(b) != 1 || b[0] != "q2s1-new" {
		t.Fatalf("queue 2 bodies = %q, want [q2s1-new]", b)
	}
	if st := s.Stats(); st.Messages != 4 || st.Refs != 4 {
		t.Fatalf("stats = %d messages, %d refs; want 4 and 4 (the losers dropped)", st.Messages, st.Refs)
	}
}
