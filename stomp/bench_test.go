package stomp

import (
	"bytes"
	"testing"
)

// repeatReader yields the same bytes forever, so ReadFrame can be
// measured without the benchmark building a buffer of b.N frames.
type repeatReader struct {
	data []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.data[r.off:])
		n += c
		r.off = (r.off + c) % len(r.data)
	}
	return n, nil
}

// sendFrame is what a producer sends: destination, persistence, a receipt
// and a body with a content-length.
func sendFrame(size int) *Frame {
	return &Frame{Command: "SEND", Headers: []Header{
		{"destination", "/queue/perf-q-0"}, {"persistent", "true"}, {"receipt", "12345"},
	}, Body: bytes.Repeat([]byte{'x'}, size)}
}

// messageFrame is what a consumer receives from the broker.
func messageFrame(size int) *Frame {
	return &Frame{Command: "MESSAGE", Headers: []Header{
		{"subscription", "0"}, {"message-id", "T-1a2b3c4d-0000000000001234"}, {"destination", "/queue/perf-q-0"},
		{"ack", "A-1234"}, {"persistent", "true"}, {"redelivered", "false"}, {"app-key", "a:b\\c"},
	}, Body: bytes.Repeat([]byte{'x'}, size)}
}

func benchmarkRead(b *testing.B, f *Frame) {
	enc := AppendFrame(nil, f, "1.2")
	r := NewReader(&repeatReader{data: enc}, DefaultLimits())
	r.SetVersion("1.2")
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		got, err := r.ReadFrame()
		if err != nil {
			b.Fatal(err)
		}
		if got.Command != f.Command || len(got.Body) != len(f.Body) {
			b.Fatalf("decoded %s with %d body bytes", got.Command, len(got.Body))
		}
	}
}

func BenchmarkReadFrameSEND16B(b *testing.B)    { benchmarkRead(b, sendFrame(16)) }
func BenchmarkReadFrameSEND1KB(b *testing.B)    { benchmarkRead(b, sendFrame(1024)) }
func BenchmarkReadFrameSEND64KB(b *testing.B)   { benchmarkRead(b, sendFrame(64<<10)) }
func BenchmarkReadFrameMESSAGE1KB(b *testing.B) { benchmarkRead(b, messageFrame(1024)) }

func benchmarkAppend(b *testing.B, f *Frame, version string) {
	buf := AppendFrame(nil, f, version)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendFrame(buf[:0], f, version)
	}
}

func BenchmarkAppendFrameMESSAGE16B(b *testing.B) { benchmarkAppend(b, messageFrame(16), "1.2") }
func BenchmarkAppendFrameMESSAGE1KB(b *testing.B) { benchmarkAppend(b, messageFrame(1024), "1.2") }

// STOMP 1.0 has no header escaping: the cheap path.
func BenchmarkAppendFrameMESSAGE1KBVersion10(b *testing.B) {
	benchmarkAppend(b, messageFrame(1024), "1.0")
}
