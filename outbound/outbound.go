// Package outbound is a connection's batched writer, shared by every
// protocol. Any goroutine (the connection's reader, a queue dispatching
// from a publisher's goroutine) appends encoded frames; one writer
// goroutine swaps the buffer out and writes it with a single syscall, so
// under load many frames share a write and when idle each frame goes out at
// once.
package outbound

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Credit is notified once buffered bytes it was charged for have been
// written, so flow-controlled senders (no-ack consumers) can send more.
type Credit interface {
	Written(n int, bytes int64)
}

type charge struct {
	to    Credit
	n     int
	bytes int64
}

// Writer buffers frames for one connection.
type Writer struct {
	mu        sync.Mutex
	buf       []byte
	charges   []charge
	closed    bool
	lastWrite atomic.Int64 // unix nanos; read by heartbeat monitors without the lock
	wake      chan struct{}
	done      chan struct{}
}

// New returns a writer; Run starts it.
func New() *Writer {
	w := &Writer{wake: make(chan struct{}, 1), done: make(chan struct{})}
	w.lastWrite.Store(time.Now().UnixNano())
	return w
}

// Append adds encoded frames: fn appends to the buffer and returns it. fn
// runs under the writer's lock and may call Charge. Append reports false if
// the writer is closed.
func (w *Writer) Append(fn func([]byte) []byte) bool {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return false
	}
	w.buf = fn(w.buf)
	w.mu.Unlock()
	w.signal()
	return true
}

// Charge records, from inside an Append callback, that what was just
// appended counts against c until written.
func (w *Writer) Charge(c Credit, bytes int) {
	if n := len(w.charges); n > 0 && w.charges[n-1].to == c {
		w.charges[n-1].n++
		w.charges[n-1].bytes += int64(bytes)
		return
	}
	w.charges = append(w.charges, charge{to: c, n: 1, bytes: int64(bytes)})
}

func (w *Writer) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run writes to conn until Close or a write error (reported to onError).
// After Close it drains what is buffered, so a final close frame reaches
// the peer.
func (w *Writer) Run(conn net.Conn, timeout time.Duration, onError func(error)) {
	defer close(w.done)
	var spare []byte
	var charges []charge
	for {
		<-w.wake
		for {
			w.mu.Lock()
			out, closed := w.buf, w.closed
			w.buf = spare[:0]
			charges, w.charges = w.charges, charges[:0]
			w.mu.Unlock()
			if len(out) == 0 {
				spare = out
				if closed {
					return
				}
				break
			}
			if timeout > 0 {
				_ = conn.SetWriteDeadline(time.Now().Add(timeout))
			}
			_, err := conn.Write(out)
			w.lastWrite.Store(time.Now().UnixNano())
			for _, c := range charges {
				c.to.Written(c.n, c.bytes)
			}
			clear(charges)
			charges = charges[:0]
			if err != nil {
				onError(err)
				w.mu.Lock()
				w.closed, w.buf = true, nil
				w.mu.Unlock()
				return
			}
			// Reuse buffers of reasonable size; let huge ones go.
			if cap(out) <= maxSpare {
				spare = out
			} else {
				spare = nil
			}
		}
	}
}

const maxSpare = 4 << 20

// Close stops accepting frames; Run exits after draining.
func (w *Writer) Close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.signal()
}

// Done is closed when Run has returned.
func (w *Writer) Done() <-chan struct{} { return w.done }

// LastWrite reports when bytes were last handed to the socket.
func (w *Writer) LastWrite() time.Time {
	return time.Unix(0, w.lastWrite.Load())
}
