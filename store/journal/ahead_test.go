package journal

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// Open and Replay read segments on a second goroutine, windows ahead of
// the records' use, handing each window on rather than reusing it. A
// Replay callback that lags must still see every payload whole and in
// order, including one larger than a window, across many windows.
func TestReplayPayloadsStayIntactWhileTheCallbackLags(t *testing.T) {
	o := quiet(64 << 20)
	dir := t.TempDir()
	sizes := func(i int) int {
		if i == 2500 {
			return 3 * scanWindow / 2 // read outside the windows
		}
		return 700 + i%900
	}
	j := openT(t, dir, o)
	const n = 6000 // about 7 MiB: seven windows
	for i := range n {
		mustAppend(t, j, Record{Type: 1, Payload: payloadFor(uint64(i), sizes(i))})
	}
	closeT(t, j)

	j = openT(t, dir, o)
	i := 0
	err := j.Replay(func(p Pos, r Record) error {
		if !bytes.Equal(r.Payload, payloadFor(uint64(i), sizes(i))) {
			t.Fatalf("record %d at %v: payload of %d bytes is not the one appended", i, p, len(r.Payload))
		}
		i++
		if i%500 == 0 {
			time.Sleep(3 * time.Millisecond) // let the reader run ahead
		}
		return nil
	})
	if err != nil || i != n {
		t.Fatalf("Replay: %v after %d records, want %d", err, i, n)
	}
}

// A flipped bit many windows into the newest segment: Open, scanning
// ahead, stops at exactly that record and cuts the tail there.
func TestFlippedBitDeepInTheNewestSegmentCutsTheTailThere(t *testing.T) {
	o := quiet(64 << 20)
	dir := t.TempDir()
	ps := writeJournal(t, dir, o, 5000, 1000) // about 5 MiB
	victim := ps[4321]
	flipBit(t, filepath.Join(dir, segmentName(victim.Seg)), int64(victim.Off)+hdrSize+500)
	checkPrefixThenAppend(t, dir, o, 4321, 1000)
}

// A caller that stops early stops the producer: RunAhead returns only
// after produce has, so nothing reads the journal behind the caller's back.
// An error from produce comes after every item added before it.
func TestRunAheadStopsTheProducerAndDeliversItsError(t *testing.T) {
	var returned bool
	produce := func(failAt int) func(a *Ahead[int]) ([]byte, error) {
		return func(a *Ahead[int]) ([]byte, error) {
			defer func() { returned = true }()
			for i := 0; ; i++ {
				if i == failAt {
					return nil, errors.New("disk on fire")
				}
				if i%100 == 99 {
					a.Put(a.Get())
				}
				if !a.Add(i) {
					return nil, nil
				}
			}
		}
	}
	n := 0
	for it, err := range RunAhead(produce(-1)) {
		if err != nil || it != n {
			t.Fatalf("item %d: got %d, %v", n, it, err)
		}
		if n++; n == 2500 {
			break
		}
	}
	if !returned {
		t.Fatal("RunAhead returned before produce did")
	}
	n, returned = 0, false
	var got error
	for it, err := range RunAhead(produce(3000)) {
		if err != nil {
			got = err
			break
		}
		if it != n {
			t.Fatalf("item %d: got %d", n, it)
		}
		n++
	}
	if n != 3000 || got == nil || got.Error() != "disk on fire" || !returned {
		t.Fatalf("%d items then %v (produce returned: %v); want 3000 then the error", n, got, returned)
	}
}
