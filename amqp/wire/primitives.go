package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/junctionmq/junction/message"
)

// maxShortstr is the longest string a one-octet length can carry.
const maxShortstr = 255

// Content is 0-9's message.transfer body: inline data or a reference to
// data sent with message.open/append. On the wire it is an octet (0 inline,
// 1 reference) followed by a long string.
type Content struct {
	Reference bool
	Data      []byte
}

// argReader reads method arguments from a payload. Every read checks the
// remaining length first, so a hostile length never causes an allocation.
type argReader struct{ b []byte }

func (r *argReader) more() bool { return len(r.b) > 0 }

func (r argReader) end() error {
	if len(r.b) != 0 {
		return fmt.Errorf("%d unexpected bytes after the last argument", len(r.b))
	}
	return nil
}

func (r *argReader) octet() (uint8, error) {
	if len(r.b) < 1 {
		return 0, errShort
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v, nil
}

func (r *argReader) short() (uint16, error) {
	if len(r.b) < 2 {
		return 0, errShort
	}
	v := binary.BigEndian.Uint16(r.b)
	r.b = r.b[2:]
	return v, nil
}

func (r *argReader) long() (uint32, error) {
	if len(r.b) < 4 {
		return 0, errShort
	}
	v := binary.BigEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v, nil
}

func (r *argReader) longlong() (uint64, error) {
	if len(r.b) < 8 {
		return 0, errShort
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v, nil
}

func (r *argReader) timestamp() (time.Time, error) {
	v, err := r.longlong()
	if err != nil {
		return time.Time{}, err
	}
	return timeFromWire(v), nil
}

func (r *argReader) shortstr() (string, error) {
	if len(r.b) < 1 {
		return "", errShort
	}
	n := int(r.b[0])
	if len(r.b)-1 < n {
		return "", fmt.Errorf("short string of %d bytes: %w", n, errShort)
	}
	s := string(r.b[1 : 1+n])
	r.b = r.b[1+n:]
	return s, nil
}

// rawLongstr returns a long string's bytes aliasing the payload.
func (r *argReader) rawLongstr() ([]byte, error) {
	if len(r.b) < 4 {
		return nil, errShort
	}
	n := binary.BigEndian.Uint32(r.b)
	if uint64(len(r.b)-4) < uint64(n) {
		return nil, fmt.Errorf("long string of %d bytes: %w", n, errShort)
	}
	v := r.b[4 : 4+int(n)]
	r.b = r.b[4+int(n):]
	return v, nil
}

// longstr copies the bytes: the payload belongs to the frame reader. An
// empty long string decodes as nil.
func (r *argReader) longstr() ([]byte, error) {
	v, err := r.rawLongstr()
	if err != nil || len(v) == 0 {
		return nil, err
	}
	return append([]byte(nil), v...), nil
}

func (r *argReader) table() (message.Table, error) {
	t, rest, err := decodeTable(r.b)
	if err != nil {
		return nil, err
	}
	r.b = rest
	return t, nil
}

func (r *argReader) content() (Content, error) {
	kind, err := r.octet()
	if err != nil {
		return Content{}, err
	}
	if kind > 1 {
		return Content{}, fmt.Errorf("content kind %d is neither inline (0) nor reference (1)", kind)
	}
	data, err := r.longstr()
	if err != nil {
		return Content{}, err
	}
	return Content{Reference: kind == 1, Data: data}, nil
}

// AMQP timestamps are unsigned seconds since the epoch. They map to UTC
// time.Time values; the conversion round-trips every 64-bit value.
func timeFromWire(v uint64) time.Time { return time.Unix(int64(v), 0).UTC() }

func timeToWire(t time.Time) uint64 { return uint64(t.Unix()) }

func appendShort(dst []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(dst, v) }

func appendLong(dst []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(dst, v) }

func appendLonglong(dst []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(dst, v) }

func appendTimestamp(dst []byte, t time.Time) []byte { return appendLonglong(dst, timeToWire(t)) }

var errShortstrTooLong = errors.New("short string longer than 255 bytes")

func appendShortstr(dst []byte, s string) ([]byte, error) {
	if len(s) > maxShortstr {
		return dst, fmt.Errorf("%w (%d)", errShortstrTooLong, len(s))
	}
	dst = append(dst, byte(len(s)))
	return append(dst, s...), nil
}

// appendLongstr does not check for lengths beyond 4 GiB: the frame size is
// 32 bits too, and finishFrame rejects such frames.
func appendLongstr(dst []byte, b []byte) []byte {
	dst = appendLong(dst, uint32(len(b)))
	return append(dst, b...)
}

func appendContent(dst []byte, c Content) []byte {
	kind := byte(0)
	if c.Reference {
		kind = 1
	}
	return appendLongstr(append(dst, kind), c.Data)
}

// rawShortstr returns a short string's bytes aliasing the payload.
func (r *argReader) rawShortstr() ([]byte, error) {
	if len(r.b) < 1 {
		return nil, errShort
	}
	n := int(r.b[0])
	if len(r.b)-1 < n {
		return nil, fmt.Errorf("short string of %d bytes: %w", n, errShort)
	}
	v := r.b[1 : 1+n : 1+n] // capped: appending must not clobber the payload
	r.b = r.b[1+n:]
	return v, nil
}

// joinStrings copies parts into one string with a single allocation;
// generated decoders slice it into a method's short-string fields, which
// saves an allocation per extra field on hot methods like basic.publish.
func joinStrings(parts [][]byte) string {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n == 0 {
		return ""
	}
	var sb strings.Builder
	sb.Grow(n)
	for _, p := range parts {
		sb.Write(p)
	}
	return sb.String()
}
