package wire

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Message bodies (openwire.md §6.3). Content stays opaque []byte in the
// structures; these helpers convert it when somebody needs to look inside.

// DefaultInflateLimit bounds the size of a decompressed body in the
// message helper methods.
const DefaultInflateLimit = 100 << 20

// DecodeText decodes a TextMessage body (uncompressed): an int32 length
// and modified UTF-8. A length of -1 is a null text.
func DecodeText(content []byte) (NullString, error) {
	if len(content) < 4 {
		return NullString{}, fmt.Errorf("decode text: %w: %d bytes", ErrTruncated, len(content))
	}
	n := int(int32(binary.BigEndian.Uint32(content)))
	if n == -1 {
		return NullString{}, nil
	}
	if n < 0 || n > len(content)-4 {
		return NullString{}, fmt.Errorf("decode text: %w: length %d with %d bytes", ErrCount, n, len(content)-4)
	}
	s, err := decodeMUTF8(content[4 : 4+n])
	if err != nil {
		return NullString{}, fmt.Errorf("decode text: %w", err)
	}
	return Str(s), nil
}

// AppendText appends the TextMessage body of s.
func AppendText(dst []byte, s string) []byte {
	n, _ := mutf8Len(s)
	return appendMUTF8(binary.BigEndian.AppendUint32(dst, uint32(n)), s)
}

// InflateContent undoes the compression of a message with Compressed set.
// Every type is a zlib stream of the whole body, except BytesMessage (type
// 24), whose Content is the uncompressed length (int32) and then the zlib
// stream, which may inflate to more bytes than that: the Java client
// compresses its whole internal buffer, so only the first length bytes
// count. limit bounds the result.
func InflateContent(msgType byte, content []byte, limit int) ([]byte, error) {
	want := -1
	if msgType == TypeActiveMQBytesMessage {
		if len(content) == 0 {
			return []byte{}, nil // Java skips decompression of an empty body
		}
		if len(content) < 4 {
			return nil, fmt.Errorf("inflate: %w: %d bytes", ErrTruncated, len(content))
		}
		want = int(int32(binary.BigEndian.Uint32(content)))
		if want < 0 || want > limit {
			return nil, fmt.Errorf("inflate: %w: uncompressed length %d (limit %d)", ErrCount, want, limit)
		}
		content = content[4:]
	}
	zr, err := zlib.NewReader(bytes.NewReader(content))
	if err != nil {
		return nil, fmt.Errorf("inflate: %w", err)
	}
	defer zr.Close()
	if want >= 0 {
		out := make([]byte, want)
		n, err := io.ReadFull(zr, out)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("inflate: %w", err)
		}
		return out[:n], nil
	}
	out, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("inflate: %w", err)
	}
	if len(out) > limit {
		return nil, fmt.Errorf("inflate: %w: body exceeds %d bytes", ErrCount, limit)
	}
	return out, nil
}

// DeflateContent compresses a body the way a Java client with
// useCompression does; set Compressed on the message with it.
func DeflateContent(msgType byte, content []byte) []byte {
	var b bytes.Buffer
	if msgType == TypeActiveMQBytesMessage {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(content)))
		b.Write(n[:])
	}
	zw := zlib.NewWriter(&b)
	zw.Write(content) // writes to a bytes.Buffer cannot fail
	zw.Close()
	return b.Bytes()
}

// body returns m's Content, inflated when Compressed.
func (m *Message) body(msgType byte) ([]byte, error) {
	if !m.Compressed || m.Content == nil {
		return m.Content, nil
	}
	return InflateContent(msgType, m.Content, DefaultInflateLimit)
}

// Properties decodes MarshalledProperties; nil when there are none.
func (m *Message) Properties() (map[string]any, error) {
	if m.MarshalledProperties == nil {
		return nil, nil
	}
	return DecodeMap(m.MarshalledProperties)
}

// SetProperties encodes p into MarshalledProperties (nil or empty p: none).
func (m *Message) SetProperties(p map[string]any) error {
	if len(p) == 0 {
		m.MarshalledProperties = nil
		return nil
	}
	b, err := AppendMap(nil, p)
	if err != nil {
		return fmt.Errorf("encode properties: %w", err)
	}
	m.MarshalledProperties = b
	return nil
}

// Text returns the text, decompressing if needed; null when there is no body.
func (m *ActiveMQTextMessage) Text() (NullString, error) {
	b, err := m.body(TypeActiveMQTextMessage)
	if err != nil || b == nil {
		return NullString{}, err
	}
	return DecodeText(b)
}

// SetText stores s as the uncompressed body.
func (m *ActiveMQTextMessage) SetText(s string) {
	m.Content = AppendText(nil, s)
	m.Compressed = false
}

// Data returns the bytes of the body, decompressing if needed.
func (m *ActiveMQBytesMessage) Data() ([]byte, error) {
	return m.body(TypeActiveMQBytesMessage)
}

// Map returns the map body, decompressing if needed; nil when empty.
func (m *ActiveMQMapMessage) Map() (map[string]any, error) {
	b, err := m.body(TypeActiveMQMapMessage)
	if err != nil || b == nil {
		return nil, err
	}
	return DecodeMap(b)
}

// SetMap stores body as the uncompressed map body (nil or empty: no body).
func (m *ActiveMQMapMessage) SetMap(body map[string]any) error {
	m.Compressed = false
	m.Content = nil
	if len(body) == 0 {
		return nil
	}
	b, err := AppendMap(nil, body)
	if err != nil {
		return fmt.Errorf("encode map body: %w", err)
	}
	m.Content = b
	return nil
}

// Values returns the stream body's values, decompressing if needed.
func (m *ActiveMQStreamMessage) Values() ([]any, error) {
	b, err := m.body(TypeActiveMQStreamMessage)
	if err != nil || b == nil {
		return nil, err
	}
	return DecodeStream(b)
}
