package wire

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/junctionmq/junction/message"
)

// tableOf wraps name/value pairs (already encoded) into a field table.
func tableOf(pairs ...[]byte) []byte {
	body := bytes.Join(pairs, nil)
	return append(appendLong(nil, uint32(len(body))), body...)
}

// field encodes one name/value pair from a type letter and value bytes.
func field(name string, letter byte, value ...byte) []byte {
	b := append([]byte{byte(len(name))}, name...)
	b = append(b, letter)
	return append(b, value...)
}

func TestAppendTableWritesEachGoTypeWithItsLetter(t *testing.T) {
	cases := []struct {
		value any
		want  []byte // type letter and value
	}{
		{true, []byte{'t', 1}},
		{false, []byte{'t', 0}},
		{int8(-2), []byte{'b', 0xFE}},
		{uint8(200), []byte{'B', 200}},
		{int16(-2), []byte{'s', 0xFF, 0xFE}},
		{uint16(0xABCD), []byte{'u', 0xAB, 0xCD}},
		{int32(-2), []byte{'I', 0xFF, 0xFF, 0xFF, 0xFE}},
		{uint32(0xDEADBEEF), []byte{'i', 0xDE, 0xAD, 0xBE, 0xEF}},
		{int64(-2), []byte{'l', 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE}},
		{float32(1.5), []byte{'f', 0x3F, 0xC0, 0, 0}},
		{float64(1.5), []byte{'d', 0x3F, 0xF8, 0, 0, 0, 0, 0, 0}},
		{message.Decimal{Scale: 2, Value: -1}, []byte{'D', 2, 0xFF, 0xFF, 0xFF, 0xFF}},
		{"hé", []byte{'S', 0, 0, 0, 3, 'h', 0xC3, 0xA9}},
		{[]byte{1, 2}, []byte{'x', 0, 0, 0, 2, 1, 2}},
		{time.Unix(0x01020304, 0), []byte{'T', 0, 0, 0, 0, 1, 2, 3, 4}},
		{message.Table{"a": nil}, []byte{'F', 0, 0, 0, 3, 1, 'a', 'V'}},
		{[]any{int8(1), nil}, []byte{'A', 0, 0, 0, 3, 'b', 1, 'V'}},
		{nil, []byte{'V'}},
	}
	for _, c := range cases {
		got, err := AppendTable(nil, message.Table{"k": c.value})
		if err != nil {
			t.Errorf("%T %v: %v", c.value, c.value, err)
			continue
		}
		hexEqual(t, fmt.Sprintf("table holding %T", c.value), got, tableOf(field("k", c.want[0], c.want[1:]...)))
	}
}

