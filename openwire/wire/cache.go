package wire

// The writer half of the marshal cache (openwire.md §1.8). The reader half
// is a plain slice of S structures in the decoder. The writer reproduces
// Java's OpenWireFormat bookkeeping step by step — round-robin slots, the
// eviction sweep before every frame, nulls cached like any value, value
// equality of identifiers — because a Java reader only works if both ends
// assign the same index to the same object, and because the golden tests
// compare our frames with Java's byte for byte.

// cacheFreeSpace is Java's MARSHAL_CACHE_FREE_SPACE: before each frame the
// writer evicts the oldest entries until at most S-100 remain.
const cacheFreeSpace = 100

// defaultCacheSize is the S Java uses when the negotiated CacheSize is 0.
const defaultCacheSize = 0x7FFF / 2

// cacheKey is the value identity of a cached structure, the Go counterpart
// of the equals() of Java's identifier and destination classes. The zero
// key is null.
type cacheKey struct {
	t      byte
	s1, s2 string
	a, b   int64
}

type cacheUndo struct {
	slot int
	prev cacheKey
	key  cacheKey
}

// memoSize is the number of recent lookups the writer remembers, so that
// the IDs every message repeats do not cost a map lookup (string hashing)
// each time.
const memoSize = 32

type memoEntry struct {
	key   cacheKey
	idx   int16
	valid bool
}

type writeCache struct {
	size     int                // the negotiated cache size
	slots    []cacheKey         // Java's marshallCache, allocated as it fills; the zero key doubles as "empty", as null does in Java
	index    map[cacheKey]int16 // Java's marshallCacheMap
	next     int                // nextMarshallCacheIndex
	evict    int                // nextMarshallCacheEvictionIndex
	undo     []cacheUndo        // additions of the frame being written
	undoNext int
	// memo caches index lookups. Entries stay right because a key's index
	// only changes when the key is deleted (eviction, rollback), and both
	// clear the memo.
	memo [memoSize]memoEntry
}

func newWriteCache(size int) *writeCache {
	return &writeCache{size: size, index: make(map[cacheKey]int16)}
}

// begin starts a frame: the eviction sweep, and a fresh undo log.
func (c *writeCache) begin() {
	// Java loops while size > S-100, which never ends when S < 100; stopping
	// at an empty map is the only terminating reading of that rule.
	// Slots are filled in ring order and evicted behind the filling, so
	// every slot evicted here has been allocated.
	for len(c.index) > 0 && len(c.index) > c.size-cacheFreeSpace {
		c.memo = [memoSize]memoEntry{}
		delete(c.index, c.slots[c.evict])
		c.slots[c.evict] = cacheKey{}
		if c.evict++; c.evict >= c.size {
			c.evict = 0
		}
	}
	c.undo = c.undo[:0]
	c.undoNext = c.next
}

// rollback forgets the additions of a frame that failed to marshal, so the
// peer's cache and ours stay in step.
func (c *writeCache) rollback() {
	if len(c.undo) > 0 {
		c.memo = [memoSize]memoEntry{}
	}
	for i := len(c.undo) - 1; i >= 0; i-- {
		u := c.undo[i]
		delete(c.index, u.key)
		c.slots[u.slot] = u.prev
	}
	c.undo = c.undo[:0]
	c.next = c.undoNext
}

// lookup returns the index of key, as Java's getMarshallCacheIndex.
func (c *writeCache) lookup(key cacheKey) (int16, bool) {
	h := uint64(key.t) | uint64(len(key.s1))<<8 | uint64(len(key.s2))<<24
	if n := len(key.s1); n > 0 {
		h |= uint64(key.s1[n-1]) << 40
	}
	h = (h ^ uint64(key.a)*0x9E3779B97F4A7C15 ^ uint64(key.b)*0xC2B2AE3D27D4EB4F) * 0x165667B19E3779F9
	m := &c.memo[h>>59]
	if m.valid && m.key == key {
		return m.idx, true
	}
	idx, ok := c.index[key]
	if ok {
		*m = memoEntry{key: key, idx: idx, valid: true}
	}
	return idx, ok
}

// add assigns the next slot to key and returns its index, or -1 ("not
// cached") when the map is full, exactly as Java's addToMarshallCache.
func (c *writeCache) add(key cacheKey) int16 {
	i := c.next
	if c.next++; c.next >= c.size {
		c.next = 0
	}
	if len(c.index) >= c.size {
		return -1
	}
	if i >= len(c.slots) {
		// Grown on demand: most connections use a few dozen of the 1,024
		// slots, and an idle one should not carry 56 KiB of empty keys.
		grown := make([]cacheKey, min(c.size, max(2*len(c.slots), 16, i+1)))
		copy(grown, c.slots)
		c.slots = grown
	}
	c.undo = append(c.undo, cacheUndo{slot: i, prev: c.slots[i], key: key})
	c.slots[i] = key
	c.index[key] = int16(i)
	return int16(i)
}

// keyOf returns the value identity of a cacheable structure; ok is false
// for structures that are not identifiers or destinations (see cacheable).
func keyOf(ds DataStructure) (k cacheKey, ok bool) {
	if ds == nil || ds.isNil() {
		return cacheKey{}, true
	}
	switch v := ds.(type) {
	case *Destination:
		if v.Kind >= Queue && v.Kind <= TempTopic {
			return cacheKey{t: byte(v.Kind), s1: v.PhysicalName}, true
		}
	case *ConnectionId:
		return cacheKey{t: TypeConnectionId, s1: v.Value}, true
	case *SessionId:
		return cacheKey{t: TypeSessionId, s1: v.ConnectionId, a: v.Value}, true
	case *ConsumerId:
		return cacheKey{t: TypeConsumerId, s1: v.ConnectionId, a: v.SessionId, b: v.Value}, true
	case *ProducerId:
		return cacheKey{t: TypeProducerId, s1: v.ConnectionId, a: v.Value, b: v.SessionId}, true
	case *BrokerId:
		return cacheKey{t: TypeBrokerId, s1: v.Value}, true
	case *LocalTransactionId:
		k := cacheKey{t: TypeLocalTransactionId, a: v.Value}
		if v.ConnectionId != nil {
			k.s1, k.b = v.ConnectionId.Value, 1
		}
		return k, true
	case *XATransactionId:
		k := cacheKey{t: TypeXATransactionId, a: int64(v.FormatId), s1: string(v.GlobalTransactionId), s2: string(v.BranchQualifier)}
		if v.GlobalTransactionId == nil {
			k.b |= 1
		}
		if v.BranchQualifier == nil {
			k.b |= 2
		}
		return k, true
	}
	return cacheKey{}, false
}

// cacheable reports whether a structure of type t may travel through the
// marshal cache. Java caches only identifiers, destinations and transaction
// IDs (RemoveInfo.ObjectId, the one cached<any> field, is always an ID), and
// compares them by value. Allowing other structures would let a peer share
// one large structure between many cache references, which costs nothing
// to decode but explodes when re-encoded; so both directions refuse them.
func cacheable(t byte) bool {
	switch t {
	case TypeActiveMQQueue, TypeActiveMQTopic, TypeActiveMQTempQueue, TypeActiveMQTempTopic,
		TypeLocalTransactionId, TypeXATransactionId,
		TypeConnectionId, TypeSessionId, TypeConsumerId, TypeProducerId, TypeBrokerId:
		return true
	}
	return false
}
