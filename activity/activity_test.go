package activity

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestReadWithBytesRestartsTheSilenceClock(t *testing.T) {
	a := NewReader(strings.NewReader("frame"))
	a.last.Store(time.Now().Add(-time.Hour).UnixNano())
	if s := a.Silent(time.Now()); s < time.Hour {
		t.Fatalf("silent %v before the read, want at least an hour", s)
	}
	buf := make([]byte, 8)
	if n, err := a.Read(buf); n != 5 || err != nil || string(buf[:n]) != "frame" {
		t.Fatalf("Read = %d %q, %v", n, buf[:n], err)
	}
	if s := a.Silent(time.Now()); s > time.Minute {
		t.Fatalf("silent %v after a read that returned bytes", s)
	}
}

func TestEmptyReadLeavesTheClockAlone(t *testing.T) {
	a := NewReader(strings.NewReader(""))
	a.last.Store(time.Now().Add(-time.Hour).UnixNano())
	if n, err := a.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Fatalf("Read = %d, %v; want 0, EOF", n, err)
	}
	if s := a.Silent(time.Now()); s < time.Hour {
		t.Fatalf("silent %v after a read that returned nothing, want at least an hour", s)
	}
	a.Touch()
	if s := a.Silent(time.Now()); s > time.Minute {
		t.Fatalf("silent %v after Touch", s)
	}
}
