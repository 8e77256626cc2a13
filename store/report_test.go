package store

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSortBySeqOrdersDenseGappedAndSparseSeqs(t *testing.T) {
	cases := map[string][]uint64{
		"empty":          nil,
		"one":            {7},
		"dense":          {5, 3, 4, 1, 2},
		"gaps":           {10, 2, 8, 4, 6},
		"sparse":         {1, 1000, 50, 999_999},
		"extreme ends":   {0, math.MaxUint64, 42},
		"dense from max": {math.MaxUint64, math.MaxUint64 - 2, math.MaxUint64 - 1},
	}
	r := rand.New(rand.NewPCG(1, 2))
	var shuffled []uint64
	for seq := range uint64(5000) {
		if r.IntN(3) > 0 { // about a third acked out of the middle
			shuffled = append(shuffled, 100+seq)
		}
	}
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	cases["a backlog with acked holes"] = shuffled
	for name, seqs := range cases {
		var list []rmsgOut
		for i, seq := range seqs {
			list = append(list, rmsgOut{seq: seq, ref: MsgRef{id: uint64(i) + 1, seq: seq}})
		}
		got := sortBySeq(slices.Clone(list))
		if len(got) != len(seqs) {
			t.Fatalf("%s: %d references in, %d out", name, len(seqs), len(got))
		}
		for i := range got {
			if got[i].ref.seq != got[i].seq || i > 0 && got[i-1].seq >= got[i].seq {
				t.Fatalf("%s: out of order or mixed up at %d: %+v", name, i, got)
			}
		}
	}
}
