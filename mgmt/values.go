package mgmt

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/junctionmq/junction/message"
)

// tableJSON renders a message table as RabbitMQ's management plugin does:
// numbers and strings as themselves, nested tables as objects, byte
// strings as text when they are UTF-8, timestamps as Unix seconds. It
// never returns nil, so an empty table is written {} rather than null.
func tableJSON(t message.Table) map[string]any {
	out := make(map[string]any, len(t))
	for k, v := range t {
		out[k] = valueJSON(v)
	}
	return out
}

func valueJSON(v any) any {
	switch x := v.(type) {
	case message.Table:
		return tableJSON(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = valueJSON(e)
		}
		return out
	case []byte:
		if utf8.Valid(x) {
			return string(x)
		}
		return base64.StdEncoding.EncodeToString(x)
	case time.Time:
		return x.Unix()
	case message.Decimal:
		return float64(x.Value) / math.Pow10(int(x.Scale))
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Sprint(x)
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x)
		}
	}
	return v
}

// tableFromJSON converts a decoded JSON object (decoded with UseNumber)
// into a message table: integers become int64 (AMQP's long, what
// RabbitMQ's management plugin gives them), other numbers float64,
// objects nested tables and arrays arrays.
func tableFromJSON(m map[string]any) (message.Table, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(message.Table, len(m))
	for k, v := range m {
		x, err := valueFromJSON(v)
		if err != nil {
			return nil, fmt.Errorf("argument %q: %w", k, err)
		}
		out[k] = x
	}
	return out, nil
}

func valueFromJSON(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("number %s: %w", x, err)
		}
		return f, nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), nil
		}
		return x, nil
	case map[string]any:
		t, err := tableFromJSON(x)
		if t == nil && err == nil {
			t = message.Table{}
		}
		return t, err
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			y, err := valueFromJSON(e)
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported JSON value of type %T", v)
}

// sortedKeys returns a map's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// boolParam reads a query flag such as ?if-unused=true.
func (rq *request) boolParam(name string) bool {
	v := rq.r.URL.Query().Get(name)
	return v == "true" || v == "1"
}

// exchangeName maps the API's name for the default exchange.
func exchangeName(path string) string {
	if path == "amq.default" {
		return ""
	}
	return path
}
