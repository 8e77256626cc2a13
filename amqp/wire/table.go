package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/junctionmq/junction/message"
)

// maxDepth bounds how deeply tables and arrays may nest, both when decoding
// untrusted input and when encoding (a table that contains itself would
// otherwise recurse forever).
const maxDepth = 64

var errTooDeep = fmt.Errorf("tables/arrays nested deeper than %d", maxDepth)

// Field value type letters. They follow RabbitMQ's errata to 0-9-1 (which
// amqp091-go, pika and the Java client share) rather than the spec's
// grammar, which disagrees about 's', 'l' and 'U'. The decode-only letters
// are what other peers send: 'L' (RabbitMQ reads it as signed 64-bit),
// 'U' (the 0-9-1 grammar's signed 16-bit) and Qpid 0-8/0-9's 'c', 'C'
// (ASCII and wide long strings) and 'k' (one ASCII character).
const (
	typeBool      = 't'
	typeInt8      = 'b'
	typeUint8     = 'B'
	typeInt16     = 's'
	typeUint16    = 'u'
	typeInt32     = 'I'
	typeUint32    = 'i'
	typeInt64     = 'l'
	typeFloat32   = 'f'
	typeFloat64   = 'd'
	typeDecimal   = 'D'
	typeString    = 'S'
	typeArray     = 'A'
	typeTimestamp = 'T'
	typeTable     = 'F'
	typeVoid      = 'V'
	typeBytes     = 'x'

	typeInt64Alt  = 'L' // decode only
	typeInt16Spec = 'U' // decode only
	typeQpidASCII = 'c' // decode only
	typeQpidWide  = 'C' // decode only
	typeQpidChar  = 'k' // decode only; becomes a one-byte string
)

// fixedSize is the encoded size of each fixed-width value type, 0 for the
// variable-width ones.
var fixedSize = [256]uint8{
	typeBool: 1, typeInt8: 1, typeUint8: 1, typeQpidChar: 1,
	typeInt16: 2, typeUint16: 2, typeInt16Spec: 2,
	typeInt32: 4, typeUint32: 4, typeFloat32: 4,
	typeInt64: 8, typeInt64Alt: 8, typeFloat64: 8, typeTimestamp: 8,
	typeDecimal: 5,
}

// DecodeTable decodes a field table (its 4-byte length, then name/value
// pairs) from the start of b and returns the bytes after it. An empty table
// decodes as nil; nested empty tables and arrays decode as empty, non-nil
// values. Errors are SYNTAX_ERROR *Errors naming the offending field.
func DecodeTable(b []byte) (message.Table, []byte, error) {
	t, rest, err := decodeTable(b)
	if err != nil {
		return nil, b, &Error{Code: FrameError, Text: "decode field table: " + err.Error(), err: err}
	}
	return t, rest, nil
}

// decodeTable is DecodeTable with plain errors, for callers that wrap them.
func decodeTable(b []byte) (message.Table, []byte, error) {
	body, rest, err := splitLong(b)
	if err != nil {
		return nil, b, fmt.Errorf("table: %w", err)
	}
	t, err := decodeTableBody(body, 0)
	if err != nil {
		return nil, b, err
	}
	if len(t) == 0 {
		t = nil
	}
	return t, rest, nil
}

