package selector

import (
	"math"
	"testing"
)

// The expectations below were taken from Java 17 (Integer.valueOf,
// Long.valueOf, Byte.valueOf, Double.valueOf, Float.valueOf,
// Double.toString, Float.toString).

func TestParseJavaIntAcceptsWhatValueOfAccepts(t *testing.T) {
	tests := []struct {
		s    string
		k    kind
		want int64
		ok   bool
	}{
		{"5", kInt, 5, true},
		{"+5", kInt, 5, true},
		{"-0", kInt, 0, true},
		{"0005", kInt, 5, true},
		{"\u0665", kInt, 5, true}, // ARABIC-INDIC DIGIT FIVE
		{"1\u0662\u0663", kInt, 123, true},
		{"\uff15", kInt, 5, true}, // FULLWIDTH DIGIT FIVE
		{"\u0669", kInt, 9, true},
		{"\u09ef", kInt, 9, true},
		{"\u1049", kInt, 9, true},
		{"\uff10", kInt, 0, true},
		{"\U0001d7ce", kInt, 0, false}, // MATHEMATICAL BOLD DIGIT ZERO: a surrogate pair in Java
		{" 5", kInt, 0, false},
		{"5 ", kInt, 0, false},
		{"", kInt, 0, false},
		{"+", kInt, 0, false},
		{"-", kInt, 0, false},
		{"+-1", kInt, 0, false},
		{"2147483648", kInt, 0, false},
		{"-2147483648", kInt, math.MinInt32, true},
		{"1_0", kInt, 0, false},
		{"5L", kInt, 0, false},
		{"0x10", kInt, 0, false},
		{"9223372036854775807", kLong, math.MaxInt64, true},
		{"-9223372036854775808", kLong, math.MinInt64, true},
		{"9223372036854775808", kLong, 0, false},
		{"-9223372036854775809", kLong, 0, false},
		{"99999999999999999999999", kLong, 0, false},
		{"00000000000000000000009", kLong, 9, true},
		{"127", kByte, 127, true},
		{"128", kByte, 0, false},
		{"-128", kByte, -128, true},
		{"-129", kByte, 0, false},
		{"32767", kShort, 32767, true},
		{"32768", kShort, 0, false},
	}
	for _, tc := range tests {
		v, ok := parseJavaInt(tc.s, tc.k)
		if ok != tc.ok || (ok && (v.i != tc.want || v.k != tc.k)) {
			t.Errorf("parseJavaInt(%q, %d) = %+v, %v; want %d, %v", tc.s, tc.k, v, ok, tc.want, tc.ok)
		}
	}
}

func TestParseJavaFloatAcceptsWhatValueOfAccepts(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	tests := []struct {
		s    string
		want float64
		ok   bool
	}{
		{"5", 5, true},
		{" 5 ", 5, true},
		{"\t5\n", 5, true},
		{"5f", 5, true},
		{"5d", 5, true},
		{"5ff", 0, false},
		{"0x1.4p2", 5, true},
		{"0x1p2f", 4, true},
		{"0x1", 0, false},
		{".5", 0.5, true},
		{"5.", 5, true},
		{"+4.", 4, true},
		{"-.5e", 0, false},
		{"1e5", 1e5, true},
		{"Infinity", inf, true},
		{"-Infinity", -inf, true},
		{"+NaN", nan, true},
		{"NaN", nan, true},
		{"infinity", 0, false},
		{"1_0", 0, false},
		{"\u0665", 0, false},
		{"", 0, false},
		{" ", 0, false},
		{"e5", 0, false},
		{".", 0, false},
		{"1e+", 0, false},
		{"0x.8p3", 4, true},
		{"0x1.p1", 2, true},
		{"1.5e-3d", 0.0015, true},
		{"\u00a05", 0, false}, // NO-BREAK SPACE is above U+0020, so not trimmed
		{"0x1P-2D", 0.25, true},
		{"1e400", inf, true},
		{"-1e-400", math.Copysign(0, -1), true},
		{"0X1p0", 1, true},
		{"+0x1p0", 1, true},
		{"0x1p", 0, false},
		{"0xp1", 0, false},
		{"1.e2", 100, true},
		{"1.5E", 0, false},
		{"1Ee2", 0, false},
		{"0x1.8p1 ", 3, true},
	}
	for _, tc := range tests {
		v, ok := parseJavaFloat(tc.s, kDouble)
		if ok != tc.ok || (ok && doubleBits(v.f) != doubleBits(tc.want)) {
			t.Errorf("parseJavaFloat(%q) = %v, %v; want %v, %v", tc.s, v.f, ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		s    string
		want float32
	}{{"1.1", 1.1}, {"3.4028236e38", float32(inf)}, {"1e-46", 0}} {
		v, ok := parseJavaFloat(tc.s, kFloat)
		if !ok || v.k != kFloat || v.f != float64(tc.want) {
			t.Errorf("parseJavaFloat(%q, Float) = %+v, %v; want %v", tc.s, v, ok, tc.want)
		}
	}
}

func TestJavaFloatStringMatchesToString(t *testing.T) {
	doubles := map[float64]string{
		0.1: "0.1", 0.002: "0.002", 0.001: "0.001", 2e-323: "2.0E-323",
		4.9e-324: "4.9E-324", 0.5: "0.5", 1e-5: "1.0E-5", 100: "100.0",
		1.5e10: "1.5E10", 123456.789: "123456.789", 9007199254740993: "9.007199254740992E15",
		1e22: "1.0E22", 1.5e-323: "1.5E-323", 9999999: "9999999.0", 1e7: "1.0E7",
		-0.0001: "-1.0E-4", math.Inf(-1): "-Infinity", math.NaN(): "NaN",
		math.Copysign(0, -1): "-0.0", 0: "0.0", math.MaxFloat64: "1.7976931348623157E308",
	}
	for f, want := range doubles {
		if got := javaFloatString(f, 64); got != want {
			t.Errorf("Double.toString(%v) = %q, want %q", f, got, want)
		}
	}
	floats := map[float32]string{
		0.1: "0.1", 1.4e-45: "1.4E-45", 3e-5: "3.0E-5", 1e10: "1.0E10",
		16777216: "1.6777216E7", 1.1: "1.1", 100: "100.0", math.MaxFloat32: "3.4028235E38",
	}
	for f, want := range floats {
		if got := javaFloatString(float64(f), 32); got != want {
			t.Errorf("Float.toString(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestCompareUTF16OrdersLikeStringCompareTo(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"a", "b", -1},
		{"b", "a", 1},
		{"ab", "abc", -1},
		{"", "a", -1},
		{"same", "same", 0},
		{"Z", "a", -1},
		{"\U0001F600", "\uffff", -1}, // a high surrogate sorts below U+FFFF
		{"\uffff", "\U0001F600", 1},
		{"\U0001F600", "\U0001F601", -1},
		{"x\U0001F600", "x\ue000", -1},
		{"é", "z", 1},
	}
	for _, tc := range tests {
		if got := compareUTF16(tc.a, tc.b); got != tc.want {
			t.Errorf("compareUTF16(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
