package selector

import (
	"math"
	"unicode/utf8"
)

// cmpOp is a comparison operator; holds reports whether a three-way
// comparison result satisfies it.
type cmpOp uint8

const (
	opEq cmpOp = iota
	opLt
	opLe
	opGt
	opGe
)

var cmpSymbols = [...]string{opEq: "=", opLt: "<", opLe: "<=", opGt: ">", opGe: ">="}

func (op cmpOp) holds(c int) bool {
	switch op {
	case opEq:
		return c == 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	}
	return c >= 0
}

// javaEquals is Object.equals between two non-null values: only values of
// the same class can be equal, and doubles compare by bit pattern (so NaN
// equals NaN and 0.0 differs from -0.0).
func javaEquals(a, b value) bool {
	if a.k != b.k {
		return false
	}
	switch a.k {
	case kString, kBig:
		return a.s == b.s
	case kFloat, kDouble:
		return doubleBits(a.f) == doubleBits(b.f)
	}
	return a.i == b.i
}

// compareValues is ActiveMQ's ComparisonExpression.compare for two non-null
// values: promote one side following its class table, then compareTo.
// Pairs the table does not cover compare as FALSE, not UNKNOWN; a failed
// string conversion (NumberFormatException) is FALSE too; the two pairings
// where ActiveMQ throws a ClassCastException yield errValue.
func compareValues(l, r value, op cmpOp, convert bool) value {
	if l.k != r.k {
		var ok bool
		l, r, ok = promote(l, r, convert)
		if !ok {
			return falseValue
		}
		if l.k == kErr {
			return errValue
		}
	}
	return boolValue(op.holds(compareSame(l, r)))
}

// promote returns the pair converted to a common kind, or ok=false when
// ActiveMQ gives up (FALSE). It reproduces ActiveMQ's asymmetries: a wider
// integer on the left never promotes a narrower one on the right, so
// "5 = shortProp" is FALSE while "shortProp = 5" is TRUE.
func promote(l, r value, convert bool) (value, value, bool) {
	str := convert && r.k == kString
	switch l.k {
	case kBool:
		if str {
			// ActiveMQ casts the Boolean to String here and throws.
			return errValue, r, true
		}
		return l, r, false
	case kByte, kShort, kInt:
		switch {
		case r.k > l.k && r.k <= kLong:
			l.k = r.k
			return l, r, true
		case r.k == kFloat:
			return value{k: kFloat, f: l.floatValue()}, r, true
		case r.k == kDouble:
			return value{k: kDouble, f: l.doubleValue()}, r, true
		case str:
			n, ok := parseJavaInt(r.s, l.k)
			return l, n, ok
		}
	case kLong:
		switch {
		case r.k == kInt:
			r.k = kLong
			return l, r, true
		case r.k == kFloat:
			return value{k: kFloat, f: l.floatValue()}, r, true
		case r.k == kDouble:
			return value{k: kDouble, f: l.doubleValue()}, r, true
		case str:
			n, ok := parseJavaInt(r.s, kLong)
			return l, n, ok
		}
	case kFloat:
		switch {
		case r.k == kInt || r.k == kLong:
			return l, value{k: kFloat, f: r.floatValue()}, true
		case r.k == kDouble:
			l.k = kDouble
			return l, r, true
		case str:
			n, ok := parseJavaFloat(r.s, kFloat)
			return l, n, ok
		}
	case kDouble:
		switch {
		case r.k == kInt || r.k == kLong:
			return l, value{k: kDouble, f: r.doubleValue()}, true
		case r.k == kFloat:
			// ActiveMQ converts the Float into another Float and then calls
			// Double.compareTo(Float): ClassCastException.
			return errValue, r, true
		case str:
			n, ok := parseJavaFloat(r.s, kDouble)
			return l, n, ok
		}
	case kString:
		if !convert {
			return l, r, false
		}
		switch r.k {
		case kBool:
			return boolValue(asciiEqualFold(l.s, "true")), r, true
		case kByte, kShort, kInt, kLong:
			n, ok := parseJavaInt(l.s, r.k)
			return n, r, ok
		case kFloat, kDouble:
			n, ok := parseJavaFloat(l.s, r.k)
			return n, r, ok
		}
	}
	return l, r, false
}

// compareSame is compareTo for two values of the same kind.
func compareSame(a, b value) int {
	switch a.k {
	case kString:
		return compareUTF16(a.s, b.s)
	case kFloat, kDouble:
		return javaDoubleCompare(a.f, b.f)
	case kBig:
		return a.bigInt().Cmp(b.bigInt())
	}
	return compareInt(a.i, b.i)
}

// doubleBits is Double.doubleToLongBits: every NaN collapses to one pattern.
func doubleBits(f float64) uint64 {
	if f != f {
		return 0x7ff8000000000000
	}
	return math.Float64bits(f)
}

// javaDoubleCompare is Double.compare: a total order with -0.0 < 0.0 and
// NaN above everything, including +Infinity.
func javaDoubleCompare(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	x, y := int64(doubleBits(a)), int64(doubleBits(b))
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// compareUTF16 orders strings the way String.compareTo does: by UTF-16
// code units, which differs from byte (code point) order when a
// supplementary character meets one in U+E000..U+FFFF.
func compareUTF16(a, b string) int {
	for {
		if a == b {
			return 0
		}
		// Skip the common prefix quickly; it cannot affect the result.
		n := 0
		for n < len(a) && n < len(b) && a[n] == b[n] {
			n++
		}
		for n > 0 && n < len(a) && !utf8.RuneStart(a[n]) {
			n--
		}
		a, b = a[n:], b[n:]
		if a == "" {
			return -1
		}
		if b == "" {
			return 1
		}
		ra, wa := utf8.DecodeRuneInString(a)
		rb, wb := utf8.DecodeRuneInString(b)
		if ra == rb && a[:wa] != b[:wb] {
			// Two different invalid sequences; Java never sees these.
			if a[:wa] < b[:wb] {
				return -1
			}
			return 1
		}
		if ra != rb {
			ua, ub := firstUnit(ra), firstUnit(rb)
			if ua != ub {
				if ua < ub {
					return -1
				}
				return 1
			}
			// Same high surrogate: the low surrogates order like the runes.
			if ra < rb {
				return -1
			}
			return 1
		}
		a, b = a[wa:], b[wb:]
	}
}

func firstUnit(r rune) rune {
	if r >= 0x10000 {
		return 0xD800 + (r-0x10000)>>10
	}
	return r
}

func asciiEqualFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
