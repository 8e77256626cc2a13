package crash

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

// The journal's on-disk format, as store/journal/doc.go specifies it: a
// 32-byte segment header (magic "JUNCJNL1", version, segment number, first
// sequence number, reserved, CRC32-C of bytes 0..27), then records, each a
// 28-byte header (CRC32-C of header bytes 4..27 and the payload, payload
// length, sequence number, reference, type, kind, reserved) and the
// payload. Store record type 2 is a message ("msg"), kind 0 positive and 2
// a copy moved by compaction.
const (
	segHeaderSize = 32
	recHeaderSize = 28
	recTypeMsg    = 2
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// jrecord is one valid record of a segment.
type jrecord struct {
	off, end   int64 // header offset; offset just past the payload
	seq        uint64
	typ, kind  byte
	payloadOff int64
	payload    []byte
}

// newestSegment returns the path of the highest-numbered segment.
func newestSegment(storeDir string) (string, error) {
	segs, err := filepath.Glob(filepath.Join(storeDir, "*.jnl"))
	if err != nil || len(segs) == 0 {
		return "", fmt.Errorf("no journal segment in %s (%v)", storeDir, err)
	}
	sort.Strings(segs)
	return segs[len(segs)-1], nil
}

// walkSegment reads a segment's valid records, stopping where the journal's
// recovery stops: a short, zero, checksum-failing or out-of-sequence
// record. end is the offset just past the last valid record.
func walkSegment(path string) (recs []jrecord, end int64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read segment: %w", err)
	}
	recs, end, err = walkBytes(b)
	if err != nil {
		return nil, 0, fmt.Errorf("segment %s: %w", path, err)
	}
	return recs, end, nil
}

// walkBytes is walkSegment on a segment's contents.
func walkBytes(b []byte) (recs []jrecord, end int64, err error) {
	if len(b) < segHeaderSize || !bytes.Equal(b[:8], []byte("JUNCJNL1")) {
		return nil, 0, fmt.Errorf("no valid header")
	}
	if crc32.Checksum(b[:28], castagnoli) != binary.LittleEndian.Uint32(b[28:32]) {
		return nil, 0, fmt.Errorf("header checksum mismatch")
	}
	seq := binary.LittleEndian.Uint64(b[16:24])
	off := int64(segHeaderSize)
	for off+recHeaderSize <= int64(len(b)) {
		h := b[off : off+recHeaderSize]
		n := int64(binary.LittleEndian.Uint32(h[4:8]))
		if off+recHeaderSize+n > int64(len(b)) {
			break
		}
		payload := b[off+recHeaderSize : off+recHeaderSize+n]
		sum := crc32.Update(crc32.Checksum(h[4:], castagnoli), castagnoli, payload)
		if sum != binary.LittleEndian.Uint32(h[0:4]) || binary.LittleEndian.Uint64(h[8:16]) != seq {
			break
		}
		recs = append(recs, jrecord{
			off: off, end: off + recHeaderSize + n, seq: seq, typ: h[24], kind: h[25],
			payloadOff: off + recHeaderSize, payload: payload,
		})
		seq++
		off += recHeaderSize + n
	}
	return recs, off, nil
}

var idPattern = regexp.MustCompile(`r[0-9]{3}-p[0-9]-[0-9]{7}`)

// messageIDs lists the test message ids a message record carries (its
// id header, message-id and body all hold the same one).
func messageIDs(r jrecord) []msgKey {
	if r.typ != recTypeMsg || (r.kind != 0 && r.kind != 2) {
		return nil
	}
	seen := map[msgKey]bool{}
	var out []msgKey
	for _, m := range idPattern.FindAll(r.payload, -1) {
		if k, ok := parseKey(string(m)); ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// segmentBytes builds a segment: a valid header and the given records
// (type, payload), checksummed as the journal writes them.
func segmentBytes(base uint64, recs ...[]byte) []byte {
	b := make([]byte, segHeaderSize)
	copy(b, "JUNCJNL1")
	binary.LittleEndian.PutUint32(b[8:], 1)
	binary.LittleEndian.PutUint32(b[12:], 1)
	binary.LittleEndian.PutUint64(b[16:], base)
	binary.LittleEndian.PutUint32(b[28:], crc32.Checksum(b[:28], castagnoli))
	for i, payload := range recs {
		h := make([]byte, recHeaderSize)
		binary.LittleEndian.PutUint32(h[4:], uint32(len(payload)))
		binary.LittleEndian.PutUint64(h[8:], base+uint64(i))
		h[24] = recTypeMsg
		binary.LittleEndian.PutUint32(h[0:], crc32.Update(crc32.Checksum(h[4:], castagnoli), castagnoli, payload))
		b = append(append(b, h...), payload...)
	}
	return b
}

// The walker stops at the first record the journal's recovery would stop
// at, and finds the ids in the intact message records.
func TestWalkBytesStopsAtTheFirstDamagedRecord(t *testing.T) {
	ids := []msgKey{{1, 0, 0}, {1, 0, 1}, {1, 0, 2}}
	var payloads [][]byte
	for _, k := range ids {
		payloads = append(payloads, append([]byte("header:"), bodyFor(k)...))
	}
	seg := segmentBytes(7, payloads...)
	recs, end, err := walkBytes(seg)
	if err != nil || len(recs) != 3 || end != int64(len(seg)) {
		t.Fatalf("intact segment: %d records, end %d of %d, %v; want 3 records to the end", len(recs), end, len(seg), err)
	}
	for i, r := range recs {
		if got := messageIDs(r); len(got) != 1 || got[0] != ids[i] {
			t.Errorf("record %d holds ids %v, want [%v]", i, got, ids[i])
		}
	}
	damaged := append([]byte(nil), seg...)
	damaged[recs[1].payloadOff+3] ^= 0xff
	if recs, end, _ := walkBytes(damaged); len(recs) != 1 || end != recs[0].end {
		t.Errorf("a flipped byte in record 2: walked %d records to %d, want 1", len(recs), end)
	}
	if recs, _, _ := walkBytes(seg[:len(seg)-1]); len(recs) != 2 {
		t.Errorf("a truncated last record: walked %d records, want 2", len(recs))
	}
}

// FuzzWalkBytes: any bytes after a valid header walk without panicking,
// into contiguous, checksummed, in-sequence records.
func FuzzWalkBytes(f *testing.F) {
	f.Add(segmentBytes(1, []byte("r001-p0-0000000:x"), []byte{}), 5)
	f.Add(segmentBytes(9), 0)
	f.Fuzz(func(t *testing.T, tail []byte, flip int) {
		b := append(segmentBytes(3, []byte("r001-p1-0000001"), tail), tail...)
		if len(b) > 0 {
			b[(flip%len(b)+len(b))%len(b)] ^= 0x5a
		}
		recs, end, err := walkBytes(b)
		if err != nil {
			return
		}
		prev := int64(segHeaderSize)
		for i, r := range recs {
			if r.off != prev || r.end > int64(len(b)) || r.end < r.off+recHeaderSize || r.seq != 3+uint64(i) {
				t.Fatalf("record %d: off %d end %d seq %d after %d (segment of %d bytes)", i, r.off, r.end, r.seq, prev, len(b))
			}
			_ = messageIDs(r)
			prev = r.end
		}
		if end != prev {
			t.Fatalf("end %d, last record ends at %d", end, prev)
		}
	})
}
