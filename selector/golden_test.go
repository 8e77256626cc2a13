package selector

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

const (
	casesPath  = "testdata/cases.txt"
	goldenPath = "testdata/activemq_verdicts.txt"
)

// knownDivergences lists the golden cases where this package deliberately
// or knowingly differs from ActiveMQ: verdict, if set, replaces ActiveMQ's
// verdict and tree, if set, replaces its toString() of the parsed tree.
var knownDivergences = map[string]struct{ verdict, tree, why string }{
	"INLIST(MAKELIST('a', 'b'), 'a')": {verdict: "invalid", why: "ActiveMQ's function-call extension is not implemented"},
	"REGEX('a.*', color)":             {verdict: "invalid", why: "ActiveMQ's function-call extension is not implemented"},
	// Java 17's Double/Float.toString sometimes prints more digits than
	// needed; string concatenation here uses the shortest digits.
	"n + m = 'x1.0E23'":             {verdict: "true", why: "Java 17 prints 1e23 as 9.999999999999999E22"},
	"n + m = 'x-1.5E10'":            {verdict: "true", why: "Java 17 prints -1.5e10f as -1.50000005E10"},
	"n / 2 = 4611686018427387903.5": {tree: "((n / 2) = 4.611686018427388E18)", why: "Java 17 prints this double with 17 digits"},
}

// goldenCase is one line of the golden file.
type goldenCase struct {
	line     int
	verdict  string // true, false, unknown, exception or invalid
	detail   string // ActiveMQ's toString() of the tree, or its parse error
	selector string
	fields   []string // raw message fields
	raw      string   // the case as written in cases.txt
}

func readGolden(t testing.TB) []goldenCase {
	t.Helper()
	f, err := os.Open(goldenPath)
	if err != nil {
		t.Fatalf("open golden file: %v", err)
	}
	defer f.Close()
	var cases []goldenCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 3 {
			t.Fatalf("%s:%d: want at least 3 columns, got %d", goldenPath, n, len(cols))
		}
		cases = append(cases, goldenCase{
			line:     n,
			verdict:  cols[0],
			detail:   unescapeField(t, cols[1]),
			selector: unescapeField(t, cols[2]),
			fields:   cols[3:],
			raw:      strings.Join(cols[2:], "\t"),
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read golden file: %v", err)
	}
	return cases
}

func readCaseLines(t testing.TB) []string {
	t.Helper()
	data, err := os.ReadFile(casesPath)
	if err != nil {
		t.Fatalf("read cases: %v", err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}

// unescapeField reverses the escapes used in cases.txt and by the Java
// program: \t \n \r \f \\ and \uXXXX as UTF-16 code units.
func unescapeField(t testing.TB, s string) string {
	t.Helper()
	var units []uint16
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			if c >= 0x80 {
				t.Fatalf("non-ASCII byte in field %q", s)
			}
			units = append(units, uint16(c))
			continue
		}
		i++
		if i >= len(s) {
			t.Fatalf("dangling backslash in %q", s)
		}
		switch s[i] {
		case 't':
			units = append(units, '\t')
		case 'n':
			units = append(units, '\n')
		case 'r':
			units = append(units, '\r')
		case 'f':
			units = append(units, '\f')
		case '\\':
			units = append(units, '\\')
		case 'u':
			u, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				t.Fatalf("bad \\u escape in %q: %v", s, err)
			}
			units = append(units, uint16(u))
			i += 4
		default:
			t.Fatalf("bad escape \\%c in %q", s[i], s)
		}
	}
	return string(utf16.Decode(units))
}

// verdictOf evaluates like the Java program reports: the root's value, or
// "invalid" when the selector does not compile.
func verdictOf(sel string, src Source) (string, *Selector) {
	s, err := Parse(sel)
	if err != nil {
		return "invalid", nil
	}
	switch v := s.root.eval(src); {
	case v.k == kErr:
		return "exception", s
	case v.k == kNull:
		return "unknown", s
	case v.isTrue():
		return "true", s
	default:
		return "false", s
	}
}

func TestGoldenFileCoversEveryCaseInOrder(t *testing.T) {
	golden := readGolden(t)
	cases := readCaseLines(t)
	if len(golden) != len(cases) {
		t.Fatalf("golden file has %d cases, cases.txt has %d: regenerate %s", len(golden), len(cases), goldenPath)
	}
	for i := range cases {
		if golden[i].raw != cases[i] {
			t.Fatalf("case %d differs: golden %q, cases.txt %q: regenerate %s", i+1, golden[i].raw, cases[i], goldenPath)
		}
	}
	if len(cases) < 300 {
		t.Errorf("only %d cases; the cross-check should keep at least 300", len(cases))
	}
}

