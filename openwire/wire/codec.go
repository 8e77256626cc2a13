package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
)

// scratchLimit is the largest frame read into the codec's reusable buffer
// (byte fields are then copied out); larger frames get a buffer of their
// own that their byte fields alias.
const scratchLimit = 64 << 10

// ownedFrameMin is the size from which a message frame gets a buffer of
// its own (see ownsBuffer). Below it the body is copied out: the rest of
// the frame, which the body would keep alive, weighs more.
const ownedFrameMin = 1024

// ownsBuffer reports whether a frame of type t (of at least ownedFrameMin
// bytes) gets a buffer of its own: a message (or a dispatch carrying one)
// keeps its body and properties, so reading the frame straight into memory
// they can alias saves copying them out of the scratch buffer.
func ownsBuffer(t byte) bool {
	return t == TypeMessageDispatch || t >= TypeActiveMQMessage && t <= TypeActiveMQBlobMessage
}

// peeker is what bufio.Reader offers to look at the type byte before the
// frame is read.
type peeker interface {
	Peek(n int) ([]byte, error)
}

// Codec reads and writes the frames of one connection. It holds the
// negotiated Format and the two marshal caches, one per direction.
//
// ReadCommand (and Unmarshal, and SetFormat/ApplyPeer) belong to the
// reading goroutine; AppendCommand and WriteCommand may be called from
// other goroutines and are serialised by the codec. Marshalled frames must
// reach the wire in the order they were produced, because each one may
// update the peer's cache: write AppendCommand's output in call order.
//
// After an error from ReadCommand the read side is out of step with the
// peer and the connection should be closed. A failed AppendCommand leaves
// the write side unchanged.
type Codec struct {
	prefs Preferences
	local *WireFormatInfo

	rf      Format
	rcache  []DataStructure
	hdr     [4]byte // size prefix, here so that it need not escape per read
	scratch []byte
	dec     decoder

	wmu    sync.Mutex
	wf     Format
	wcache *writeCache
	enc    encoder
	wdata  []byte // tight-mode data buffer, reused
	wbuf   []byte // WriteCommand's frame buffer, reused
}

// NewCodec returns a codec in the pre-negotiation state (loose,
// size-prefixed, uncached) that will advertise p.
func NewCodec(p Preferences) *Codec {
	c := &Codec{prefs: p, local: p.WireFormatInfo()}
	c.rf = p.InitialFormat()
	c.wf = c.rf
	return c
}

// Local returns our WireFormatInfo, which must be the first frame written.
func (c *Codec) Local() *WireFormatInfo { return c.local }

// Format returns the format in use.
func (c *Codec) Format() Format {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.wf
}

// ApplyPeer negotiates with the peer's WireFormatInfo and switches both
// directions to the result, with empty caches. Call it from the reading
// goroutine right after ReadCommand returned the peer's WireFormatInfo;
// calling it again later renegotiates.
func (c *Codec) ApplyPeer(peer *WireFormatInfo) (Format, error) {
	f, err := Negotiate(c.local, peer)
	if err != nil {
		return Format{}, err
	}
	return f, c.SetFormat(f)
}

