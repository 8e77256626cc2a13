package wire

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// Typed values (openwire.md §6.1) are the encoding of message properties,
// MapMessage and StreamMessage bodies and WireFormatInfo properties: a tag
// byte, then the value. Go types, one per Java type:
//
//	nil             null            (tag 0)
//	bool            boolean         (1)
//	int8            byte            (2)
//	uint16          char            (3)  one UTF-16 unit
//	int16           short           (4)
//	int32           int             (5)
//	int64           long            (6)
//	float64         double          (7)
//	float32         float           (8)
//	string          String          (9 below 8191 UTF-16 units, else 13)
//	[]byte          byte[]          (10)
//	map[string]any  Map             (11)
//	[]any           List            (12)
//
// Other Go types (int, uint32, …) are rejected rather than guessed at.

// Tags of the typed-value encoding.
const (
	tagNull      = 0
	tagBool      = 1
	tagByte      = 2
	tagChar      = 3
	tagShort     = 4
	tagInt       = 5
	tagLong      = 6
	tagDouble    = 7
	tagFloat     = 8
	tagString    = 9
	tagBytes     = 10
	tagMap       = 11
	tagList      = 12
	tagBigString = 13
)

// maxValueDepth bounds maps and lists nested in each other.
const maxValueDepth = 32

// bigStringUnits is Java's threshold (Short.MAX_VALUE/4 UTF-16 units) from
// which it writes strings with tag 13 and an int32 length.
const bigStringUnits = 0x7FFF / 4

// DecodeMap decodes a marshalled primitive map, such as
// Message.MarshalledProperties or a MapMessage body. A count of -1 is a null
// map and returns nil. Bytes after the map are ignored, as Java does.
func DecodeMap(b []byte) (map[string]any, error) {
	r := valueReader{buf: b}
	m := r.mapValue(0)
	if r.err != nil {
		return nil, fmt.Errorf("decode map: %w", r.err)
	}
	return m, nil
}

// AppendMap appends the marshalled form of m (a nil map is written as the
// null map, count -1). Keys are written in sorted order, so equal maps
// encode to equal bytes; Java writes HashMap order, which readers ignore.
func AppendMap(dst []byte, m map[string]any) ([]byte, error) {
	return appendMap(dst, m, 0)
}

// DecodeStream decodes a StreamMessage body: typed values back to back.
func DecodeStream(b []byte) ([]any, error) {
	r := valueReader{buf: b}
	var vals []any
	for r.pos < len(r.buf) && r.err == nil {
		vals = append(vals, r.value(0))
	}
	if r.err != nil {
		return nil, fmt.Errorf("decode stream value %d: %w", len(vals), r.err)
	}
	return vals, nil
}

// AppendStream appends vals as a StreamMessage body.
func AppendStream(dst []byte, vals []any) ([]byte, error) {
	var err error
	for i, v := range vals {
		if dst, err = appendValue(dst, v, 0); err != nil {
			return dst, fmt.Errorf("encode stream value %d: %w", i, err)
		}
	}
	return dst, nil
}

type valueReader struct {
	buf []byte
	pos int
	err error
}

func (r *valueReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.buf)-r.pos < n {
		r.err = fmt.Errorf("%w: need %d bytes at offset %d, have %d", ErrTruncated, n, r.pos, len(r.buf)-r.pos)
		return nil
	}
	r.pos += n
	return r.buf[r.pos-n : r.pos]
}

func (r *valueReader) u16() int {
	if b := r.take(2); b != nil {
		return int(binary.BigEndian.Uint16(b))
	}
	return 0
}

