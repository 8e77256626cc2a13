package broker

// entryDeque is a ring buffer of entries ordered by sequence number. Entries
// taken out of the middle (by a selector consumer) stay in place as
// tombstones (state != ready) and are skipped, so removal is O(1); a
// tombstone that is requeued simply becomes ready again in its original
// position.
type entryDeque struct {
	buf        []*Entry
	head, size int
}

func (d *entryDeque) len() int { return d.size }

func (d *entryDeque) at(i int) *Entry { return d.buf[(d.head+i)&(len(d.buf)-1)] }

func (d *entryDeque) grow() {
	n := len(d.buf) * 2
	if n == 0 {
		n = 16
	}
	nb := make([]*Entry, n)
	for i := 0; i < d.size; i++ {
		nb[i] = d.at(i)
	}
	d.buf, d.head = nb, 0
}

func (d *entryDeque) pushBack(e *Entry) {
	if d.size == len(d.buf) {
		d.grow()
	}
	d.buf[(d.head+d.size)&(len(d.buf)-1)] = e
	d.size++
	e.inDeque = true
}

func (d *entryDeque) pushFront(e *Entry) {
	if d.size == len(d.buf) {
		d.grow()
	}
	d.head = (d.head - 1) & (len(d.buf) - 1)
	d.buf[d.head] = e
	d.size++
	e.inDeque = true
}

func (d *entryDeque) front() *Entry {
	if d.size == 0 {
		return nil
	}
	return d.buf[d.head]
}

func (d *entryDeque) popFront() *Entry {
	if d.size == 0 {
		return nil
	}
	e := d.buf[d.head]
	d.buf[d.head] = nil
	d.head = (d.head + 1) & (len(d.buf) - 1)
	d.size--
	e.inDeque = false
	if d.size == 0 {
		d.head = 0
	}
	return e
}

// trimFront drops leading tombstones so front() is a ready entry (or nil).
func (d *entryDeque) trimFront() {
	for d.size > 0 && d.buf[d.head].state != stateReady {
		d.popFront()
	}
}

// insertSorted puts e back at its position by sequence number. Requeued
// entries are usually older than everything queued, so the front is the
// fast path.
func (d *entryDeque) insertSorted(e *Entry) {
	if d.size == 0 || e.seq < d.front().seq {
		d.pushFront(e)
		return
	}
	if e.seq > d.at(d.size-1).seq {
		d.pushBack(e)
		return
	}
	lo, hi := 0, d.size
	for lo < hi {
		m := (lo + hi) / 2
		if d.at(m).seq < e.seq {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if d.size == len(d.buf) {
		d.grow()
	}
	// Shift the tail right by one, then place e at lo.
	mask := len(d.buf) - 1
	for i := d.size; i > lo; i-- {
		d.buf[(d.head+i)&mask] = d.buf[(d.head+i-1)&mask]
	}
	d.buf[(d.head+lo)&mask] = e
	d.size++
	e.inDeque = true
}

// readyList holds a queue's ready entries: one deque per priority level
// (a single level when the queue has no x-max-priority). Higher levels are
// served first; within a level, in sequence order.
type readyList struct {
	levels []entryDeque
	count  int   // ready entries (tombstones excluded)
	bytes  int64 // body bytes of ready entries
	// scanning is set while a dispatch walks the list; take then leaves
	// every entry in place.
	scanning bool
}

func (r *readyList) endScan() {
	r.scanning = false
	for i := range r.levels {
		r.levels[i].trimFront()
	}
}

func newReadyList(maxPriority int) readyList {
	return readyList{levels: make([]entryDeque, maxPriority+1)}
}

func (r *readyList) level(e *Entry) *entryDeque {
	p := int(e.priority)
	if p >= len(r.levels) {
		p = len(r.levels) - 1
	}
	return &r.levels[p]
}

func (r *readyList) push(e *Entry) {
	r.level(e).pushBack(e)
	r.count++
	r.bytes += int64(e.size)
}

// insert adds a new entry at its sequence position (stored messages get
// their sequence numbers before they arrive, so they can arrive out of
// order).
func (r *readyList) insert(e *Entry) {
	r.level(e).insertSorted(e)
	r.count++
	r.bytes += int64(e.size)
}

// requeue returns an unacked entry to its original position.
func (r *readyList) requeue(e *Entry) {
	e.state = stateReady
	if !e.inDeque {
		r.level(e).insertSorted(e)
	}
	r.count++
	r.bytes += int64(e.size)
}

// take marks a ready entry as no longer ready; it stays in its deque as a
// tombstone until it reaches the front.
func (r *readyList) take(e *Entry) {
	r.count--
	r.bytes -= int64(e.size)
	d := r.level(e)
	if !r.scanning && d.front() == e {
		d.popFront()
		d.trimFront()
	}
}

// first returns the highest-priority oldest ready entry.
func (r *readyList) first() *Entry {
	for i := len(r.levels) - 1; i >= 0; i-- {
		d := &r.levels[i]
		d.trimFront()
		if e := d.front(); e != nil {
			return e
		}
	}
	return nil
}

// each visits ready entries in dispatch order until fn returns false.
func (r *readyList) each(fn func(*Entry) bool) {
	for i := len(r.levels) - 1; i >= 0; i-- {
		d := &r.levels[i]
		for j := 0; j < d.len(); j++ {
			e := d.at(j)
			if e.state != stateReady {
				continue
			}
			if !fn(e) {
				return
			}
		}
	}
}

// heads visits the first ready entry of each level.
func (r *readyList) heads(fn func(*Entry)) {
	for i := range r.levels {
		d := &r.levels[i]
		d.trimFront()
		if e := d.front(); e != nil {
			fn(e)
		}
	}
}

// drain removes every ready entry, visiting each.
func (r *readyList) drain(fn func(*Entry)) {
	for i := range r.levels {
		d := &r.levels[i]
		for d.len() > 0 {
			e := d.popFront()
			if e.state == stateReady {
				fn(e)
			}
		}
	}
	r.count, r.bytes = 0, 0
}
