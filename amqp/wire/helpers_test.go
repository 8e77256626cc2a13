package wire

import (
	"bytes"
	"encoding/binary"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/junctionmq/junction/message"
)

var (
	tableType   = reflect.TypeOf(message.Table(nil))
	timeType    = reflect.TypeOf(time.Time{})
	contentType = reflect.TypeOf(Content{})
)

// fillMethod sets every field of m to a distinct non-zero value. Booleans
// alternate by field position (flipped by invert) so bit packing shows.
func fillMethod(m Method, invert bool) {
	v := reflect.ValueOf(m).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		switch {
		case f.Kind() == reflect.Bool:
			f.SetBool((i%2 == 0) != invert)
		case f.Kind() == reflect.String:
			f.SetString("s-" + name)
		case f.Kind() == reflect.Uint8:
			f.SetUint(uint64(0x70 + i))
		case f.Kind() == reflect.Uint16:
			f.SetUint(uint64(0x1200 + i))
		case f.Kind() == reflect.Uint32:
			f.SetUint(uint64(0x12345600 + i))
		case f.Kind() == reflect.Uint64:
			f.SetUint(uint64(0x123456789abcde00 + i))
		case f.Type() == tableType:
			f.Set(reflect.ValueOf(message.Table{"field": name, "n": int32(i)}))
		case f.Type() == timeType:
			f.Set(reflect.ValueOf(time.Unix(1700000000+int64(i), 0).UTC()))
		case f.Type() == contentType:
			f.Set(reflect.ValueOf(Content{Reference: !invert, Data: []byte("content-" + name)}))
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Uint8:
			f.SetBytes([]byte("bytes-" + name))
		default:
			panic("fillMethod: unhandled field type " + f.Type().String())
		}
	}
}

// sameValue is reflect.DeepEqual except that floats compare by bits, so a
// NaN read back from the wire equals itself.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case message.Table:
		y, ok := b.(message.Table)
		if !ok || len(x) != len(y) || (x == nil) != (y == nil) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) || (x == nil) != (y == nil) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case Properties:
		y, ok := b.(Properties)
		if !ok {
			return false
		}
		xh, yh := x.Headers, y.Headers
		x.Headers, y.Headers = nil, nil
		return reflect.DeepEqual(x, y) && sameValue(xh, yh)
	}
	return reflect.DeepEqual(a, b)
}

// splitFrame checks a single encoded frame's framing and returns its type,
// channel and payload.
func splitFrame(t *testing.T, frame []byte) (uint8, uint16, []byte) {
	t.Helper()
	if len(frame) < frameOverhead {
		t.Fatalf("frame of %d bytes is shorter than the %d-byte overhead", len(frame), frameOverhead)
	}
	size := binary.BigEndian.Uint32(frame[3:])
	if int(size) != len(frame)-frameOverhead {
		t.Fatalf("frame size field says %d, payload is %d bytes", size, len(frame)-frameOverhead)
	}
	if frame[len(frame)-1] != FrameEnd {
		t.Fatalf("frame ends with 0x%02x, want 0xce", frame[len(frame)-1])
	}
	return frame[0], binary.BigEndian.Uint16(frame[1:]), frame[frameHeaderSize : len(frame)-1]
}

func mustAppend(t *testing.T, p *Protocol, channel uint16, m Method) []byte {
	t.Helper()
	b, err := p.AppendMethodFrame(nil, channel, m)
	if err != nil {
		t.Fatalf("%s: encode %s: %v", p, m.MethodName(), err)
	}
	return b
}

func mustDecode(t *testing.T, p *Protocol, payload []byte) Method {
	t.Helper()
	m, err := p.DecodeMethod(payload)
	if err != nil {
		t.Fatalf("%s: decode % x: %v", p, payload, err)
	}
	return m
}

// wireError asserts err is an *Error with the given code.
func wireError(t *testing.T, err error, code uint16) *Error {
	t.Helper()
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %v (%T) is not a *wire.Error", err, err)
	}
	if e.Code != code {
		t.Fatalf("error code %d (%s), want %d (%s): %v", e.Code, CodeName(e.Code), code, CodeName(code), e)
	}
	return e
}

func hexEqual(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\n got % x\nwant % x", what, got, want)
	}
}
