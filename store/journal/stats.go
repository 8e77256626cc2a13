package journal

import "time"

// FsyncBuckets are the upper bounds of Stats.FsyncHist; the last bucket of
// FsyncHist counts everything slower.
var FsyncBuckets = [...]time.Duration{
	100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
	10 * time.Millisecond, 25 * time.Millisecond, 100 * time.Millisecond,
}

// Stats is a snapshot of the journal's state and counters.
type Stats struct {
	Segments    int   // segment files
	DiskBytes   int64 // bytes the files occupy, preallocation included
	DataBytes   int64 // bytes of headers and records in the segments
	LiveBytes   int64 // bytes of live positive records
	LiveRecords int64 // live positive records
	Buffered    int   // bytes appended but not yet handed to the writer

	Appends     uint64 // Append calls that succeeded
	AppendBytes uint64 // payload bytes of those
	Fsyncs      uint64
	FsyncTotal  time.Duration
	FsyncLast   time.Duration
	FsyncMax    time.Duration
	FsyncHist   [len(FsyncBuckets) + 1]uint64

	Erased      uint64 // Linger records erased by a cancel before being written
	VoidBatches uint64 // write batches of erased records only, left without an fsync

	Compactions uint64 // segments compacted
	Relocated   uint64 // records moved by compaction
	Reclaimed   uint64 // segments deleted
}

type counters struct {
	appends, appendBytes uint64
	fsyncs               uint64
	fsyncTotal           time.Duration
	fsyncLast, fsyncMax  time.Duration
	fsyncHist            [len(FsyncBuckets) + 1]uint64
	compactions          uint64
	relocated, reclaimed uint64
	erased, voidBatches  uint64
}

func (c *counters) recordFsync(d time.Duration) {
	c.fsyncs++
	c.fsyncTotal += d
	c.fsyncLast = d
	c.fsyncMax = max(c.fsyncMax, d)
	i := 0
	for i < len(FsyncBuckets) && d > FsyncBuckets[i] {
		i++
	}
	c.fsyncHist[i]++
}

// Stats returns current figures. It is cheap enough to scrape often: it
// walks the segment list, not the records.
func (j *Journal) Stats() Stats {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := Stats{
		Segments:    len(j.order),
		Buffered:    j.pendBytes,
		Appends:     j.st.appends,
		AppendBytes: j.st.appendBytes,
		Fsyncs:      j.st.fsyncs,
		FsyncTotal:  j.st.fsyncTotal,
		FsyncLast:   j.st.fsyncLast,
		FsyncMax:    j.st.fsyncMax,
		FsyncHist:   j.st.fsyncHist,
		Erased:      j.st.erased,
		VoidBatches: j.st.voidBatches,
		Compactions: j.st.compactions,
		Relocated:   j.st.relocated,
		Reclaimed:   j.st.reclaimed,
	}
	for _, s := range j.order {
		st.DiskBytes += max(s.disk, int64(s.written))
		st.DataBytes += int64(s.size)
		st.LiveBytes += s.liveBytes
		st.LiveRecords += int64(s.live)
	}
	return st
}
