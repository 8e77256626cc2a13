package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// publishSequence is what a client sends for one message: basic.publish,
// a content header and the body split by frame-max 4096.
func publishSequence(t testing.TB, body []byte) []byte {
	b, err := (&BasicPublish{Exchange: "amq.topic", RoutingKey: "a.b"}).AppendFrame(nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	props := Properties{ContentType: "text/plain", DeliveryMode: 2, Headers: nil, Present: FlagContentType | FlagDeliveryMode}
	raw, err := props.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	b = AppendContentHeaderFrame(b, 3, 60, uint64(len(body)), raw)
	return AppendBodyFrames(b, 3, body, 4096)
}

type wantFrame struct {
	typ     uint8
	channel uint16
	size    int
}

func readAll(t *testing.T, r *FrameReader) []wantFrame {
	t.Helper()
	var got []wantFrame
	for {
		f, err := r.ReadFrame()
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatalf("after %d frames: %v", len(got), err)
		}
		got = append(got, wantFrame{f.Type, f.Channel, len(f.Payload)})
	}
}

func TestReadFrameReturnsEachFrameOfAStream(t *testing.T) {
	body := bytes.Repeat([]byte{'b'}, 5000)
	stream := AppendHeartbeat(publishSequence(t, body))
	want := []wantFrame{
		{FrameMethod, 3, 4 + 2 + 10 + 4 + 1},
		{FrameHeader, 3, 12 + 2 + 11 + 1},
		{FrameBody, 3, 4088},
		{FrameBody, 3, 912},
		{FrameHeartbeat, 0, 0},
	}
	for name, rd := range map[string]io.Reader{
		"whole":        bytes.NewReader(stream),
		"one byte":     iotest.OneByteReader(bytes.NewReader(stream)),
		"half":         iotest.HalfReader(bytes.NewReader(stream)),
		"data and EOF": iotest.DataErrReader(bytes.NewReader(stream)),
	} {
		got := readAll(t, NewFrameReader(rd))
		if len(got) != len(want) {
			t.Fatalf("%s: %d frames %v, want %d", name, len(got), got, len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: frame %d is %+v, want %+v", name, i, got[i], want[i])
			}
		}
	}
}

func TestReadFrameGrowsItsBufferForFramesLargerThanIt(t *testing.T) {
	body := bytes.Repeat([]byte{'x'}, 100_000)
	stream := AppendBodyFrames(nil, 1, body, 0)
	r := NewFrameReaderSize(bytes.NewReader(stream), 4096)
	f, err := r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != FrameBody || !bytes.Equal(f.Payload, body) {
		t.Errorf("frame type %d with %d payload bytes, want the 100000-byte body", f.Type, len(f.Payload))
	}
}

