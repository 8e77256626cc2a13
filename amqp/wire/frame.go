package wire

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"slices"
)

const (
	// frameHeaderSize is type (1), channel (2) and payload size (4).
	frameHeaderSize = 7
	// frameOverhead is the header plus the frame-end octet: what frame-max
	// counts beyond the payload.
	frameOverhead = frameHeaderSize + 1
	// HardMaxFrameSize bounds frames when no frame-max is set (0): no
	// client negotiates more, and it caps what a peer can make us buffer.
	HardMaxFrameSize = 128 << 20
	// DefaultReadBufferSize is NewFrameReader's initial buffer: enough for
	// many small frames per read; it grows for frames that do not fit.
	DefaultReadBufferSize = 16 << 10
)

// Frame is one AMQP frame. Payload aliases the FrameReader's buffer and is
// valid only until the next ReadFrame call.
type Frame struct {
	Type    uint8
	Channel uint16
	Payload []byte
}

// FrameReader reads frames from a connection through its own buffer, so
// one read system call usually yields many frames, and a steady stream of
// frames costs no allocations.
type FrameReader struct {
	rd   io.Reader
	buf  []byte
	r, w int    // buf[r:w] holds unread bytes
	max  uint32 // whole-frame limit, 0 for HardMaxFrameSize
	err  error  // sticky: after a framing error the stream is out of sync
}

// NewFrameReader returns a FrameReader with DefaultReadBufferSize bytes of
// buffer and no frame-max beyond HardMaxFrameSize.
func NewFrameReader(r io.Reader) *FrameReader {
	return NewFrameReaderSize(r, DefaultReadBufferSize)
}

// NewFrameReaderSize is NewFrameReader with an initial buffer of size bytes
// (at least 4096).
func NewFrameReaderSize(r io.Reader, size int) *FrameReader {
	return &FrameReader{rd: r, buf: make([]byte, max(size, FrameMinSize))}
}

// SetMaxFrameSize sets the negotiated frame-max: the largest whole frame,
// header and frame-end included. 0 means HardMaxFrameSize. Larger frames
// make ReadFrame fail with FRAME_ERROR. RabbitMQ tolerates frames up to 8
// bytes over frame-max because some clients miscount; pass n+8 for that.
func (r *FrameReader) SetMaxFrameSize(n uint32) { r.max = n }

// Buffered returns how many received bytes are waiting in the buffer. A
// server can flush its output once this is 0, i.e. when it has caught up.
func (r *FrameReader) Buffered() int { return r.w - r.r }

// ReadProtocolHeader reads the 8-byte protocol header a connection starts
// with. It does not check it; see ProtocolForHeader.
func (r *FrameReader) ReadProtocolHeader() ([8]byte, error) {
	var h [8]byte
	if err := r.fill(len(h)); err != nil {
		return h, err
	}
	copy(h[:], r.buf[r.r:])
	r.r += len(h)
	return h, nil
}

// ReadFrame reads the next frame. It returns io.EOF if the connection ends
// cleanly between frames and io.ErrUnexpectedEOF inside one. A frame of an
// unknown type (only 1, 2, 3 and 8 are used; 0-8/0-9's out-of-band and
// trace types never were), a frame over the size limit, a heartbeat with a
// payload or a wrong frame-end octet yields a FRAME_ERROR *Error; after one
// the stream cannot be resynchronised, and every later call returns it.
// Which channels a frame type may use is connection state, not checked
// here (RabbitMQ answers a heartbeat off channel 0 with UNEXPECTED_FRAME).
func (r *FrameReader) ReadFrame() (Frame, error) {
	if r.err != nil {
		return Frame{}, r.err
	}
	if err := r.fill(frameHeaderSize); err != nil {
		return Frame{}, err
	}
	h := r.buf[r.r : r.r+frameHeaderSize]
	typ := h[0]
	channel := binary.BigEndian.Uint16(h[1:])
	size := binary.BigEndian.Uint32(h[3:])
	switch typ {
	case FrameMethod, FrameHeader, FrameBody:
	case FrameHeartbeat:
		if size != 0 {
			return Frame{}, r.fail(frameError("heartbeat frame with a %d-byte payload", size))
		}
	default:
		return Frame{}, r.fail(frameError("unknown frame type %d on channel %d", typ, channel))
	}
	limit := uint64(HardMaxFrameSize)
	if r.max != 0 {
		limit = uint64(r.max)
	}
	total := uint64(size) + frameOverhead
	if total > limit {
		return Frame{}, r.fail(frameError("frame of %d bytes on channel %d exceeds frame-max %d", total, channel, limit))
	}
	if err := r.fill(int(total)); err != nil {
		return Frame{}, err
	}
	start := r.r
	end := start + int(total)
	if r.buf[end-1] != FrameEnd {
		return Frame{}, r.fail(frameError("frame-end octet is 0x%02x, not 0xce (type %d, channel %d, %d-byte payload)", r.buf[end-1], typ, channel, size))
	}
	r.r = end
	return Frame{Type: typ, Channel: channel, Payload: r.buf[start+frameHeaderSize : end-1 : end-1]}, nil
}

