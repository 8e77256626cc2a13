package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// On-disk layout; the package documentation describes it for readers.
const (
	segMagic      = "JUNCJNL1"
	segVersion    = 1
	segHeaderSize = 32
	hdrSize       = 28

	// maxPayload keeps every offset, even of a record alone in its segment,
	// inside a uint32.
	maxPayload = 1 << 30
)

// Record kinds. They live in the header's kind byte; user record types are a
// separate byte so the upper layer can use all 256 values.
const (
	kindPositive uint8 = iota // live until cancelled or released
	kindNegative              // cancels ref; delivered by Replay
	kindMoved                 // a positive copied by compaction; supersedes ref
	kindInternal              // cancels ref; written by compaction, hidden from Replay
	kindSeal                  // last record of a finished segment
	kindVoid                  // an erased record: zero payload, no meaning
	kindCount
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// packPos and unpackPos give Pos its 8-byte disk form (segment high, offset low).
func packPos(p Pos) uint64   { return uint64(p.Seg)<<32 | uint64(p.Off) }
func unpackPos(v uint64) Pos { return Pos{Seg: uint32(v >> 32), Off: uint32(v)} }

func segmentName(id uint32) string { return fmt.Sprintf("%08d.jnl", id) }

// encodeSegHeader returns the 32 bytes that open segment id.
func encodeSegHeader(id uint32, baseSeq uint64) []byte {
	b := make([]byte, segHeaderSize)
	copy(b, segMagic)
	binary.LittleEndian.PutUint32(b[8:], segVersion)
	binary.LittleEndian.PutUint32(b[12:], id)
	binary.LittleEndian.PutUint64(b[16:], baseSeq)
	binary.LittleEndian.PutUint32(b[28:], crc32.Checksum(b[:28], castagnoli))
	return b
}

// decodeSegHeader checks a segment header and returns its first sequence
// number. The id inside must match the file name so that a renamed or
// misplaced file is never read as another segment.
func decodeSegHeader(b []byte, id uint32) (uint64, error) {
	if len(b) < segHeaderSize {
		return 0, fmt.Errorf("segment header: %d bytes, want %d", len(b), segHeaderSize)
	}
	if string(b[:8]) != segMagic {
		return 0, errors.New("segment header: bad magic")
	}
	if crc32.Checksum(b[:28], castagnoli) != binary.LittleEndian.Uint32(b[28:]) {
		return 0, errors.New("segment header: checksum mismatch")
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != segVersion {
		return 0, fmt.Errorf("segment header: unsupported version %d", v)
	}
	if got := binary.LittleEndian.Uint32(b[12:]); got != id {
		return 0, fmt.Errorf("segment header: names segment %d, file is segment %d", got, id)
	}
	if binary.LittleEndian.Uint32(b[24:]) != 0 {
		return 0, errors.New("segment header: reserved bytes set")
	}
	base := binary.LittleEndian.Uint64(b[16:])
	if base == 0 {
		return 0, errors.New("segment header: zero base sequence")
	}
	return base, nil
}

// appendRecord encodes one record onto dst.
func appendRecord(dst []byte, seq uint64, kind, typ uint8, ref Pos, payload []byte) []byte {
	start := len(dst)
	var h [hdrSize]byte
	binary.LittleEndian.PutUint32(h[4:], uint32(len(payload)))
	binary.LittleEndian.PutUint64(h[8:], seq)
	binary.LittleEndian.PutUint64(h[16:], packPos(ref))
	h[24] = typ
	h[25] = kind
	dst = append(dst, h[:]...)
	dst = append(dst, payload...)
	crc := crc32.Update(crc32.Checksum(dst[start+4:start+hdrSize], castagnoli), castagnoli, payload)
	binary.LittleEndian.PutUint32(dst[start:], crc)
	return dst
}

// voidRecord turns the encoded record at the start of b into a void record
// of the same size: its type and payload are cleared and its checksum
// recomputed, so a reader skips it like any other record it ignores.
func voidRecord(b []byte) {
	h := decodeHeader(b)
	payload := b[hdrSize : hdrSize+int(h.length)]
	clear(payload)
	b[24], b[25] = 0, kindVoid
	binary.LittleEndian.PutUint64(b[16:], 0)
	crc := crc32.Update(crc32.Checksum(b[4:hdrSize], castagnoli), castagnoli, payload)
	binary.LittleEndian.PutUint32(b, crc)
}

// header is a decoded record header.
type header struct {
	crc    uint32
	length uint32
	seq    uint64
	ref    Pos
	typ    uint8
	kind   uint8
}

func decodeHeader(b []byte) header {
	return header{
		crc:    binary.LittleEndian.Uint32(b[0:]),
		length: binary.LittleEndian.Uint32(b[4:]),
		seq:    binary.LittleEndian.Uint64(b[8:]),
		ref:    unpackPos(binary.LittleEndian.Uint64(b[16:])),
		typ:    b[24],
		kind:   b[25],
	}
}

// checkShape rejects headers no writer produces, before any payload is read:
// reserved bytes, unknown kinds, references that point forward in the log.
func checkShape(raw []byte, h header, at Pos) error {
	if raw[26] != 0 || raw[27] != 0 {
		return errors.New("reserved header bytes set")
	}
	if h.kind >= kindCount {
		return fmt.Errorf("unknown record kind %d", h.kind)
	}
	if h.length > maxPayload {
		return fmt.Errorf("payload length %d over limit", h.length)
	}
	switch h.kind {
	case kindPositive:
		if !h.ref.IsZero() {
			return errors.New("positive record with a reference")
		}
	case kindSeal:
		if !h.ref.IsZero() || h.length != 0 || h.typ != 0 {
			return errors.New("malformed seal record")
		}
	case kindVoid:
		if !h.ref.IsZero() || h.typ != 0 {
			return errors.New("malformed void record")
		}
	case kindNegative:
		// A cancel names an earlier record: an older segment or earlier here.
		if h.ref.Seg == 0 || h.ref.Off < segHeaderSize || h.ref.Seg > at.Seg ||
			(h.ref.Seg == at.Seg && h.ref.Off >= at.Off) {
			return fmt.Errorf("negative record names %v, not an earlier record", h.ref)
		}
	case kindMoved, kindInternal:
		// Compaction only ever writes references to older segments.
		if h.ref.Seg == 0 || h.ref.Off < segHeaderSize || h.ref.Seg >= at.Seg {
			return fmt.Errorf("relocation record names %v, not an older segment", h.ref)
		}
	}
	return nil
}

func checksumOK(raw []byte, payload []byte, h header) bool {
	return crc32.Update(crc32.Checksum(raw[4:hdrSize], castagnoli), castagnoli, payload) == h.crc
}

// scanned is one record read by a scanner. payload aliases the scanner's
// buffer and is valid until the next call.
type scanned struct {
	off     uint32
	size    uint32 // header + payload
	h       header
	hsum    uint32 // the header's share of the checksum
	payload []byte
}

// intact checks the record's checksum, for a scanner that left it to the
// caller.
func (r *scanned) intact() bool { return crc32.Update(r.hsum, castagnoli, r.payload) == r.h.crc }

// badRecord says where and why a segment stops being readable.
type badRecord struct {
	off    uint32
	reason string
}

func (b *badRecord) Error() string { return fmt.Sprintf("offset %d: %s", b.off, b.reason) }

// scanner reads the records of one segment in order, checking every header,
// checksum and sequence number. It never trusts a length before checking it
// against the bytes that exist.
type scanner struct {
	r       io.ReaderAt
	seg     uint32
	end     int64 // bytes of the file that may hold records
	off     int64
	nextSeq uint64
	// noCheck leaves the checksum to the caller (scanned.intact): Open
	// checks it on its own goroutine while this one reads ahead, and
	// Replay reads records that Open checked moments before.
	noCheck bool

	buf     []byte // read-ahead window
	bufOff  int64  // file offset of buf[0]
	scratch []byte // payloads that do not fit the window
	get     func() []byte
	put     func([]byte) // see records: windows are passed on, not reused
}

const scanWindow = 1 << 20

func newScanner(r io.ReaderAt, seg uint32, end int64, baseSeq uint64) *scanner {
	return &scanner{r: r, seg: seg, end: end, off: segHeaderSize, nextSeq: baseSeq}
}

// bytes returns n bytes at the current offset, or fewer if the file ends.
func (sc *scanner) bytes(at int64, n int) ([]byte, error) {
	if at >= sc.bufOff && at+int64(n) <= sc.bufOff+int64(len(sc.buf)) {
		i := at - sc.bufOff
		return sc.buf[i : i+int64(n)], nil
	}
	if avail := sc.end - at; avail < int64(n) {
		n = int(max(avail, 0))
	}
	if n > scanWindow {
		if cap(sc.scratch) < n || sc.put != nil {
			sc.scratch = make([]byte, n)
		}
		b := sc.scratch[:n]
		got, err := sc.r.ReadAt(b, at)
		if got < n {
			return b[:got], fmt.Errorf("read segment %d at %d: %w", sc.seg, at, orEOF(err))
		}
		return b, nil
	}
	w := min(int64(scanWindow), sc.end-at)
	if sc.put != nil {
		if sc.buf != nil {
			sc.put(sc.buf)
		}
		sc.buf = sc.get()
	}
	if int64(cap(sc.buf)) < w {
		sc.buf = make([]byte, w)
	}
	got, err := sc.r.ReadAt(sc.buf[:w], at)
	sc.buf, sc.bufOff = sc.buf[:got], at
	if got < n {
		return sc.buf[:got], fmt.Errorf("read segment %d at %d: %w", sc.seg, at, orEOF(err))
	}
	return sc.buf[:n], nil
}

func orEOF(err error) error {
	if err == nil {
		return io.ErrUnexpectedEOF
	}
	return err
}

// next returns the next record. At a clean end of data (the file ends exactly
// after a record) it returns io.EOF; at anything unreadable it returns a
// *badRecord. I/O errors other than a short file are returned as they are.
func (sc *scanner) next() (scanned, error) {
	if sc.off >= sc.end {
		return scanned{}, io.EOF
	}
	at := uint32(sc.off)
	raw, err := sc.bytes(sc.off, hdrSize)
	if len(raw) < hdrSize {
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return scanned{}, err
		}
		return scanned{}, &badRecord{at, "partial record header"}
	}
	h := decodeHeader(raw)
	if h.crc == 0 && h.length == 0 && h.seq == 0 {
		return scanned{}, &badRecord{at, "zeros where a record should start"}
	}
	if err := checkShape(raw, h, Pos{sc.seg, at}); err != nil {
		return scanned{}, &badRecord{at, err.Error()}
	}
	if h.seq != sc.nextSeq {
		return scanned{}, &badRecord{at, fmt.Sprintf("sequence %d, want %d", h.seq, sc.nextSeq)}
	}
	size := int64(hdrSize) + int64(h.length)
	if sc.off+size > sc.end || sc.off+size > 1<<32-1 {
		return scanned{}, &badRecord{at, fmt.Sprintf("record of %d bytes runs past the end of the segment", size)}
	}
	// The header's share of the checksum, taken now: reading the payload
	// may refill the window under raw.
	sum := crc32.Checksum(raw[4:hdrSize], castagnoli)
	payload, err := sc.bytes(sc.off+hdrSize, int(h.length))
	if len(payload) < int(h.length) {
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return scanned{}, err
		}
		return scanned{}, &badRecord{at, "partial payload"}
	}
	r := scanned{off: at, size: uint32(size), h: h, hsum: sum, payload: payload}
	if !sc.noCheck && !r.intact() {
		return scanned{}, &badRecord{at, "checksum mismatch"}
	}
	sc.off += size
	sc.nextSeq++
	return r, nil
}
