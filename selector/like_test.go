package selector

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// likeReference translates a LIKE pattern without ESCAPE into an anchored
// Go regexp the obvious way; without an escape character ActiveMQ's
// translation has no quirks, so the two must agree.
func likeReference(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`^(?s:`)
	for _, r := range pattern {
		switch r {
		case '%':
			b.WriteString(`.*`)
		case '_':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`)$`)
	return regexp.MustCompile(b.String())
}

func TestLikeAgreesWithAnchoredRegexpOnRandomPatterns(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "b", "%", "_", "é", "😀", ".", "\n"}
	word := func(n int, chars []string) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(chars[rng.Intn(len(chars))])
		}
		return b.String()
	}
	textChars := []string{"a", "b", "é", "😀", ".", "\n", "%", "_"}
	for i := 0; i < 20000; i++ {
		pattern := word(rng.Intn(7), alphabet)
		m, err := compileLike(pattern, -1)
		if err != nil {
			t.Fatalf("compileLike(%q): %v", pattern, err)
		}
		ref := likeReference(pattern)
		for j := 0; j < 5; j++ {
			s := word(rng.Intn(8), textChars)
			if got, want := m.match(s), ref.MatchString(s); got != want {
				t.Fatalf("%q LIKE %q = %v, regexp says %v", s, pattern, got, want)
			}
			if got, want := matchSegments(m.segs, s), ref.MatchString(s); got != want {
				t.Fatalf("general matcher: %q LIKE %q = %v, want %v", s, pattern, got, want)
			}
		}
	}
}

func TestLikePicksAFastPathForCommonShapes(t *testing.T) {
	tests := []struct {
		pattern string
		mode    likeMode
		a, b    string
	}{
		{"", likeExact, "", ""},
		{"red", likeExact, "red", ""},
		{"r%", likePrefix, "r", ""},
		{"r%%", likePrefix, "r", ""},
		{"%d", likeSuffix, "d", ""},
		{"%e%", likeContains, "e", ""},
		{"a%z", likePrefixSuffix, "a", "z"},
		{"%", likeAnything, "", ""},
		{"a.b%", likePrefix, "a.b", ""},
		{"r_d", likeGeneral, "", ""},
		{"%a%b%", likeGeneral, "", ""},
	}
	for _, tc := range tests {
		m, err := compileLike(tc.pattern, -1)
		if err != nil {
			t.Fatal(err)
		}
		if m.mode != tc.mode || m.a != tc.a || m.b != tc.b {
			t.Errorf("compileLike(%q) = mode %d a=%q b=%q, want mode %d a=%q b=%q", tc.pattern, m.mode, m.a, m.b, tc.mode, tc.a, tc.b)
		}
	}
	// ab%ab must not match "ab": prefix and suffix may not overlap.
	if m, _ := compileLike("ab%ab", -1); m.match("ab") || !m.match("abab") {
		t.Errorf("prefix/suffix overlap handled wrongly")
	}
}

func TestLikeEscapeOnlyEscapesWildcardsAndItself(t *testing.T) {
	tests := []struct {
		pattern string
		escape  rune
		s       string
		want    bool
	}{
		{`10\%`, '\\', "10%", true},
		{`10\%`, '\\', "100", false},
		{`\_x`, '\\', "_x", true},
		{`\_x`, '\\', "ax", false},
		{`a\\b`, '\\', `a\b`, true},
		{`a\b`, '\\', `a\b`, true}, // not before a wildcard: a plain character
		{`a\`, '\\', `a\`, true},
		{`a%%b`, '%', "a%b", true}, // the escape may itself be a wildcard
		{`a%b`, '%', "axyzb", true},
		{`a__b`, '_', "a_b", true},
		{"a\u0101\u0101", 'ā', "a\u00101", true}, // ActiveMQ's \x101 reads as \x10 then '1'
		{"a\u0101\u0101", 'ā', "aā", false},
	}
	for _, tc := range tests {
		m, err := compileLike(tc.pattern, tc.escape)
		if err != nil {
			t.Fatalf("compileLike(%q, %q): %v", tc.pattern, tc.escape, err)
		}
		if got := m.match(tc.s); got != tc.want {
			t.Errorf("%q LIKE %q ESCAPE %q = %v, want %v", tc.s, tc.pattern, tc.escape, got, tc.want)
		}
	}
	if _, err := compileLike("a\t\t", '\t'); err == nil {
		t.Errorf("an escape below U+0010 escaping itself at the end must be rejected, as ActiveMQ's regex is invalid")
	}
}

func FuzzLike(f *testing.F) {
	for _, seed := range [][2]string{{"r%", "red"}, {"%a_b%", "xxaybzz"}, {"", ""}, {"_%_", "é😀"}, {"%%a", "ba"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			return // Java strings are always valid UTF-16
		}
		m, err := compileLike(pattern, -1)
		if err != nil {
			t.Fatalf("compileLike(%q): %v", pattern, err)
		}
		if got, want := m.match(s), likeReference(pattern).MatchString(s); got != want {
			t.Fatalf("%q LIKE %q = %v, regexp says %v", s, pattern, got, want)
		}
	})
}
