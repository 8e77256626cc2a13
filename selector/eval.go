package selector

import "math"

// node is one compiled expression. eval returns a value of any kind for
// arithmetic operands, and kBool, kNull (UNKNOWN) or kErr for the boolean
// nodes. Evaluation order and short-circuiting follow ActiveMQ's
// evaluate() methods exactly, because that decides whether an operand
// that would throw is ever reached.
type node interface {
	eval(src Source) value
}

type constNode struct {
	v value
	// boolConst marks TRUE, FALSE and NULL: ActiveMQ treats those three
	// literals as boolean expressions, which several parse checks look at.
	boolConst bool
}

func (n *constNode) eval(Source) value { return n.v }

type propNode struct{ name string }

func (n *propNode) eval(src Source) value { return fromAny(lookup(src, n.name)) }

func lookup(src Source, name string) any {
	if src == nil {
		return nil
	}
	return src.Get(name)
}

// boolCastNode lets a bare identifier stand where a condition is expected:
// a Boolean is itself, NULL stays NULL, anything else is FALSE.
type boolCastNode struct{ x node }

func (n *boolCastNode) eval(src Source) value {
	v := n.x.eval(src)
	switch v.k {
	case kNull, kBool, kErr:
		return v
	}
	return falseValue
}

type notNode struct{ x node }

func (n *notNode) eval(src Source) value {
	v := n.x.eval(src)
	if v.k != kBool {
		return v // NULL or error
	}
	return boolValue(v.i == 0)
}

type andNode struct{ xs []node }

func (n *andNode) eval(src Source) value {
	unknown := false
	for _, x := range n.xs {
		v := x.eval(src)
		switch {
		case v.k == kErr:
			return v
		case v.k == kBool && v.i == 0:
			return falseValue
		case v.k != kBool:
			unknown = true
		}
	}
	if unknown {
		return nullValue
	}
	return trueValue
}

type orNode struct{ xs []node }

func (n *orNode) eval(src Source) value {
	unknown := false
	for _, x := range n.xs {
		v := x.eval(src)
		switch {
		case v.k == kErr:
			return v
		case v.k == kBool && v.i != 0:
			return trueValue
		case v.k != kBool:
			unknown = true
		}
	}
	if unknown {
		return nullValue
	}
	return falseValue
}

// eqNode is ActiveMQ's EqualsExpression. Its NULL handling is not SQL's:
// NULL = NULL is TRUE, x = NULL is FALSE and only NULL = x is UNKNOWN.
type eqNode struct {
	l, r    node
	convert bool
	// prop and lit are set for "identifier = literal", the most common
	// form, which eval then handles without going through the operands.
	prop *propNode
	lit  value
}

func (n *eqNode) eval(src Source) value {
	if n.prop != nil {
		x := lookup(src, n.prop.name)
		if s, ok := x.(string); ok && n.lit.k == kString {
			return boolValue(s == n.lit.s)
		}
		return equalValues(fromAny(x), n.lit, n.convert)
	}
	l := n.l.eval(src)
	if l.k == kErr {
		return l
	}
	r := n.r.eval(src)
	if r.k == kErr {
		return r
	}
	return equalValues(l, r, n.convert)
}

func equalValues(l, r value, convert bool) value {
	switch {
	case l.k == kNull && r.k == kNull:
		return trueValue
	case l.k == kNull:
		return nullValue
	case r.k == kNull:
		return falseValue
	case l.k == r.k:
		// For equal classes compareTo is zero exactly when equals is true.
		return boolValue(javaEquals(l, r))
	}
	return compareValues(l, r, opEq, convert)
}

// isNullNode is "x IS NULL", which ActiveMQ evaluates as x = NULL.
type isNullNode struct{ x node }

func (n *isNullNode) eval(src Source) value {
	v := n.x.eval(src)
	if v.k == kErr {
		return v
	}
	return boolValue(v.k == kNull)
}

// cmpNode is <, <=, > or >=; the right operand is not evaluated when the
// left one is NULL.
type cmpNode struct {
	op      cmpOp
	l, r    node
	convert bool
	// prop and lit are set for "identifier op literal" (JMSPriority > 4).
	prop *propNode
	lit  value
}

