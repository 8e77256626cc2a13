package journal

import (
	"bytes"
	"os"
	"testing"
)

// FuzzCheckpointDecode feeds the journal's checkpoint decoder arbitrary
// files. It must reject them cleanly, never panic; what it accepts must
// encode to a checkpoint that decodes to the same accounting.
func FuzzCheckpointDecode(f *testing.F) {
	fx := newCkFixture(f)
	if b, err := os.ReadFile(fx.checkpointPath()); err == nil {
		f.Add(b)
	}
	f.Add([]byte(checkpointMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		j := &Journal{dir: "fuzz"}
		segs, next, state, err := j.decodeCheckpoint(data)
		if err != nil {
			return
		}
		again := &Journal{dir: "fuzz", order: segs, nextSeq: next}
		enc := again.encodeCheckpoint(state)
		segs2, next2, state2, err := j.decodeCheckpoint(enc)
		if err != nil {
			t.Fatalf("re-encoded checkpoint does not decode: %v", err)
		}
		if next2 != next || !bytes.Equal(state2, state) || len(segs2) != len(segs) {
			t.Fatalf("round trip changed the checkpoint: next %d/%d, %d/%d segments", next, next2, len(segs), len(segs2))
		}
		for i, s := range segs {
			s2 := segs2[i]
			if s.id != s2.id || s.size != s2.size || s.live != s2.live || s.liveBytes != s2.liveBytes || len(s.recs) != len(s2.recs) || len(s.refs) != len(s2.refs) {
				t.Fatalf("segment %d changed in a round trip", s.id)
			}
		}
	})
}
