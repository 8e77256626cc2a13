package amqp

import (
	"net"
	"sync"
	"time"

	"github.com/junctionmq/junction/broker"
)

// outbound is a connection's write side. Any goroutine (the connection's
// reader, a queue dispatching from a publisher's goroutine) appends encoded
// frames under mu; one writer goroutine swaps the buffer out and writes it
// with a single syscall. Under load many frames share a write; when idle
// each frame goes out at once.
type outbound struct {
	mu      sync.Mutex
	buf     []byte
	credits []writeCredit // no-ack deliveries in buf, released once written
	closed  bool
	// lastWrite is when bytes were last handed to the socket (unix nanos),
	// for heartbeats.
	lastWrite int64
	wake      chan struct{}
	done      chan struct{}
}

// writeCredit counts no-ack deliveries to one consumer that are buffered
// but not yet written.
type writeCredit struct {
	consumer *broker.Consumer
	n        int
	bytes    int64
}

func newOutbound() *outbound {
	return &outbound{wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// append adds encoded frames; fn appends to the buffer and returns it. It
// reports false if the connection is closed.
func (o *outbound) append(fn func([]byte) []byte) bool {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return false
	}
	o.buf = fn(o.buf)
	o.mu.Unlock()
	o.signal()
	return true
}

// creditLocked records a buffered no-ack delivery; call with mu held.
func (o *outbound) creditLocked(c *broker.Consumer, size int) {
	if n := len(o.credits); n > 0 && o.credits[n-1].consumer == c {
		o.credits[n-1].n++
		o.credits[n-1].bytes += int64(size)
		return
	}
	o.credits = append(o.credits, writeCredit{consumer: c, n: 1, bytes: int64(size)})
}

func (o *outbound) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// run writes until the connection closes or a write fails. It drains what
// is buffered before returning after close, so a final connection.close
// reaches the client.
func (o *outbound) run(conn net.Conn, onError func(error)) {
	defer close(o.done)
	var spare []byte
	var credits []writeCredit
	for {
		<-o.wake
		for {
			o.mu.Lock()
			out := o.buf
			closed := o.closed
			o.buf = spare[:0]
			credits, o.credits = o.credits, credits[:0]
			o.mu.Unlock()
			if len(out) == 0 {
				spare = out
				if closed {
					return
				}
				break
			}
			_ = conn.SetWriteDeadline(time.Now().Add(writeTimeout))
			_, err := conn.Write(out)
			o.mu.Lock()
			o.lastWrite = time.Now().UnixNano()
			o.mu.Unlock()
			for _, c := range credits {
				c.consumer.Written(c.n, c.bytes)
			}
			clear(credits)
			credits = credits[:0]
			if err != nil {
				onError(err)
				o.mu.Lock()
				o.closed = true
				o.buf = nil
				o.mu.Unlock()
				return
			}
			// Keep a buffer of reasonable size for reuse; drop huge ones.
			if cap(out) <= maxSpareBuffer {
				spare = out
			} else {
				spare = nil
			}
		}
	}
}

// close stops accepting frames; the writer exits after draining.
func (o *outbound) close() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	o.signal()
}

// idleSince reports when the writer last wrote.
func (o *outbound) idleSince() time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return time.Unix(0, o.lastWrite)
}

const (
	writeTimeout   = 30 * time.Second
	maxSpareBuffer = 4 << 20
)
