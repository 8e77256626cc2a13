package selector

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// kind mirrors the Java class of a value inside ActiveMQ's evaluator. The
// distinction between the integer widths matters because ActiveMQ's
// comparison and arithmetic rules depend on the exact class.
type kind uint8

const (
	kNull   kind = iota
	kBool        // java.lang.Boolean
	kString      // java.lang.String
	kByte        // java.lang.Byte
	kShort       // java.lang.Short
	kInt         // java.lang.Integer
	kLong        // java.lang.Long
	kFloat       // java.lang.Float (f holds the float32 value widened)
	kDouble      // java.lang.Double
	kBig         // java.math.BigDecimal: only from a decimal literal beyond the long range
	kErr         // evaluation threw in ActiveMQ; never matches
)

// value is one evaluation result. It is passed by value so that evaluating
// a selector never allocates for the common forms.
type value struct {
	k kind
	i int64   // kBool (0/1), integer kinds; kBig: low 64 bits (Java's longValue)
	f float64 // kFloat, kDouble
	s string  // kString; kBig: canonical decimal digits
}

var (
	nullValue  = value{}
	trueValue  = value{k: kBool, i: 1}
	falseValue = value{k: kBool}
	errValue   = value{k: kErr}
)

func boolValue(b bool) value {
	if b {
		return trueValue
	}
	return falseValue
}

func (v value) isTrue() bool { return v.k == kBool && v.i != 0 }

func (v value) isNumber() bool { return v.k >= kByte && v.k <= kBig }

// fromAny converts what a Source returned. Unsigned types are widened the
// way the AMQP JMS mapping does (ubyte→short, ushort→int, uint→long), so
// they keep their value; types outside the documented set read as absent.
func fromAny(x any) value {
	switch x := x.(type) {
	case nil:
		return nullValue
	case string:
		return value{k: kString, s: x}
	case bool:
		return boolValue(x)
	case int32:
		return value{k: kInt, i: int64(x)}
	case int64:
		return value{k: kLong, i: x}
	case int:
		return value{k: kLong, i: int64(x)}
	case int8:
		return value{k: kByte, i: int64(x)}
	case int16:
		return value{k: kShort, i: int64(x)}
	case uint8:
		return value{k: kShort, i: int64(x)}
	case uint16:
		return value{k: kInt, i: int64(x)}
	case uint32:
		return value{k: kLong, i: int64(x)}
	case uint64:
		if x <= math.MaxInt64 {
			return value{k: kLong, i: int64(x)}
		}
	case float32:
		return value{k: kFloat, f: float64(x)}
	case float64:
		return value{k: kDouble, f: x}
	}
	return nullValue
}

// bigValue builds the BigDecimal ActiveMQ keeps for a decimal literal that
// overflows long. ActiveMQ then narrows it with longValue()/intValue(),
// which keep the low-order bits; i holds those 64 bits.
func bigValue(digits *big.Int) value {
	low := new(big.Int).And(digits, new(big.Int).SetUint64(math.MaxUint64))
	return value{k: kBig, i: int64(low.Uint64()), s: digits.String()}
}

func (v value) bigInt() *big.Int {
	b, _ := new(big.Int).SetString(v.s, 10)
	return b
}

// intValue, longValue and doubleValue are Java's Number narrowing and
// widening conversions for the numeric kinds.
func (v value) intValue() int32 {
	if v.k == kFloat || v.k == kDouble {
		return javaDoubleToInt(v.f)
	}
	return int32(v.i)
}

func (v value) longValue() int64 {
	if v.k == kFloat || v.k == kDouble {
		return javaDoubleToLong(v.f)
	}
	return v.i
}

func (v value) doubleValue() float64 {
	switch v.k {
	case kFloat, kDouble:
		return v.f
	case kBig:
		f, _ := strconv.ParseFloat(v.s, 64)
		return f
	}
	return float64(v.i)
}

func (v value) floatValue() float64 {
	switch v.k {
	case kFloat:
		return v.f
	case kDouble, kBig:
		return float64(float32(v.doubleValue()))
	}
	return float64(float32(v.i))
}

// javaDoubleToLong is Java's (long) cast: NaN→0, saturating at the ends.
func javaDoubleToLong(f float64) int64 {
	switch {
	case f != f:
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func javaDoubleToInt(f float64) int32 {
	switch {
	case f != f:
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}

// javaString is String.valueOf(v), used by string concatenation ('a' + 1).
func (v value) javaString() string {
	switch v.k {
	case kString, kBig:
		return v.s
	case kBool:
		if v.i != 0 {
			return "true"
		}
		return "false"
	case kByte, kShort, kInt, kLong:
		return strconv.FormatInt(v.i, 10)
	case kFloat:
		return javaFloatString(v.f, 32)
	case kDouble:
		return javaFloatString(v.f, 64)
	}
	return "null"
}

// javaFloatString formats like Double.toString / Float.toString: plain
// notation for magnitudes in [1e-3, 1e7), otherwise "d.dddE±n", and always
// at least one fractional digit. Digits are the shortest round-trip ones;
// Java 17 occasionally prints one more digit for doubles (JDK-4511638).
func javaFloatString(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	// 'e' with precision -1 gives the shortest digits: d[.ddd]e±XX. When
	// that is a single digit, Java prefers the two-digit decimal nearest
	// the exact value if it round-trips (Double.MIN_VALUE is 4.9E-324).
	// Java 17 sometimes prints more digits than needed (1e23 comes out as
	// 9.999999999999999E22, JDK-4511638); that is not reproduced.
	e := strconv.FormatFloat(f, 'e', -1, bits)
	if len(e) > 1 && e[1] == 'e' {
		two := strconv.FormatFloat(f, 'e', 1, bits)
		if back, err := strconv.ParseFloat(two, bits); err == nil && back == f {
			e = two
		}
	}
	mant, exp := e, 0
	if i := strings.IndexByte(e, 'e'); i >= 0 {
		mant = e[:i]
		exp, _ = strconv.Atoi(e[i+1:])
	}
	digits := strings.TrimRight(strings.Replace(mant, ".", "", 1), "0")
	if digits == "" {
		digits = "0"
	}
	if f >= 1e-3 && f < 1e7 {
		if exp >= 0 {
			for len(digits) <= exp+1 {
				digits += "0"
			}
			return sign + digits[:exp+1] + "." + digits[exp+1:]
		}
		zeros := ""
		for i := -1; i > exp; i-- {
			zeros += "0"
		}
		return sign + "0." + zeros + digits
	}
	frac := "0"
	if len(digits) > 1 {
		frac = digits[1:]
	}
	return sign + digits[:1] + "." + frac + "E" + strconv.Itoa(exp)
}