func TestSelectorsAgreeWithActiveMQ(t *testing.T) {
	counts := map[string]int{}
	for _, c := range readGolden(t) {
		counts[c.verdict]++
		msg := newTestMessage(t, c.fields)
		got, sel := verdictOf(c.selector, msg)
		want, wantTree := c.verdict, c.detail
		if d, ok := knownDivergences[c.selector]; ok {
			if d.verdict == c.verdict || d.tree == c.detail {
				t.Errorf("%s:%d: %q is listed as a divergence but ActiveMQ now agrees", goldenPath, c.line, c.selector)
			}
			if d.verdict != "" {
				want = d.verdict
			}
			if d.tree != "" {
				wantTree = d.tree
			}
		}
		if got != want {
			t.Errorf("%s:%d: %q with %v: got %s, ActiveMQ %s (%s)", goldenPath, c.line, c.selector, c.fields, got, c.verdict, c.detail)
			continue
		}
		if sel == nil {
			continue
		}
		if m := sel.Matches(msg); m != (got == "true") {
			t.Errorf("%s:%d: %q: Matches()=%v but evaluation gave %s", goldenPath, c.line, c.selector, m, got)
		}
		if tree := activemqString(sel.root); tree != wantTree {
			t.Errorf("%s:%d: %q parsed as\n  %s\nActiveMQ parsed it as\n  %s", goldenPath, c.line, c.selector, tree, c.detail)
		}
	}
	for _, v := range []string{"true", "false", "unknown", "exception", "invalid"} {
		if counts[v] < 10 {
			t.Errorf("golden file has only %d %q cases", counts[v], v)
		}
	}
}

// testMessage resolves identifiers the way ActiveMQ's PropertyExpression
// does for an ActiveMQMessage with the given header fields and properties.
// It is the reference for the Source the broker must provide.
type testMessage struct {
	props   map[string]any
	headers map[string]string
}

func newTestMessage(t testing.TB, fields []string) *testMessage {
	t.Helper()
	m := &testMessage{props: map[string]any{}, headers: map[string]string{}}
	for _, f := range fields {
		name, rest, ok := strings.Cut(f, "=")
		if !ok {
			t.Fatalf("bad field %q", f)
		}
		if h, ok := strings.CutPrefix(name, "@"); ok {
			m.headers[h] = unescapeField(t, rest)
			continue
		}
		typ, raw, ok := strings.Cut(rest, ":")
		if !ok {
			t.Fatalf("bad typed value %q", f)
		}
		v, err := typedValue(typ, unescapeField(t, raw))
		if err != nil {
			t.Fatalf("field %q: %v", f, err)
		}
		m.props[unescapeField(t, name)] = v
	}
	return m
}

func typedValue(typ, s string) (any, error) {
	switch typ {
	case "s":
		return s, nil
	case "b":
		return strings.EqualFold(s, "true"), nil
	case "i8", "i16", "i32", "i64":
		bits, _ := strconv.Atoi(typ[1:])
		n, err := strconv.ParseInt(s, 10, bits)
		switch bits {
		case 8:
			return int8(n), err
		case 16:
			return int16(n), err
		case 32:
			return int32(n), err
		}
		return n, err
	case "f32":
		f, err := strconv.ParseFloat(s, 32)
		return float32(f), err
	case "f64":
		return strconv.ParseFloat(s, 64)
	}
	return nil, fmt.Errorf("unknown type %q", typ)
}

func (m *testMessage) Get(name string) any {
	h := m.headers
	str := func(key string) any {
		if v, ok := h[key]; ok {
			return v
		}
		return nil
	}
	num := func(key string) int64 {
		n, _ := strconv.ParseInt(h[key], 10, 64)
		return n
	}
	switch name {
	case "JMSDestination":
		return str("destination")
	case "JMSReplyTo":
		return str("replyTo")
	case "JMSType":
		return str("type")
	case "JMSDeliveryMode":
		if h["persistent"] == "true" {
			return "PERSISTENT"
		}
		return "NON_PERSISTENT"
	case "JMSPriority":
		return int32(num("priority"))
	case "JMSMessageID":
		return str("messageId")
	case "JMSTimestamp":
		return num("timestamp")
	case "JMSCorrelationID":
		return str("correlationId")
	case "JMSExpiration":
		return num("expiration")
	case "JMSRedelivered":
		return num("redeliveryCounter") > 0
	case "JMSXDeliveryCount":
		return int32(num("redeliveryCounter") + 1)
	case "JMSXGroupID":
		return str("groupId")
	case "JMSXGroupSeq":
		return int32(num("groupSeq"))
	case "JMSXUserID":
		if v := str("userId"); v != nil {
			return v
		}
		return m.props["JMSXUserID"]
	case "JMSXProducerTXID":
		return nil
	case "JMSActiveMQBrokerInTime":
		return num("brokerInTime")
	case "JMSActiveMQBrokerOutTime":
		return num("brokerOutTime")
	case "JMSActiveMQBrokerPath":
		return "null"
	case "JMSXGroupFirstForConsumer":
		return h["groupFirst"] == "true"
	}
	return m.props[name]
}
