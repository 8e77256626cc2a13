package selector

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// tokenKind identifies a lexical token. The token set is exactly the one in
// ActiveMQ 5.17's SelectorParser.jj, so that the same texts lex the same way.
type tokenKind uint8

const (
	tEOF tokenKind = iota
	tErr           // a lexical error; the lexer holds the details
	tIdent
	tString  // text holds the decoded value
	tDecimal // [1-9][0-9]*[lL]?
	tHex     // 0x[0-9a-f]+
	tOctal   // 0[0-7]*
	tFloat
	tEq
	tNe
	tLt
	tLe
	tGt
	tGe
	tLParen
	tRParen
	tComma
	tPlus
	tMinus
	tStar
	tSlash
	tPercent
	kwNot
	kwAnd
	kwOr
	kwBetween
	kwLike
	kwEscape
	kwIn
	kwIs
	kwTrue
	kwFalse
	kwNull
	kwXPath
	kwXQuery
)

var keywords = []struct {
	word string
	kind tokenKind
}{
	{"NOT", kwNot}, {"AND", kwAnd}, {"OR", kwOr}, {"BETWEEN", kwBetween},
	{"LIKE", kwLike}, {"ESCAPE", kwEscape}, {"IN", kwIn}, {"IS", kwIs},
	{"TRUE", kwTrue}, {"FALSE", kwFalse}, {"NULL", kwNull},
	{"XPATH", kwXPath}, {"XQUERY", kwXQuery},
}

var punctuation = map[string]tokenKind{
	"=": tEq, "<>": tNe, "<": tLt, "<=": tLe, ">": tGt, ">=": tGe,
	"(": tLParen, ")": tRParen, ",": tComma,
	"+": tPlus, "-": tMinus, "*": tStar, "/": tSlash, "%": tPercent,
}

type token struct {
	kind tokenKind
	pos  int    // byte offset of the first character
	end  int    // byte offset just past the last character
	text string // source text, or the decoded value of a string literal
}

// lexer produces tokens on demand, so a selector that fails early (say,
// by nesting too deep) is never lexed in full.
type lexer struct {
	src  string
	base int // added to every position: errors point into the caller's text
	i    int
	err  *SyntaxError
	// Knowing where the last line break and the last "*/" are keeps
	// skipBlank linear on inputs such as a long run of "--" or "/*".
	lastBreak, lastClose int
}

func newLexer(src string, base int) *lexer {
	return &lexer{
		src: src, base: base,
		lastBreak: strings.LastIndexAny(src, "\r\n"),
		lastClose: strings.LastIndex(src, "*/"),
	}
}

// next returns the next token; after a lexical error it keeps returning a
// tErr token, and err holds the error.
func (lx *lexer) next() token {
	if lx.err != nil {
		return token{kind: tErr, pos: lx.err.Pos, end: lx.err.Pos}
	}
	lx.i = skipBlank(lx.src, lx.i, lx.lastBreak, lx.lastClose)
	if lx.i >= len(lx.src) {
		pos := lx.base + lx.i
		return token{kind: tEOF, pos: pos, end: pos}
	}
	tok, err := lexOne(lx.src, lx.i)
	if err != nil {
		err.Pos += lx.base
		lx.err = err
		return token{kind: tErr, pos: err.Pos, end: err.Pos}
	}
	lx.i = tok.end
	tok.pos += lx.base
	tok.end += lx.base
	return tok
}

// skipBlank skips whitespace and comments. JavaCC picks the longest match,
// so "--" only starts a comment when a line terminator follows somewhere;
// otherwise it lexes as two minus signs (ActiveMQ parses "a = 1 -- x" as
// "a = 1 - (-x)"). An unterminated "/*" likewise lexes as "/" then "*".
func skipBlank(src string, i, lastBreak, lastClose int) int {
	for i < len(src) {
		switch c := src[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case strings.HasPrefix(src[i:], "--"):
			if lastBreak < i+2 {
				return i
			}
			i += 2 + strings.IndexAny(src[i+2:], "\r\n") + 1
			if src[i-1] == '\r' && i < len(src) && src[i] == '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			if lastClose < i+2 {
				return i
			}
			i += 2 + strings.Index(src[i+2:], "*/") + 2
		default:
			return i
		}
	}
	return i
}

