package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

// fuzzDir prefers tmpfs: every Open fsyncs, which would starve the fuzzer.
func fuzzDir(t *testing.T) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		d, err := os.MkdirTemp("/dev/shm", "journal-fuzz-")
		if err == nil {
			t.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return t.TempDir()
}

// validSegment returns the bytes of a segment holding a few records of
// every kind a single segment can hold.
func validSegment(t testing.TB) []byte {
	dir := t.TempDir()
	o := quiet(0)
	o.NoPrealloc = true
	j := openT(t, dir, o)
	a := mustAppend(t, j, Record{Type: 1, Payload: []byte("first")})
	mustAppend(t, j, Record{Type: 2, Payload: payloadFor(5, 300)})
	mustAppend(t, j, Record{Type: 3, Payload: []byte("ack"), Cancels: a})
	mustAppend(t, j, Record{Type: 4})
	closeT(t, j)
	b, err := os.ReadFile(filepath.Join(dir, segmentName(1)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzReplay feeds arbitrary bytes as a segment file: as the newest segment
// (torn tails are cut) or as an older one (corruption is an error, or is
// skipped). Recovery must never panic, must deliver only a contiguous
// prefix of intact records, and the journal must accept appends after it.
func FuzzReplay(f *testing.F) {
	seg := validSegment(f)
	f.Add(seg, false, false)
	f.Add(seg, true, false)
	f.Add(seg, true, true)
	f.Add(seg[:len(seg)-5], false, false)
	f.Add(seg[:40], false, false)
	f.Add(append(append([]byte{}, seg...), make([]byte, 100)...), false, false)
	flipped := append([]byte{}, seg...)
	flipped[60] ^= 1
	f.Add(flipped, true, true)
	f.Add([]byte{}, false, false)
	f.Add(make([]byte, 64), true, false)

	f.Fuzz(func(t *testing.T, data []byte, older, skip bool) {
		dir := fuzzDir(t)
		if err := os.WriteFile(filepath.Join(dir, segmentName(1)), data, 0o644); err != nil {
			t.Fatal(err)
		}
		const laterBase = 1 << 40
		if older { // a valid newer segment after the fuzzed one
			b := encodeSegHeader(2, laterBase)
			b = appendRecord(b, laterBase, kindPositive, 9, Pos{}, []byte("later"))
			if err := os.WriteFile(filepath.Join(dir, segmentName(2)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		o := quiet(0)
		o.NoPrealloc = true
		o.SkipCorrupt = skip
		j, err := Open(dir, o)
		if err != nil {
			if !older || skip || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open: %v", err)
			}
			return
		}
		defer j.Close()
		var got []entry
		if err := j.Replay(func(p Pos, r Record) error {
			r.Payload = bytes.Clone(r.Payload)
			got = append(got, entry{p, r})
			return nil
		}); err != nil {
			t.Fatalf("Replay: %v", err)
		}
		// A fuzzed header may claim sequence numbers past the later
		// segment's; recovery then rightly restarts that later segment.
		base, herr := decodeSegHeader(data, 1)
		if older && (herr != nil || base+uint64(len(data)) < laterBase) {
			if n := len(got); n == 0 || got[n-1].p != (Pos{2, segHeaderSize}) || string(got[n-1].r.Payload) != "later" {
				t.Fatalf("the valid later segment was not replayed last: %v", got)
			}
			got = got[:len(got)-1]
		} else if older && len(got) > 0 && got[len(got)-1].p.Seg == 2 {
			got = got[:len(got)-1]
		}
		checkPrefix(t, data, got)

		p, err := j.AppendSync(Record{Type: 7, Payload: []byte("after")})
		if err != nil {
			t.Fatalf("append after recovery: %v", err)
		}
		if r, err := j.Read(p); err != nil || string(r.Payload) != "after" {
			t.Fatalf("Read after recovery: %q %v", r.Payload, err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		j2, err := Open(dir, o)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer j2.Close()
		var again []entry
		if err := j2.Replay(func(p Pos, r Record) error {
			r.Payload = bytes.Clone(r.Payload)
			again = append(again, entry{p, r})
			return nil
		}); err != nil {
			t.Fatalf("second Replay: %v", err)
		}
		if len(again) < len(got)+1 || again[len(again)-1].p != p {
			t.Fatalf("after reopen %d records ending at %v; want the %d recovered ones and the append at %v",
				len(again), again[len(again)-1].p, len(got), p)
		}
		checkPrefix(t, data, again[:len(got)])
	})
}

// checkPrefix verifies, without the package's decoder, that recs are the
// records found back to back from offset 32 of data, each with a checksum
// that matches its bytes.
func checkPrefix(t *testing.T, data []byte, recs []entry) {
	t.Helper()
	off := segHeaderSize
	for i, e := range recs {
		if e.p.Seg != 1 || int(e.p.Off) != off {
			t.Fatalf("record %d at %v, want 1:%d", i, e.p, off)
		}
		end := off + hdrSize + len(e.r.Payload)
		if end > len(data) {
			t.Fatalf("record %d at %v runs past the input", i, e.p)
		}
		raw := data[off:end]
		if crc32.Checksum(raw[4:], crc32.MakeTable(crc32.Castagnoli)) != binary.LittleEndian.Uint32(raw) {
			t.Fatalf("record %d at %v delivered with a bad checksum", i, e.p)
		}
		if !bytes.Equal(raw[hdrSize:], e.r.Payload) || raw[24] != e.r.Type {
			t.Fatalf("record %d at %v: delivered content differs from the input", i, e.p)
		}
		off = end
	}
}
