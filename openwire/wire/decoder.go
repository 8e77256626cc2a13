package wire

import (
	"encoding/binary"
	"fmt"
)

// maxDepth bounds the nesting of structures (and exception causes) in one
// frame, so a hostile frame cannot exhaust the stack.
const maxDepth = 64

// decoder unmarshals one frame body held in memory. Every length and count
// is checked against what is left of the frame before anything is
// allocated. Errors are sticky: after the first, reads return zero values
// and the caller checks d.err once.
type decoder struct {
	buf        []byte
	pos        int
	bits       []byte // tight: the BooleanStream of the frame
	bitPos     int
	version    int
	tight      bool
	stackTrace bool
	cacheOn    bool
	cache      []DataStructure
	copyBytes  bool // []byte fields must not alias buf
	depth      int
	err        error
	// ids is room for MessageIds allocated with the structure being read
	// (newDecoded); the next MessageIds decoded take it in turn.
	ids []MessageId
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) failf(base error, format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{base}, args...)...)
	}
}

// need reports whether n more bytes are in the frame, failing if not.
func (d *decoder) need(n int) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || len(d.buf)-d.pos < n {
		d.failf(ErrTruncated, "need %d bytes at offset %d, have %d", n, d.pos, len(d.buf)-d.pos)
		return false
	}
	return true
}

func (d *decoder) remainingBits() int { return len(d.bits)*8 - d.bitPos }

func (d *decoder) bit() bool {
	if d.err != nil {
		return false
	}
	if d.bitPos >= len(d.bits)*8 {
		d.failf(ErrTruncated, "boolean stream of %d bytes exhausted", len(d.bits))
		return false
	}
	v := d.bits[d.bitPos>>3]&(1<<(d.bitPos&7)) != 0
	d.bitPos++
	return v
}

// readBooleanStream parses the BooleanStream header and bits (§1.3).
func (d *decoder) readBooleanStream() {
	n := int(d.uint8())
	switch n {
	case 0xC0:
		n = int(d.uint8())
	case 0x80:
		n = int(d.int16())
		if n < 0 {
			d.failf(ErrCount, "boolean stream length %d", n)
			return
		}
	}
	if !d.need(n) {
		return
	}
	d.bits = d.buf[d.pos : d.pos+n]
	d.bitPos = 0
	d.pos += n
}

func (d *decoder) bool() bool {
	if d.tight {
		return d.bit()
	}
	return d.uint8() != 0
}

func (d *decoder) uint8() byte {
	if !d.need(1) {
		return 0
	}
	d.pos++
	return d.buf[d.pos-1]
}

func (d *decoder) int8() int8 { return int8(d.uint8()) }

func (d *decoder) int16() int16 {
	if !d.need(2) {
		return 0
	}
	d.pos += 2
	return int16(binary.BigEndian.Uint16(d.buf[d.pos-2:]))
}

func (d *decoder) int32() int32 {
	if !d.need(4) {
		return 0
	}
	d.pos += 4
	return int32(binary.BigEndian.Uint32(d.buf[d.pos-4:]))
}

func (d *decoder) int64() int64 {
	if !d.need(8) {
		return 0
	}
	d.pos += 8
	return int64(binary.BigEndian.Uint64(d.buf[d.pos-8:]))
}

// long reads a Java long; tight mode's 2- and 4-byte forms are unsigned.
func (d *decoder) long() int64 {
	if !d.tight {
		return d.int64()
	}
	hi, lo := d.bit(), d.bit()
	switch {
	case hi && lo:
		return d.int64()
	case hi:
		return int64(uint32(d.int32()))
	case lo:
		return int64(uint16(d.int16()))
	}
	return 0
}

func (d *decoder) string() NullString {
	if !d.bool() {
		return NullString{}
	}
	return NullString{Value: d.str(), Valid: true}
}

func (d *decoder) idString() string { return d.string().Value }

// str reads a present string. Java reads a tight ascii-flagged length as a
// signed short and the bytes as Latin-1; everything else is a u16 length and
// modified UTF-8.
func (d *decoder) str() string {
	ascii := d.tight && d.bit()
	var n int
	if ascii {
		n = int(d.int16())
		if n < 0 {
			d.failf(ErrCount, "string length %d", n)
			return ""
		}
	} else {
		n = int(uint16(d.int16()))
	}
	if !d.need(n) {
		return ""
	}
	b := d.buf[d.pos : d.pos+n]
	d.pos += n
	if ascii {
		return decodeLatin1(b)
	}
	s, err := decodeMUTF8(b)
	if err != nil {
		d.failf(err, "string at offset %d", d.pos-n)
	}
	return s
}