func lexOne(src string, i int) (token, *SyntaxError) {
	c := src[i]
	switch {
	case isIdentStart(c):
		j := i + 1
		for j < len(src) && isIdentPart(src[j]) {
			j++
		}
		word := src[i:j]
		for _, kw := range keywords {
			if len(word) == len(kw.word) && strings.EqualFold(word, kw.word) {
				return token{kind: kw.kind, pos: i, end: j, text: word}, nil
			}
		}
		return token{kind: tIdent, pos: i, end: j, text: word}, nil
	case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
		kind, end := lexNumber(src, i)
		return token{kind: kind, pos: i, end: end, text: src[i:end]}, nil
	case c == '\'':
		return lexString(src, i)
	}
	if i+1 < len(src) {
		if kind, ok := punctuation[src[i:i+2]]; ok {
			return token{kind: kind, pos: i, end: i + 2, text: src[i : i+2]}, nil
		}
	}
	if kind, ok := punctuation[src[i:i+1]]; ok {
		return token{kind: kind, pos: i, end: i + 1, text: src[i : i+1]}, nil
	}
	r, _ := utf8.DecodeRuneInString(src[i:])
	return token{}, &SyntaxError{Pos: i, Msg: fmt.Sprintf("unexpected character %q", r)}
}

// lexNumber returns the longest numeric token starting at i, preferring
// the earlier-declared kind on a tie, as JavaCC does.
func lexNumber(src string, i int) (tokenKind, int) {
	digits := func(j int, ok func(byte) bool) int {
		for j < len(src) && ok(src[j]) {
			j++
		}
		return j
	}
	exponent := func(j int) int { // returns j unchanged if no exponent
		if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
			k := j + 1
			if k < len(src) && (src[k] == '+' || src[k] == '-') {
				k++
			}
			if e := digits(k, isDigit); e > k {
				return e
			}
		}
		return j
	}
	bestKind, bestEnd := tEOF, i
	try := func(kind tokenKind, end int) {
		if end > bestEnd {
			bestKind, bestEnd = kind, end
		}
	}
	if src[i] >= '1' && src[i] <= '9' {
		end := digits(i, isDigit)
		if end < len(src) && (src[end] == 'l' || src[end] == 'L') {
			end++
		}
		try(tDecimal, end)
	}
	if src[i] == '0' {
		if i+1 < len(src) && (src[i+1] == 'x' || src[i+1] == 'X') {
			if end := digits(i+2, isHexDigit); end > i+2 {
				try(tHex, end)
			}
		}
		try(tOctal, digits(i+1, func(b byte) bool { return b >= '0' && b <= '7' }))
	}
	intEnd := digits(i, isDigit)
	switch {
	case intEnd < len(src) && src[intEnd] == '.': // 5.  5.5  5.5e3  .5
		try(tFloat, exponent(digits(intEnd+1, isDigit)))
	case intEnd > i: // 5e3
		if e := exponent(intEnd); e > intEnd {
			try(tFloat, e)
		}
	}
	return bestKind, bestEnd
}

func lexString(src string, i int) (token, *SyntaxError) {
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		k := strings.IndexByte(src[j:], '\'')
		if k < 0 {
			break
		}
		b.WriteString(src[j : j+k])
		j += k + 1
		if j < len(src) && src[j] == '\'' {
			b.WriteByte('\'')
			j++
			continue
		}
		return token{kind: tString, pos: i, end: j, text: b.String()}, nil
	}
	return token{}, &SyntaxError{Pos: i, Msg: "unterminated string literal"}
}

// Identifiers are ASCII only: ActiveMQ's grammar rejects other letters even
// though the JMS specification allows any Java identifier.
func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexDigit(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
