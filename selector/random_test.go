package selector

import (
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// randomSelector builds a selector from ActiveMQ's grammar with operands
// of every kind, most of them valid but many violating a parse-time rule.
func randomSelector(r *rand.Rand, depth int) string {
	pick := func(xs ...string) string { return xs[r.Intn(len(xs))] }
	if depth <= 0 || r.Intn(4) == 0 {
		if r.Intn(2) == 0 {
			return pick("a", "b", "c", "n", "s", "t", "JMSPriority", "JMSDeliveryMode")
		}
		return pick("0", "1", "5", "-3", "2147483647", "2147483648", "9223372036854775807",
			"9223372036854775808", "0x10", "017", "1.5", ".5", "1e3", "0.0", "'x'", "'5'",
			"'true'", "''", "'PERSISTENT'", "TRUE", "FALSE", "NULL", "'a''b'")
	}
	x := func() string { return randomSelector(r, depth-1) }
	not := func() string { return pick("", "", "NOT ") }
	switch r.Intn(16) {
	case 0, 1:
		return x() + pick(" AND ", " OR ") + x()
	case 2:
		return "NOT " + x()
	case 3, 4:
		return x() + pick(" = ", " <> ", " < ", " <= ", " > ", " >= ") + x()
	case 5:
		return "(" + x() + ")"
	case 6:
		return x() + pick(" + ", " - ", " * ", " / ", " % ") + x()
	case 7:
		return pick("-", "+") + x()
	case 8:
		return x() + " " + not() + "LIKE " + pick("'x%'", "'%5'", "'_'", "'%'", "'t_ue'",
			"'a!%b' ESCAPE '!'", "'x' ESCAPE 'x'", "''", "'P%T'")
	case 9:
		return pick("a", "s", "t", "(s)", "JMSDeliveryMode") + " " + not() + "IN ('x', '5', 'true', 'PERSISTENT')"
	case 10:
		return x() + " " + not() + "BETWEEN " + x() + " AND " + x()
	case 11:
		return x() + pick(" IS NULL", " IS NOT NULL")
	}
	return x()
}

func randomFields(r *rand.Rand) []string {
	vals := []string{"s:x", "s:5", "s:true", "s:", "s:abc", "b:true", "b:false", "i8:5",
		"i16:-3", "i32:5", "i32:2147483647", "i64:5", "i64:9223372036854775807", "f32:1.5",
		"f64:1.5", "f64:NaN", "f32:5", "f64:-0.0", "i32:0"}
	var out []string
	for _, id := range []string{"a", "b", "c", "n", "s", "t"} {
		if r.Intn(4) != 0 {
			out = append(out, id+"="+vals[r.Intn(len(vals))])
		}
	}
	if r.Intn(2) == 0 {
		out = append(out, "@priority="+string(rune('0'+r.Intn(10))))
	}
	if r.Intn(2) == 0 {
		out = append(out, "@persistent=true")
	}
	return out
}

// TestRandomSelectorsAgreeWithActiveMQ is a differential test: thousands
// of generated selectors and messages go through ActiveMQ's engine and
// this package, and verdicts and parse trees must agree.
func TestRandomSelectorsAgreeWithActiveMQ(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the Java cross-check in -short mode")
	}
	r := rand.New(rand.NewSource(20240601))
	var b strings.Builder
	for i := 0; i < 5000; i++ {
		sel := randomSelector(r, 1+r.Intn(4))
		if r.Intn(6) == 0 {
			sel = ConvertPrefix + sel
		}
		b.WriteString(strings.Join(append([]string{sel}, randomFields(r)...), "\t") + "\n")
	}
	path := filepath.Join(t.TempDir(), "random_cases.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := runActiveMQ(t, path)
	valid, failures := 0, 0
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		want, wantTree := cols[0], unescapeField(t, cols[1])
		sel := unescapeField(t, cols[2])
		got, s := verdictOf(sel, newTestMessage(t, cols[3:]))
		if s != nil {
			valid++
		}
		if got != want || (s != nil && activemqString(s.root) != wantTree) {
			if failures++; failures <= 20 {
				tree := ""
				if s != nil {
					tree = activemqString(s.root)
				}
				t.Errorf("%q %v: got %s %s; ActiveMQ %s %s", sel, cols[3:], got, tree, want, wantTree)
			}
		}
	}
	if valid < 1000 {
		t.Errorf("only %d of the generated selectors were valid; the generator needs tuning", valid)
	}
	if failures > 0 {
		t.Errorf("%d of 5000 random cases disagree with ActiveMQ", failures)
	}
}
