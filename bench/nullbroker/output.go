package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// flushThreshold bounds what a connection buffers while its client keeps
// the read buffer full, so replies never wait long behind a flood.
const flushThreshold = 64 << 10

// output collects a connection's replies and writes them with one system
// call once the reader has consumed everything received — the batching a
// fast broker does. buf belongs to the reading goroutine; writes to w hold
// mu because a keep-alive goroutine may write between batches.
type output struct {
	w   io.Writer
	buf []byte

	mu    sync.Mutex
	wrote bool // w was written since keepAlive last looked
}

func newOutput(w io.Writer) *output {
	return &output{w: w, buf: make([]byte, 0, 4096)}
}

// flush writes what has been collected.
func (o *output) flush() error {
	if len(o.buf) == 0 {
		return nil
	}
	o.mu.Lock()
	_, err := o.w.Write(o.buf)
	o.wrote = true
	o.mu.Unlock()
	o.buf = o.buf[:0]
	if err != nil {
		return fmt.Errorf("write replies: %w", err)
	}
	return nil
}

// flushIfFull flushes once the buffer passes flushThreshold.
func (o *output) flushIfFull() error {
	if len(o.buf) < flushThreshold {
		return nil
	}
	return o.flush()
}

// keepAlive writes frame unless something else was written since the
// previous call: the peer only needs to hear from us now and then.
func (o *output) keepAlive(frame []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.wrote {
		o.wrote = false
		return nil
	}
	_, err := o.w.Write(frame)
	return err
}

// keepAlives calls keepAlive every interval until done is closed or a
// write fails (the reader then fails too and ends the connection).
func (o *output) keepAlives(interval time.Duration, frame []byte, done <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if o.keepAlive(frame) != nil {
				return
			}
		}
	}
}
