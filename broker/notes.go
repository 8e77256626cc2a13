package broker

import (
	"cmp"
	"encoding/binary"
	"slices"

	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/store"
)

// A note is what a queue needs to index a stored message it leaves on
// disk (message.Meta), kept in the store's clean-shutdown checkpoint so
// that a restart indexes a backlog of millions without reading their
// bodies. Layout: version 1 | priority | varint expiresAt | uvarint body
// size | uvarint length + group id.
const noteVersion = 1

func appendNote(b []byte, e *Entry) []byte {
	b = append(b, noteVersion, e.priority)
	b = binary.AppendVarint(b, e.expiresAt)
	b = binary.AppendUvarint(b, uint64(e.size))
	g := e.groupOf()
	b = binary.AppendUvarint(b, uint64(len(g)))
	return append(b, g...)
}

func decodeNote(b []byte) (message.Meta, bool) {
	if len(b) < 2 || b[0] != noteVersion {
		return message.Meta{}, false
	}
	m := message.Meta{Priority: b[1]}
	b = b[2:]
	exp, n := binary.Varint(b)
	if n <= 0 {
		return message.Meta{}, false
	}
	b = b[n:]
	size, n := binary.Uvarint(b)
	if n <= 0 || size > 1<<40 {
		return message.Meta{}, false
	}
	b = b[n:]
	glen, n := binary.Uvarint(b)
	if n <= 0 || glen != uint64(len(b)-n) {
		return message.Meta{}, false
	}
	m.ExpiresAt, m.BodySize = exp, int(size)
	if glen > 0 {
		m.GroupID = string(b[n:])
	}
	return m, true
}

// CloseStore closes the store, leaving a note for every stored message
// still queued. Call it after every connection has closed, so unacked
// messages are back in their queues.
func (b *Broker) CloseStore() error {
	if b.store == nil {
		return nil
	}
	return b.store.CloseNoting(b.storeNotes())
}

// storeNotes answers the store's request for one queue's notes. The store
// asks in ascending seq order, so one pass over the queue's stored
// entries, sorted by seq, answers them all.
func (b *Broker) storeNotes() func(store.QueueID) store.NoteFunc {
	byID := make(map[store.QueueID]*Queue)
	for _, v := range b.VHosts() {
		v.mu.RLock()
		for _, q := range v.queues {
			if q.id != 0 {
				byID[q.id] = q
			}
		}
		v.mu.RUnlock()
	}
	return func(id store.QueueID) store.NoteFunc {
		q := byID[id]
		if q == nil {
			return nil
		}
		q.mu.Lock()
		var entries []*Entry
		for i := range q.ready.levels {
			d := &q.ready.levels[i]
			for k := range d.len() {
				if e := d.at(k); e.stored && e.state == stateReady {
					entries = append(entries, e)
				}
			}
		}
		q.mu.Unlock()
		if !slices.IsSortedFunc(entries, bySeq) {
			slices.SortFunc(entries, bySeq)
		}
		var buf []byte
		return func(seq, msgID uint64) []byte {
			for len(entries) > 0 && entries[0].seq < seq {
				entries = entries[1:]
			}
			if len(entries) == 0 || entries[0].seq != seq || entries[0].id != msgID {
				return nil
			}
			buf = appendNote(buf[:0], entries[0])
			return buf
		}
	}
}

func bySeq(a, b *Entry) int { return cmp.Compare(a.seq, b.seq) }

// restoreNotedLocked indexes a recovered message from its note, when the
// queue would page its body out anyway. It reports false when the queue
// wants the body in memory (the caller then reads it), or the note does
// not decode.
func (q *Queue) restoreNotedLocked(note []byte, seq uint64, ref store.MsgRef, deliveries uint32, now int64) bool {
	meta, ok := decodeNote(note)
	if !ok || !q.wouldPageLocked(meta.BodySize) {
		return false
	}
	q.restoreLocked(meta, seq, ref, deliveries, nil, now)
	return true
}

// wouldPageLocked reports whether a new ready entry of size bytes would be
// over the in-memory window (overWindowLocked once it is in).
func (q *Queue) wouldPageLocked(size int) bool {
	return q.pagesAtLocked(q.ready.count+1, q.ready.bytes+int64(size))
}
