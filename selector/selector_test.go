package selector

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// mapSource is the simplest Source: property values by name.
type mapSource map[string]any

func (m mapSource) Get(name string) any { return m[name] }

func mustParse(t testing.TB, expr string) *Selector {
	t.Helper()
	s, err := Parse(expr)
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	return s
}

func TestBlankSelectorIsNilAndMatchesEverything(t *testing.T) {
	for _, expr := range []string{"", " ", "\t\r\n\f ", "\x00\x0b"} {
		s, err := Parse(expr)
		if s != nil || err != nil {
			t.Fatalf("Parse(%q) = %v, %v; want nil, nil", expr, s, err)
		}
		if !s.Matches(mapSource{}) || !s.Matches(nil) {
			t.Errorf("nil selector from %q does not match", expr)
		}
		if s.String() != "" || s.Identifiers() != nil {
			t.Errorf("nil selector: String()=%q Identifiers()=%v", s.String(), s.Identifiers())
		}
	}
}

func TestCommentOnlyOrPrefixOnlySelectorIsAnError(t *testing.T) {
	for _, expr := range []string{"/* nothing */", "-- nothing\n", ConvertPrefix, ConvertPrefix + "  "} {
		if _, err := Parse(expr); err == nil {
			t.Errorf("Parse(%q) succeeded; ActiveMQ rejects it", expr)
		}
	}
}

func TestStringReturnsTheTextGivenToParse(t *testing.T) {
	for _, expr := range []string{"a = 1", "  color\tLIKE 'r%'  ", ConvertPrefix + "n > 5"} {
		if got := mustParse(t, expr).String(); got != expr {
			t.Errorf("String() = %q, want %q", got, expr)
		}
	}
}

func TestIdentifiersListsEachNameOnceInOrderOfAppearance(t *testing.T) {
	s := mustParse(t, "b = 1 AND a > 2 OR b IS NULL AND JMSPriority BETWEEN x AND 9 OR c IN ('a') OR 'b' = B")
	want := []string{"b", "a", "JMSPriority", "x", "c", "B"}
	got := s.Identifiers()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Identifiers() = %v, want %v", got, want)
	}
	got[0] = "changed"
	if s.Identifiers()[0] != "b" {
		t.Errorf("modifying the returned slice changed the selector")
	}
	if ids := mustParse(t, "TRUE OR 1 = 2").Identifiers(); len(ids) != 0 {
		t.Errorf("selector without identifiers reports %v", ids)
	}
}

func TestSyntaxErrorsCarryPositionAndReason(t *testing.T) {
	tests := []struct {
		expr string
		pos  int
		msg  string
	}{
		{"a = ", 4, "unexpected end of selector, expected an expression"},
		{"color = 'red", 8, "unterminated string literal"},
		{"a # b", 2, "unexpected character '#'"},
		{"a = NULL", 4, "NULL cannot be compared"},
		{"NOT a > 5", 0, "NOT a is a condition and cannot be used with >"},
		{"1", 0, "1 is not a boolean expression"},
		{"a = 1 AND b + 1", 10, "b + 1 is not a boolean expression"},
		{"a LIKE 'x' ESCAPE 'ab'", 18, "ESCAPE must be a single character"},
		{"a > 'x'", 4, "'x' cannot be used with >"},
		{"TRUE = 1", 0, "TRUE cannot be compared with 1"},
		{"a + 1 IN ('x')", 0, "IN needs an identifier"},
		{"upper(a) = 'A'", 0, "function calls such as upper(...) are not supported"},
		{"XPATH '//a'", 0, "XPATH selectors are not supported"},
		{"a = 1 b", 6, "unexpected identifier b, expected an operator or end of selector"},
		{"a BETWEEN 1 OR 2", 12, "expected AND in BETWEEN"},
		{"x = 0xFFFFFFFFFFFFFFFF", 4, "out of range"},
		{"a LIKE 'a\t\t' ESCAPE '\t'", 7, "illegal hexadecimal escape"},
		{ConvertPrefix + "a ? 1", len(ConvertPrefix) + 2, "unexpected character '?'"},
		{ConvertPrefix + "a = ", len(ConvertPrefix) + 4, "unexpected end of selector"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.expr)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error = %v, want *SyntaxError", tc.expr, err)
			continue
		}
		if se.Expr != tc.expr || se.Pos != tc.pos || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("Parse(%q) = {Expr:%q Pos:%d Msg:%q}, want Pos %d and a message containing %q", tc.expr, se.Expr, se.Pos, se.Msg, tc.pos, tc.msg)
		}
		if !strings.Contains(err.Error(), se.Msg) || !strings.Contains(err.Error(), "offset") {
			t.Errorf("Error() = %q does not carry the message and offset", err.Error())
		}
	}
}

