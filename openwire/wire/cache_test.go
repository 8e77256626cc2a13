package wire

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
)

func TestCachedNullIsStoredAndReferencedLikeAValue(t *testing.T) {
	f := testFormat(12, false, true)
	w := newTestCodec(t, f)
	ti := &TransactionInfo{ConnectionId: &ConnectionId{Value: "c"}, Type: TxBegin} // TransactionId nil
	first := mustAppend(t, w, ti)
	second := mustAppend(t, w, ti)
	// loose, after size, type, CommandId, RR:
	// first:  isNew 1, index 0, present 1, type 120, Value …; then isNew 1, index 1, present 0 (the null)
	// second: isNew 0, index 0; isNew 0, index 1
	if !bytes.Equal(first[10:14], unhex(t, "01 0000 01")) || !bytes.Equal(first[len(first)-5:], unhex(t, "01 0001 00 00")) {
		t.Errorf("first frame % x", first)
	}
	if !bytes.Equal(second[10:], unhex(t, "00 0000 00 0001 00")) {
		t.Errorf("second frame % x", second)
	}
}

func TestEqualIdentifiersShareACacheEntry(t *testing.T) {
	w := newTestCodec(t, testFormat(12, true, true))
	mustAppend(t, w, &SessionInfo{SessionId: &SessionId{ConnectionId: "c", Value: 1}})
	// A different pointer with equal content is a cache hit, as Java's equals().
	again := mustAppend(t, w, &SessionInfo{SessionId: &SessionId{ConnectionId: "c", Value: 1}})
	if !bytes.Equal(again, unhex(t, "00000009 04 01 00 00000000 0000")) {
		t.Errorf("second SessionInfo % x", again)
	}
	other := mustAppend(t, w, &SessionInfo{SessionId: &SessionId{ConnectionId: "c", Value: 2}})
	if other[len(other)-1] == 0 && len(other) == len(again) {
		t.Errorf("a different SessionId hit the cache: % x", other)
	}
}

// TestTinyCacheOverflowAndEvictionStayInStep uses a 4-slot cache: a frame
// with more new IDs than slots gets index -1 ("not cached") for the
// overflow, as Java does, and the next frame's sweep empties the cache
// (Java keeps at most S-100 entries between frames).
func TestTinyCacheOverflowAndEvictionStayInStep(t *testing.T) {
	f := testFormat(12, false, true)
	f.CacheSize = 4
	w, r := newTestCodec(t, f), newTestCodec(t, f)
	var ids []DataStructure
	for i := range 6 {
		ids = append(ids, &LocalTransactionId{Value: int64(i), ConnectionId: &ConnectionId{Value: fmt.Sprint("conn", i)}})
	}
	cmds := []Command{
		&DataArrayResponse{Data: ids},
		&TransactionInfo{TransactionId: ids[0].(TransactionId), ConnectionId: &ConnectionId{Value: "conn5"}},
		&DataArrayResponse{Data: ids},
	}
	for i, c := range cmds {
		frame := mustAppend(t, w, c)
		if i == 0 && !bytes.Contains(frame, unhex(t, "01 ffff 01 78 01 0005 636f6e6e34")) {
			t.Errorf("the fifth new ConnectionId is not sent with index -1: % x", frame)
		}
		got, _, err := r.Unmarshal(frame)
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Fatalf("command %d: %v\n%#v", i, err, got)
		}
	}
}

func TestCacheSizeBelowJavasFreeSpaceEvictsEverythingBetweenFrames(t *testing.T) {
	// Java's sweep never terminates for S < 100; we empty the cache instead,
	// which still agrees with any reader.
	f := testFormat(12, true, true)
	f.CacheSize = 50
	w, r := newTestCodec(t, f), newTestCodec(t, f)
	si := &SessionInfo{SessionId: &SessionId{ConnectionId: "c", Value: 1}}
	a, b := mustAppend(t, w, si), mustAppend(t, w, si)
	// bits: RR, isNew; data: CommandId, index. The entry was evicted, so
	// the second frame sends it again, in the next round-robin slot.
	if a[6]&0b10 == 0 || b[6]&0b10 == 0 || !bytes.Equal(a[11:13], []byte{0, 0}) || !bytes.Equal(b[11:13], []byte{0, 1}) {
		t.Errorf("frames % x / % x", a, b)
	}
	for _, frame := range [][]byte{a, b} {
		if got, _, err := r.Unmarshal(frame); err != nil || !reflect.DeepEqual(got, si) {
			t.Fatalf("%v %#v", err, got)
		}
	}
}

func TestReaderRejectsCacheIndexesOutsideTheCache(t *testing.T) {
	f := testFormat(12, false, true)
	for name, body := range map[string]string{
		"reference past the end": "00000000 00 00 0400",
		"negative reference":     "00000000 00 00 fffe",
		"new entry past the end": "00000000 00 01 0400 00",
	} {
		frame := append(unhex(t, "00000000 04"), unhex(t, body)...)
		frame[3] = byte(len(frame) - 4)
		if _, _, err := newTestCodec(t, f).Unmarshal(frame); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func TestRefusedCommandLeavesEarlierCacheEntriesAlone(t *testing.T) {
	f := testFormat(2, true, true)
	w, r := newTestCodec(t, f), newTestCodec(t, f)
	si := &SessionInfo{SessionId: &SessionId{ConnectionId: "c", Value: 1}}
	first := mustAppend(t, w, si)
	if _, err := w.AppendCommand(nil, &ProducerAck{}); err == nil {
		t.Fatal("ProducerAck accepted in version 2")
	}
	second := mustAppend(t, w, si)
	if second[6]&0b10 != 0 {
		t.Errorf("the SessionId was sent as new again: % x", second)
	}
	for _, frame := range [][]byte{first, second} {
		if got, _, err := r.Unmarshal(frame); err != nil || !reflect.DeepEqual(got, si) {
			t.Fatalf("%v %#v", err, got)
		}
	}
}

// The writer's slots grow as they fill; thousands of distinct identifiers
// through a full-size cache must wrap, evict and still decode the same.
func TestFullSizeCacheGrowsWrapsAndEvictsInStep(t *testing.T) {
	f := testFormat(12, true, true)
	f.CacheSize = 1024
	w, r := newTestCodec(t, f), newTestCodec(t, f)
	for batch := range 30 {
		var ids []DataStructure
		for i := range 100 {
			ids = append(ids, &ConnectionId{Value: fmt.Sprint("conn-", batch*100+i%(60+batch))})
		}
		c := &DataArrayResponse{Data: ids}
		got, _, err := r.Unmarshal(mustAppend(t, w, c))
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Fatalf("batch %d: %v", batch, err)
		}
	}
}
