package store

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Record types (journal.Record.Type). The layouts are in the package doc.
const (
	recDef       uint8 = 1  // positive: a definition's current value
	recMsg       uint8 = 2  // positive: a visible message and its queue targets
	recTxMsg     uint8 = 3  // positive: a message written by a transaction
	recAckRef    uint8 = 4  // positive: one queue of a fan-out message acked
	recDelivered uint8 = 5  // positive: delivery count of one queue reference
	recPurge     uint8 = 6  // positive: a queue's references up to a seq dropped
	recPrepare   uint8 = 7  // positive: a prepared transaction
	recCommit    uint8 = 8  // positive: a committed transaction
	recAck       uint8 = 9  // negative: cancels a message record
	recUndef     uint8 = 10 // negative: cancels a definition record
	recEndTx     uint8 = 11 // negative: cancels a prepare record
)

// Bounds that keep a corrupt length from allocating wildly.
const (
	maxTargets = 1<<16 - 1
	maxXIDPart = 64 // XA: gtrid and bqual are at most 64 bytes each
)

var errShort = errors.New("payload too short")

// dec reads little-endian fields and remembers the first failure, so a
// decoder checks once at the end instead of after every field.
type dec struct {
	b   []byte
	err error
}

func (d *dec) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.b) < n {
		d.err = errShort
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) u8() uint8 {
	if b := d.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *dec) u16() uint16 {
	if b := d.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (d *dec) u32() uint32 {
	if b := d.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *dec) u64() uint64 {
	if b := d.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// end fails if bytes are left over where the layout has no tail.
func (d *dec) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d unexpected trailing bytes", len(d.b))
	}
	return d.err
}

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// defRec is a recDef payload.
type defRec struct {
	seq       uint64
	kind, key string
	value     []byte
}

func encodeDef(b []byte, r defRec) []byte {
	b = le64(b, r.seq)
	b = le16(b, uint16(len(r.kind)))
	b = append(b, r.kind...)
	b = le16(b, uint16(len(r.key)))
	b = append(b, r.key...)
	return append(b, r.value...)
}

func decodeDef(p []byte) (defRec, error) {
	d := dec{b: p}
	var r defRec
	r.seq = d.u64()
	r.kind = string(d.take(int(d.u16())))
	r.key = string(d.take(int(d.u16())))
	r.value = d.b
	return r, d.err
}

// msgRec is a recMsg or recTxMsg payload. For recMsg, x is the visibility
// sequence (0: the id itself); for recTxMsg it is the transaction number.
type msgRec struct {
	id      uint64
	x       uint64
	targets []Target
	body    []byte
}

func msgHeaderSize(n int) int { return 8 + 8 + 2 + 16*n }

func encodeMsg(b []byte, r msgRec) []byte {
	b = le64(b, r.id)
	b = le64(b, r.x)
	b = le16(b, uint16(len(r.targets)))
	for _, t := range r.targets {
		b = le64(b, uint64(t.Queue))
		b = le64(b, t.Seq)
	}
	return append(b, r.body...)
}

func decodeMsg(p []byte) (msgRec, error) { return decodeMsgInto(p, nil) }

// decodeMsgInto is decodeMsg with the targets in buf when they fit, so
// that recovery indexes a million single-queue messages without a million
// one-element slices.
func decodeMsgInto(p []byte, buf []Target) (msgRec, error) {
	d := dec{b: p}
	var r msgRec
	r.id = d.u64()
	r.x = d.u64()
	n := int(d.u16())
	if d.err == nil && n == 0 {
		return r, errors.New("message without targets")
	}
	if d.err == nil && len(d.b) < 16*n {
		return r, errShort
	}
	if d.err == nil {
		if n <= cap(buf) {
			r.targets = buf[:n]
		} else {
			r.targets = make([]Target, n)
		}
		for i := range r.targets {
			r.targets[i] = Target{Queue: QueueID(d.u64()), Seq: d.u64()}
		}
	}
	r.body = d.b
	if d.err == nil {
		d.err = checkTargets(r.targets)
	}
	return r, d.err
}