func (d *decoder) bytes() []byte {
	if !d.bool() {
		return nil
	}
	n := int(d.int32())
	if n < 0 {
		d.failf(ErrCount, "byte array length %d", n)
		return nil
	}
	if !d.need(n) {
		return nil
	}
	b := d.buf[d.pos : d.pos+n : d.pos+n]
	d.pos += n
	if d.copyBytes {
		// make then copy: the compiler skips zeroing memory that the copy
		// overwrites anyway.
		out := make([]byte, n)
		copy(out, b)
		return out
	}
	return b
}

func (d *decoder) magic() (m [8]byte) {
	if d.need(8) {
		copy(m[:], d.buf[d.pos:])
		d.pos += 8
	}
	return m
}

// arrayHeader reads the presence flag and count of an array. Each element
// takes at least one bit (tight) or byte (loose), which bounds the count
// by what is left of the frame before the caller allocates.
func (d *decoder) arrayHeader() (int, bool) {
	if !d.bool() {
		return 0, false
	}
	n := int(d.int16())
	room := len(d.buf) - d.pos
	if d.tight {
		room = d.remainingBits()
	}
	if n < 0 || n > room {
		d.failf(ErrCount, "array of %d elements with room for %d", n, room)
		return 0, false
	}
	return n, d.err == nil
}

// nested reads a nested<T> field: present flag, type byte, body.
func (d *decoder) nested() DataStructure {
	if !d.bool() || d.err != nil {
		return nil
	}
	t := d.uint8()
	if d.err != nil {
		return nil
	}
	ds := d.newStructure(t)
	if ds == nil {
		return nil
	}
	if d.depth++; d.depth > maxDepth {
		d.fail(ErrTooDeep)
		return nil
	}
	if d.tight && typeInfo[t].aware && d.bit() {
		// Java can read, though never writes, a nested structure as an
		// embedded frame: int32 size, type byte, own BooleanStream (§1.7).
		d.int32()
		d.uint8()
		outerBits, outerPos := d.bits, d.bitPos
		d.readBooleanStream()
		ds.unmarshalFields(d)
		d.bits, d.bitPos = outerBits, outerPos
	} else {
		ds.unmarshalFields(d)
	}
	d.depth--
	return ds
}

func (d *decoder) newStructure(t byte) DataStructure {
	if s := typeInfo[t].since; s == 0 || int(s) > d.version {
		d.failf(ErrUnknownType, "%s in protocol version %d", TypeName(t), d.version)
		return nil
	}
	if t == TypeMessageId && len(d.ids) > 0 {
		id := &d.ids[0]
		d.ids = d.ids[1:]
		return id
	}
	return d.newDecoded(t)
}

// cached reads a cached<T> field (§1.8).
func (d *decoder) cached() DataStructure {
	if !d.cacheOn {
		return d.nested()
	}
	isNew := d.bool()
	idx := int(d.int16())
	if d.err != nil {
		return nil
	}
	if isNew {
		ds := d.nested()
		if ds != nil && !cacheable(ds.DataStructureType()) {
			d.failf(ErrTypeMismatch, "%s cannot travel through the marshal cache", TypeName(ds.DataStructureType()))
			return nil
		}
		if idx == -1 { // Java's "cache full, not stored"
			return ds
		}
		if d.checkIndex(idx) {
			d.cache[idx] = ds
		}
		return ds
	}
	if !d.checkIndex(idx) {
		return nil
	}
	return d.cache[idx]
}

func (d *decoder) checkIndex(idx int) bool {
	if idx < 0 || idx >= len(d.cache) {
		d.failf(ErrCacheIndex, "index %d, cache of %d", idx, len(d.cache))
		return false
	}
	return true
}

// nestedAs reads a nested field and checks that it holds a T.
func nestedAs[T DataStructure](d *decoder, field string) T {
	return as[T](d, d.nested(), field)
}

// cachedAs reads a cached field and checks that it holds a T.
func cachedAs[T DataStructure](d *decoder, field string) T {
	return as[T](d, d.cached(), field)
}

func as[T DataStructure](d *decoder, ds DataStructure, field string) T {
	var zero T
	if ds == nil || d.err != nil {
		return zero
	}
	v, ok := ds.(T)
	if !ok {
		d.failf(ErrTypeMismatch, "field %s cannot hold %s", field, TypeName(ds.DataStructureType()))
		return zero
	}
	return v
}
