package selector

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ActiveMQ turns a LIKE pattern into a java.util.regex pattern and matches
// with it. compileLike builds the same regular-expression text and then
// reads it back into wildcard segments, so that even the translation's
// quirks carry over: an escaped character is written as "\x" plus its hex
// code, which Java reads as exactly two hex digits. An escape character
// above U+00FF therefore escapes itself as a different two-character
// sequence ('ā' becomes U+0010 followed by "1"), and one below U+0010
// either swallows the next pattern character or makes the pattern invalid.

// likeControlChars are the characters ActiveMQ writes as \x escapes.
const likeControlChars = `.\[]^$?*+{}|():&<>=!`

type segKind uint8

const (
	segLit  segKind = iota // a literal string
	segOne                 // '_': exactly one character
	segMany                // '%': any run of characters
)

type likeSeg struct {
	kind segKind
	lit  string
}

// likeMode picks a matcher that avoids the general algorithm for the
// pattern shapes selectors use most.
type likeMode uint8

const (
	likeGeneral      likeMode = iota
	likeExact                 // abc
	likePrefix                // abc%
	likeSuffix                // %abc
	likeContains              // %abc%
	likePrefixSuffix          // ab%cd
	likeAnything              // %
)

type likeMatcher struct {
	mode likeMode
	a, b string
	segs []likeSeg
}

// compileLike compiles pattern with an optional escape character
// (escape < 0 means none).
func compileLike(pattern string, escape rune) (*likeMatcher, error) {
	segs, err := parseLikeRegex(likeRegex(pattern, escape))
	if err != nil {
		return nil, err
	}
	m := &likeMatcher{segs: segs}
	n := len(segs)
	is := func(i int, k segKind) bool { return segs[i].kind == k }
	switch {
	case n == 0:
		m.mode = likeExact
	case n == 1 && is(0, segLit):
		m.mode, m.a = likeExact, segs[0].lit
	case n == 1 && is(0, segMany):
		m.mode = likeAnything
	case n == 2 && is(0, segLit) && is(1, segMany):
		m.mode, m.a = likePrefix, segs[0].lit
	case n == 2 && is(0, segMany) && is(1, segLit):
		m.mode, m.a = likeSuffix, segs[1].lit
	case n == 3 && is(0, segMany) && is(1, segLit) && is(2, segMany):
		m.mode, m.a = likeContains, segs[1].lit
	case n == 3 && is(0, segLit) && is(1, segMany) && is(2, segLit):
		m.mode, m.a, m.b = likePrefixSuffix, segs[0].lit, segs[2].lit
	}
	return m, nil
}

// likeRegex writes the regular expression ActiveMQ's LikeExpression builds,
// without its \A and \z anchors.
func likeRegex(pattern string, escape rune) string {
	var re strings.Builder
	for i := 0; i < len(pattern); {
		r, w := utf8.DecodeRuneInString(pattern[i:])
		if escape >= 0 && r == escape && i+w < len(pattern) {
			next, nw := utf8.DecodeRuneInString(pattern[i+w:])
			if next == '_' || next == '%' || next == escape {
				re.WriteString(`\x` + strconv.FormatInt(int64(next), 16))
				i += w + nw
				continue
			}
		}
		switch {
		case r == '%':
			re.WriteString(".*?")
		case r == '_':
			re.WriteString(".")
		case r < utf8.RuneSelf && strings.ContainsRune(likeControlChars, r):
			re.WriteString(`\x` + strconv.FormatInt(int64(r), 16))
		default:
			re.WriteString(pattern[i : i+w])
		}
		i += w
	}
	return re.String()
}

// parseLikeRegex reads back the subset of regex syntax likeRegex produces.
func parseLikeRegex(re string) ([]likeSeg, error) {
	var segs []likeSeg
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			segs = append(segs, likeSeg{kind: segLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for j := 0; j < len(re); {
		switch {
		case strings.HasPrefix(re[j:], ".*?"):
			flush()
			if len(segs) == 0 || segs[len(segs)-1].kind != segMany {
				segs = append(segs, likeSeg{kind: segMany})
			}
			j += 3
		case re[j] == '.':
			flush()
			segs = append(segs, likeSeg{kind: segOne})
			j++
		case re[j] == '\\':
			if j+3 >= len(re) || !isHexDigit(re[j+2]) || !isHexDigit(re[j+3]) {
				return nil, fmt.Errorf("ActiveMQ's translation of this LIKE pattern is an invalid regular expression (illegal hexadecimal escape %q)", re[j:min(len(re), j+4)])
			}
			code, _ := strconv.ParseUint(re[j+2:j+4], 16, 8)
			lit.WriteRune(rune(code))
			j += 4
		default:
			lit.WriteByte(re[j])
			j++
		}
	}
	flush()
	return segs, nil
}

func (m *likeMatcher) match(s string) bool {
	switch m.mode {
	case likeExact:
		return s == m.a
	case likePrefix:
		return strings.HasPrefix(s, m.a)
	case likeSuffix:
		return strings.HasSuffix(s, m.a)
	case likeContains:
		return strings.Contains(s, m.a)
	case likePrefixSuffix:
		return len(s) >= len(m.a)+len(m.b) && strings.HasPrefix(s, m.a) && strings.HasSuffix(s, m.b)
	case likeAnything:
		return true
	}
	return matchSegments(m.segs, s)
}

// matchSegments is the classic wildcard match with backtracking to the
// most recent '%' only, which is enough because a later '%' can absorb
// anything an earlier one would have. '_' consumes one code point, as
// Java's '.' does on a String.
func matchSegments(segs []likeSeg, s string) bool {
	pi, si := 0, 0
	star, starSi := -1, 0
	for {
		if pi < len(segs) {
			switch seg := segs[pi]; seg.kind {
			case segMany:
				star, starSi = pi, si
				pi++
				continue
			case segOne:
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					si += w
					pi++
					continue
				}
			case segLit:
				if strings.HasPrefix(s[si:], seg.lit) {
					si += len(seg.lit)
					pi++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if star < 0 || starSi >= len(s) {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starSi:])
		starSi += w
		pi, si = star+1, starSi
	}
}