// decodeMsgBody returns a recMsg or recTxMsg payload's id and body,
// without decoding its targets: reading a body back needs only those.
func decodeMsgBody(p []byte) (uint64, []byte, error) {
	d := dec{b: p}
	id := d.u64()
	d.u64()
	n := int(d.u16())
	d.take(16 * n)
	return id, d.b, d.err
}

// refRec is a recAckRef or recDelivered payload (count only in the latter).
type refRec struct {
	id    uint64
	q     QueueID
	seq   uint64
	count uint32
}

func encodeRef(b []byte, r refRec, withCount bool) []byte {
	b = le64(b, r.id)
	b = le64(b, uint64(r.q))
	b = le64(b, r.seq)
	if withCount {
		b = le32(b, r.count)
	}
	return b
}

func decodeRef(p []byte, withCount bool) (refRec, error) {
	d := dec{b: p}
	r := refRec{id: d.u64(), q: QueueID(d.u64()), seq: d.u64()}
	if withCount {
		r.count = d.u32()
	}
	return r, d.end()
}

// purgeRec is a recPurge payload.
type purgeRec struct {
	seq  uint64
	q    QueueID
	upTo uint64
}

func encodePurge(b []byte, r purgeRec) []byte {
	return le64(le64(le64(b, r.seq), uint64(r.q)), r.upTo)
}

func decodePurge(p []byte) (purgeRec, error) {
	d := dec{b: p}
	r := purgeRec{seq: d.u64(), q: QueueID(d.u64()), upTo: d.u64()}
	return r, d.end()
}

// ackTarget names one message reference a transaction acks.
type ackTarget struct {
	id  uint64
	q   QueueID
	seq uint64
}

// txRec is a recPrepare (xid set) or recCommit (seq set) payload.
type txRec struct {
	num   uint64 // transaction number
	seq   uint64 // commit: visibility sequence of its messages
	nmsgs uint32 // transactional message records written before it
	xid   TxID
	acks  []ackTarget
}

func encodeTx(b []byte, r txRec, prepare bool) []byte {
	b = le64(b, r.num)
	if prepare {
		b = encodeXID(b, r.xid)
	} else {
		b = le64(b, r.seq)
	}
	b = le32(b, r.nmsgs)
	b = le32(b, uint32(len(r.acks)))
	for _, a := range r.acks {
		b = le64(le64(le64(b, a.id), uint64(a.q)), a.seq)
	}
	return b
}

func decodeTx(p []byte, prepare bool) (txRec, error) {
	d := dec{b: p}
	var r txRec
	r.num = d.u64()
	if prepare {
		r.xid = decodeXID(&d)
	} else {
		r.seq = d.u64()
	}
	r.nmsgs = d.u32()
	n := int(d.u32())
	if d.err == nil && len(d.b) != 24*n {
		return r, fmt.Errorf("%d acks in %d bytes", n, len(d.b))
	}
	if d.err == nil && n > 0 {
		r.acks = make([]ackTarget, n)
		for i := range r.acks {
			r.acks[i] = ackTarget{id: d.u64(), q: QueueID(d.u64()), seq: d.u64()}
		}
	}
	return r, d.end()
}

func encodeXID(b []byte, x TxID) []byte {
	if !x.IsXA() {
		return le64(append(b, 0), x.Local)
	}
	b = append(b, 1)
	b = le32(b, uint32(x.Format))
	b = append(b, byte(len(x.Global)))
	b = append(b, x.Global...)
	b = append(b, byte(len(x.Branch)))
	return append(b, x.Branch...)
}

func decodeXID(d *dec) TxID {
	switch k := d.u8(); {
	case d.err != nil:
		return TxID{}
	case k == 0:
		return TxID{Local: d.u64()}
	case k == 1:
		x := TxID{xa: true, Format: int32(d.u32())}
		x.Global = string(d.take(int(d.u8())))
		x.Branch = string(d.take(int(d.u8())))
		if d.err == nil && (len(x.Global) > maxXIDPart || len(x.Branch) > maxXIDPart) {
			d.err = errors.New("xid part longer than 64 bytes")
		}
		return x
	default:
		d.err = fmt.Errorf("unknown xid kind %d", k)
		return TxID{}
	}
}
