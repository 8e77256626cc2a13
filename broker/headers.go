package broker

import (
	"fmt"
	"strings"
	"time"

	"github.com/junctionmq/junction/message"
)

// headersMatch is how a headers-exchange binding compares its arguments with
// a message's headers (the binding's "x-match" argument).
type headersMatch uint8

const (
	matchAll headersMatch = iota
	matchAny
	matchAllWithX
	matchAnyWithX
)

func parseXMatch(args message.Table) (headersMatch, error) {
	v, ok := args["x-match"]
	if !ok {
		return matchAll, nil
	}
	s, ok := v.(string)
	if !ok {
		if b, isBytes := v.([]byte); isBytes {
			s, ok = string(b), true
		}
	}
	switch {
	case ok && s == "all":
		return matchAll, nil
	case ok && s == "any":
		return matchAny, nil
	case ok && s == "all-with-x":
		return matchAllWithX, nil
	case ok && s == "any-with-x":
		return matchAnyWithX, nil
	}
	return 0, fmt.Errorf("invalid x-match field value %v; expected all, any, all-with-x, or any-with-x", v)
}

// matchHeaders reports whether a message's headers satisfy a binding. Binding
// arguments whose names start with "x-" take no part unless the mode is one
// of the -with-x modes. A binding argument of void type (nil) matches any
// value of the header as long as it is present, as in RabbitMQ.
func matchHeaders(mode headersMatch, args, headers message.Table) bool {
	withX := mode == matchAllWithX || mode == matchAnyWithX
	any := mode == matchAny || mode == matchAnyWithX
	for k, want := range args {
		if k == "x-match" || (!withX && strings.HasPrefix(k, "x-")) {
			continue
		}
		got, present := headers[k]
		ok := present && (want == nil || valuesEqual(want, got))
		if any && ok {
			return true
		}
		if !any && !ok {
			return false
		}
	}
	if any {
		return false
	}
	// "all" with no arguments to compare matches everything.
	return true
}

// valuesEqual compares two table values the way RabbitMQ's headers exchange
// does: numbers by value whatever their width, strings and byte strings by
// content, everything else structurally.
func valuesEqual(a, b any) bool {
	if ia, ok := IntValue(a); ok {
		if ib, ok := IntValue(b); ok {
			return ia == ib
		}
	}
	if fa, ok := numberValue(a); ok {
		fb, ok := numberValue(b)
		return ok && fa == fb
	}
	if sa, ok := stringValue(a); ok {
		sb, ok := stringValue(b)
		return ok && sa == sb
	}
	switch x := a.(type) {
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case message.Decimal:
		y, ok := b.(message.Decimal)
		return ok && x == y
	case message.Table:
		y, ok := b.(message.Table)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !valuesEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case nil:
		return b == nil
	}
	return false
}

// IntValue reads an integer of any width from a header or argument table
// (AMQP field tables carry int8 to int64, unsigned ones and Go ints after
// conversion from other protocols).
func IntValue(v any) (int64, bool) {
	switch x := v.(type) {
	case int8:
		return int64(x), true
	case uint8:
		return int64(x), true
	case int16:
		return int64(x), true
	case uint16:
		return int64(x), true
	case int32:
		return int64(x), true
	case uint32:
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	}
	return 0, false
}

func numberValue(v any) (float64, bool) {
	if i, ok := IntValue(v); ok {
		return float64(i), true
	}
	switch x := v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func stringValue(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}
