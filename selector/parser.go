package selector

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds nesting (parentheses and unary operators) so that a
// hostile selector cannot exhaust the stack; ActiveMQ's generated parser
// fails with a StackOverflowError somewhere beyond this, too.
const maxDepth = 500

// parser is a recursive-descent copy of ActiveMQ's SelectorParser.jj. The
// grammar's oddities are kept on purpose: NOT is a unary operator binding
// tighter than comparisons ("NOT a = 'x'" means "(NOT a) = 'x'"), '=',
// '<>' and IS [NOT] NULL bind looser than '<', LIKE, BETWEEN and IN, and
// both levels chain left to right ("a = b = c" is "(a = b) = c").
type parser struct {
	text    string
	lx      *lexer
	look    [2]token // look[:n] are the next tokens
	n       int
	convert bool
	depth   int
	idents  []string
}

// expr is a parsed operand with its source span, for error messages.
type expr struct {
	n          node
	start, end int
}

func (p *parser) fill(k int) {
	for p.n <= k {
		p.look[p.n] = p.lx.next()
		p.n++
	}
}

func (p *parser) tok() token {
	p.fill(0)
	return p.look[0]
}

func (p *parser) next() token {
	t := p.tok()
	if t.kind != tEOF && t.kind != tErr {
		p.look[0] = p.look[1]
		p.n--
	}
	return t
}

func (p *parser) peek(k tokenKind) bool { return p.tok().kind == k }

func (p *parser) peek2(k tokenKind) bool {
	p.fill(1)
	return p.look[1].kind == k
}