func (n *cmpNode) eval(src Source) value {
	if n.prop != nil {
		x := lookup(src, n.prop.name)
		if n.lit.k == kInt || n.lit.k == kLong {
			// An int or long on the left widens to the literal's type, so
			// both compare as longs.
			switch x := x.(type) {
			case int32:
				return boolValue(n.op.holds(compareInt(int64(x), n.lit.i)))
			case int64:
				return boolValue(n.op.holds(compareInt(x, n.lit.i)))
			}
		}
		l := fromAny(x)
		if l.k == kNull {
			return l
		}
		return compareValues(l, n.lit, n.op, n.convert)
	}
	l := n.l.eval(src)
	if l.k == kNull || l.k == kErr {
		return l
	}
	r := n.r.eval(src)
	if r.k == kNull || r.k == kErr {
		return r
	}
	return compareValues(l, r, n.op, n.convert)
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type likeNode struct {
	x node
	m *likeMatcher
}

func (n *likeNode) eval(src Source) value {
	if p, ok := n.x.(*propNode); ok {
		if s, ok := lookup(src, p.name).(string); ok {
			return boolValue(n.m.match(s))
		}
	}
	v := n.x.eval(src)
	switch v.k {
	case kString:
		return boolValue(n.m.match(v.s))
	case kNull, kErr:
		return v
	}
	return falseValue // LIKE on a non-string is FALSE, not UNKNOWN
}

// inNode is [NOT] IN; a non-string operand gives UNKNOWN either way.
type inNode struct {
	x     *propNode
	items []string            // as written, for small lists and String forms
	set   map[string]struct{} // for longer lists
	not   bool
}

func (n *inNode) eval(src Source) value {
	s, ok := lookup(src, n.x.name).(string)
	if !ok {
		return nullValue
	}
	found := false
	if n.set != nil {
		_, found = n.set[s]
	} else {
		for _, it := range n.items {
			if it == s {
				found = true
				break
			}
		}
	}
	return boolValue(found != n.not)
}

// xqueryNode is ActiveMQ's placeholder for XQUERY, which is always FALSE.
type xqueryNode struct{ query string }

func (n *xqueryNode) eval(Source) value { return falseValue }

type arithOp uint8

const (
	opAdd arithOp = iota
	opSub
	opMul
	opDiv
	opMod
)

var arithSymbols = [...]string{opAdd: "+", opSub: "-", opMul: "*", opDiv: "/", opMod: "%"}

type arithNode struct {
	op   arithOp
	l, r node
}

func (n *arithNode) eval(src Source) value {
	l := n.l.eval(src)
	if l.k == kNull || l.k == kErr {
		return l
	}
	r := n.r.eval(src)
	if r.k == kNull || r.k == kErr {
		return r
	}
	if n.op == opAdd && l.k == kString {
		return value{k: kString, s: l.s + r.javaString()}
	}
	if !l.isNumber() || !r.isNumber() {
		return errValue // ActiveMQ throws "Cannot call ... operation on"
	}
	return arith(n.op, l, r)
}

// arith follows ArithmeticExpression: / and % always work in double; the
// others in double if either side is Float or Double, else in long if
// either side is Long, else in int (so int overflow wraps at 32 bits).
func arith(op arithOp, l, r value) value {
	switch {
	case op == opDiv:
		return value{k: kDouble, f: l.doubleValue() / r.doubleValue()}
	case op == opMod:
		return value{k: kDouble, f: math.Mod(l.doubleValue(), r.doubleValue())}
	case l.k == kFloat || l.k == kDouble || r.k == kFloat || r.k == kDouble:
		a, b := l.doubleValue(), r.doubleValue()
		switch op {
		case opAdd:
			return value{k: kDouble, f: a + b}
		case opSub:
			return value{k: kDouble, f: a - b}
		}
		return value{k: kDouble, f: a * b}
	case l.k == kLong || r.k == kLong:
		a, b := l.longValue(), r.longValue()
		switch op {
		case opAdd:
			return value{k: kLong, i: a + b}
		case opSub:
			return value{k: kLong, i: a - b}
		}
		return value{k: kLong, i: a * b}
	}
	a, b := l.intValue(), r.intValue()
	switch op {
	case opAdd:
		return value{k: kInt, i: int64(a + b)}
	case opSub:
		return value{k: kInt, i: int64(a - b)}
	}
	return value{k: kInt, i: int64(a * b)}
}

type negNode struct{ x node }

func (n *negNode) eval(src Source) value {
	v := n.x.eval(src)
	switch v.k {
	case kInt:
		return value{k: kInt, i: int64(-int32(v.i))}
	case kLong:
		return value{k: kLong, i: -v.i}
	case kFloat, kDouble:
		v.f = -v.f
		return v
	case kBig:
		return negateBig(v)
	case kByte, kShort:
		return errValue // ActiveMQ: "Don't know how to negate"
	case kNull, kErr:
		return v
	}
	return nullValue // negating a string or boolean is NULL
}

// negateBig negates a BigDecimal literal; the one result that fits a long,
// -9223372036854775808, becomes a Long as in ActiveMQ.
func negateBig(v value) value {
	b := v.bigInt()
	b.Neg(b)
	if b.IsInt64() && b.Int64() == math.MinInt64 {
		return value{k: kLong, i: math.MinInt64}
	}
	return bigValue(b)
}
