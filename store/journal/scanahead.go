package journal

import "io"

// scanBatch is a run of records that a scanner read ahead on another
// goroutine. Their payloads point into window (or into memory of their
// own) and stay valid until the batch is released.
type scanBatch struct {
	recs   []scanned
	window []byte // the window the last records point into, if no later batch holds it
	err    error  // what ended the scan after recs: io.EOF at a clean end or a seal
}

// scanAhead runs a scanner on its own goroutine, a few windows ahead of the
// caller, so that reading and checksumming a segment overlap with what the
// caller does with its records: at start both Open and Replay go through
// every record of the journal.
type scanAhead struct {
	out     chan *scanBatch
	windows chan []byte // released windows, for reuse
	spent   chan *scanBatch
	stop    chan struct{}
}

const scanBatchLen = 1024

// startScan starts sc on its goroutine. It stops after a seal record, at
// the end of the data, at a bad record or an I/O error (the last batch's
// err), or when close is called.
func startScan(sc *scanner) *scanAhead {
	a := &scanAhead{
		out:     make(chan *scanBatch, 2),
		windows: make(chan []byte, 4),
		spent:   make(chan *scanBatch, 4),
		stop:    make(chan struct{}),
	}
	go a.run(sc)
	return a
}

func (a *scanAhead) fresh() *scanBatch {
	select {
	case b := <-a.spent:
		return b
	default:
		return &scanBatch{recs: make([]scanned, 0, scanBatchLen)}
	}
}

func (a *scanAhead) run(sc *scanner) {
	defer close(a.out)
	cur, stopped := a.fresh(), false
	send := func() {
		select {
		case a.out <- cur:
		case <-a.stop:
			stopped = true
		}
		cur = a.fresh()
	}
	sc.get = func() []byte {
		select {
		case w := <-a.windows:
			return w
		default:
			return nil
		}
	}
	sc.put = func(w []byte) {
		// Every record in cur so far may point into w: it travels with
		// them and comes back when they are released.
		cur.window = w
		send()
	}
	for !stopped {
		r, err := sc.next()
		if err == nil {
			cur.recs = append(cur.recs, r)
			if r.h.kind == kindSeal {
				err = io.EOF
			}
		}
		if err != nil {
			cur.window, cur.err = sc.buf, err
			send()
			return
		}
		if len(cur.recs) == scanBatchLen {
			send() // its window, if any, goes with a later batch
		}
	}
}

// next returns the next batch; false once the scan has ended and every
// batch was taken.
func (a *scanAhead) next() (*scanBatch, bool) {
	b, ok := <-a.out
	return b, ok
}

// release hands a batch back: its payloads are no longer used.
func (a *scanAhead) release(b *scanBatch) {
	if b.window != nil {
		select {
		case a.windows <- b.window:
		default:
		}
	}
	b.recs, b.window, b.err = b.recs[:0], nil, nil
	select {
	case a.spent <- b:
	default:
	}
}

// close stops the scan and waits for its goroutine, which then no longer
// touches the file.
func (a *scanAhead) close() {
	close(a.stop)
	for range a.out {
	}
}
