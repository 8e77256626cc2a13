package selector

import "testing"

// benchMessage holds already-boxed values, as a broker Source over decoded
// properties would, so the benchmarks measure the selector alone.
var benchMessage = mapSource{
	"color":       "red",
	"a":           int32(7),
	"b":           "y",
	"JMSPriority": int32(6),
	"region":      "emea-west",
	"n":           int64(42),
}

func benchmarkMatches(b *testing.B, expr string) {
	s := mustParse(b, expr)
	if !s.Matches(benchMessage) {
		b.Fatalf("%q does not match the benchmark message", expr)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Matches(benchMessage)
	}
}

func BenchmarkMatchesEquality(b *testing.B) { benchmarkMatches(b, "color = 'red'") }

func BenchmarkMatchesCompound(b *testing.B) { benchmarkMatches(b, "a > 5 AND b IN ('x','y')") }

func BenchmarkMatchesPriority(b *testing.B) { benchmarkMatches(b, "JMSPriority > 4") }

func BenchmarkMatchesLike(b *testing.B) { benchmarkMatches(b, "color LIKE 'r%'") }

func BenchmarkMatchesLikeGeneral(b *testing.B) { benchmarkMatches(b, "region LIKE '%a_w%t'") }

func BenchmarkMatchesBetween(b *testing.B) { benchmarkMatches(b, "n BETWEEN 10 AND 50") }

func BenchmarkParse(b *testing.B) {
	const expr = "JMSPriority > 4 AND (color IN ('red', 'green', 'blue') OR region LIKE 'emea-%') AND n BETWEEN 1 AND 100 AND b IS NOT NULL"
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(expr); err != nil {
			b.Fatal(err)
		}
	}
}
