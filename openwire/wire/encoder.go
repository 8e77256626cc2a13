package wire

import (
	"encoding/binary"
	"fmt"
)

// maxTightString is Java's limit for tight strings: it refuses to write an
// encoded length ≥ Short.MAX_VALUE and reads ascii lengths as signed shorts.
const maxTightString = 32767 - 1

// encoder marshals one frame body. In loose mode everything goes to data in
// field order. In tight mode booleans go to the bit string and everything
// else to data; Java collects the bits in a first pass and writes the data
// in a second, but both passes walk the fields in the same order, so one
// pass filling two buffers produces the same bytes (§1.2).
//
// Errors are sticky: after the first, every method does nothing, and the
// generated code checks e.err once at the end.
type encoder struct {
	version    int
	tight      bool
	stackTrace bool
	cache      *writeCache // nil when the marshal cache is off
	limit      int         // the frame size limit, checked as structures are added
	base       int         // len(data) when the frame began
	data       []byte
	bits       []byte
	nbits      int
	depth      int
	err        error
}

func (e *encoder) reset(f *Format, cache *writeCache, data []byte) {
	e.version = f.Version
	e.tight = f.TightEncoding
	e.stackTrace = f.StackTraceEnabled
	e.cache = cache
	e.limit = int(frameLimit(f))
	e.base = len(data)
	e.data = data
	e.bits = e.bits[:0]
	e.nbits = 0
	e.depth = 0
	e.err = nil
}

func (e *encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

func (e *encoder) bit(v bool) {
	if e.nbits%8 == 0 {
		e.bits = append(e.bits, 0)
	}
	if v {
		e.bits[len(e.bits)-1] |= 1 << (e.nbits % 8)
	}
	e.nbits++
}

func (e *encoder) bool(v bool) {
	if e.tight {
		e.bit(v)
		return
	}
	if v {
		e.data = append(e.data, 1)
	} else {
		e.data = append(e.data, 0)
	}
}

func (e *encoder) int8(v int8) { e.data = append(e.data, byte(v)) }

func (e *encoder) int16(v int16) { e.data = binary.BigEndian.AppendUint16(e.data, uint16(v)) }

func (e *encoder) int32(v int32) { e.data = binary.BigEndian.AppendUint32(e.data, uint32(v)) }

func (e *encoder) int64(v int64) { e.data = binary.BigEndian.AppendUint64(e.data, uint64(v)) }

// long writes a Java long; tight mode picks the smallest unsigned size class
// the way Java does, so negative values always take 8 bytes (§1.5).
func (e *encoder) long(v int64) {
	if !e.tight {
		e.int64(v)
		return
	}
	u := uint64(v)
	switch {
	case u == 0:
		e.bit(false)
		e.bit(false)
	case u&0xFFFFFFFFFFFF0000 == 0:
		e.bit(false)
		e.bit(true)
		e.int16(int16(u))
	case u&0xFFFFFFFF00000000 == 0:
		e.bit(true)
		e.bit(false)
		e.int32(int32(u))
	default:
		e.bit(true)
		e.bit(true)
		e.int64(v)
	}
}

func (e *encoder) string(s NullString) {
	e.bool(s.Valid)
	if s.Valid {
		e.str(s.Value)
	}
}

func (e *encoder) idString(s string) {
	e.bool(true)
	e.str(s)
}

// str writes a present string: in tight mode the ascii bit, then in both
// modes a u16 byte length and the modified UTF-8 bytes.
func (e *encoder) str(s string) {
	n, ascii := mutf8Len(s)
	if e.tight {
		if n > maxTightString {
			e.fail(fmt.Errorf("%w: %d bytes in tight encoding", ErrStringTooLong, n))
			return
		}
		e.bit(ascii)
	} else if n > 0xFFFF {
		e.fail(fmt.Errorf("%w: %d bytes", ErrStringTooLong, n))
		return
	}
	e.data = binary.BigEndian.AppendUint16(e.data, uint16(n))
	if ascii {
		e.data = append(e.data, s...)
	} else {
		e.data = appendMUTF8(e.data, s)
	}
}

func (e *encoder) bytes(b []byte) {
	e.bool(b != nil)
	if b != nil {
		e.int32(int32(len(b)))
		e.data = append(e.data, b...)
	}
}

func (e *encoder) magic(m [8]byte) { e.data = append(e.data, m[:]...) }

func (e *encoder) arrayHeader(isNil bool, n int) bool {
	e.bool(!isNil)
	if isNil {
		return false
	}
	if n > 0x7FFF {
		e.fail(fmt.Errorf("%w: array of %d elements", ErrCount, n))
		return false
	}
	e.int16(int16(n))
	return true
}

// checkType fails unless type t exists in the encoder's protocol version.
func (e *encoder) checkType(t byte) bool {
	if s := typeInfo[t].since; s == 0 || int(s) > e.version {
		e.fail(fmt.Errorf("%w: %s in protocol version %d", ErrUnknownType, TypeName(t), e.version))
		return false
	}
	return true
}

func (e *encoder) nested(ds DataStructure) {
	present := ds != nil && !ds.isNil()
	e.bool(present)
	if !present || e.err != nil {
		return
	}
	t := ds.DataStructureType()
	if !e.checkType(t) {
		return
	}
	if n := len(e.data) - e.base; n > e.limit {
		// Stop early instead of building a frame that cannot be sent.
		e.fail(&FrameSizeError{Size: int64(n), Max: int64(e.limit)})
		return
	}
	if e.tight && typeInfo[t].aware {
		e.bit(false) // no pre-marshalled form follows (§1.7)
	}
	e.data = append(e.data, t)
	if e.depth++; e.depth > maxDepth {
		e.fail(ErrTooDeep)
		return
	}
	ds.marshalFields(e)
	e.depth--
}

// cached writes a cached<T> field (§1.8), reproducing Java's writer
// exactly: a tight writer adds a new entry after marshalling the object
// (so objects nested inside it get the earlier indexes) and patches the
// index in; a loose writer adds it before.
func (e *encoder) cached(ds DataStructure) {
	if e.cache == nil {
		e.nested(ds)
		return
	}
	key, ok := keyOf(ds)
	if !ok {
		e.fail(fmt.Errorf("%w: %s cannot travel through the marshal cache", ErrTypeMismatch, TypeName(ds.DataStructureType())))
		return
	}
	if idx, ok := e.cache.lookup(key); ok {
		e.bool(false)
		e.int16(idx)
		return
	}
	e.bool(true)
	if !e.tight {
		e.int16(e.cache.add(key))
		e.nested(ds)
		return
	}
	at := len(e.data)
	e.data = append(e.data, 0, 0)
	e.nested(ds)
	binary.BigEndian.PutUint16(e.data[at:], uint16(e.cache.add(key)))
}
