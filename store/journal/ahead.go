package journal

import (
	"io"
	"iter"
)

// Ahead carries what a producer goroutine reads to the caller in batches,
// together with the read windows the items point into, so that reading
// the journal overlaps with the caller's work on what was read. A window
// goes back to the producer for reuse only after the caller is done with
// every item that points into it. Recovery uses it twice: Open and Replay
// scan segments ahead of accounting and the replay callback, and the store
// reads message bodies ahead of the broker's indexing.
type Ahead[T any] struct {
	out     chan *aheadBatch[T]
	windows chan []byte // windows the caller is done with
	spent   chan *aheadBatch[T]
	stop    chan struct{}
	cur     *aheadBatch[T]
	stopped bool
}

type aheadBatch[T any] struct {
	items  []T
	window []byte // the window the last items point into, if no later batch carries it
	err    error
}

const aheadBatchLen = 1024

// RunAhead yields what produce adds, in order, each item valid during the
// loop body that gets it. produce runs on its own goroutine; it reads into
// windows from Get and passes each on with Put before reading the next
// (ReadAhead.Handoff and the scanner take the two), and returns its last
// window and the error that stopped it, if any, which is yielded last with
// a zero item. Breaking out of the loop stops produce at its next Add or
// Put and waits for it to return.
func RunAhead[T any](produce func(a *Ahead[T]) (last []byte, err error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		a := &Ahead[T]{
			out:     make(chan *aheadBatch[T], 2),
			windows: make(chan []byte, 4),
			spent:   make(chan *aheadBatch[T], 4),
			stop:    make(chan struct{}),
		}
		go func() {
			defer close(a.out)
			a.cur = a.fresh()
			last, err := produce(a)
			if !a.stopped {
				a.cur.window, a.cur.err = last, err
				a.send()
			}
		}()
		defer func() {
			close(a.stop)
			for range a.out { // produce no longer touches the journal
			}
		}()
		var zero T
		for b := range a.out {
			for _, it := range b.items {
				if !yield(it, nil) {
					return
				}
			}
			if b.err != nil {
				yield(zero, b.err)
				return
			}
			a.release(b)
		}
	}
}

// Add appends an item; false means the caller has stopped, and produce
// should return.
func (a *Ahead[T]) Add(it T) bool {
	a.cur.items = append(a.cur.items, it)
	if len(a.cur.items) == aheadBatchLen {
		a.send() // its window, if any, travels with a later batch
	}
	return !a.stopped
}

// Get returns a window the caller is done with, or nil.
func (a *Ahead[T]) Get() []byte {
	select {
	case w := <-a.windows:
		return w
	default:
		return nil
	}
}

// Put passes on the window the items added so far may point into.
func (a *Ahead[T]) Put(w []byte) {
	a.cur.window = w
	a.send()
}

func (a *Ahead[T]) send() {
	if a.stopped {
		return
	}
	select {
	case a.out <- a.cur:
	case <-a.stop:
		a.stopped = true
	}
	a.cur = a.fresh()
}

func (a *Ahead[T]) fresh() *aheadBatch[T] {
	select {
	case b := <-a.spent:
		return b
	default:
		return &aheadBatch[T]{items: make([]T, 0, aheadBatchLen)}
	}
}

func (a *Ahead[T]) release(b *aheadBatch[T]) {
	if b.window != nil {
		select {
		case a.windows <- b.window:
		default:
		}
	}
	clear(b.items) // drop references to payloads
	b.items, b.window, b.err = b.items[:0], nil, nil
	select {
	case a.spent <- b:
	default:
	}
}

// records yields the records of sc, read and checked ahead on another
// goroutine. It ends after a seal, at a clean end, or with the error that
// stopped the scan (a *badRecord, or an I/O error).
func records(sc *scanner) iter.Seq2[scanned, error] {
	return RunAhead(func(a *Ahead[scanned]) ([]byte, error) {
		sc.get, sc.put = a.Get, a.Put
		for {
			r, err := sc.next()
			if err != nil {
				if err == io.EOF {
					err = nil
				}
				return sc.buf, err
			}
			if !a.Add(r) || r.h.kind == kindSeal {
				return sc.buf, nil
			}
		}
	})
}