func TestDecodeTableReadsEveryLetterOtherPeersSend(t *testing.T) {
	raw := tableOf(
		field("L", 'L', 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF), // RabbitMQ reads 'L' as signed
		field("U", 'U', 0xFF, 0xFE),                                     // the 0-9-1 grammar's short-int
		field("c", 'c', 0, 0, 0, 2, 'h', 'i'),                           // Qpid ASCII string
		field("C", 'C', 0, 0, 0, 2, 'h', 'o'),                           // Qpid wide string
		field("k", 'k', 'z'),                                            // Qpid character
		field("t", 't', 7),                                              // any non-zero octet is true
	)
	got, rest, err := DecodeTable(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 0 {
		t.Errorf("%d bytes left over", len(rest))
	}
	want := message.Table{"L": int64(-1), "U": int16(-2), "c": "hi", "C": "ho", "k": "z", "t": true}
	if !sameValue(got, want) {
		t.Errorf("decoded %#v, want %#v", got, want)
	}
}

func TestTablesRoundTripWithTheirTypes(t *testing.T) {
	in := message.Table{
		"bool": true, "int8": int8(-8), "uint8": uint8(8), "int16": int16(-16),
		"uint16": uint16(16), "int32": int32(-32), "uint32": uint32(32),
		"int64": int64(math.MinInt64), "float32": float32(math.Inf(-1)),
		"float64": math.NaN(), "decimal": message.Decimal{Scale: 3, Value: 12345},
		"string": "", "bytes": []byte{}, "time": time.Unix(1700000000, 0).UTC(),
		"void":  nil,
		"table": message.Table{"deeper": message.Table{"x": "y"}, "empty": message.Table{}},
		"array": []any{[]any{}, message.Table{"in": "array"}, "s", int32(1)},
	}
	raw, err := AppendTable(nil, in)
	if err != nil {
		t.Fatal(err)
	}
	out, rest, err := DecodeTable(append(raw, 0xAA))
	if err != nil {
		t.Fatal(err)
	}
	hexEqual(t, "rest after the table", rest, []byte{0xAA})
	if !sameValue(out, in) {
		t.Errorf("round trip:\n got %#v\nwant %#v", out, in)
	}
}

func TestAppendTableSortsNamesSoEqualTablesEncodeEqually(t *testing.T) {
	got, err := AppendTable(nil, message.Table{"b": int8(2), "a": int8(1), "c": int8(3)})
	if err != nil {
		t.Fatal(err)
	}
	hexEqual(t, "sorted table", got, tableOf(field("a", 'b', 1), field("b", 'b', 2), field("c", 'b', 3)))
}

func TestEmptyTablesDecodeAsNilAtTopAndEmptyWhenNested(t *testing.T) {
	top, _, err := DecodeTable([]byte{0, 0, 0, 0})
	if err != nil || top != nil {
		t.Errorf("empty table decoded as %#v, %v; want nil", top, err)
	}
	nested, _, err := DecodeTable(tableOf(field("t", 'F', 0, 0, 0, 0), field("a", 'A', 0, 0, 0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if tb, ok := nested["t"].(message.Table); !ok || tb == nil || len(tb) != 0 {
		t.Errorf("nested empty table decoded as %#v", nested["t"])
	}
	if a, ok := nested["a"].([]any); !ok || a == nil || len(a) != 0 {
		t.Errorf("nested empty array decoded as %#v", nested["a"])
	}
	raw, err := AppendTable([]byte{9}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hexEqual(t, "nil table", raw, []byte{9, 0, 0, 0, 0})
}

func TestDecodedValuesDoNotAliasTheInput(t *testing.T) {
	raw := tableOf(field("x", 'x', 0, 0, 0, 1, 'A'), field("s", 'S', 0, 0, 0, 1, 'B'))
	got, _, err := DecodeTable(raw)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		raw[i] = 0
	}
	if !bytes.Equal(got["x"].([]byte), []byte("A")) || got["s"] != "B" {
		t.Errorf("values changed with the input buffer: %#v", got)
	}
}

func TestDecodeTableRejectsMalformedInput(t *testing.T) {
	body := []byte{}
	for i := 0; i < maxDepth+2; i++ {
		body = field("n", 'F', append(appendLong(nil, uint32(len(body))), body...)...)
	}
	deep := tableOf(body)
	cases := []struct {
		name string
		raw  []byte
		want string
	}{
		{"no length", []byte{0, 0}, "truncated"},
		{"length past the end", []byte{0, 0, 0, 9, 1, 'a', 'V'}, "length 9 exceeds the 3 bytes left"},
		{"name past the end", tableOf([]byte{5, 'a'}), "table field name"},
		{"unknown letter", tableOf(field("q", 'Q')), `decode table field "q": unknown field value type 'Q'`},
		{"short value", tableOf(field("n", 'I', 0, 0)), `decode table field "n": value of type 'I'`},
		{"string past the end", tableOf(field("s", 'S', 0, 0, 1, 0)), `decode table field "s"`},
		{"nested garbage", tableOf(field("f", 'F', 0, 0, 0, 2, 1, 'z')), `decode table field "f": table field name`},
		{"too deep", deep, "nested deeper than 64"},
	}
	for _, c := range cases {
		_, rest, err := DecodeTable(c.raw)
		if err == nil {
			t.Errorf("%s: decoded without error", c.name)
			continue
		}
		e := wireError(t, err, FrameError)
		if !strings.Contains(e.Text, c.want) {
			t.Errorf("%s: error %q does not mention %q", c.name, e.Text, c.want)
		}
		if !bytes.Equal(rest, c.raw) {
			t.Errorf("%s: rest is not the whole input on error", c.name)
		}
		if _, _, err := skipTable(c.raw); err == nil {
			t.Errorf("%s: skipTable accepted what DecodeTable rejects", c.name)
		}
	}
}

func TestAppendTableRejectsWhatTheWireCannotCarry(t *testing.T) {
	cyclic := message.Table{}
	cyclic["self"] = cyclic
	cases := []struct {
		name  string
		table message.Table
		want  string
	}{
		{"int", message.Table{"n": 1}, `encode table field "n": unsupported value type int`},
		{"uint64", message.Table{"n": uint64(1)}, "unsupported value type uint64"},
		{"map", message.Table{"m": map[string]any{}}, "unsupported value type map[string]interface {}"},
		{"in array", message.Table{"a": []any{1.5, struct{}{}}}, "encode array element 1: unsupported value type struct {}"},
		{"long name", message.Table{strings.Repeat("n", 256): true}, "short string longer than 255 bytes"},
		{"cycle", cyclic, "nested deeper than 64"},
	}
	for _, c := range cases {
		out, err := AppendTable([]byte{1, 2}, c.table)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		hexEqual(t, c.name+": dst after error", out, []byte{1, 2})
	}
}
