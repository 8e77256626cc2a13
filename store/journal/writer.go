package journal

import (
	"fmt"
	"os"
	"time"
)

// writer is the state private to the writer goroutine.
type writer struct {
	dirty    []*segment // written since the last fsync
	dirDirty bool       // a segment file was created since the last fsync
	lastSync time.Time
}

// writeLoop is the single goroutine that writes and fsyncs. Appenders only
// copy into j.pending; each pass here takes everything pending, writes it
// and (per policy) fsyncs once, so one fsync covers every record that
// arrived while the previous one ran.
func (j *Journal) writeLoop() {
	defer close(j.writerDone)
	w := &writer{lastSync: time.Now()}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	armed := false
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for {
		select {
		case <-j.wake:
		case <-timer.C:
			armed = false
		case <-linger.C:
		}
		for {
			j.mu.Lock()
			force := j.forceSeq > j.durable
			closing := j.closing
			failed := j.err != nil
			if wait := j.lingerLocked(force || closing || failed); wait > 0 {
				j.mu.Unlock()
				linger.Reset(wait)
				break
			}
			batch := j.pending
			j.pending, j.pendBytes = nil, 0
			j.inflight = batch
			upTo := j.nextSeq - 1
			// A batch of nothing but erased records needs no fsync of its
			// own once everything before it is durable.
			voidOnly := len(batch) > 0 && j.pendOther == 0 && len(j.lingering) == 0 && j.durable >= j.written
			clear(j.lingering)
			j.pendOther = 0
			if len(batch) > 0 {
				j.spaceCond.Broadcast()
			}
			j.mu.Unlock()

			if failed {
				j.failWaiters()
				if closing {
					return
				}
				break
			}
			h := j.opts.hooks
			if h != nil && h.beforeWrite != nil && len(batch) > 0 {
				h.beforeWrite()
			}
			err := w.writeBatch(j, batch)
			if h != nil && h.wrote != nil && err == nil && len(batch) > 0 {
				c := batch[len(batch)-1]
				h.wrote(Pos{c.seg.id, c.off + uint32(len(c.buf))})
			}
			j.mu.Lock()
			if err == nil {
				for _, c := range batch {
					c.seg.written = c.off + uint32(len(c.buf))
					if c.create {
						c.seg.disk = max(c.seg.disk, int64(c.seg.written))
					}
				}
				j.written = upTo
			}
			j.inflight = nil
			j.recycleLocked(batch)
			durable := j.durable
			j.mu.Unlock()

			mode := j.opts.Sync.mode
			since := time.Since(w.lastSync)
			syncNow := err == nil && upTo > durable && (mode == modeAlways || force || closing ||
				(mode == modeInterval && since >= j.opts.Sync.interval))
			if syncNow && voidOnly && !force && !closing {
				j.mu.Lock()
				j.durable = upTo
				j.st.voidBatches++
				j.mu.Unlock()
			} else if syncNow {
				err = w.sync(j)
				if err == nil {
					j.mu.Lock()
					j.durable = upTo
					j.mu.Unlock()
				}
			} else if err == nil && mode == modeInterval && upTo > durable && !armed {
				timer.Reset(j.opts.Sync.interval - since)
				armed = true
			}
			if err != nil {
				j.mu.Lock()
				if j.err == nil {
					j.err = err
				}
				j.mu.Unlock()
				continue // the failed branch above releases every waiter
			}
			j.fireWaiters()

			if closing {
				j.mu.Lock()
				more := len(j.pending) > 0
				j.mu.Unlock()
				if !more {
					if err := w.finish(j); err != nil {
						j.mu.Lock()
						if j.err == nil {
							j.err = err
						}
						j.mu.Unlock()
					}
					return
				}
				continue
			}
			j.mu.Lock()
			more := len(j.pending) > 0 || j.forceSeq > j.durable
			j.mu.Unlock()
			if !more {
				break
			}
		}
	}
}

// writeBatch writes chunks in order, creating segment files as it meets them.
func (w *writer) writeBatch(j *Journal, batch []*chunk) error {
	for _, c := range batch {
		if c.create {
			if err := w.create(j, c.seg); err != nil {
				return err
			}
		}
		s := c.seg
		s.fmu.RLock()
		_, err := s.f.WriteAt(c.buf, int64(c.off))
		s.fmu.RUnlock()
		if err != nil {
			return fmt.Errorf("journal: write segment %s: %w", segmentName(s.id), err)
		}
		if n := len(w.dirty); n == 0 || w.dirty[n-1] != s {
			w.dirty = append(w.dirty, s)
		}
		if c.seals {
			if err := w.trim(j, s, c.off+uint32(len(c.buf))); err != nil {
				return err
			}
		}
	}
	return nil
}

