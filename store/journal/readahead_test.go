package journal

import (
	"bytes"
	"fmt"
	"testing"
	"unsafe"
)

func TestReadAheadReturnsTheSameRecordsAsReadInAnyOrder(t *testing.T) {
	j, pos, want := appendSynced(t, 1, 300, func(i int) []byte {
		return bytes.Repeat([]byte(fmt.Sprint(i%10)), 100+i*7%900)
	})
	ra := j.NewReadAhead(4096)
	// Ascending (the common case), then a jump back, then across segments.
	order := []int{0, 1, 2, 3, 50, 51, 4, 299, 100, 101, 102, 5, 298}
	for _, i := range order {
		got, err := ra.Read(pos[i])
		if err != nil {
			t.Fatalf("record %d at %v: %v", i, pos[i], err)
		}
		if !bytes.Equal(got.Payload, want[i]) || got.Type != 1 {
			t.Fatalf("record %d: payload of %d bytes differs", i, len(got.Payload))
		}
	}
	first, _ := ra.Read(pos[10])
	second, _ := ra.Read(pos[11])
	if &first.Payload[0] == &second.Payload[0] || !bytes.Equal(first.Payload, want[10]) {
		t.Fatal("a payload shares the reader's window")
	}
}

func TestPeekReturnsTheSameRecordsAsReadWithoutCopyingFromTheWindow(t *testing.T) {
	j, pos, want := appendSynced(t, 2, 120, func(i int) []byte {
		n := 100 + i*7%900
		if i%40 == 39 {
			n = 6000 // larger than the window: served by Journal.Read
		}
		return bytes.Repeat([]byte{byte('a' + i%26)}, n)
	})
	ra := j.NewReadAhead(4096)
	for _, i := range []int{0, 1, 2, 39, 40, 41, 7, 119, 79, 80, 3} {
		got, err := ra.Peek(pos[i])
		if err != nil {
			t.Fatalf("record %d at %v: %v", i, pos[i], err)
		}
		if !bytes.Equal(got.Payload, want[i]) || got.Type != 2 {
			t.Fatalf("record %d: payload of %d bytes differs from the %d appended", i, len(got.Payload), len(want[i]))
		}
	}
	// Two neighbours lie in one window as they lie in the file: no copy.
	first, _ := ra.Peek(pos[10])
	second, _ := ra.Peek(pos[11])
	gap := uintptr(unsafe.Pointer(&second.Payload[0])) - uintptr(unsafe.Pointer(&first.Payload[0]))
	if pos[10].Seg != pos[11].Seg || gap != uintptr(pos[11].Off-pos[10].Off) {
		t.Fatalf("payloads %d bytes apart in memory, records %d apart in the file", gap, pos[11].Off-pos[10].Off)
	}
	if !bytes.Equal(first.Payload, want[10]) {
		t.Fatal("a peeked payload changed when its neighbour in the window was peeked")
	}
}

// appendSynced appends n records of type typ to a fresh journal of 64 KiB
// segments and returns where they went and what they hold.
func appendSynced(t *testing.T, typ byte, n int, payload func(int) []byte) (*Journal, []Pos, [][]byte) {
	t.Helper()
	j, err := Open(t.TempDir(), Options{SegmentSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	var pos []Pos
	var want [][]byte
	for i := range n {
		b := payload(i)
		p, err := j.Append(Record{Type: typ, Payload: b}, nil)
		if err != nil {
			t.Fatal(err)
		}
		pos, want = append(pos, p), append(want, b)
	}
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	return j, pos, want
}
