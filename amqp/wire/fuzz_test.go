package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// captureSeeds returns the recorded streams (client streams without their
// protocol header) and their frames' payloads by frame type.
func captureSeeds(tb testing.TB) (streams [][]byte, payloads map[uint8][][]byte) {
	files, err := filepath.Glob(filepath.Join("testdata", "capture", "*.bin"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no captures in testdata/capture (%v)", err)
	}
	payloads = map[uint8][][]byte{}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		if bytes.HasPrefix(data, []byte("AMQP")) {
			data = data[8:]
		}
		streams = append(streams, data)
		r := NewFrameReader(bytes.NewReader(data))
		for {
			f, err := r.ReadFrame()
			if err != nil {
				break
			}
			payloads[f.Type] = append(payloads[f.Type], append([]byte(nil), f.Payload...))
		}
	}
	return streams, payloads
}

// frameRuns cuts a stream into runs of up to n whole frames. Frames over
// limit bytes are shortened to limit: large inputs make every execution
// and every minimisation slow without adding coverage.
func frameRuns(stream []byte, n, limit int) [][]byte {
	var runs [][]byte
	var run []byte
	count := 0
	for off := 0; off+frameHeaderSize <= len(stream); {
		size := int(binary.BigEndian.Uint32(stream[off+3:])) + frameOverhead
		if off+size > len(stream) {
			break
		}
		frame := stream[off : off+size]
		off += size
		if size > limit {
			short := append([]byte(nil), frame[:limit-1]...)
			binary.BigEndian.PutUint32(short[3:], uint32(limit-frameOverhead))
			frame = append(short, FrameEnd)
		}
		run = append(run, frame...)
		if count++; count == n {
			runs = append(runs, run)
			run, count = nil, 0
		}
	}
	if len(run) > 0 {
		runs = append(runs, run)
	}
	return runs
}

// rawProps returns the property bytes of the captured content headers.
func rawProps(tb testing.TB) [][]byte {
	_, payloads := captureSeeds(tb)
	var out [][]byte
	for _, p := range payloads[FrameHeader] {
		if h, err := ParseContentHeader(p); err == nil {
			out = append(out, h.RawProps)
		}
	}
	return out
}

func FuzzReadFrame(f *testing.F) {
	// Runs of a few captured frames: whole 22 KB streams make each
	// execution and every minimisation slow without adding coverage.
	streams, _ := captureSeeds(f)
	for _, s := range streams {
		for _, run := range frameRuns(s, 4, 512) {
			f.Add(run)
		}
	}
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0xCE})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewFrameReaderSize(bytes.NewReader(data), 4096)
		var again []byte
		for {
			fr, err := r.ReadFrame()
			if err != nil {
				var e *Error
				if err != io.EOF && err != io.ErrUnexpectedEOF && !(errors.As(err, &e) && e.Code == FrameError) {
					t.Fatalf("unexpected error kind %T: %v", err, err)
				}
				break
			}
			again = append(again, fr.Type, byte(fr.Channel>>8), byte(fr.Channel))
			again = binary.BigEndian.AppendUint32(again, uint32(len(fr.Payload)))
			again = append(append(again, fr.Payload...), FrameEnd)
			switch fr.Type {
			case FrameMethod:
				for _, p := range []*Protocol{AMQP091, AMQP09, AMQP08} {
					if _, err := p.DecodeMethod(fr.Payload); err != nil {
						checkDecodeError(t, err)
					}
				}
			case FrameHeader:
				if h, err := ParseContentHeader(fr.Payload); err == nil {
					checkProperties(t, h.RawProps)
				}
			}
		}
		if !bytes.HasPrefix(data, again) {
			t.Fatalf("frames read do not re-encode to the input's prefix")
		}
	})
}

func checkDecodeError(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("decode error %T is not *Error: %v", err, err)
	}
	switch e.Code {
	case FrameError, SyntaxError, NotImplemented:
	default:
		t.Fatalf("decode error has code %d: %v", e.Code, e)
	}
}

type frameAppender interface {
	AppendFrame(dst []byte, channel uint16) ([]byte, error)
}