// SetFormat switches both directions to f and resets both caches.
func (c *Codec) SetFormat(f Format) error {
	if f.Version < 1 || f.Version > MaxVersion {
		return fmt.Errorf("%w: protocol version %d", ErrUnsupported, f.Version)
	}
	if f.SizePrefixDisabled {
		return fmt.Errorf("%w: frames without size prefix", ErrUnsupported)
	}
	if f.CacheEnabled && (f.CacheSize < 1 || f.CacheSize > 0x7FFF) {
		return fmt.Errorf("%w: cache size %d", ErrUnsupported, f.CacheSize)
	}
	c.rf = f
	c.rcache = nil
	if f.CacheEnabled {
		c.rcache = make([]DataStructure, f.CacheSize)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wf = f
	c.wcache = nil
	if f.CacheEnabled {
		c.wcache = newWriteCache(f.CacheSize)
	}
	return nil
}

func frameLimit(f *Format) int64 {
	if f.MaxFrameSizeEnabled && f.MaxFrameSize > 0 {
		return min(f.MaxFrameSize, math.MaxInt32)
	}
	return math.MaxInt32
}

// ReadCommand reads one frame from r (which should be buffered) and
// decodes it. The size prefix is checked against MaxFrameSize before the
// frame is read. It returns io.EOF only at a frame boundary.
func (c *Codec) ReadCommand(r io.Reader) (Command, error) {
	hdr := c.hdr[:]
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, err
	}
	size := int64(int32(binary.BigEndian.Uint32(hdr)))
	if size < 1 {
		return nil, fmt.Errorf("%w: %d", ErrBadFrameSize, size)
	}
	if max := frameLimit(&c.rf); size > max {
		return nil, &FrameSizeError{Size: size, Max: max}
	}
	own := size > scratchLimit
	var frame []byte
	var err error
	if !own && size >= ownedFrameMin {
		if p, ok := r.(peeker); ok {
			if t, perr := p.Peek(1); perr == nil && ownsBuffer(t[0]) {
				own = true
			}
		}
	}
	switch {
	case size > scratchLimit:
		frame, err = readLarge(r, int(size))
	case own:
		frame = make([]byte, size)
		_, err = io.ReadFull(r, frame)
	default:
		if cap(c.scratch) < int(size) {
			// Grown on demand: an idle connection that only ever saw small
			// commands keeps a small buffer.
			c.scratch = make([]byte, min(scratchLimit, max(int(size), 2*cap(c.scratch), 1024)))
		}
		frame = c.scratch[:size]
		_, err = io.ReadFull(r, frame)
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read frame of %d bytes: %w", size, err)
	}
	return c.decode(frame, !own)
}

// readLarge reads a large frame into a buffer that grows as the bytes
// arrive, so a size prefix alone cannot make us allocate MaxFrameSize.
func readLarge(r io.Reader, size int) ([]byte, error) {
	buf := make([]byte, 0, min(size, 1<<20))
	for len(buf) < size {
		if len(buf) == cap(buf) {
			// Exactly min(size, 2×cap): reading up to cap must not run into
			// the next frame.
			grown := make([]byte, len(buf), min(size, 2*cap(buf)))
			copy(grown, buf)
			buf = grown
		}
		n, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// Unmarshal decodes the first frame in data (size prefix included) and
// returns it with the number of bytes it took. Byte fields of the result
// are copies, so data may be reused.
func (c *Codec) Unmarshal(data []byte) (Command, int, error) {
	if len(data) < 4 {
		return nil, 0, fmt.Errorf("%w: %d bytes, no size prefix", ErrTruncated, len(data))
	}
	size := int64(int32(binary.BigEndian.Uint32(data)))
	if size < 1 {
		return nil, 0, fmt.Errorf("%w: %d", ErrBadFrameSize, size)
	}
	if max := frameLimit(&c.rf); size > max {
		return nil, 0, &FrameSizeError{Size: size, Max: max}
	}
	if int64(len(data)-4) < size {
		return nil, 0, fmt.Errorf("%w: frame of %d bytes, have %d", ErrTruncated, size, len(data)-4)
	}
	cmd, err := c.decode(data[4:4+size], true)
	return cmd, 4 + int(size), err
}

// decode unmarshals one frame: the type byte and its body.
func (c *Codec) decode(frame []byte, copyBytes bool) (Command, error) {
	t := frame[0]
	d := &c.dec
	*d = decoder{
		buf:        frame,
		pos:        1,
		version:    c.rf.Version,
		tight:      c.rf.TightEncoding,
		stackTrace: c.rf.StackTraceEnabled,
		cacheOn:    c.rf.CacheEnabled,
		cache:      c.rcache,
		copyBytes:  copyBytes,
	}
	ds := d.newStructure(t)
	if d.err != nil {
		return nil, fmt.Errorf("decode frame: %w", d.err)
	}
	cmd, ok := ds.(Command)
	if !ok {
		return nil, fmt.Errorf("decode frame: %w: %s is not a command", ErrTypeMismatch, TypeName(t))
	}
	if d.tight {
		d.readBooleanStream()
	}
	cmd.unmarshalFields(d)
	if d.err == nil && d.pos != len(d.buf) {
		d.failf(ErrTrailingBytes, "%d of %d bytes unread", len(d.buf)-d.pos, len(d.buf))
	}
	err := d.err
	*d = decoder{} // drop references to the frame and the cache
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", TypeName(t), err)
	}
	return cmd, nil
}

// AppendCommand marshals cmd as one frame (size prefix included) and
// appends it to dst. On error dst is returned unchanged in length and the
// marshal cache is as it was before the call.
func (c *Codec) AppendCommand(dst []byte, cmd Command) ([]byte, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.appendLocked(dst, cmd)
}

// WriteCommand marshals cmd and writes the frame to w with one Write.
func (c *Codec) WriteCommand(w io.Writer, cmd Command) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b, err := c.appendLocked(c.wbuf[:0], cmd)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	if cap(b) <= scratchLimit {
		c.wbuf = b
	}
	return err
}

