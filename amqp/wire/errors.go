package wire

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Error is an AMQP protocol error: what a peer puts into connection.close
// or channel.close. Decoders return it so the server can close with the
// right reply code without inspecting error strings.
type Error struct {
	Code     uint16 // reply code, e.g. SyntaxError
	Text     string // human-readable detail
	ClassID  uint16 // the offending method's class, 0 if none
	MethodID uint16 // the offending method's id, 0 if none
	err      error  // underlying cause, for errors.Is/As
}

func (e *Error) Error() string {
	s := fmt.Sprintf("amqp %d %s: %s", e.Code, CodeName(e.Code), e.Text)
	if e.ClassID != 0 || e.MethodID != 0 {
		s += fmt.Sprintf(" (class %d, method %d)", e.ClassID, e.MethodID)
	}
	return s
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.err }

// Hard reports whether the error must close the connection, not a channel.
func (e *Error) Hard() bool { return IsHardError(e.Code) }

// ReplyText returns Text cut to the 255 bytes a short string can hold,
// without splitting a UTF-8 sequence, ready for a close method.
func (e *Error) ReplyText() string {
	s := e.Text
	if len(s) <= maxShortstr {
		return s
	}
	s = s[:maxShortstr]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func frameError(format string, args ...any) *Error {
	return &Error{Code: FrameError, Text: fmt.Sprintf(format, args...)}
}

// errUnknownMethod is what the generated per-version decoders return for a
// class/method pair they do not know; DecodeMethod turns it into a
// NOT_IMPLEMENTED *Error carrying the ids.
var errUnknownMethod = errors.New("unknown method")

// errShort reports an argument that runs past the end of the payload.
var errShort = errors.New("truncated")

func fieldError(field string, err error) error {
	return fmt.Errorf("field %s: %w", field, err)
}

func encodeError(m Method, err error) error {
	return fmt.Errorf("encode %s: %w", m.MethodName(), err)
}