// splitLong splits a 4-byte-length-prefixed block off the front of b.
func splitLong(b []byte) (body, rest []byte, err error) {
	if len(b) < 4 {
		return nil, b, errShort
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(len(b)-4) < uint64(n) {
		return nil, b, fmt.Errorf("length %d exceeds the %d bytes left: %w", n, len(b)-4, errShort)
	}
	return b[4 : 4+int(n)], b[4+int(n):], nil
}

func decodeTableBody(b []byte, depth int) (message.Table, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	t := message.Table{}
	for len(b) > 0 {
		n := int(b[0])
		if len(b) < 2+n {
			return nil, fmt.Errorf("table field name: %w", errShort)
		}
		key := string(b[1 : 1+n])
		v, rest, err := decodeValue(b[1+n], b[2+n:], depth)
		if err != nil {
			return nil, fmt.Errorf("decode table field %q: %w", key, err)
		}
		t[key] = v
		b = rest
	}
	return t, nil
}

func decodeArrayBody(b []byte, depth int) ([]any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	a := []any{}
	for i := 0; len(b) > 0; i++ {
		v, rest, err := decodeValue(b[0], b[1:], depth)
		if err != nil {
			return nil, fmt.Errorf("decode array element %d: %w", i, err)
		}
		a = append(a, v)
		b = rest
	}
	return a, nil
}

// decodeValue decodes one value of type typ from the front of b.
func decodeValue(typ byte, b []byte, depth int) (any, []byte, error) {
	if size := int(fixedSize[typ]); size > 0 {
		if len(b) < size {
			return nil, b, fmt.Errorf("value of type %q: %w", typ, errShort)
		}
		v := b[:size]
		rest := b[size:]
		switch typ {
		case typeBool:
			return v[0] != 0, rest, nil
		case typeInt8:
			return int8(v[0]), rest, nil
		case typeUint8:
			return v[0], rest, nil
		case typeQpidChar:
			return string(v[:1]), rest, nil
		case typeInt16, typeInt16Spec:
			return int16(binary.BigEndian.Uint16(v)), rest, nil
		case typeUint16:
			return binary.BigEndian.Uint16(v), rest, nil
		case typeInt32:
			return int32(binary.BigEndian.Uint32(v)), rest, nil
		case typeUint32:
			return binary.BigEndian.Uint32(v), rest, nil
		case typeFloat32:
			return math.Float32frombits(binary.BigEndian.Uint32(v)), rest, nil
		case typeInt64, typeInt64Alt:
			return int64(binary.BigEndian.Uint64(v)), rest, nil
		case typeFloat64:
			return math.Float64frombits(binary.BigEndian.Uint64(v)), rest, nil
		case typeTimestamp:
			return timeFromWire(binary.BigEndian.Uint64(v)), rest, nil
		case typeDecimal:
			return message.Decimal{Scale: v[0], Value: int32(binary.BigEndian.Uint32(v[1:]))}, rest, nil
		}
	}
	switch typ {
	case typeVoid:
		return nil, b, nil
	case typeString, typeQpidASCII, typeQpidWide, typeBytes, typeTable, typeArray:
		body, rest, err := splitLong(b)
		if err != nil {
			return nil, b, fmt.Errorf("value of type %q: %w", typ, err)
		}
		switch typ {
		case typeBytes:
			return append([]byte{}, body...), rest, nil
		case typeTable:
			t, err := decodeTableBody(body, depth+1)
			return t, rest, err
		case typeArray:
			a, err := decodeArrayBody(body, depth+1)
			return a, rest, err
		default:
			return string(body), rest, nil
		}
	}
	return nil, b, fmt.Errorf("unknown field value type %q", typ)
}

// skipTable validates a length-prefixed table at the front of b without
// allocating and returns its body and the bytes after it. It accepts
// exactly what DecodeTable accepts.
func skipTable(b []byte) (body, rest []byte, err error) {
	body, rest, err = splitLong(b)
	if err != nil {
		return nil, b, fmt.Errorf("table: %w", err)
	}
	if err := walkTable(body, 0); err != nil {
		return nil, b, err
	}
	return body, rest, nil
}

func walkTable(b []byte, depth int) error {
	if depth > maxDepth {
		return errTooDeep
	}
	for len(b) > 0 {
		n := int(b[0])
		if len(b) < 2+n {
			return fmt.Errorf("table field name: %w", errShort)
		}
		rest, err := skipValue(b[1+n], b[2+n:], depth)
		if err != nil {
			return fmt.Errorf("table field: %w", err)
		}
		b = rest
	}
	return nil
}

func walkArray(b []byte, depth int) error {
	if depth > maxDepth {
		return errTooDeep
	}
	for len(b) > 0 {
		rest, err := skipValue(b[0], b[1:], depth)
		if err != nil {
			return fmt.Errorf("array element: %w", err)
		}
		b = rest
	}
	return nil
}

func skipValue(typ byte, b []byte, depth int) ([]byte, error) {
	if size := int(fixedSize[typ]); size > 0 {
		if len(b) < size {
			return b, errShort
		}
		return b[size:], nil
	}
	switch typ {
	case typeVoid:
		return b, nil
	case typeString, typeQpidASCII, typeQpidWide, typeBytes, typeTable, typeArray:
		body, rest, err := splitLong(b)
		if err != nil {
			return b, err
		}
		switch typ {
		case typeTable:
			err = walkTable(body, depth+1)
		case typeArray:
			err = walkArray(body, depth+1)
		}
		return rest, err
	}
	return b, errUnknownType
}

var errUnknownType = errors.New("unknown field value type")

// AppendTable appends t as a field table: a 4-byte length, then the
// name/value pairs in sorted name order so equal tables encode equally.
// Value types map to letters as documented on message.Value: int8 'b',
// uint8 'B', int16 's', uint16 'u', int32 'I', uint32 'i', int64 'l',
// float32 'f', float64 'd', Decimal 'D', string 'S', []byte 'x', bool 't',
// time.Time 'T' (whole seconds), Table 'F', []any 'A', nil 'V'. Other types,
// names over 255 bytes and nesting beyond 64 levels are errors; on error
// dst is returned unchanged.
func AppendTable(dst []byte, t message.Table) ([]byte, error) {
	out, err := appendTable(dst, t, 0)
	if err != nil {
		return dst, err
	}
	return out, nil
}

func appendTable(dst []byte, t message.Table, depth int) ([]byte, error) {
	if depth > maxDepth {
		return dst, errTooDeep
	}
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	// Sorting needs the names in a slice; a small fixed array keeps the
	// common case (a handful of headers) off the heap.
	var small [16]string
	keys := small[:0]
	for k := range t {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var err error
	for _, k := range keys {
		if dst, err = appendShortstr(dst, k); err != nil {
			return dst, fmt.Errorf("encode table field name: %w", err)
		}
		if dst, err = appendValue(dst, t[k], depth); err != nil {
			return dst, fmt.Errorf("encode table field %q: %w", k, err)
		}
	}
	return patchLong(dst, start)
}

// patchLong writes the length of what follows dst[start:start+4] there.
func patchLong(dst []byte, start int) ([]byte, error) {
	n := len(dst) - start - 4
	if uint64(n) > math.MaxUint32 {
		return dst, errors.New("table or array longer than 4 GiB")
	}
	binary.BigEndian.PutUint32(dst[start:], uint32(n))
	return dst, nil
}

func appendArray(dst []byte, a []any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return dst, errTooDeep
	}
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	var err error
	for i, v := range a {
		if dst, err = appendValue(dst, v, depth); err != nil {
			return dst, fmt.Errorf("encode array element %d: %w", i, err)
		}
	}
	return patchLong(dst, start)
}

func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, typeVoid), nil
	case bool:
		b := byte(0)
		if x {
			b = 1
		}
		return append(dst, typeBool, b), nil
	case int8:
		return append(dst, typeInt8, byte(x)), nil
	case uint8:
		return append(dst, typeUint8, x), nil
	case int16:
		return appendShort(append(dst, typeInt16), uint16(x)), nil
	case uint16:
		return appendShort(append(dst, typeUint16), x), nil
	case int32:
		return appendLong(append(dst, typeInt32), uint32(x)), nil
	case uint32:
		return appendLong(append(dst, typeUint32), x), nil
	case int64:
		return appendLonglong(append(dst, typeInt64), uint64(x)), nil
	case float32:
		return appendLong(append(dst, typeFloat32), math.Float32bits(x)), nil
	case float64:
		return appendLonglong(append(dst, typeFloat64), math.Float64bits(x)), nil
	case message.Decimal:
		return appendLong(append(dst, typeDecimal, x.Scale), uint32(x.Value)), nil
	case string:
		if uint64(len(x)) > math.MaxUint32 {
			return dst, errors.New("string longer than 4 GiB")
		}
		dst = appendLong(append(dst, typeString), uint32(len(x)))
		return append(dst, x...), nil
	case []byte:
		if uint64(len(x)) > math.MaxUint32 {
			return dst, errors.New("byte array longer than 4 GiB")
		}
		return appendLongstr(append(dst, typeBytes), x), nil
	case time.Time:
		return appendTimestamp(append(dst, typeTimestamp), x), nil
	case message.Table:
		return appendTable(append(dst, typeTable), x, depth+1)
	case []any:
		return appendArray(append(dst, typeArray), x, depth+1)
	}
	return dst, fmt.Errorf("unsupported value type %T", v)
}