func TestConvertStringsOptionMatchesThePrefix(t *testing.T) {
	msg := mapSource{"n": "10"}
	withPrefix := mustParse(t, ConvertPrefix+"n > 9")
	withOption, err := ParseWithOptions("n > 9", Options{ConvertStrings: true})
	if err != nil {
		t.Fatal(err)
	}
	plain := mustParse(t, "n > 9")
	if !withPrefix.Matches(msg) || !withOption.Matches(msg) {
		t.Errorf("string '10' > 9 should match with conversion")
	}
	if plain.Matches(msg) {
		t.Errorf("string '10' > 9 matched without conversion")
	}
	if _, err := ParseWithOptions(ConvertPrefix+"n > 9", Options{}); err == nil {
		t.Errorf("ParseWithOptions interpreted the prefix")
	}
}

func TestSourceValuesMapToJavaTypes(t *testing.T) {
	tests := []struct {
		expr string
		v    any
		want bool
	}{
		{"v = 200", uint8(200), true},
		{"v = 65535", uint16(65535), true},
		{"v = 4294967295", uint32(math.MaxUint32), true},
		{"v = 9223372036854775807", uint64(math.MaxInt64), true},
		{"v IS NULL", uint64(math.MaxInt64 + 1), true},
		{"v = 7", int(7), true},
		{"v = 7", int8(7), true},
		{"7 = v", int8(7), false}, // a Byte on the right never promotes
		{"v + 0 = 7", int16(7), true},
		{"v = 1.5", float32(1.5), true},
		{"v", true, true},
		{"v = 'x'", "x", true},
		{"v IS NULL", []byte("x"), true},
		{"v IS NULL", struct{}{}, true},
		{"v IS NULL", nil, true},
	}
	for _, tc := range tests {
		if got := mustParse(t, tc.expr).Matches(mapSource{"v": tc.v}); got != tc.want {
			t.Errorf("%q with v=%#v: Matches = %v, want %v", tc.expr, tc.v, got, tc.want)
		}
	}
}

func TestNilSourceReadsEveryIdentifierAsAbsent(t *testing.T) {
	if !mustParse(t, "a IS NULL AND b IS NULL").Matches(nil) {
		t.Errorf("identifiers should be NULL with a nil Source")
	}
	if mustParse(t, "a = 1").Matches(nil) {
		t.Errorf("a = 1 matched a nil Source")
	}
}

func TestNestingIsBoundedButDeepSelectorsWork(t *testing.T) {
	deep := func(n int) string {
		return strings.Repeat("(", n) + "a = 1" + strings.Repeat(")", n)
	}
	if s := mustParse(t, deep(400)); !s.Matches(mapSource{"a": int32(1)}) {
		t.Errorf("400-level selector does not match")
	}
	for _, expr := range []string{deep(100000), strings.Repeat("NOT ", 100000) + "a", strings.Repeat("-", 100000) + "a > 1"} {
		_, err := Parse(expr)
		if err == nil || !strings.Contains(err.Error(), "nests deeper") {
			t.Errorf("deeply nested selector: err = %v", err)
		}
	}
}

func TestLongChainsParseAndEvaluate(t *testing.T) {
	var or, sum []string
	for i := 0; i < 5000; i++ {
		or = append(or, "a = 'v"+strings.Repeat("x", i%7)+"'")
		sum = append(sum, "1")
	}
	or = append(or, "a = 'hit'")
	if !mustParse(t, strings.Join(or, " OR ")).Matches(mapSource{"a": "hit"}) {
		t.Errorf("5001-way OR does not match its last term")
	}
	if !mustParse(t, strings.Join(sum, " + ")+" = 5000").Matches(nil) {
		t.Errorf("5000-term sum does not equal 5000")
	}
}

func TestSelectorIsSafeForConcurrentUse(t *testing.T) {
	s := mustParse(t, "color LIKE 'r%d' AND n BETWEEN 1 AND 10 AND k IN ('a','b','c','d','e','f','g','h','i')")
	hit := mapSource{"color": "red", "n": int32(5), "k": "i"}
	miss := mapSource{"color": "rex", "n": int32(5), "k": "i"}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				if !s.Matches(hit) || s.Matches(miss) {
					errs <- "wrong verdict under concurrency"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func TestMatchesDoesNotAllocateForCommonForms(t *testing.T) {
	msg := mapSource{"color": "red", "a": int32(7), "b": "y", "JMSPriority": int32(6), "n": int64(3)}
	for _, expr := range []string{
		"color = 'red'",
		"a > 5 AND b IN ('x','y')",
		"JMSPriority > 4",
		"color LIKE 'r%'",
		"color LIKE '%e_'",
		"n BETWEEN 1 AND 5 OR color <> 'blue'",
		"NOT (a = 1) AND color IS NOT NULL",
	} {
		s := mustParse(t, expr)
		if !s.Matches(msg) {
			t.Fatalf("%q does not match the sample message", expr)
		}
		if n := testing.AllocsPerRun(100, func() { s.Matches(msg) }); n != 0 {
			t.Errorf("%q: %v allocations per Matches, want 0", expr, n)
		}
	}
}
