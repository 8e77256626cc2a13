package mgmt

import "runtime/metrics"

// memoryUsed is the measure the broker's memory alarm compares with the
// high watermark: memory mapped by the Go runtime less what it released.
func memoryUsed() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() - s[1].Value.Uint64()
}
