// Package message defines Junction's protocol-neutral message and the typed
// values it carries. Every protocol adapter converts its wire form to and
// from these types; the broker core routes and stores them without knowing
// which protocol produced them.
package message

import (
	"strconv"
	"strings"
	"time"
)

// Table is a typed property table: AMQP field tables, JMS message properties
// and STOMP headers all map onto it. Values are limited to the types listed
// on Value so that every protocol can encode them.
type Table map[string]any

// Value documents the Go types a Table may hold:
//
//	nil, bool,
//	int8, uint8, int16, uint16, int32, uint32, int64,
//	float32, float64, Decimal, string, []byte,
//	time.Time, Table, []any (whose elements are Values).
//
// The distinctions between the integer widths are kept because JMS selectors
// and AMQP clients observe them (a JMS short is not a JMS int).
type Value = any

// Decimal is AMQP's decimal-value: Value × 10^-Scale.
type Decimal struct {
	Scale uint8
	Value int32
}

// Clone returns a deep copy of t so a modified copy can be attached to a new
// message without touching messages that share the original.
func (t Table) Clone() Table {
	if t == nil {
		return nil
	}
	out := make(Table, len(t))
	for k, v := range t {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case Table:
		return x.Clone()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	case []byte:
		return append([]byte(nil), x...)
	default:
		return v
	}
}

// ValidValue reports whether v is one of the types a Table may hold.
func ValidValue(v any) bool {
	switch x := v.(type) {
	case nil, bool, int8, uint8, int16, uint16, int32, uint32, int64,
		float32, float64, Decimal, string, []byte, time.Time:
		return true
	case Table:
		for _, e := range x {
			if !ValidValue(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !ValidValue(e) {
				return false
			}
		}
		return true
	}
	return false
}

// String renders the decimal as its value ("123.45" for scale 2, value
// 12345).
func (d Decimal) String() string {
	s := strconv.FormatInt(int64(d.Value), 10)
	if d.Scale == 0 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	for len(s) <= int(d.Scale) {
		s = "0" + s
	}
	s = s[:len(s)-int(d.Scale)] + "." + s[len(s)-int(d.Scale):]
	if neg {
		s = "-" + s
	}
	return s
}