func TestReadFrameDistinguishesCleanAndTruncatedEnds(t *testing.T) {
	stream := AppendHeartbeat(nil)
	cases := map[string]struct {
		data []byte
		want error
	}{
		"nothing":       {nil, io.EOF},
		"partial head":  {stream[:3], io.ErrUnexpectedEOF},
		"partial frame": {stream[:7], io.ErrUnexpectedEOF},
	}
	for name, c := range cases {
		_, err := NewFrameReader(bytes.NewReader(c.data)).ReadFrame()
		if err != c.want {
			t.Errorf("%s: error %v, want %v", name, err, c.want)
		}
	}
	r := NewFrameReader(bytes.NewReader(stream))
	if _, err := r.ReadFrame(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadFrame(); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

func TestReadFrameRejectsBrokenFramingForGood(t *testing.T) {
	good := AppendHeartbeat(nil)
	body := func(n int) []byte { return AppendBodyFrames(nil, 1, make([]byte, n), 0) }
	cases := []struct {
		name  string
		data  []byte
		max   uint32
		words string
	}{
		{"out-of-band type 4", []byte{4, 0, 1, 0, 0, 0, 0, 0xCE}, 0, "unknown frame type 4"},
		{"type 0", []byte{0, 0, 0, 0, 0, 0, 0, 0xCE}, 0, "unknown frame type 0"},
		{"bad frame-end", []byte{3, 0, 1, 0, 0, 0, 1, 'x', 0xCF}, 0, "frame-end octet is 0xcf"},
		{"heartbeat with payload", []byte{8, 0, 0, 0, 0, 0, 1, 'x', 0xCE}, 0, "heartbeat frame with a 1-byte payload"},
		{"one byte over frame-max", body(4096 - 8 + 1), 4096, "frame of 4097 bytes on channel 1 exceeds frame-max 4096"},
		{"over the hard cap", []byte{3, 0, 1, 0x08, 0, 0, 0}, 0, "exceeds frame-max 134217728"},
	}
	for _, c := range cases {
		r := NewFrameReader(bytes.NewReader(append(c.data, good...)))
		r.SetMaxFrameSize(c.max)
		_, err := r.ReadFrame()
		e := wireError(t, err, FrameError)
		if !bytes.Contains([]byte(e.Text), []byte(c.words)) {
			t.Errorf("%s: error %q does not say %q", c.name, e.Text, c.words)
		}
		if _, again := r.ReadFrame(); again != err {
			t.Errorf("%s: next ReadFrame returned %v, want the same error", c.name, again)
		}
	}
	r := NewFrameReader(bytes.NewReader(body(4096 - 8)))
	r.SetMaxFrameSize(4096)
	if f, err := r.ReadFrame(); err != nil || len(f.Payload) != 4088 {
		t.Errorf("frame of exactly frame-max: %d bytes, %v", len(f.Payload), err)
	}
}

// loopReader hands out the same stream forever.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off = (l.off + n) % len(l.data)
	return n, nil
}

func TestReadFrameDoesNotAllocateInSteadyState(t *testing.T) {
	stream := publishSequence(t, []byte("hello"))
	r := NewFrameReader(&loopReader{data: stream})
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := r.ReadFrame(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("ReadFrame allocated %.2f times per frame, want 0", allocs)
	}
}

func TestAnnouncedHugeFrameIsNotAllocatedBeforeItArrives(t *testing.T) {
	// A body frame announcing 100 MB, followed by only 10 bytes.
	data := append([]byte{3, 0, 1, 0x05, 0xF5, 0xE1, 0x00}, make([]byte, 10)...)
	r := NewFrameReaderSize(bytes.NewReader(data), 4096)
	if _, err := r.ReadFrame(); err != io.ErrUnexpectedEOF {
		t.Errorf("error %v, want io.ErrUnexpectedEOF", err)
	}
	if len(r.buf) > 4096 {
		t.Errorf("buffer grew to %d bytes for 17 received", len(r.buf))
	}
}

func TestProtocolHeaderLeavesFollowingFramesBuffered(t *testing.T) {
	stream := append([]byte("AMQP\x00\x00\x09\x01"), AppendHeartbeat(nil)...)
	r := NewFrameReader(bytes.NewReader(stream))
	h, err := r.ReadProtocolHeader()
	if err != nil {
		t.Fatal(err)
	}
	if string(h[:]) != "AMQP\x00\x00\x09\x01" {
		t.Errorf("header %q", h)
	}
	if r.Buffered() != 8 {
		t.Errorf("Buffered() = %d after the header, want the heartbeat's 8 bytes", r.Buffered())
	}
	if f, err := r.ReadFrame(); err != nil || f.Type != FrameHeartbeat {
		t.Errorf("frame after header: %+v, %v", f, err)
	}
	if r.Buffered() != 0 {
		t.Errorf("Buffered() = %d at the end, want 0", r.Buffered())
	}
	if _, err := NewFrameReader(bytes.NewReader([]byte("AMQ"))).ReadProtocolHeader(); err != io.ErrUnexpectedEOF {
		t.Errorf("short header: %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestAppendBodyFramesSplitsByFrameMax(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 1000)
	cases := []struct {
		frameMax uint32
		sizes    []int
	}{
		{4096, []int{4088, 4088, 1824}},
		{10008, []int{10000}},
		{0, []int{10000}},
		{5, []int{4088, 4088, 1824}}, // too small to carry a byte: FrameMinSize
	}
	for _, c := range cases {
		stream := AppendBodyFrames([]byte{}, 9, body, c.frameMax)
		got := readAll(t, NewFrameReader(bytes.NewReader(stream)))
		if len(got) != len(c.sizes) {
			t.Fatalf("frame-max %d: %d frames, want %d", c.frameMax, len(got), len(c.sizes))
		}
		for i, s := range c.sizes {
			if got[i] != (wantFrame{FrameBody, 9, s}) {
				t.Errorf("frame-max %d: frame %d is %+v, want a %d-byte body frame on channel 9", c.frameMax, i, got[i], s)
			}
		}
	}
	if out := AppendBodyFrames([]byte{1}, 1, nil, 4096); !bytes.Equal(out, []byte{1}) {
		t.Errorf("empty body appended % x", out[1:])
	}
}

func TestContentHeaderFrameRoundTrip(t *testing.T) {
	raw := []byte{0x80, 0x00, 3, 'a', '/', 'b'}
	frame := AppendContentHeaderFrame(nil, 4, 60, 1<<40, raw)
	typ, ch, payload := splitFrame(t, frame)
	if typ != FrameHeader || ch != 4 {
		t.Fatalf("type %d channel %d", typ, ch)
	}
	h, err := ParseContentHeader(payload)
	if err != nil {
		t.Fatal(err)
	}
	if h.ClassID != 60 || h.Weight != 0 || h.BodySize != 1<<40 || !bytes.Equal(h.RawProps, raw) {
		t.Errorf("parsed %+v", h)
	}
	_, err = ParseContentHeader(payload[:13])
	wireError(t, err, FrameError)
	hexEqual(t, "heartbeat", AppendHeartbeat(nil), []byte{8, 0, 0, 0, 0, 0, 0, 0xCE})
}

func TestReadFramePassesOnReadErrors(t *testing.T) {
	boom := errors.New("boom")
	_, err := NewFrameReader(iotest.ErrReader(boom)).ReadFrame()
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
}
