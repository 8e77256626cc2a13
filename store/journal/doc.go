// Package journal is Junction's durable, append-only, segmented log: group
// commit, crash recovery, and reclaim of the space dead records occupy. It
// knows nothing of messages; the store layer above gives record types and
// payloads their meaning.
//
// # Records and liveness
//
// A positive record is live from its append until it is cancelled by a
// negative record (Record.Cancels names it; Append) or released (Release,
// which writes nothing: the caller knows by itself that the record is dead
// and will know it again after a restart). Liveness is kept in memory per
// segment (8 bytes and one bit per positive record) and rebuilt by Open
// (or taken from a checkpoint, below).
//
// # Files
//
// A journal directory holds a LOCK file and segments named NNNNNNNN.jnl, the
// decimal segment number padded to eight digits; numbers increase with log
// order and are never reused. New segments are preallocated (fallocate) to
// the segment size; the unused tail is given back when a segment is sealed.
//
// Every segment starts with a 32-byte header (integers little-endian):
//
//	0  magic "JUNCJNL1"
//	8  uint32 format version (1)
//	12 uint32 segment number (must match the file name)
//	16 uint64 sequence number of the first record
//	24 uint32 reserved, zero
//	28 uint32 CRC32-C (Castagnoli) of bytes 0..27
//
// Records follow back to back, each a 28-byte header and the payload:
//
//	0  uint32 CRC32-C of header bytes 4..27 followed by the payload
//	4  uint32 payload length (at most 1 GiB)
//	8  uint64 sequence number: the segment's first, then +1 per record
//	16 uint64 reference: segment<<32 | offset, or zero
//	24 uint8  record type (the caller's Record.Type)
//	25 uint8  kind: 0 positive, 1 negative (reference = cancelled record),
//	          2 moved (a positive copied by compaction; reference = original),
//	          3 internal cancel (written by compaction, not shown by Replay),
//	          4 seal (last record of a finished segment),
//	          5 void (an erased record: zero type, reference and payload)
//	26 uint16 reserved, zero
//
// A Pos is the segment number and the byte offset of a record's header.
//
// The writer seals a segment and makes it durable before it creates the
// next file, so every segment but the newest must end with a seal. Recovery
// therefore reads the newest segment up to its first bad record (short,
// zeros, checksum or sequence mismatch), treats the rest as a torn write and
// cuts it off; a bad record anywhere in an older segment is a *CorruptError
// (or, with Options.SkipCorrupt, the rest of that segment is skipped and
// logged).
//
// # Checkpoint
//
// CloseCheckpoint also saves, in a file named checkpoint, every segment's
// liveness accounting and a state blob of the caller's; the next Open
// adopts it instead of reading every record, when the segments are exactly
// as Close left them (names, headers, recorded lengths, zeros after the
// newest one's end). Open removes the file, and fsyncs the directory,
// before anything can be appended, so a crash at any later point leaves no
// checkpoint and the next Open scans. The layout is in checkpoint.go.
//
// # Group commit
//
// Append encodes the record into a shared buffer under a short lock and
// returns. A single writer goroutine takes everything buffered, writes it
// with one write per segment and, under SyncAlways, fsyncs once; records
// appended meanwhile wait for the next round, so one fsync covers every
// record that arrived while the previous one ran. Durability callbacks run
// on the writer goroutine in append order.
//
// # Linger and erase
//
// A record appended with Record.Linger (a message handed straight to a
// waiting consumer, a delivery count) is expected to die soon. While only
// such records are buffered, the writer leaves them alone for up to
// Options.Linger. A cancel with Record.Erase, or a Release, of one still
// buffered turns its bytes into a void record and writes no cancel: the
// message and its ack never reach the disk, and a batch of nothing but
// voids is written without an fsync, since nothing in it needs keeping.
// Any other record ends the wait at once.
//
// # Reclaim
//
// A segment file is deleted when it is not the newest, holds no live
// positive record, and every other segment its records name (targets of its
// cancels, originals of its moved copies) is already deleted or deleted in
// the same pass, oldest first. Deleting a cancel while its target still
// exists would bring the target back at the next recovery; references only
// ever point to older records, so one ascending pass applies the rule, and
// removals are made durable one by one in that order.
//
// # Compaction
//
// A segment that is at least Options.CompactMinAge segments old and whose
// live share (live positive bytes, plus 28 bytes per reference it must
// keep) is below Options.CompactRatio is compacted: its live records are
// copied to the head of the log as moved records (Options.Rewrite may
// change them), its references to still-existing segments become internal
// cancels there, and once all that is durable Options.Relocated learns each
// move and the segment is reclaimed. The liveness check and the copy happen
// under one lock hold; a Release or cancel of the old position that comes
// later is forwarded to the new one until the old segment is deleted, so a
// racing release is never lost and never revives a record. If the process
// stops in between, recovery lets each moved copy supersede its original.
//
// Replay order follows the log: a moved record appears at its new place.
// Callers that need their own order back (queue order) keep a sequence
// number in the payload; callers that link records keep their own ids in
// payloads rather than positions, which compaction changes.
package journal