func (c *Codec) appendLocked(dst []byte, cmd Command) ([]byte, error) {
	if cmd == nil || cmd.isNil() {
		return dst, fmt.Errorf("%w: nil command", ErrUnsupported)
	}
	f := &c.wf
	t := cmd.DataStructureType()
	e := &c.enc
	if !f.TightEncoding {
		e.reset(f, c.wcache, append(dst, 0, 0, 0, 0, t))
	} else {
		e.reset(f, c.wcache, c.wdata[:0])
	}
	if c.wcache != nil {
		c.wcache.begin() // Java sweeps before every frame, even one it then refuses
	}
	if e.checkType(t) {
		cmd.marshalFields(e)
	}
	out, err := c.finishFrame(dst, t, f)
	if err != nil {
		if c.wcache != nil {
			c.wcache.rollback()
		}
		return dst, fmt.Errorf("encode %s: %w", TypeName(t), err)
	}
	return out, nil
}

// finishFrame turns the encoder's output into a frame after dst.
func (c *Codec) finishFrame(dst []byte, t byte, f *Format) ([]byte, error) {
	e := &c.enc
	defer func() { e.cache = nil }()
	if e.err != nil {
		return nil, e.err
	}
	max := frameLimit(f)
	if !f.TightEncoding {
		size := int64(len(e.data) - len(dst) - 4)
		if size > max {
			return nil, &FrameSizeError{Size: size, Max: max}
		}
		binary.BigEndian.PutUint32(e.data[len(dst):], uint32(size))
		return e.data, nil
	}
	nb := len(e.bits)
	size := int64(1 + nb + len(e.data))
	switch {
	case nb < 64:
		size++
	case nb < 256:
		size += 2
	default:
		size += 3
	}
	if nb > math.MaxInt16 {
		return nil, fmt.Errorf("%w: boolean stream of %d bytes", ErrCount, nb)
	}
	if size > max {
		return nil, &FrameSizeError{Size: size, Max: max}
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(size))
	dst = append(dst, t)
	switch {
	case nb < 64:
		dst = append(dst, byte(nb))
	case nb < 256:
		dst = append(dst, 0xC0, byte(nb))
	default:
		dst = append(dst, 0x80, byte(nb>>8), byte(nb))
	}
	dst = append(append(dst, e.bits...), e.data...)
	if cap(e.data) <= scratchLimit {
		c.wdata = e.data[:0]
	}
	return dst, nil
}