func FuzzDecodeMethod(f *testing.F) {
	_, payloads := captureSeeds(f)
	for _, p := range payloads[FrameMethod] {
		f.Add(p)
	}
	// Every method of every version, so the old layouts get seeds too.
	for _, p := range []*Protocol{AMQP091, AMQP09, AMQP08} {
		for i := 0; i < numMethods; i++ {
			m := newMethod(i)
			if !p.Supports(m) {
				continue
			}
			fillMethod(m, i%2 == 0)
			if frame, err := p.AppendMethodFrame(nil, 1, m); err == nil {
				f.Add(frame[frameHeaderSize : len(frame)-1])
			}
		}
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, p := range []*Protocol{AMQP091, AMQP09, AMQP08} {
			m, err := p.DecodeMethod(payload)
			if err != nil {
				checkDecodeError(t, err)
				continue
			}
			frame, err := p.AppendMethodFrame(nil, 1, m)
			if err != nil {
				t.Fatalf("%s: decoded %s does not encode: %v", p, m.MethodName(), err)
			}
			m2, err := p.DecodeMethod(frame[frameHeaderSize : len(frame)-1])
			if err != nil {
				t.Fatalf("%s: re-encoded %s does not decode: %v", p, m.MethodName(), err)
			}
			if !sameValue(m, m2) {
				t.Fatalf("%s: round trip changed %s:\n%+v\n%+v", p, m.MethodName(), m, m2)
			}
			frame2, err := p.AppendMethodFrame(nil, 1, m2)
			if err != nil || !bytes.Equal(frame, frame2) {
				t.Fatalf("%s: %s encodes differently the second time (%v)", p, m.MethodName(), err)
			}
			if p == AMQP091 {
				direct, err := m.(frameAppender).AppendFrame(nil, 1)
				if err != nil || !bytes.Equal(direct, frame) {
					t.Fatalf("%s.AppendFrame differs from AMQP091.AppendMethodFrame (%v)", m.MethodName(), err)
				}
			}
		}
	})
}

// checkProperties asserts DecodeProperties and ScanProperties agree on raw
// and that what decodes re-encodes to the same properties.
func checkProperties(t *testing.T, raw []byte) {
	t.Helper()
	p, err := DecodeProperties(raw)
	s, serr := ScanProperties(raw)
	if (err == nil) != (serr == nil) {
		t.Fatalf("DecodeProperties error %v but ScanProperties error %v", err, serr)
	}
	if err != nil {
		checkDecodeError(t, err)
		return
	}
	if s.Present != p.Present || s.DeliveryMode != p.DeliveryMode || s.Priority != p.Priority ||
		string(s.Expiration) != p.Expiration || string(s.MessageID) != p.MessageID ||
		s.HasHeaders != (p.Present&FlagHeaders != 0) || (p.Present&FlagTimestamp != 0 && s.Timestamp != timeToWire(p.Timestamp)) {
		t.Fatalf("summary %+v disagrees with properties %+v", s, p)
	}
	out, err := p.Append(nil)
	if err != nil {
		t.Fatalf("decoded properties do not encode: %v", err)
	}
	p2, err := DecodeProperties(out)
	if err != nil {
		t.Fatalf("re-encoded properties do not decode: %v", err)
	}
	if !sameValue(p, p2) {
		t.Fatalf("round trip changed properties:\n%+v\n%+v", p, p2)
	}
}

func FuzzDecodeProperties(f *testing.F) {
	for _, raw := range rawProps(f) {
		f.Add(raw)
	}
	fp := fullProperties()
	full, _ := fp.Append(nil)
	f.Add(full)
	f.Add([]byte{0x80, 0x01, 0x00, 0x00, 1, 'a'})
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkProperties(t, raw)
	})
}

func FuzzDecodeTable(f *testing.F) {
	for _, raw := range rawProps(f) {
		if s, err := ScanProperties(raw); err == nil && s.Headers != nil {
			f.Add(s.Headers)
		}
	}
	f.Add([]byte{0, 0, 0, 0})
	f.Add(tableOf(field("c", 'c', 0, 0, 0, 1, 'x'), field("L", 'L', 1, 2, 3, 4, 5, 6, 7, 8), field("k", 'k', 0xFF)))
	f.Fuzz(func(t *testing.T, raw []byte) {
		tbl, rest, err := DecodeTable(raw)
		_, srest, serr := skipTable(raw)
		if (err == nil) != (serr == nil) {
			t.Fatalf("DecodeTable error %v but skipTable error %v", err, serr)
		}
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		if len(rest) != len(srest) {
			t.Fatalf("DecodeTable leaves %d bytes, skipTable %d", len(rest), len(srest))
		}
		out, err := AppendTable(nil, tbl)
		if err != nil {
			t.Fatalf("decoded table does not encode: %v", err)
		}
		tbl2, rest2, err := DecodeTable(out)
		if err != nil || len(rest2) != 0 {
			t.Fatalf("re-encoded table does not decode cleanly: %v (%d bytes left)", err, len(rest2))
		}
		if !sameValue(tbl, tbl2) {
			t.Fatalf("round trip changed the table:\n%#v\n%#v", tbl, tbl2)
		}
		out2, err := AppendTable(nil, tbl2)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("table encodes differently the second time (%v)", err)
		}
	})
}
