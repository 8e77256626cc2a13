// Package stomp is Junction's STOMP 1.0–1.2 server. The frame codec in
// this file knows nothing of the broker; the connection code turns frames
// into calls on package broker.
package stomp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Header is one header line. Repeated names are allowed on the wire; the
// first occurrence wins (STOMP 1.2 §Repeated Header Entries).
type Header struct{ Name, Value string }

// Frame is a STOMP frame.
type Frame struct {
	Command string
	Headers []Header
	Body    []byte
}

// Get returns the first value of a header.
func (f *Frame) Get(name string) (string, bool) {
	for _, h := range f.Headers {
		if h.Name == name {
			return h.Value, true
		}
	}
	return "", false
}

// Value returns the first value of a header or "".
func (f *Frame) Value(name string) string {
	v, _ := f.Get(name)
	return v
}

// Set adds a header (frames the server builds have unique names).
func (f *Frame) Set(name, value string) { f.Headers = append(f.Headers, Header{name, value}) }

// Limits bound what a client may send; exceeding one is a protocol error,
// never an unbounded allocation (the STOMP parser CVEs of other brokers
// were unbounded header buffers and negative content lengths).
type Limits struct {
	MaxHeaders    int // header lines per frame
	MaxHeaderLine int // bytes per header line (and command line)
	MaxBody       int // body bytes
}

// DefaultLimits mirror RabbitMQ's STOMP defaults in spirit: generous for
// real clients, small enough that a hostile one cannot exhaust memory.
func DefaultLimits() Limits {
	return Limits{MaxHeaders: 1000, MaxHeaderLine: 64 << 10, MaxBody: 64 << 20}
}

// FrameError is a malformed frame; the connection must send ERROR and
// close.
type FrameError struct{ Msg string }

func (e *FrameError) Error() string { return e.Msg }

func frameErr(format string, args ...any) error {
	return &FrameError{Msg: fmt.Sprintf(format, args...)}
}

// Reader reads frames from a connection.
type Reader struct {
	br      *bufio.Reader
	limits  Limits
	version string // governs header unescaping; "" before CONNECT
}

// NewReader returns a reader with the given limits.
func NewReader(r io.Reader, l Limits) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), limits: l}
}

// SetVersion sets the negotiated version ("1.0", "1.1", "1.2").
func (r *Reader) SetVersion(v string) { r.version = v }

// Buffered reports bytes already read from the connection.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// ReadFrame reads the next frame. A heart-beat (a bare EOL) returns a
// frame with an empty Command.
func (r *Reader) ReadFrame() (*Frame, error) {
	line, err := r.line()
	if err != nil {
		return nil, err
	}
	if line == "" {
		return &Frame{}, nil
	}
	for i := 0; i < len(line); i++ {
		if line[i] < 'A' || line[i] > 'Z' {
			return nil, frameErr("invalid command %.32q", line)
		}
	}
	f := &Frame{Command: line}
	// CONNECT and STOMP headers are never escaped (1.2): a passcode may
	// contain a backslash.
	unescape := r.version != "" && r.version != "1.0" && line != "CONNECT" && line != "STOMP"
	for {
		hl, err := r.line()
		if err != nil {
			return nil, err
		}
		if hl == "" {
			break
		}
		if len(f.Headers) >= r.limits.MaxHeaders {
			return nil, frameErr("too many headers (limit %d)", r.limits.MaxHeaders)
		}
		i := strings.IndexByte(hl, ':')
		if i < 0 {
			return nil, frameErr("header line without a colon: %.64q", hl)
		}
		name, value := hl[:i], hl[i+1:]
		if unescape {
			if name, err = unescapeHeader(name, r.version); err != nil {
				return nil, err
			}
			if value, err = unescapeHeader(value, r.version); err != nil {
				return nil, err
			}
		}
		f.Headers = append(f.Headers, Header{name, value})
	}
	if cl, ok := f.Get("content-length"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(cl))
		if err != nil || n < 0 {
			return nil, frameErr("invalid content-length %q", cl)
		}
		if n > r.limits.MaxBody {
			return nil, frameErr("frame body of %d bytes exceeds the limit of %d", n, r.limits.MaxBody)
		}
		// Read incrementally: a client announcing a large body must send
		// it before we hold that much memory.
		f.Body, err = readN(r.br, n)
		if err != nil {
			return nil, err
		}
		b, err := r.br.ReadByte()
		if err != nil {
			return nil, err
		}
		if b != 0 {
			return nil, frameErr("frame body not terminated by NUL after content-length %d", n)
		}
		return f, nil
	}
	var body bytes.Buffer
	for {
		chunk, err := r.br.ReadSlice(0)
		if body.Len()+len(chunk) > r.limits.MaxBody+1 {
			return nil, frameErr("frame body exceeds the limit of %d bytes (or a NUL terminator is missing)", r.limits.MaxBody)
		}
		body.Write(chunk)
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
	f.Body = body.Bytes()[:body.Len()-1]
	return f, nil
}