// create makes the file for a new segment. Older segments written since the
// last fsync are fsynced first: recovery relies on a newer file meaning the
// older ones are complete and sealed.
func (w *writer) create(j *Journal, s *segment) error {
	if j.opts.Sync.mode != modeNever && len(w.dirty) > 0 {
		if err := w.sync(j); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("journal: create segment: %w", err)
	}
	var disk int64
	if !j.opts.NoPrealloc {
		if preallocate(f, j.opts.SegmentSize) == nil {
			disk = j.opts.SegmentSize
		}
	}
	s.fmu.Lock()
	s.f = f
	s.fmu.Unlock()
	j.mu.Lock()
	s.disk = disk
	j.mu.Unlock()
	w.dirDirty = true
	return nil
}

// trim gives back the preallocated space after a sealed segment's data.
func (w *writer) trim(j *Journal, s *segment, size uint32) error {
	if j.opts.NoPrealloc {
		return nil
	}
	s.fmu.RLock()
	err := s.f.Truncate(int64(size))
	s.fmu.RUnlock()
	if err != nil {
		return fmt.Errorf("journal: trim segment %s: %w", segmentName(s.id), err)
	}
	j.mu.Lock()
	s.disk = int64(size)
	j.mu.Unlock()
	return nil
}

// sync fsyncs every segment written since the last fsync, and the directory
// if a file was created.
func (w *writer) sync(j *Journal) error {
	if h := j.opts.hooks; h != nil && h.syncStart != nil {
		h.syncStart()
	}
	start := time.Now()
	for _, s := range w.dirty {
		s.fmu.RLock()
		var err error
		if !s.closed { // reclaim may have deleted a dead segment meanwhile
			err = fdatasync(s.f)
		}
		s.fmu.RUnlock()
		if err != nil {
			return fmt.Errorf("journal: fsync segment %s: %w", segmentName(s.id), err)
		}
	}
	w.dirty = w.dirty[:0]
	if w.dirDirty {
		if err := j.dirf.Sync(); err != nil {
			return fmt.Errorf("journal: fsync directory: %w", err)
		}
		w.dirDirty = false
	}
	w.lastSync = time.Now()
	j.mu.Lock()
	j.st.recordFsync(w.lastSync.Sub(start))
	j.mu.Unlock()
	if h := j.opts.hooks; h != nil && h.syncEnd != nil {
		h.syncEnd()
	}
	return nil
}

// finish runs at Close: the head's preallocated tail is given back so a
// closed journal occupies what it holds.
func (w *writer) finish(j *Journal) error {
	j.mu.Lock()
	h := j.head
	size := h.size
	j.mu.Unlock()
	if j.opts.NoPrealloc || h.f == nil {
		return nil
	}
	if err := h.f.Truncate(int64(size)); err != nil {
		return fmt.Errorf("journal: trim segment %s: %w", segmentName(h.id), err)
	}
	if err := fdatasync(h.f); err != nil {
		return fmt.Errorf("journal: fsync segment %s: %w", segmentName(h.id), err)
	}
	return nil
}

func (j *Journal) recycleLocked(batch []*chunk) {
	for _, c := range batch {
		if cap(c.buf) == chunkBytes && len(j.freeBufs) < 32 {
			j.freeBufs = append(j.freeBufs, c.buf[:0])
		}
		c.buf = nil
	}
}

// fireWaiters runs the callbacks whose records the policy now counts as
// durable, and releases Sync callers.
func (j *Journal) fireWaiters() {
	j.mu.Lock()
	limit := j.durable
	if j.opts.Sync.mode == modeNever {
		limit = j.written
	}
	n := 0
	for n < len(j.waiters) && j.waiters[n].seq <= limit {
		n++
	}
	ready := make([]waiter, n)
	copy(ready, j.waiters)
	j.waiters = append(j.waiters[:0], j.waiters[n:]...)
	m := 0
	for m < len(j.syncWait) && j.syncWait[m].seq <= j.durable {
		m++
	}
	syncs := append([]syncWaiter(nil), j.syncWait[:m]...)
	j.syncWait = append(j.syncWait[:0], j.syncWait[m:]...)
	j.inCB = true
	j.mu.Unlock()

	for _, w := range ready {
		w.fn(nil)
	}
	for _, s := range syncs {
		s.done <- nil
	}

	j.mu.Lock()
	j.inCB = false
	j.spaceCond.Broadcast()
	j.mu.Unlock()
}

// failWaiters hands the sticky error to everyone still waiting.
func (j *Journal) failWaiters() {
	j.mu.Lock()
	err := j.err
	ready := j.waiters
	syncs := j.syncWait
	j.waiters, j.syncWait = nil, nil
	j.pending, j.pendBytes = nil, 0
	clear(j.lingering)
	j.pendOther = 0
	j.spaceCond.Broadcast()
	j.mu.Unlock()
	for _, w := range ready {
		w.fn(err)
	}
	for _, s := range syncs {
		s.done <- err
	}
}

// lingerLocked says how much longer the writer should leave the pending
// records alone: while all of them are Linger records (or erased ones)
// younger than Options.Linger and nobody forces a write. Every other append
// kicks the writer, which then takes everything.
func (j *Journal) lingerLocked(urgent bool) time.Duration {
	if urgent || len(j.lingering) == 0 || j.pendOther > 0 {
		return 0
	}
	return j.opts.Linger - time.Since(j.lingerSince)
}
