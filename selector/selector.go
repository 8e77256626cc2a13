package selector

import (
	"fmt"
	"strings"
)

// Source supplies identifier values to Matches. The broker implements it
// over its message type; see the package documentation for the values
// expected for header identifiers. Get returns nil for an absent
// identifier, or one of: bool, string, int8, int16, int32, int64, int,
// uint8, uint16, uint32, uint64 (up to MaxInt64), float32, float64. Any
// other type reads as absent.
type Source interface {
	Get(name string) any
}

// Selector is a compiled message selector. It is immutable and safe for
// concurrent use; the nil *Selector matches every message.
type Selector struct {
	text   string
	root   node
	idents []string
}

// Options adjusts how a selector is compiled.
type Options struct {
	// ConvertStrings lets comparisons convert a string operand to the type
	// of the other side ('5' = 5 is TRUE, '10' > 9 is TRUE, 'true' = TRUE
	// is TRUE), as ActiveMQ does for selectors arriving over STOMP, where
	// every header is a string. It affects =, <>, <, <=, >, >= and BETWEEN.
	ConvertStrings bool
}

// ConvertPrefix switches on Options.ConvertStrings when a selector starts
// with it; ActiveMQ's STOMP transport prefixes subscription selectors with
// it, and an OpenWire client may send it too.
const ConvertPrefix = "convert_string_expressions:"

// SyntaxError reports a selector that does not compile.
type SyntaxError struct {
	Expr string // the selector text
	Pos  int    // byte offset into Expr where the problem was found
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid selector %q at offset %d: %s", e.Expr, e.Pos, e.Msg)
}

// Parse compiles a selector. The empty or blank string (only characters
// up to U+0020) means "no selector": it returns a nil *Selector, which
// matches everything, and a nil error. Errors are *SyntaxError.
func Parse(expr string) (*Selector, error) {
	if strings.HasPrefix(expr, ConvertPrefix) {
		return compile(expr, len(ConvertPrefix), Options{ConvertStrings: true})
	}
	return ParseWithOptions(expr, Options{})
}

// ParseWithOptions is Parse with explicit options; the ConvertPrefix is not
// interpreted.
func ParseWithOptions(expr string, opts Options) (*Selector, error) {
	if isBlank(expr) {
		return nil, nil
	}
	return compile(expr, 0, opts)
}

func compile(expr string, offset int, opts Options) (*Selector, error) {
	p := &parser{text: expr, lx: newLexer(expr[offset:], offset), convert: opts.ConvertStrings}
	root, err := p.parseSelector()
	if err != nil {
		return nil, err
	}
	return &Selector{text: expr, root: root, idents: p.idents}, nil
}

// isBlank follows Java's String.trim(), which ActiveMQ's client uses to
// decide that a selector is absent.
func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > ' ' {
			return false
		}
	}
	return true
}

// Matches reports whether the message m selects: the selector evaluates
// to TRUE. UNKNOWN (NULL) and FALSE do not match, and neither does an
// evaluation ActiveMQ would abort with an exception (such as 1 + 'a').
func (s *Selector) Matches(m Source) bool {
	if s == nil {
		return true
	}
	return s.root.eval(m).isTrue()
}

// String returns the selector text as given to Parse.
func (s *Selector) String() string {
	if s == nil {
		return ""
	}
	return s.text
}

// Identifiers returns the distinct identifiers the selector references, in
// order of first appearance, so the broker can decode only those
// properties. The caller may modify the returned slice.
func (s *Selector) Identifiers() []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s.idents...)
}
