package selector

import (
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
)

// fuzzSources are fixed messages every parsed selector is evaluated
// against: absent values, each Java kind, and awkward numbers and strings.
var fuzzSources = []Source{
	nil,
	mapSource{},
	mapSource{"a": "x", "b": true, "c": int8(-1), "d": int16(300), "e": int32(math.MinInt32),
		"n": int64(math.MaxInt64), "f": float32(1.5), "g": math.NaN(), "color": "red", "x": "", "s": "'%_\\"},
	mapSource{"a": int32(0), "b": "true", "c": math.Inf(-1), "d": float32(math.Copysign(0, -1)), "e": "9223372036854775808",
		"n": "5", "f": false, "g": uint32(7), "color": 1.0, "x": "\U0001F600", "JMSPriority": int32(4)},
}

// FuzzParse checks that Parse never panics, that a compiled selector keeps
// its text and re-parses to the same tree, and that evaluating it never
// panics and gives the same verdict twice.
func FuzzParse(f *testing.F) {
	data, err := os.ReadFile(casesPath)
	if err != nil {
		f.Fatalf("read seed cases: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sel, _, _ := strings.Cut(line, "\t")
		f.Add(unescapeField(f, sel))
	}
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := Parse(expr)
		if err != nil {
			se, ok := err.(*SyntaxError)
			if !ok || se.Expr != expr || se.Pos < 0 || se.Pos > len(expr) || se.Msg == "" {
				t.Fatalf("Parse(%q) returned a malformed error %#v", expr, err)
			}
			return
		}
		if s == nil {
			if !isBlank(expr) {
				t.Fatalf("Parse(%q) returned a nil selector without error", expr)
			}
			return
		}
		if s.String() != expr {
			t.Fatalf("String() = %q, want %q", s.String(), expr)
		}
		again, err := Parse(s.String())
		if err != nil {
			t.Fatalf("re-parsing %q failed: %v", expr, err)
		}
		if a, b := activemqString(s.root), activemqString(again.root); a != b {
			t.Fatalf("re-parsing %q gave a different tree:\n%s\n%s", expr, a, b)
		}
		if !reflect.DeepEqual(s.Identifiers(), again.Identifiers()) {
			t.Fatalf("re-parsing %q changed the identifiers", expr)
		}
		for _, src := range fuzzSources {
			first := s.root.eval(src)
			if first.k != kBool && first.k != kNull && first.k != kErr {
				t.Fatalf("%q evaluated to a non-boolean %+v", expr, first)
			}
			if s.Matches(src) != first.isTrue() {
				t.Fatalf("%q: Matches disagrees with evaluation", expr)
			}
		}
	})
}
