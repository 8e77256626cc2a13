// Package activity tells a connection's heartbeat monitor when the peer
// last sent anything. It reads the clock once per read syscall rather than
// once per decoded frame: under load a single read carries many frames, and
// a clock read per frame was a measurable share of the broker's CPU.
package activity

import (
	"io"
	"sync/atomic"
	"time"
)

// Reader wraps a connection's reader and stamps every read that returns
// bytes.
type Reader struct {
	r    io.Reader
	last atomic.Int64 // unix nanos
}

// NewReader returns a Reader over r, stamped now.
func NewReader(r io.Reader) *Reader {
	a := &Reader{r: r}
	a.Touch()
	return a
}

func (a *Reader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.last.Store(time.Now().UnixNano())
	}
	return n, err
}

// Touch restarts the silence clock, for a connection that was legitimately
// not reading (say, blocked by a resource alarm).
func (a *Reader) Touch() { a.last.Store(time.Now().UnixNano()) }

// Silent reports how long before now the last bytes arrived.
func (a *Reader) Silent(now time.Time) time.Duration {
	return now.Sub(time.Unix(0, a.last.Load()))
}
