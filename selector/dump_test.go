package selector

import (
	"strings"
	"unicode/utf16"
)

// activemqString renders a compiled tree exactly as ActiveMQ's toString()
// renders the tree it builds for the same selector, so the golden test can
// check operator precedence, associativity and literal typing, not only
// final verdicts.
func activemqString(n node) string {
	switch n := n.(type) {
	case *constNode:
		return constString(n.v)
	case *propNode:
		return n.name
	case *boolCastNode:
		return activemqString(n.x)
	case *notNode:
		return "(NOT " + activemqString(n.x) + ")"
	case *andNode:
		return logicString("AND", n.xs)
	case *orNode:
		return logicString("OR", n.xs)
	case *eqNode:
		return "(" + activemqString(n.l) + " = " + activemqString(n.r) + ")"
	case *isNullNode:
		return "(" + activemqString(n.x) + " = NULL)"
	case *cmpNode:
		return "(" + activemqString(n.l) + " " + cmpSymbols[n.op] + " " + activemqString(n.r) + ")"
	case *likeNode:
		return "(LIKE " + activemqString(n.x) + ")"
	case *inNode:
		op := " IN ( "
		if n.not {
			op = " NOT IN ( "
		}
		items := n.items
		if len(items) >= 5 { // ActiveMQ keeps five or more in a HashSet
			items = javaHashSetOrder(items)
		}
		return n.x.name + op + strings.Join(items, ", ") + " )"
	case *arithNode:
		return "(" + activemqString(n.l) + " " + arithSymbols[n.op] + " " + activemqString(n.r) + ")"
	case *negNode:
		return "(- " + activemqString(n.x) + ")"
	case *xqueryNode:
		return "XQUERY " + quoteString(n.query)
	}
	return "?"
}

func constString(v value) string {
	switch v.k {
	case kNull:
		return "NULL"
	case kBool:
		if v.i != 0 {
			return "TRUE"
		}
		return "FALSE"
	case kString:
		return quoteString(v.s)
	}
	return v.javaString()
}

func logicString(op string, xs []node) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = activemqString(x)
	}
	if len(xs) == 2 {
		return "( " + parts[0] + " " + op + " " + parts[1] + " )"
	}
	return "(" + strings.Join(parts, " "+op+" ") + ")"
}

// javaHashSetOrder returns the iteration order of new HashSet<>(items) on
// Java 17 (assuming no bucket holds eight or more entries).
func javaHashSetOrder(items []string) []string {
	initial := int(float32(len(items))/0.75) + 1
	if initial < 16 {
		initial = 16
	}
	capacity := 1
	for capacity < initial {
		capacity <<= 1
	}
	buckets := make([][]string, capacity)
	seen := map[string]bool{}
	for _, s := range items {
		if seen[s] {
			continue
		}
		seen[s] = true
		var h int32
		for _, u := range utf16.Encode([]rune(s)) {
			h = 31*h + int32(u)
		}
		spread := uint32(h) ^ uint32(h)>>16
		i := int(spread & uint32(capacity-1))
		buckets[i] = append(buckets[i], s)
	}
	var out []string
	for _, b := range buckets {
		out = append(out, b...)
	}
	return out
}
