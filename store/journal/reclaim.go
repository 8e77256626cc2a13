package journal

import (
	"fmt"
	"os"
	"time"
)

// startMaintenanceLocked starts the background reclaim and compaction loop.
func (j *Journal) startMaintenanceLocked() {
	if j.phase == phaseRunning {
		return
	}
	j.phase = phaseRunning
	go j.maintainLoop()
}

func (j *Journal) maintainLoop() {
	defer close(j.maintDone)
	var tick <-chan time.Time
	if j.opts.MaintainEvery > 0 {
		t := time.NewTicker(j.opts.MaintainEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-j.maintStop:
			return
		case <-j.maintWake:
		case <-tick:
		}
		j.maintMu.Lock()
		err := j.maintain()
		j.maintMu.Unlock()
		if err != nil {
			j.log.Error("journal: maintenance failed", "err", err)
		}
	}
}

// Compact writes out everything appended, then runs one reclaim and
// compaction pass and returns when it is done: dead segments are deleted and
// segments under the live ratio are compacted. The background loop does the
// same on its own schedule, skipping segments still being written.
func (j *Journal) Compact() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return ErrClosed
	}
	if j.phase == phaseOpened {
		j.startMaintenanceLocked()
	}
	j.mu.Unlock()
	if err := j.syncTo(0); err != nil {
		return err
	}
	j.maintMu.Lock()
	defer j.maintMu.Unlock()
	if j.maintOff {
		return ErrClosed
	}
	return j.maintain()
}

// maintain reclaims what is dead, then compacts the oldest eligible segment
// and reclaims again, until no segment is eligible.
func (j *Journal) maintain() error {
	var last uint32
	for {
		if err := j.reclaim(); err != nil {
			return err
		}
		if j.stopping() {
			return nil
		}
		s := j.compactCandidate(last)
		if s == nil {
			return nil
		}
		last = s.id
		if err := j.compact(s); err != nil {
			return err
		}
	}
}

func (j *Journal) stopping() bool {
	select {
	case <-j.maintStop:
		return true
	default:
		return false
	}
}

// deletableLocked applies the reclaim rule to every segment, oldest first.
// A segment may go when
//   - it is not the head, is sealed and fully written,
//   - it holds no live positive record, and
//   - every other segment its records name (the targets of its cancels, the
//     originals of its moved copies) is already gone or goes in this pass.
//
// The last clause is Artemis's rule: deleting a cancel while its target
// still exists would bring the target back at the next recovery. References
// only point to older segments, so one pass in ascending order decides it,
// and deleting in ascending order keeps every intermediate state safe.
func (j *Journal) deletableLocked() []*segment {
	var del []*segment
	going := make(map[uint32]bool)
	for _, s := range j.order {
		if s == j.head || !s.sealed || s.written != s.size || s.live != 0 {
			continue
		}
		ok := true
		for t := range s.refs {
			if j.segs[t] != nil && !going[t] {
				ok = false
				break
			}
		}
		if ok {
			going[s.id] = true
			del = append(del, s)
		}
	}
	return del
}

// reclaim deletes every segment the reclaim rule allows.
func (j *Journal) reclaim() error {
	j.mu.Lock()
	del := j.deletableLocked()
	upTo := j.nextSeq - 1
	j.mu.Unlock()
	if len(del) == 0 {
		return nil
	}
	// Whatever killed these records (cancels, compaction's copies) must be
	// on disk before the records go: a crash that lost a copy after its
	// original was deleted would lose the record. No new record can name a
	// dead segment, so the set stays valid while we wait.
	if err := j.syncTo(upTo); err != nil {
		return err
	}
	j.mu.Lock()
	gone := make(map[uint32]bool, len(del))
	for _, s := range del {
		gone[s.id] = true
		delete(j.segs, s.id)
	}
	kept := j.order[:0]
	for _, s := range j.order {
		if !gone[s.id] {
			kept = append(kept, s)
		}
	}
	clear(j.order[len(kept):])
	j.order = kept
	j.mu.Unlock()

	// Removals become durable in ascending order: a segment that names one
	// removed in this pass waits for a directory fsync first, so a crash can
	// never keep a target while losing its cancel. Others share one fsync.
	unsynced := make(map[uint32]bool)
	for _, s := range del {
		for t := range s.refs {
			if unsynced[t] {
				if err := j.syncDir(); err != nil {
					return err
				}
				clear(unsynced)
				break
			}
		}
		s.fmu.Lock()
		s.closed = true
		cerr := s.f.Close()
		s.fmu.Unlock()
		if err := os.Remove(s.path); err != nil {
			return fmt.Errorf("journal: delete segment %s: %w", segmentName(s.id), err)
		}
		unsynced[s.id] = true
		if cerr != nil {
			j.log.Warn("journal: closing deleted segment", "segment", segmentName(s.id), "err", cerr)
		}
		j.mu.Lock()
		j.st.reclaimed++
		j.mu.Unlock()
	}
	return j.syncDir()
}

func (j *Journal) syncDir() error {
	if err := j.dirf.Sync(); err != nil {
		return fmt.Errorf("journal: fsync directory: %w", err)
	}
	return nil
}
