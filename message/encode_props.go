package message

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// Property encoding: the string fields in order, a varint timestamp and
// group sequence, then the header table. Table values carry a one-byte tag.
const (
	tagNil byte = iota
	tagBool
	tagInt8
	tagUint8
	tagInt16
	tagUint16
	tagInt32
	tagUint32
	tagInt64
	tagFloat32
	tagFloat64
	tagDecimal
	tagString
	tagBytes
	tagTime
	tagTable
	tagList
)

const maxDepth = 64

func appendProperties(b []byte, p *Properties) ([]byte, error) {
	for _, s := range []string{p.ContentType, p.ContentEncoding, p.CorrelationID, p.ReplyTo, p.MessageID, p.Type, p.UserID, p.AppID, p.ClusterID, p.Expiration} {
		b = appendBytes(b, []byte(s))
	}
	b = binary.AppendVarint(b, p.Timestamp)
	b = binary.AppendVarint(b, int64(p.GroupSeq))
	return appendTable(b, p.Headers, 0)
}

func (d *decoder) properties() *Properties {
	p := &Properties{}
	for _, f := range []*string{&p.ContentType, &p.ContentEncoding, &p.CorrelationID, &p.ReplyTo, &p.MessageID, &p.Type, &p.UserID, &p.AppID, &p.ClusterID, &p.Expiration} {
		*f = string(d.bytes())
	}
	p.Timestamp = d.varint()
	p.GroupSeq = int32(d.varint())
	p.Headers = d.table(0)
	return p
}

func appendTable(b []byte, t Table, depth int) ([]byte, error) {
	if depth > maxDepth {
		return b, fmt.Errorf("table nested deeper than %d", maxDepth)
	}
	b = binary.AppendUvarint(b, uint64(len(t)))
	for k, v := range t {
		b = appendBytes(b, []byte(k))
		var err error
		if b, err = appendValue(b, v, depth); err != nil {
			return b, fmt.Errorf("property %q: %w", k, err)
		}
	}
	return b, nil
}

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, tagNil), nil
	case bool:
		if x {
			return append(b, tagBool, 1), nil
		}
		return append(b, tagBool, 0), nil
	case int8:
		return append(b, tagInt8, byte(x)), nil
	case uint8:
		return append(b, tagUint8, x), nil
	case int16:
		return binary.AppendVarint(append(b, tagInt16), int64(x)), nil
	case uint16:
		return binary.AppendUvarint(append(b, tagUint16), uint64(x)), nil
	case int32:
		return binary.AppendVarint(append(b, tagInt32), int64(x)), nil
	case uint32:
		return binary.AppendUvarint(append(b, tagUint32), uint64(x)), nil
	case int64:
		return binary.AppendVarint(append(b, tagInt64), x), nil
	case float32:
		return binary.BigEndian.AppendUint32(append(b, tagFloat32), math.Float32bits(x)), nil
	case float64:
		return binary.BigEndian.AppendUint64(append(b, tagFloat64), math.Float64bits(x)), nil
	case Decimal:
		return binary.AppendVarint(append(b, tagDecimal, x.Scale), int64(x.Value)), nil
	case string:
		return appendBytes(append(b, tagString), []byte(x)), nil
	case []byte:
		return appendBytes(append(b, tagBytes), x), nil
	case time.Time:
		return binary.AppendVarint(append(b, tagTime), x.UnixNano()), nil
	case Table:
		return appendTable(append(b, tagTable), x, depth+1)
	case []any:
		if depth > maxDepth {
			return b, fmt.Errorf("list nested deeper than %d", maxDepth)
		}
		b = binary.AppendUvarint(append(b, tagList), uint64(len(x)))
		for _, e := range x {
			var err error
			if b, err = appendValue(b, e, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	}
	return b, fmt.Errorf("unsupported value type %T", v)
}

func (d *decoder) table(depth int) Table {
	n := d.uvarint()
	if d.err != nil || depth > maxDepth || n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	if n == 0 {
		return nil
	}
	t := make(Table, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		k := string(d.bytes())
		t[k] = d.value(depth)
	}
	return t
}

func (d *decoder) value(depth int) any {
	switch tag := d.byte(); tag {
	case tagNil:
		return nil
	case tagBool:
		return d.byte() != 0
	case tagInt8:
		return int8(d.byte())
	case tagUint8:
		return d.byte()
	case tagInt16:
		return int16(d.varint())
	case tagUint16:
		return uint16(d.uvarint())
	case tagInt32:
		return int32(d.varint())
	case tagUint32:
		return uint32(d.uvarint())
	case tagInt64:
		return d.varint()
	case tagFloat32:
		if len(d.b) < 4 {
			d.fail()
			return nil
		}
		v := math.Float32frombits(binary.BigEndian.Uint32(d.b))
		d.b = d.b[4:]
		return v
	case tagFloat64:
		if len(d.b) < 8 {
			d.fail()
			return nil
		}
		v := math.Float64frombits(binary.BigEndian.Uint64(d.b))
		d.b = d.b[8:]
		return v
	case tagDecimal:
		scale := d.byte()
		return Decimal{Scale: scale, Value: int32(d.varint())}
	case tagString:
		return string(d.bytes())
	case tagBytes:
		return append([]byte(nil), d.bytes()...)
	case tagTime:
		return time.Unix(0, d.varint()).UTC()
	case tagTable:
		t := d.table(depth + 1)
		if t == nil && d.err == nil {
			t = Table{}
		}
		return t
	case tagList:
		n := d.uvarint()
		if d.err != nil || depth > maxDepth || n > uint64(len(d.b)) {
			d.fail()
			return nil
		}
		out := make([]any, 0, n)
		for i := uint64(0); i < n && d.err == nil; i++ {
			out = append(out, d.value(depth+1))
		}
		return out
	default:
		if d.err == nil {
			d.err = fmt.Errorf("unknown value tag %d", tag)
		}
	}
	return nil
}

// EncodeTable serialises a table in the message encoding's typed form, for
// stored definitions (queue and binding arguments).
func EncodeTable(t Table) ([]byte, error) { return appendTable(nil, t, 0) }

// DecodeTable reverses EncodeTable.
func DecodeTable(b []byte) (Table, error) {
	d := decoder{b: b}
	t := d.table(0)
	if d.err != nil {
		return nil, d.err
	}
	return t, nil
}