func (p *parser) errAt(pos int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Expr: p.text, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) unexpected(want string) *SyntaxError {
	t := p.tok()
	if t.kind == tErr {
		err := *p.lx.err
		err.Expr = p.text
		return &err
	}
	return p.errAt(t.pos, "unexpected %s, expected %s", describe(t), want)
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of selector"
	case tIdent:
		return fmt.Sprintf("identifier %s", t.text)
	case tString:
		return fmt.Sprintf("string %s", quoteString(t.text))
	case tDecimal, tHex, tOctal, tFloat:
		return fmt.Sprintf("number %s", t.text)
	}
	if t.kind >= kwNot {
		return strings.ToUpper(t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *parser) expect(k tokenKind, want string) (token, *SyntaxError) {
	if !p.peek(k) {
		return token{}, p.unexpected(want)
	}
	return p.next(), nil
}

func (p *parser) source(e expr) string { return p.text[e.start:e.end] }

func (p *parser) parseSelector() (node, *SyntaxError) {
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if !p.peek(tEOF) {
		return nil, p.unexpected("an operator or end of selector")
	}
	return p.asBool(e)
}

// asBool accepts a boolean expression, or an identifier (read as a boolean
// property); everything else is rejected as ActiveMQ does.
func (p *parser) asBool(e expr) (node, *SyntaxError) {
	if isBoolExpr(e.n) {
		return e.n, nil
	}
	if _, ok := e.n.(*propNode); ok {
		return &boolCastNode{x: e.n}, nil
	}
	return nil, p.errAt(e.start, "%s is not a boolean expression", p.source(e))
}

func (p *parser) parseOr() (expr, *SyntaxError) {
	return p.parseLogic(kwOr, p.parseAnd)
}

func (p *parser) parseAnd() (expr, *SyntaxError) {
	return p.parseLogic(kwAnd, p.parseEquality)
}

// parseLogic parses an AND or OR chain. Like ActiveMQ it appends to a
// left operand that already is the same operator, even a parenthesised
// one, so "(a OR b) OR c" becomes one three-way OR.
func (p *parser) parseLogic(op tokenKind, operand func() (expr, *SyntaxError)) (expr, *SyntaxError) {
	left, err := operand()
	if err != nil {
		return expr{}, err
	}
	for p.peek(op) {
		p.next()
		right, err := operand()
		if err != nil {
			return expr{}, err
		}
		l, err := p.asBool(left)
		if err != nil {
			return expr{}, err
		}
		r, err := p.asBool(right)
		if err != nil {
			return expr{}, err
		}
		left = expr{n: combine(op, l, r), start: left.start, end: right.end}
	}
	return left, nil
}

func combine(op tokenKind, l, r node) node {
	if op == kwAnd {
		if a, ok := l.(*andNode); ok {
			a.xs = append(a.xs, r)
			return a
		}
		return &andNode{xs: []node{l, r}}
	}
	if o, ok := l.(*orNode); ok {
		o.xs = append(o.xs, r)
		return o
	}
	return &orNode{xs: []node{l, r}}
}

func (p *parser) parseEquality() (expr, *SyntaxError) {
	left, err := p.parseComparison()
	if err != nil {
		return expr{}, err
	}
	for {
		switch {
		case p.peek(tEq) || p.peek(tNe):
			not := p.next().kind == tNe
			right, err := p.parseComparison()
			if err != nil {
				return expr{}, err
			}
			n, err := p.equal(left, right)
			if err != nil {
				return expr{}, err
			}
			if not {
				n = &notNode{x: n}
			}
			left = expr{n: n, start: left.start, end: right.end}
		case p.peek(kwIs):
			p.next()
			not := p.peek(kwNot)
			if not {
				p.next()
			}
			end, err := p.expect(kwNull, "NULL")
			if err != nil {
				return expr{}, err
			}
			var n node = &isNullNode{x: left.n}
			if not {
				n = &notNode{x: n}
			}
			left = expr{n: n, start: left.start, end: end.end}
		default:
			return left, nil
		}
	}
}

// equal applies ActiveMQ's parse-time checks for '=': a NULL literal is
// rejected (IS NULL must be used), and so is TRUE/FALSE on the left of a
// string or number literal (though not the other way round).
func (p *parser) equal(l, r expr) (node, *SyntaxError) {
	for _, e := range []expr{l, r} {
		if c, ok := e.n.(*constNode); ok && c.v.k == kNull {
			return nil, p.errAt(e.start, "NULL cannot be compared with = or <>; use IS [NOT] NULL")
		}
	}
	lc, lok := l.n.(*constNode)
	rc, rok := r.n.(*constNode)
	if lok && rok && lc.boolConst && !rc.boolConst {
		return nil, p.errAt(l.start, "%s cannot be compared with %s", p.source(l), p.source(r))
	}
	n := &eqNode{l: l.n, r: r.n, convert: p.convert}
	n.prop, n.lit = propAndLiteral(l.n, r.n)
	return n, nil
}

// ordered applies the checks ActiveMQ makes for <, <=, >, >= (and hence
// BETWEEN): literals must be numbers and no operand may be a condition.
// Two string or boolean identifiers are allowed and compare at run time.
func (p *parser) ordered(op cmpOp, l, r expr) (node, *SyntaxError) {
	for _, e := range []expr{l, r} {
		if c, ok := e.n.(*constNode); ok {
			if !c.v.isNumber() {
				return nil, p.errAt(e.start, "%s cannot be used with %s: only numeric literals can be ordered", p.source(e), cmpSymbols[op])
			}
		} else if isBoolExpr(e.n) {
			return nil, p.errAt(e.start, "%s is a condition and cannot be used with %s", p.source(e), cmpSymbols[op])
		}
	}
	n := &cmpNode{op: op, l: l.n, r: r.n, convert: p.convert}
	n.prop, n.lit = propAndLiteral(l.n, r.n)
	return n, nil
}

// propAndLiteral recognises "identifier op literal" for the evaluation
// fast paths; the literal must be on the right, since ActiveMQ's
// promotion rules are not symmetric.
func propAndLiteral(l, r node) (*propNode, value) {
	p, ok := l.(*propNode)
	c, ok2 := r.(*constNode)
	if !ok || !ok2 {
		return nil, value{}
	}
	return p, c.v
}

var orderedOps = map[tokenKind]cmpOp{tLt: opLt, tLe: opLe, tGt: opGt, tGe: opGe}

func (p *parser) parseComparison() (expr, *SyntaxError) {
	left, err := p.parseAdd()
	if err != nil {
		return expr{}, err
	}
	for {
		t := p.tok()
		if op, ok := orderedOps[t.kind]; ok {
			p.next()
			right, err := p.parseAdd()
			if err != nil {
				return expr{}, err
			}
			n, err := p.ordered(op, left, right)
			if err != nil {
				return expr{}, err
			}
			left = expr{n: n, start: left.start, end: right.end}
			continue
		}
		not := false
		if t.kind == kwNot && (p.peek2(kwLike) || p.peek2(kwBetween) || p.peek2(kwIn)) {
			p.next()
			not = true
		}
		var n node
		var end int
		switch p.tok().kind {
		case kwLike:
			n, end, err = p.parseLike(left, not)
		case kwBetween:
			n, end, err = p.parseBetween(left, not)
		case kwIn:
			n, end, err = p.parseIn(left, not)
		default:
			return left, nil
		}
		if err != nil {
			return expr{}, err
		}
		left = expr{n: n, start: left.start, end: end}
	}
}

func (p *parser) parseLike(left expr, not bool) (node, int, *SyntaxError) {
	p.next() // LIKE
	pat, err := p.expect(tString, "a string literal pattern after LIKE")
	if err != nil {
		return nil, 0, err
	}
	end := pat.end
	escape := rune(-1)
	if p.peek(kwEscape) {
		p.next()
		esc, err := p.expect(tString, "a string literal after ESCAPE")
		if err != nil {
			return nil, 0, err
		}
		// ActiveMQ counts UTF-16 code units.
		r, _ := utf8.DecodeRuneInString(esc.text)
		if utf8.RuneCountInString(esc.text) != 1 || r > 0xFFFF {
			return nil, 0, p.errAt(esc.pos, "ESCAPE must be a single character, got %s", quoteString(esc.text))
		}
		escape, end = r, esc.end
	}
	m, cerr := compileLike(pat.text, escape)
	if cerr != nil {
		return nil, 0, p.errAt(pat.pos, "%v", cerr)
	}
	var n node = &likeNode{x: left.n, m: m}
	if not {
		n = &notNode{x: n}
	}
	return n, end, nil
}

func (p *parser) parseBetween(left expr, not bool) (node, int, *SyntaxError) {
	p.next() // BETWEEN
	low, err := p.parseAdd()
	if err != nil {
		return nil, 0, err
	}
	if _, err := p.expect(kwAnd, "AND in BETWEEN"); err != nil {
		return nil, 0, err
	}
	high, err := p.parseAdd()
	if err != nil {
		return nil, 0, err
	}
	// ActiveMQ rewrites BETWEEN into two comparisons.
	lowOp, highOp := opGe, opLe
	if not {
		lowOp, highOp = opLt, opGt
	}
	a, err := p.ordered(lowOp, left, low)
	if err != nil {
		return nil, 0, err
	}
	b, err := p.ordered(highOp, left, high)
	if err != nil {
		return nil, 0, err
	}
	if not {
		return &orNode{xs: []node{a, b}}, high.end, nil
	}
	return &andNode{xs: []node{a, b}}, high.end, nil
}

// inSetThreshold is the list length from which a map beats a linear scan.
const inSetThreshold = 8

func (p *parser) parseIn(left expr, not bool) (node, int, *SyntaxError) {
	p.next() // IN
	prop, ok := left.n.(*propNode)
	if !ok {
		return nil, 0, p.errAt(left.start, "IN needs an identifier on its left, not %s", p.source(left))
	}
	if _, err := p.expect(tLParen, "'(' after IN"); err != nil {
		return nil, 0, err
	}
	var items []string
	for {
		s, err := p.expect(tString, "a string literal in the IN list")
		if err != nil {
			return nil, 0, err
		}
		items = append(items, s.text)
		if !p.peek(tComma) {
			break
		}
		p.next()
	}
	end, err := p.expect(tRParen, "',' or ')' in the IN list")
	if err != nil {
		return nil, 0, err
	}
	n := &inNode{x: prop, items: items, not: not}
	if len(items) >= inSetThreshold {
		n.set = make(map[string]struct{}, len(items))
		for _, it := range items {
			n.set[it] = struct{}{}
		}
	}
	return n, end.end, nil
}

var (
	addOps = map[tokenKind]arithOp{tPlus: opAdd, tMinus: opSub}
	mulOps = map[tokenKind]arithOp{tStar: opMul, tSlash: opDiv, tPercent: opMod}
)

func (p *parser) parseAdd() (expr, *SyntaxError) { return p.parseArith(addOps, p.parseMul) }

func (p *parser) parseMul() (expr, *SyntaxError) { return p.parseArith(mulOps, p.parseUnary) }

func (p *parser) parseArith(ops map[tokenKind]arithOp, operand func() (expr, *SyntaxError)) (expr, *SyntaxError) {
	left, err := operand()
	if err != nil {
		return expr{}, err
	}
	for {
		op, ok := ops[p.tok().kind]
		if !ok {
			return left, nil
		}
		p.next()
		right, err := operand()
		if err != nil {
			return expr{}, err
		}
		left = expr{n: &arithNode{op: op, l: left.n, r: right.n}, start: left.start, end: right.end}
	}
}

func (p *parser) parseUnary() (expr, *SyntaxError) {
	t := p.tok()
	if p.depth++; p.depth > maxDepth {
		return expr{}, p.errAt(t.pos, "selector nests deeper than %d levels", maxDepth)
	}
	defer func() { p.depth-- }()
	switch t.kind {
	case tPlus, tMinus, kwNot:
		p.next()
		e, err := p.parseUnary()
		if err != nil {
			return expr{}, err
		}
		switch t.kind {
		case tPlus: // unary plus returns its operand unchanged, even for checks
			return expr{n: e.n, start: t.pos, end: e.end}, nil
		case tMinus:
			return expr{n: &negNode{x: e.n}, start: t.pos, end: e.end}, nil
		}
		b, err := p.asBool(e)
		if err != nil {
			return expr{}, err
		}
		return expr{n: &notNode{x: b}, start: t.pos, end: e.end}, nil
	case kwXPath:
		return expr{}, p.errAt(t.pos, "XPATH selectors are not supported")
	case kwXQuery:
		p.next()
		q, err := p.expect(tString, "a string literal after XQUERY")
		if err != nil {
			return expr{}, err
		}
		return expr{n: &xqueryNode{query: q.text}, start: t.pos, end: q.end}, nil
	case tIdent:
		if p.peek2(tLParen) {
			return expr{}, p.errAt(t.pos, "function calls such as %s(...) are not supported", t.text)
		}
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (expr, *SyntaxError) {
	t := p.tok()
	switch t.kind {
	case tString:
		p.next()
		return p.constant(t, value{k: kString, s: t.text}, false), nil
	case tDecimal, tHex, tOctal, tFloat:
		p.next()
		v, err := numberLiteral(t)
		if err != nil {
			return expr{}, p.errAt(t.pos, "%v", err)
		}
		return p.constant(t, v, false), nil
	case kwTrue:
		p.next()
		return p.constant(t, trueValue, true), nil
	case kwFalse:
		p.next()
		return p.constant(t, falseValue, true), nil
	case kwNull:
		p.next()
		return p.constant(t, nullValue, true), nil
	case tIdent:
		p.next()
		p.noteIdent(t.text)
		return expr{n: &propNode{name: t.text}, start: t.pos, end: t.end}, nil
	case tLParen:
		p.next()
		e, err := p.parseOr()
		if err != nil {
			return expr{}, err
		}
		end, err := p.expect(tRParen, "')'")
		if err != nil {
			return expr{}, err
		}
		// The parenthesised node itself is returned, so "(a) IN (...)" and
		// "(5) > a" pass the checks that look at the operand's form.
		return expr{n: e.n, start: t.pos, end: end.end}, nil
	}
	return expr{}, p.unexpected("an expression")
}

func (p *parser) constant(t token, v value, boolConst bool) expr {
	return expr{n: &constNode{v: v, boolConst: boolConst}, start: t.pos, end: t.end}
}

func (p *parser) noteIdent(name string) {
	for _, s := range p.idents {
		if s == name {
			return
		}
	}
	p.idents = append(p.idents, name)
}

// numberLiteral converts a numeric token the way ConstantExpression does:
// integers that fit an int are Integer, else Long; a decimal beyond the
// long range becomes a BigDecimal, which ActiveMQ then narrows by keeping
// the low 64 bits (so 18446744073709551617 reads as 1). Hex and octal
// literals beyond the long range are errors, and the L suffix is ignored.
func numberLiteral(t token) (value, error) {
	var (
		n   int64
		err error
	)
	switch t.kind {
	case tFloat:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil && !isRangeErr(err) {
			return value{}, fmt.Errorf("bad number %s: %w", t.text, err)
		}
		return value{k: kDouble, f: f}, nil
	case tHex:
		n, err = strconv.ParseInt(t.text[2:], 16, 64)
	case tOctal:
		n, err = strconv.ParseInt(t.text, 8, 64)
	default:
		text := strings.TrimRight(t.text, "lL")
		n, err = strconv.ParseInt(text, 10, 64)
		if err != nil && isRangeErr(err) {
			b, _ := new(big.Int).SetString(text, 10)
			v := bigValue(b)
			if v.i < math.MinInt32 || v.i > math.MaxInt32 {
				return v, nil
			}
			return value{k: kInt, i: v.i}, nil
		}
	}
	if err != nil {
		return value{}, fmt.Errorf("number %s is out of range for a long", t.text)
	}
	if n >= math.MinInt32 && n <= math.MaxInt32 {
		return value{k: kInt, i: n}, nil
	}
	return value{k: kLong, i: n}, nil
}

// isBoolExpr reports whether n is what ActiveMQ calls a BooleanExpression.
func isBoolExpr(n node) bool {
	switch n := n.(type) {
	case *constNode:
		return n.boolConst
	case *boolCastNode, *notNode, *andNode, *orNode, *eqNode, *isNullNode,
		*cmpNode, *likeNode, *inNode, *xqueryNode:
		return true
	}
	return false
}

// quoteString renders s as a selector string literal.
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
