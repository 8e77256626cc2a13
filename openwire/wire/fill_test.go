package wire

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// filler produces random field values for the generated fill functions
// (gen_fill_test.go). It only ever fills fields that exist in version v, so
// what it builds must survive an encode/decode round trip unchanged.
type filler struct {
	r          *rand.Rand
	v          int
	stackTrace bool
	depth      int
	pool       map[string][]DataStructure // earlier cached values, to exercise cache hits
}

func newFiller(seed uint64, version int, stackTrace bool) *filler {
	return &filler{
		r:          rand.New(rand.NewPCG(seed, uint64(version))),
		v:          version,
		stackTrace: stackTrace,
		pool:       map[string][]DataStructure{},
	}
}

func (f *filler) bool() bool { return f.r.IntN(2) == 1 }
func (f *filler) int8() int8 { return int8(f.r.Uint32()) }
func (f *filler) magic() [8]byte {
	var m [8]byte
	for i := range m {
		m[i] = byte(f.r.Uint32())
	}
	return m
}

func (f *filler) int32() int32 {
	switch f.r.IntN(4) {
	case 0:
		return 0
	case 1:
		return int32(f.r.IntN(100))
	case 2:
		return -int32(f.r.IntN(100)) - 1
	}
	return int32(f.r.Uint32())
}

// long covers every tight size class: 0, 2, 4 and 8 bytes, and negatives.
func (f *filler) long() int64 {
	switch f.r.IntN(6) {
	case 0:
		return 0
	case 1:
		return int64(f.r.IntN(0x10000))
	case 2:
		return int64(f.r.Uint32())
	case 3:
		return -int64(f.r.IntN(3)) - 1
	case 4:
		return int64(f.r.Uint64() >> 1)
	}
	return int64(f.r.Uint64())
}

var sampleStrings = []string{"", "a", "queue.orders", "ID:host-1234-1700000000000-1:1", "é", "\x00", "😀", "a\x00b😀é€", strings.Repeat("x", 300)}

func (f *filler) idString() string { return sampleStrings[f.r.IntN(len(sampleStrings))] }

func (f *filler) nullString() NullString {
	if f.r.IntN(4) == 0 {
		return NullString{}
	}
	return Str(f.idString())
}

func (f *filler) bytes() []byte {
	switch f.r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []byte{}
	}
	b := make([]byte, f.r.IntN(40))
	for i := range b {
		b[i] = byte(f.r.Uint32())
	}
	return b
}

func (f *filler) throwable() *Throwable {
	if f.r.IntN(3) == 0 || f.depth > 3 {
		return nil
	}
	t := &Throwable{Class: "java.lang.IllegalStateException", Message: f.nullString()}
	if f.stackTrace {
		for i := f.r.IntN(4); i > 0; i-- {
			t.StackTrace = append(t.StackTrace, StackTraceElement{
				DeclaringClass: "org.example.C", MethodName: "m", FileName: f.nullString(), LineNumber: f.int32()})
		}
		f.depth++
		t.Cause = f.throwable()
		f.depth--
	}
	return t
}

// typeFor picks a concrete type ID for a field declared as typ.
func (f *filler) typeFor(typ string) byte {
	var ids []byte
	switch typ {
	case "DataStructure":
		for t := range typeInfo {
			if s := typeInfo[t].since; s != 0 && int(s) <= f.v {
				ids = append(ids, byte(t))
			}
		}
	case "TransactionId":
		ids = []byte{TypeLocalTransactionId, TypeXATransactionId}
	case "MessageCommand":
		for t := TypeActiveMQMessage; t <= TypeActiveMQBlobMessage; t++ {
			if int(typeInfo[t].since) <= f.v {
				ids = append(ids, t)
			}
		}
	case "*Destination":
		ids = []byte{TypeActiveMQQueue, TypeActiveMQTopic, TypeActiveMQTempQueue, TypeActiveMQTempTopic}
	default:
		for t := range typeInfo {
			if "*"+typeInfo[t].name == typ {
				return byte(t)
			}
		}
		panic("filler: no type for " + typ)
	}
	return ids[f.r.IntN(len(ids))]
}

func (f *filler) ds(typ string, cached bool) DataStructure {
	if f.depth >= 3 || f.r.IntN(4) == 0 {
		return nil
	}
	if p := f.pool[typ]; cached && len(p) > 0 && f.r.IntN(2) == 0 {
		return p[f.r.IntN(len(p))]
	}
	t := f.typeFor(typ)
	for cached && !cacheable(t) { // Java caches only IDs and destinations
		t = f.typeFor(typ)
	}
	ds := newDataStructure(t)
	f.depth++
	fillAny(f, ds)
	f.depth--
	if cached {
		f.pool[typ] = append(f.pool[typ], ds)
	}
	return ds
}

func pick[T DataStructure](f *filler, typ string, cached bool) T {
	var zero T
	ds := f.ds(typ, cached)
	if ds == nil {
		return zero
	}
	v, ok := ds.(T)
	if !ok {
		panic(fmt.Sprintf("filler: %T is not %s", ds, typ))
	}
	return v
}

func pickArray[T DataStructure](f *filler, typ string) []T {
	if f.r.IntN(3) == 0 {
		return nil
	}
	a := make([]T, f.r.IntN(3))
	for i := range a {
		a[i] = pick[T](f, typ, false)
	}
	return a
}