func readN(br *bufio.Reader, n int) ([]byte, error) {
	const step = 1 << 20
	buf := make([]byte, 0, min(n, step))
	for len(buf) < n {
		chunk := min(n-len(buf), step)
		start := len(buf)
		buf = append(buf, make([]byte, chunk)...)
		if _, err := io.ReadFull(br, buf[start:]); err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// line reads one line (LF or CRLF), enforcing the line limit.
func (r *Reader) line() (string, error) {
	var long []byte
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(long)+len(chunk) > r.limits.MaxHeaderLine+2 {
			return "", frameErr("header line longer than %d bytes", r.limits.MaxHeaderLine)
		}
		if err == nil {
			var s string
			if long == nil {
				s = string(chunk)
			} else {
				s = string(append(long, chunk...))
			}
			s = s[:len(s)-1]
			return strings.TrimSuffix(s, "\r"), nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return "", err
		}
		long = append(long, chunk...)
	}
}

func unescapeHeader(s, version string) (string, error) {
	if strings.IndexByte(s, '\\') < 0 {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(s) {
			return "", frameErr("header ends in an escape character")
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 'c':
			b.WriteByte(':')
		case '\\':
			b.WriteByte('\\')
		case 'r':
			if version == "1.1" {
				return "", frameErr("undefined escape sequence \\r in STOMP 1.1")
			}
			b.WriteByte('\r')
		default:
			return "", frameErr("undefined escape sequence \\%c", s[i])
		}
	}
	return b.String(), nil
}

// AppendFrame encodes f for the given version. Bodies always carry a
// content-length, so binary bodies with NULs survive.
func AppendFrame(dst []byte, f *Frame, version string) []byte {
	dst = append(dst, f.Command...)
	dst = append(dst, '\n')
	escape := version != "1.0" && version != "" && f.Command != "CONNECTED"
	for _, h := range f.Headers {
		dst = appendEscaped(dst, h.Name, escape, version)
		dst = append(dst, ':')
		dst = appendEscaped(dst, h.Value, escape, version)
		dst = append(dst, '\n')
	}
	if f.Body != nil || f.Command == "MESSAGE" || f.Command == "ERROR" {
		dst = append(dst, "content-length:"...)
		dst = strconv.AppendInt(dst, int64(len(f.Body)), 10)
		dst = append(dst, '\n')
	}
	dst = append(dst, '\n')
	dst = append(dst, f.Body...)
	return append(dst, 0)
}

func appendEscaped(dst []byte, s string, escape bool, version string) []byte {
	if !escape {
		// 1.0 has no escaping: a newline would break the frame, so it is
		// replaced.
		return append(dst, strings.ReplaceAll(s, "\n", " ")...)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\n':
			dst = append(dst, '\\', 'n')
		case ':':
			dst = append(dst, '\\', 'c')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\r':
			if version == "1.2" {
				dst = append(dst, '\\', 'r')
			} else {
				dst = append(dst, ' ')
			}
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
