package bench

import "math/bits"

// histogram records latencies (ns) in log-linear buckets: 64 sub-buckets
// per power of two, so any quantile is within ~1.6% of the true value with
// constant memory, like HdrHistogram.
type histogram struct {
	counts [64 * 64]uint64
	total  uint64
	max    int64
}

func newHistogram() *histogram { return &histogram{} }

func bucket(v int64) int {
	if v < 64 {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	exp := 63 - bits.LeadingZeros64(uint64(v)) // ≥ 6
	sub := int(v>>(exp-6)) & 63
	return (exp-5)*64 + sub
}

func bucketValue(i int) float64 {
	if i < 64 {
		return float64(i)
	}
	exp := i/64 + 5
	sub := i % 64
	return float64((int64(64)+int64(sub))<<(exp-6)) * 1.0
}

func (h *histogram) record(v int64) {
	h.counts[bucket(v)]++
	h.total++
	if v > h.max {
		h.max = v
	}
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	if o.max > h.max {
		h.max = o.max
	}
}

func (h *histogram) reset() { *h = histogram{} }

func (h *histogram) quantile(q float64) float64 {
	if h.total == 0 {
		return 0
	}
	target := uint64(q * float64(h.total))
	if target >= h.total {
		target = h.total - 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen > target {
			return bucketValue(i)
		}
	}
	return float64(h.max)
}
