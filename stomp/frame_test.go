package stomp

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func read(t *testing.T, input, version string) (*Frame, error) {
	t.Helper()
	r := NewReader(strings.NewReader(input), Limits{MaxHeaders: 10, MaxHeaderLine: 100, MaxBody: 50})
	r.SetVersion(version)
	return r.ReadFrame()
}

func TestReadFrameWithContentLengthKeepsNULsInBody(t *testing.T) {
	f, err := read(t, "SEND\ndestination:/queue/a\ncontent-length:5\n\na\x00b\x00c\x00", "1.2")
	if err != nil {
		t.Fatal(err)
	}
	if f.Command != "SEND" || f.Value("destination") != "/queue/a" || !bytes.Equal(f.Body, []byte("a\x00b\x00c")) {
		t.Fatalf("got %+v", f)
	}
}

func TestReadFrameWithoutContentLengthEndsAtNUL(t *testing.T) {
	f, err := read(t, "SEND\r\ndestination:/queue/a\r\n\r\nhello\x00", "1.2")
	if err != nil || string(f.Body) != "hello" || f.Value("destination") != "/queue/a" {
		t.Fatalf("got %+v, %v", f, err)
	}
}

func TestHeaderEscapingPerVersion(t *testing.T) {
	f, err := read(t, "SEND\nk\\cx:a\\nb\\\\c\\rd\n\n\x00", "1.2")
	if err != nil || f.Value("k:x") != "a\nb\\c\rd" {
		t.Fatalf("1.2 unescape: %+v %v", f, err)
	}
	if _, err := read(t, "SEND\nk:a\\rb\n\n\x00", "1.1"); err == nil {
		t.Fatal("\\r accepted in 1.1")
	}
	f, _ = read(t, "SEND\nk:a\\nb\n\n\x00", "1.0")
	if f.Value("k") != `a\nb` {
		t.Fatalf("1.0 must not unescape: %q", f.Value("k"))
	}
	f, _ = read(t, "CONNECT\npasscode:a\\b\n\n\x00", "1.2")
	if f.Value("passcode") != `a\b` {
		t.Fatalf("CONNECT headers must not be unescaped: %q", f.Value("passcode"))
	}
	out := AppendFrame(nil, &Frame{Command: "MESSAGE", Headers: []Header{{"k:x", "a\nb\\c\r"}}}, "1.2")
	if !bytes.Contains(out, []byte(`k\cx:a\nb\\c\r`)) {
		t.Fatalf("1.2 escape: %q", out)
	}
}

func TestRepeatedHeaderFirstWins(t *testing.T) {
	f, _ := read(t, "SEND\nfoo:first\nfoo:second\n\n\x00", "1.2")
	if f.Value("foo") != "first" {
		t.Fatalf("got %q", f.Value("foo"))
	}
}

func TestHeartBeatIsAnEmptyFrame(t *testing.T) {
	f, err := read(t, "\n", "1.2")
	if err != nil || f.Command != "" {
		t.Fatalf("got %+v %v", f, err)
	}
}

func TestMalformedFramesAreFrameErrors(t *testing.T) {
	cases := map[string]string{
		"negative content-length": "SEND\ncontent-length:-1\n\n\x00",
		"huge content-length":     "SEND\ncontent-length:999999999999\n\n\x00",
		"non-numeric length":      "SEND\ncontent-length:ten\n\n\x00",
		"body over the limit":     "SEND\n\n" + strings.Repeat("x", 60) + "\x00",
		"missing NUL after body":  "SEND\ncontent-length:2\n\nabX",
		"header without colon":    "SEND\nnocolon\n\n\x00",
		"too many headers":        "SEND\n" + strings.Repeat("h:v\n", 11) + "\n\x00",
		"header line too long":    "SEND\nh:" + strings.Repeat("v", 200) + "\n\n\x00",
		"bad escape":              "SEND\nh:\\t\n\n\x00",
	}
	for name, input := range cases {
		_, err := read(t, input, "1.2")
		var fe *FrameError
		if !errors.As(err, &fe) {
			t.Errorf("%s: got %v, want a FrameError", name, err)
		}
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte("CONNECT\naccept-version:1.2\nhost:/\n\n\x00"))
	f.Add([]byte("SEND\ndestination:/queue/a\ncontent-length:3\n\nabc\x00"))
	f.Add([]byte("SUBSCRIBE\nid:0\ndestination:/topic/x\nack:client-individual\n\n\x00\n\n"))
	f.Add([]byte("SEND\nk\\cx:a\\nb\n\nbody\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range []string{"1.0", "1.2"} {
			r := NewReader(bytes.NewReader(data), Limits{MaxHeaders: 50, MaxHeaderLine: 1024, MaxBody: 4096})
			r.SetVersion(v)
			for i := 0; i < 10; i++ {
				fr, err := r.ReadFrame()
				if err != nil {
					break
				}
				if len(fr.Body) > 4096 || len(fr.Headers) > 50 {
					t.Fatalf("limits not enforced: %d body bytes, %d headers", len(fr.Body), len(fr.Headers))
				}
				if fr.Command == "" {
					continue
				}
				// What we write, we read back identically.
				enc := AppendFrame(nil, fr, "1.2")
				r2 := NewReader(bytes.NewReader(enc), Limits{MaxHeaders: 100, MaxHeaderLine: 1 << 20, MaxBody: 1 << 20})
				r2.SetVersion("1.2")
				back, err := r2.ReadFrame()
				if err != nil {
					t.Fatalf("re-read of %q: %v", enc, err)
				}
				if back.Command != fr.Command || !bytes.Equal(back.Body, fr.Body) {
					t.Fatalf("round trip changed the frame: %+v vs %+v", fr, back)
				}
			}
		}
	})
}