func (r *valueReader) i32() int32 {
	if b := r.take(4); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

func (r *valueReader) i64() int64 {
	if b := r.take(8); b != nil {
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

func (r *valueReader) utf(n int) string {
	b := r.take(n)
	if r.err != nil {
		return ""
	}
	s, err := decodeMUTF8(b)
	if err != nil {
		r.err = err
	}
	return s
}

func (r *valueReader) mapValue(depth int) map[string]any {
	n := int(r.i32())
	if r.err != nil || n == -1 {
		return nil
	}
	// An entry is at least a 2-byte key length and a tag.
	if room := (len(r.buf) - r.pos) / 3; n < 0 || n > room {
		r.err = fmt.Errorf("%w: map of %d entries with room for %d", ErrCount, n, room)
		return nil
	}
	m := make(map[string]any, n)
	for i := 0; i < n && r.err == nil; i++ {
		k := r.utf(r.u16())
		v := r.value(depth)
		if r.err != nil {
			r.err = fmt.Errorf("entry %q: %w", k, r.err)
			return nil
		}
		m[k] = v
	}
	return m
}

func (r *valueReader) value(depth int) any {
	tag := r.take(1)
	if r.err != nil {
		return nil
	}
	switch tag[0] {
	case tagNull:
		return nil
	case tagBool:
		if b := r.take(1); b != nil {
			return b[0] != 0
		}
	case tagByte:
		if b := r.take(1); b != nil {
			return int8(b[0])
		}
	case tagChar:
		return uint16(r.u16())
	case tagShort:
		return int16(r.u16())
	case tagInt:
		return r.i32()
	case tagLong:
		return r.i64()
	case tagDouble:
		return math.Float64frombits(uint64(r.i64()))
	case tagFloat:
		return math.Float32frombits(uint32(r.i32()))
	case tagString:
		return r.utf(r.u16())
	case tagBigString:
		n := int(r.i32())
		if n == -1 {
			return nil
		}
		return r.utf(n)
	case tagBytes:
		b := r.take(int(r.i32()))
		if r.err == nil {
			return append(make([]byte, 0, len(b)), b...)
		}
	case tagMap, tagList:
		if depth >= maxValueDepth {
			r.err = ErrTooDeep
			return nil
		}
		if tag[0] == tagMap {
			return r.mapValue(depth + 1)
		}
		return r.list(depth + 1)
	default:
		r.err = fmt.Errorf("%w: typed value tag %d", ErrUnknownType, tag[0])
	}
	return nil
}

func (r *valueReader) list(depth int) []any {
	n := int(r.i32())
	if room := len(r.buf) - r.pos; r.err == nil && (n < 0 || n > room) {
		r.err = fmt.Errorf("%w: list of %d elements with room for %d", ErrCount, n, room)
	}
	if r.err != nil {
		return nil
	}
	l := make([]any, n)
	for i := range l {
		l[i] = r.value(depth)
	}
	return l
}

func appendMap(dst []byte, m map[string]any, depth int) ([]byte, error) {
	if m == nil {
		return binary.BigEndian.AppendUint32(dst, math.MaxUint32), nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(m)))
	var err error
	for _, k := range keys {
		if dst, err = appendUTF(dst, k); err != nil {
			return dst, fmt.Errorf("key %q: %w", k, err)
		}
		if dst, err = appendValue(dst, m[k], depth); err != nil {
			return dst, fmt.Errorf("value of %q: %w", k, err)
		}
	}
	return dst, nil
}

// appendUTF writes a u16 length and modified UTF-8, as DataOutput.writeUTF.
func appendUTF(dst []byte, s string) ([]byte, error) {
	n, _ := mutf8Len(s)
	if n > 0xFFFF {
		return dst, fmt.Errorf("%w: %d bytes", ErrStringTooLong, n)
	}
	return appendMUTF8(binary.BigEndian.AppendUint16(dst, uint16(n)), s), nil
}

func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, tagNull), nil
	case bool:
		if x {
			return append(dst, tagBool, 1), nil
		}
		return append(dst, tagBool, 0), nil
	case int8:
		return append(dst, tagByte, byte(x)), nil
	case uint16:
		return binary.BigEndian.AppendUint16(append(dst, tagChar), x), nil
	case int16:
		return binary.BigEndian.AppendUint16(append(dst, tagShort), uint16(x)), nil
	case int32:
		return binary.BigEndian.AppendUint32(append(dst, tagInt), uint32(x)), nil
	case int64:
		return binary.BigEndian.AppendUint64(append(dst, tagLong), uint64(x)), nil
	case float64:
		return binary.BigEndian.AppendUint64(append(dst, tagDouble), math.Float64bits(x)), nil
	case float32:
		return binary.BigEndian.AppendUint32(append(dst, tagFloat), math.Float32bits(x)), nil
	case string:
		if utf16Len(x) < bigStringUnits {
			return appendUTF(append(dst, tagString), x)
		}
		n, _ := mutf8Len(x)
		if n > math.MaxInt32 {
			return dst, fmt.Errorf("%w: %d bytes", ErrStringTooLong, n)
		}
		dst = binary.BigEndian.AppendUint32(append(dst, tagBigString), uint32(n))
		return appendMUTF8(dst, x), nil
	case []byte:
		if len(x) > math.MaxInt32 {
			return dst, fmt.Errorf("%w: byte array of %d bytes", ErrCount, len(x))
		}
		dst = binary.BigEndian.AppendUint32(append(dst, tagBytes), uint32(len(x)))
		return append(dst, x...), nil
	case map[string]any:
		if depth >= maxValueDepth {
			return dst, ErrTooDeep
		}
		return appendMap(append(dst, tagMap), x, depth+1)
	case []any:
		if depth >= maxValueDepth {
			return dst, ErrTooDeep
		}
		dst = binary.BigEndian.AppendUint32(append(dst, tagList), uint32(len(x)))
		var err error
		for i, e := range x {
			if dst, err = appendValue(dst, e, depth+1); err != nil {
				return dst, fmt.Errorf("list element %d: %w", i, err)
			}
		}
		return dst, nil
	}
	return dst, fmt.Errorf("%w: Go type %T has no OpenWire typed-value encoding", ErrUnsupported, v)
}

// utf16Len is Java's String.length() of s.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n++
		}
		n++
	}
	return n
}
