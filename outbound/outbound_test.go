package outbound

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

type counter struct {
	mu    sync.Mutex
	n     int
	bytes int64
}

func (c *counter) Written(n int, b int64) {
	c.mu.Lock()
	c.n += n
	c.bytes += b
	c.mu.Unlock()
}

func TestWriterDeliversFramesInOrderAndReleasesCharges(t *testing.T) {
	client, server := net.Pipe()
	w := New()
	go w.Run(server, time.Second, func(error) {})
	var c counter
	var want bytes.Buffer
	for i := 0; i < 100; i++ {
		frame := []byte{byte(i), byte(i), byte(i)}
		want.Write(frame)
		w.Append(func(b []byte) []byte {
			w.Charge(&c, len(frame))
			return append(b, frame...)
		})
	}
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("frames reordered or corrupted")
	}
	w.Close()
	<-w.Done()
	if c.n != 100 || c.bytes != 300 {
		t.Fatalf("charges released: %d messages, %d bytes; want 100, 300", c.n, c.bytes)
	}
}

func TestWriterDrainsBufferedFramesAfterClose(t *testing.T) {
	client, server := net.Pipe()
	w := New()
	w.Append(func(b []byte) []byte { return append(b, "last words"...) })
	w.Close()
	go w.Run(server, time.Second, func(error) {})
	got := make([]byte, len("last words"))
	if _, err := io.ReadFull(client, got); err != nil || string(got) != "last words" {
		t.Fatalf("got %q, %v", got, err)
	}
	<-w.Done()
	if w.Append(func(b []byte) []byte { return b }) {
		t.Fatal("append accepted after close")
	}
}
