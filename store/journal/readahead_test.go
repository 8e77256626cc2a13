package journal

import (
	"bytes"
	"fmt"
	"testing"
)

func TestReadAheadReturnsTheSameRecordsAsReadInAnyOrder(t *testing.T) {
	j, err := Open(t.TempDir(), Options{SegmentSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var pos []Pos
	var want [][]byte
	for i := range 300 {
		payload := bytes.Repeat([]byte(fmt.Sprint(i%10)), 100+i*7%900)
		p, err := j.Append(Record{Type: 1, Payload: payload}, nil)
		if err != nil {
			t.Fatal(err)
		}
		pos, want = append(pos, p), append(want, payload)
	}
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
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
