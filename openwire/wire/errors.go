package wire

import (
	"errors"
	"fmt"
)

// Errors returned by the codec, wrapped with context; test with errors.Is.
// Every decoding check happens before the memory it guards is allocated.
var (
	// ErrFrameTooLarge: a frame size above the negotiated MaxFrameSize (read
	// or write). See FrameSizeError for the numbers.
	ErrFrameTooLarge = errors.New("openwire: frame too large")
	// ErrBadFrameSize: a size prefix below 1.
	ErrBadFrameSize = errors.New("openwire: bad frame size")
	// ErrTruncated: a field, length or bit runs past the end of the frame.
	ErrTruncated = errors.New("openwire: field runs past the end of the frame")
	// ErrTrailingBytes: the frame is longer than its command.
	ErrTrailingBytes = errors.New("openwire: trailing bytes after the command")
	// ErrUnknownType: a type ID that the negotiated version does not define.
	ErrUnknownType = errors.New("openwire: unknown data structure type")
	// ErrTypeMismatch: a nested structure of a type the field cannot hold,
	// or a frame whose structure is not a command.
	ErrTypeMismatch = errors.New("openwire: unexpected data structure type")
	// ErrBadMagic: a WireFormatInfo without the "ActiveMQ" magic.
	ErrBadMagic = errors.New("openwire: bad wire format magic")
	// ErrCacheIndex: a marshal-cache index outside the negotiated cache, or
	// any cache index while the cache is off.
	ErrCacheIndex = errors.New("openwire: marshal cache index out of range")
	// ErrCount: a negative or impossible element count (array, map, list,
	// stack trace, byte array, string).
	ErrCount = errors.New("openwire: bad element count")
	// ErrTooDeep: structures nested deeper than the decoder allows.
	ErrTooDeep = errors.New("openwire: structures nested too deeply")
	// ErrMalformedString: bytes that are not modified UTF-8.
	ErrMalformedString = errors.New("openwire: malformed modified UTF-8")
	// ErrStringTooLong: a string too long for its encoding (tight strings
	// must stay below 32767 bytes, loose ones at most 65535).
	ErrStringTooLong = errors.New("openwire: string too long to encode")
	// ErrUnsupported: a value or format this codec cannot encode.
	ErrUnsupported = errors.New("openwire: unsupported")
	// ErrNegotiation: the peer's WireFormatInfo cannot be accepted.
	ErrNegotiation = errors.New("openwire: wire format negotiation failed")
)

// FrameSizeError reports a frame over the limit. It matches ErrFrameTooLarge.
type FrameSizeError struct {
	Size int64 // the frame size, as read from the prefix or as marshalled
	Max  int64 // the limit in force
}

func (e *FrameSizeError) Error() string {
	return fmt.Sprintf("openwire: frame of %d bytes exceeds the maximum of %d", e.Size, e.Max)
}

// Is makes errors.Is(err, ErrFrameTooLarge) true.
func (e *FrameSizeError) Is(target error) bool { return target == ErrFrameTooLarge }