func (r *FrameReader) fail(e *Error) error {
	r.err = e
	return e
}

// fill makes buf[r:w] hold at least need bytes, reading as much as the
// connection offers. The buffer grows at most to twice what has actually
// arrived, so a peer announcing a huge frame cannot make us allocate it
// before sending it.
func (r *FrameReader) fill(need int) error {
	for r.w-r.r < need {
		if r.w == len(r.buf) {
			if r.r > 0 {
				r.w = copy(r.buf, r.buf[r.r:r.w])
				r.r = 0
			} else {
				grown := make([]byte, min(need, 2*len(r.buf)))
				r.w = copy(grown, r.buf[:r.w])
				r.buf = grown
			}
			continue
		}
		n, err := r.rd.Read(r.buf[r.w:])
		r.w += n
		if err != nil {
			if r.w-r.r >= need {
				return nil // the error comes back on the next read
			}
			if errors.Is(err, io.EOF) {
				if r.w == r.r {
					return io.EOF
				}
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// AppendHeartbeat appends a heartbeat frame (channel 0, empty payload).
func AppendHeartbeat(dst []byte) []byte {
	return append(dst, FrameHeartbeat, 0, 0, 0, 0, 0, 0, FrameEnd)
}

// ContentHeader is a content header frame's payload. RawProps is the
// property flags and values exactly as received (aliasing the payload), so
// a message relayed between AMQP peers never re-encodes them.
type ContentHeader struct {
	ClassID  uint16
	Weight   uint16 // always 0 in practice
	BodySize uint64
	RawProps []byte
}

// ParseContentHeader splits a content header payload. It checks only that
// the fixed part and one property-flags word are present; DecodeProperties
// or ScanProperties validate the properties. Errors are FRAME_ERROR.
func ParseContentHeader(payload []byte) (ContentHeader, error) {
	if len(payload) < 14 {
		return ContentHeader{}, frameError("content header payload of %d bytes is shorter than 14", len(payload))
	}
	return ContentHeader{
		ClassID:  binary.BigEndian.Uint16(payload),
		Weight:   binary.BigEndian.Uint16(payload[2:]),
		BodySize: binary.BigEndian.Uint64(payload[4:]),
		RawProps: payload[12:],
	}, nil
}

// AppendContentHeaderFrame appends a content header frame (weight 0)
// carrying rawProps, property flags and values as Properties.Append or
// ContentHeader.RawProps hold them.
func AppendContentHeaderFrame(dst []byte, channel, classID uint16, bodySize uint64, rawProps []byte) []byte {
	dst = append(dst, FrameHeader, byte(channel>>8), byte(channel))
	dst = appendLong(dst, uint32(12+len(rawProps)))
	dst = appendShort(dst, classID)
	dst = append(dst, 0, 0)
	dst = appendLonglong(dst, bodySize)
	dst = append(dst, rawProps...)
	return append(dst, FrameEnd)
}

// bodyChunk is the most payload a body frame carries under frameMax.
func bodyChunk(frameMax uint32) uint64 {
	switch {
	case frameMax == 0:
		return math.MaxUint32
	case frameMax <= frameOverhead:
		return FrameMinSize - frameOverhead
	default:
		return uint64(frameMax - frameOverhead)
	}
}

// AppendBodyFrames appends body as content body frames whose whole size
// stays within frameMax (payloads of at most frameMax-8 bytes). An empty
// body needs no frame. frameMax 0 means no limit; values too small to carry
// a byte of payload are treated as FrameMinSize.
func AppendBodyFrames(dst []byte, channel uint16, body []byte, frameMax uint32) []byte {
	if len(body) == 0 {
		return dst
	}
	chunk := bodyChunk(frameMax)
	dst = slices.Grow(dst, bodyFramesSize(len(body), frameMax))
	for len(body) > 0 {
		n := min(uint64(len(body)), chunk)
		dst = append(dst, FrameBody, byte(channel>>8), byte(channel))
		dst = appendLong(dst, uint32(n))
		dst = append(dst, body[:n]...)
		dst = append(dst, FrameEnd)
		body = body[n:]
	}
	return dst
}
