package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"log/slog"
	"testing"

	"github.com/junctionmq/junction/store/journal"
)

// Fuzz input: records back to back, each
//
//	u8 type | u8 cancel (0: positive; n: cancels the n-th latest positive) | u16 length | payload
func encodeFuzzRecords(recs []journal.Record, cancelIdx []int) []byte {
	var b []byte
	for i, r := range recs {
		b = append(b, r.Type, byte(cancelIdx[i]))
		b = binary.LittleEndian.AppendUint16(b, uint16(len(r.Payload)))
		b = append(b, r.Payload...)
	}
	return b
}

// writeFuzzJournal appends the records the input describes to a journal
// in dir. It returns false if the input describes nothing to write.
func writeFuzzJournal(t *testing.T, dir string, data []byte) bool {
	j, err := journal.Open(dir, journal.Options{NoPrealloc: true, Sync: journal.SyncNever, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var positives []journal.Pos
	wrote := false
	for len(data) >= 4 {
		typ, cancel := data[0], int(data[1])
		n := min(int(binary.LittleEndian.Uint16(data[2:])), len(data)-4)
		payload := data[4 : 4+n]
		data = data[4+n:]
		r := journal.Record{Type: typ, Payload: payload}
		if cancel > 0 {
			if cancel > len(positives) {
				continue
			}
			r.Cancels = positives[len(positives)-cancel]
		}
		p, err := j.Append(r, nil)
		if errors.Is(err, journal.ErrNotLive) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		wrote = true
		if cancel == 0 {
			positives = append(positives, p)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return wrote
}

// fuzzSeed records what a real session writes, in the fuzz input format.
func fuzzSeed(t testing.TB) []byte {
	dir := t.TempDir()
	s, _ := openRecover(t, dir, quiet(0), -1)
	s.PutDefinition("queue", "q", []byte("{}"))
	s.PutDefinition("queue", "q", []byte("{2}"))
	enqueue(t, s, "a", nil, tg(1, 1))
	enqueue(t, s, "b", nil, tg(1, 2), tg(2, 2))
	ack(t, s, 2, 2)
	s.Delivered(1, 1, 2)
	enqueue(t, s, "c", nil, tg(3, 1))
	s.PurgeQueue(3, 5, nil)
	tx := LocalTx(1)
	s.TxEnqueue(tx, []byte("t1"), []Target{tg(1, 3)})
	s.TxEnqueue(tx, []byte("t2"), []Target{tg(1, 4), tg(2, 4)})
	s.TxAck(tx, 1, 1)
	s.Commit(tx, nil)
	xid := mustXA(t, "g", "b")
	s.TxEnqueue(xid, []byte("x"), []Target{tg(4, 1)})
	s.TxAck(xid, 1, 2)
	s.Prepare(xid, nil)
	closeT(t, s)

	j, err := journal.Open(dir, journal.Options{NoPrealloc: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var recs []journal.Record
	var idx []int
	var positives []journal.Pos
	err = j.Replay(func(p journal.Pos, r journal.Record) error {
		c := 0
		if !r.Cancels.IsZero() {
			for i := len(positives) - 1; i >= 0; i-- {
				if positives[i] == r.Cancels {
					c = len(positives) - i
				}
			}
		} else {
			positives = append(positives, p)
		}
		r.Payload = bytes.Clone(r.Payload) // Replay reuses its buffer
		recs, idx = append(recs, r), append(idx, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return encodeFuzzRecords(recs, idx)
}

// FuzzRecover writes arbitrary records into a journal and recovers a store
// from it. Recover must never panic: it either fails with an error or
// yields a store that works: its bodies can be read, its messages acked,
// its prepared transactions finished, and a second recovery agrees.
func FuzzRecover(f *testing.F) {
	seed := fuzzSeed(f)
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte{recMsg, 0, 3, 0, 1, 2, 3})
	f.Add([]byte{recAck, 0, 0, 0})
	f.Add(encodeFuzzRecords([]journal.Record{
		{Type: recMsg, Payload: encodeMsg(nil, msgRec{id: 5, targets: []Target{tg(1, 1)}, body: []byte("x")})},
		{Type: recMsg, Payload: encodeMsg(nil, msgRec{id: 4, targets: []Target{tg(1, 1), tg(2, 1)}, body: []byte("y")})},
		{Type: recAckRef, Payload: encodeRef(nil, refRec{id: 4, q: 2, seq: 1}, false)},
		{Type: recPurge, Payload: encodePurge(nil, purgeRec{seq: 9, q: 1, upTo: 1})},
	}, []int{0, 0, 0, 0}))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := tmpfsDir(t)
		if !writeFuzzJournal(t, dir, data) {
			return
		}
		o := quiet(0)
		s, err := Open(dir, o)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close()
		var refs []Target
		var prepared []TxID
		err = s.Recover(Recovery{
			BodiesPerQueue: 1,
			Message: func(q QueueID, seq uint64, ref MsgRef, body []byte, _ uint32) {
				if _, err := s.ReadMessage(ref); err != nil {
					t.Fatalf("ReadMessage of recovered %d/%d: %v", q, seq, err)
				}
				refs = append(refs, tg(q, seq))
			},
			Prepared: func(tx TxID, _ []PreparedEnqueue, _ []Target) { prepared = append(prepared, tx) },
		})
		if err != nil {
			return // failing cleanly is fine
		}
		if _, err := s.Enqueue([]byte("new"), []Target{tg(1000, 1)}, nil); err != nil {
			t.Fatalf("Enqueue after recovery: %v", err)
		}
		acked := map[Target]bool{}
		for i, r := range refs {
			if i%2 == 0 {
				if err := s.Ack(r.Queue, r.Seq, nil); err != nil {
					t.Fatalf("Ack of recovered %v: %v", r, err)
				}
				acked[r] = true
			}
		}
		for i, tx := range prepared {
			finish := s.Commit
			if i%2 == 1 {
				finish = s.Rollback
			}
			if err := finish(tx, nil); err != nil {
				t.Fatalf("finishing prepared %v: %v", tx, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		s2, err := Open(dir, o)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer s2.Close()
		err = s2.Recover(Recovery{Message: func(q QueueID, seq uint64, _ MsgRef, _ []byte, _ uint32) {
			if acked[tg(q, seq)] {
				t.Fatalf("acked %d/%d is back", q, seq)
			}
		}})
		if err != nil {
			t.Fatalf("second recovery of what the first accepted: %v", err)
		}
	})
}
