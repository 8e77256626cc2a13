package selector

import (
	"math"
	"strconv"
	"strings"
	"unicode"
)

// This file reproduces the java.lang parsers ActiveMQ calls when a selector
// was compiled with string conversion (the STOMP transport's
// "convert_string_expressions:" mode): Byte/Short/Integer/Long.valueOf and
// Float/Double.valueOf. A false result stands for NumberFormatException.

// integer ranges of Byte, Short, Integer and Long, indexed by kind.
var intLimits = map[kind][2]int64{
	kByte:  {-1 << 7, 1<<7 - 1},
	kShort: {-1 << 15, 1<<15 - 1},
	kInt:   {-1 << 31, 1<<31 - 1},
	kLong:  {-1 << 63, 1<<63 - 1},
}

// parseJavaInt accepts an optional sign and one or more decimal digits.
// Like Character.digit, any Unicode decimal digit in the BMP counts
// ("\u0665" is 5); surrounding spaces do not.
func parseJavaInt(s string, k kind) (value, bool) {
	lim := intLimits[k]
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	if s == "" {
		return value{}, false
	}
	// Accumulate the magnitude; 1<<63 is the largest any kind can need.
	var mag uint64
	for _, r := range s {
		d := javaDigit(r)
		if d < 0 {
			return value{}, false
		}
		if mag > (1<<63)/10 {
			return value{}, false
		}
		mag = mag*10 + uint64(d)
		if mag > 1<<63 {
			return value{}, false
		}
	}
	var n int64
	if neg {
		if mag > uint64(-lim[0]) {
			return value{}, false
		}
		n = -int64(mag) // wraps correctly for 1<<63
	} else {
		if mag > uint64(lim[1]) {
			return value{}, false
		}
		n = int64(mag)
	}
	return value{k: k, i: n}, true
}

// javaDigit is Character.digit(c, 10) for a UTF-16 code unit: supplementary
// characters arrive as surrogates in Java and never count.
func javaDigit(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r < 0x80 || r > 0xFFFF || !unicode.Is(unicode.Nd, r):
		return -1
	}
	// Unicode encodes every decimal digit set as ten consecutive code
	// points starting at zero, so the value is the offset into the run.
	n := 0
	for unicode.Is(unicode.Nd, r-rune(n)-1) {
		n++
	}
	return n % 10
}

// parseJavaFloat accepts what FloatingDecimal.readJavaFormatString does:
// surrounding characters <= ' ' are trimmed; then an optional sign and
// either "NaN", "Infinity", a decimal with optional exponent, or a hex
// float with a binary exponent; a decimal or hex float may end in f/F/d/D.
func parseJavaFloat(s string, k kind) (value, bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	body := s
	if strings.HasPrefix(body, "+") || strings.HasPrefix(body, "-") {
		body = body[1:]
	}
	bits := 64
	if k == kFloat {
		bits = 32
	}
	switch {
	case body == "NaN":
		return value{k: k, f: math.NaN()}, true
	case body == "Infinity":
		sign := 1
		if s[0] == '-' {
			sign = -1
		}
		return value{k: k, f: math.Inf(sign)}, true
	case strings.HasPrefix(body, "0x") || strings.HasPrefix(body, "0X"):
		if !validHexFloat(body[2:]) {
			return value{}, false
		}
	default:
		if !validDecimalFloat(body) {
			return value{}, false
		}
	}
	// Validation guarantees a trailing f/F/d/D is the type suffix (in a hex
	// float it can only follow the decimal exponent digits).
	if strings.IndexByte("fFdD", s[len(s)-1]) >= 0 {
		s = s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil && !isRangeErr(err) {
		return value{}, false
	}
	return value{k: k, f: f}, true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// validDecimalFloat: digits [. digits] (at least one digit overall), then
// optionally [eE][+-]digits+, then optionally one of fFdD, then the end.
func validDecimalFloat(s string) bool {
	i, digits := 0, 0
	for i < len(s) && isDigit(s[i]) {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(s) && strings.IndexByte("fFdD", s[i]) >= 0 {
		i++
	}
	return i == len(s)
}

// validHexFloat checks what follows "0x": hexdigits [. hexdigits] with at
// least one hex digit, then [pP][+-]digits+, then optionally one of fFdD.
func validHexFloat(s string) bool {
	i, digits := 0, 0
	for i < len(s) && isHexDigit(s[i]) {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isHexDigit(s[i]) {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 || i >= len(s) || (s[i] != 'p' && s[i] != 'P') {
		return false
	}
	i++
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == start {
		return false
	}
	if i < len(s) && strings.IndexByte("fFdD", s[i]) >= 0 {
		i++
	}
	return i == len(s)
}
