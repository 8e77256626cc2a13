// Package store is Junction's durable state: definitions (topology,
// users), queued messages, acks, delivery counts, purges and transactions,
// kept in a store/journal log. It is protocol- and broker-neutral: message
// bodies and definition values are opaque bytes the broker encodes.
//
// # Use
//
// Open the directory, call Recover once (it reports what survived through
// callbacks), then write. Enqueue, Ack, PurgeQueue, Prepare, Commit and
// Rollback return at once and call their done callback once the records
// are durable under Options.Sync (default: fsynced; one fsync covers every
// record that arrived meanwhile). Send publisher confirms, sync-send
// responses and receipts from done. Callbacks run on one store goroutine,
// in the order the records were appended; they may call the Store (but
// not Close, which waits for that goroutine).
// PutDefinition and DeleteDefinition wait for durability themselves.
// Delivered is never waited for: it rides the next fsync.
// One exception to that order: an Enqueue whose every reference is taken
// by AckConsumed (a consumer's ack) before its fsync has its done run then,
// since nothing is left to lose (early.go).
//
// Queues are numbers the broker picks (QueueID); each reference of a
// message to a queue is a Target with the broker's per-queue sequence
// number, which orders the queue after a restart. A message enqueued to
// several queues is stored once and dies with its last reference.
// Recover can leave bodies on disk (Recovery.BodiesPerQueue): the broker
// keeps the MsgRef and pages the body in with ReadMessage, so a backlog of
// ten million messages costs an index entry each (about 60 bytes of store
// and journal index per message, measured), not its body.
//
// # Records
//
// Every record is a journal record whose Type is one of the kinds below.
// Integers are little-endian. Every payload names the store's own ids and
// sequences, never journal positions: compaction moves records and changes
// replay order, so recovery collects everything and decides at the end.
// The store keeps one counter, the store sequence, from which message ids,
// transaction numbers, definition, purge and commit sequences are all
// drawn; recovery restarts it above every value any record names.
//
//	1 def (positive)      u64 seq | u16 len | kind | u16 len | key | value...
//	2 msg (positive)      u64 id | u64 vis | u16 n | n × (u64 queue, u64 seq) | body...
//	3 txmsg (positive)    u64 id | u64 txn | u16 n | n × (u64 queue, u64 seq) | body...
//	4 ackref (positive)   u64 id | u64 queue | u64 seq
//	5 delivered (pos.)    u64 id | u64 queue | u64 seq | u32 count
//	6 purge (positive)    u64 seq | u64 queue | u64 upToSeq
//	7 prepare (positive)  u64 txn | xid | u32 nmsgs | u32 n | n × (u64 id, u64 queue, u64 seq)
//	8 commit (positive)   u64 txn | u64 seq | u32 nmsgs | u32 n | n × (u64 id, u64 queue, u64 seq)
//	9 ack (negative)      cancels a msg or txmsg record; no payload
//	10 undef (negative)   cancels a def record; no payload
//	11 endtx (negative)   cancels a prepare record (commit or rollback); no payload
//
// xid is u8 0 | u64 local id, or u8 1 | i32 format | u8 len | gtrid | u8 len
// | bqual. vis is the message's visibility sequence (0: its id): a purge
// applies to references made visible before it. n in acks lists are the
// (message id, queue, seq) references a transaction acks.
//
// A single-queue enqueue is one msg record (header 18 + 16 bytes, so a
// 1 KiB body takes 1086 bytes with the journal's 28-byte header); an ack
// is one 28-byte negative record. A fan-out enqueue is one record listing
// all its queues; acking one of several live queues writes an ackref,
// and the last ack cancels the message (the ackrefs are then released).
// Delivered writes a delivered record and releases the previous one for
// that reference. A purge is one record, however many messages it drops:
// their records are released, not cancelled, so the purge record stays
// live until every segment holding such a record has been deleted (the
// store checks with journal Read after reclaims) and is then released; a
// newer purge of the same queue with a higher bound absorbs older ones.
// Definitions: a put writes the new def then cancels the old one; a
// delete cancels it; at recovery the highest seq wins should both be live.
//
// Compaction (journal Options.Rewrite) makes copies self-contained: a
// committed txmsg becomes a plain msg (vis = commit seq), and a fan-out
// msg is rewritten to list only its live queues, so that its ackrefs (and
// the purges that took other queues) are no longer needed for it.
//
// # Transactions
//
// TxEnqueue and TxAck only buffer in memory. Commit of an open (local or
// one-phase) transaction writes its messages as txmsg records, then a
// commit record carrying the transaction's acks, then the ack records;
// done runs when all are durable. Prepare writes the txmsg records and a
// prepare record (xid, acks); Commit after it writes the commit record,
// the acks and a cancel of the prepare record; Rollback cancels the
// prepare record and releases the txmsgs. A transaction of exactly one
// enqueue, or one ack, commits as that plain record.
//
// Guarantees after a crash (kill -9, or power loss under SyncAlways):
//   - An enqueue, ack, purge, definition change, prepare, commit or
//     rollback whose done ran (or which returned, for definitions) is
//     there; operations are kept in append order, so if one is there,
//     every one appended before it is too.
//   - A transaction's enqueues are all visible or none: visible exactly
//     when its commit record is durable. Its acks are applied with it: if
//     the commit record is durable and some ack records are not, Recover
//     re-applies them from the commit record (which stays live until its
//     acks are durable). If the commit record is not durable, neither
//     enqueues nor acks happened: the acked messages are still queued,
//     with the delivery count last recorded by Delivered.
//   - A prepared transaction (prepare durable, no commit or rollback
//     durable) is reported by Recovery.Prepared with its enqueues and
//     acks, and can then be committed or rolled back.
//   - Transactions never prepared nor committed leave nothing.
//   - Delivered counts are as durable as the next operation whose done
//     ran after them; counts only grow.
//
// A commit record stays live while any of its messages' records is still
// a txmsg (until acked, or rewritten plain by compaction) and until its
// acks are durable; the Rewrite hook converts live committed txmsgs before
// the commit record could be reclaimed, since it is never released while
// one remains.
//
// # Recovery
//
// After a clean Close (CloseNoting, or Close) Recover replays nothing: the
// store saved its whole state in the journal's checkpoint
// (journal.CloseCheckpoint; layout in checkpoint.go) and continues from it
// as if the process had never stopped. CloseNoting also keeps a note per
// queued message from the broker (what it needs to index a message it
// leaves on disk), handed back through Recovery.Noted, so a restart with
// a million messages queued reads no bodies beyond each queue's first
// BodiesPerQueue. Prepared transactions, or a commit whose acks are not
// yet durable, leave no checkpoint: Recover then replays.
//
// Recover replays the journal, using the journal's liveness (cancelled
// records are dead) and then its own rules for records it released:
// txmsgs without a commit or prepare record, references covered by a purge
// record, partial acks of dead messages, superseded delivered and def
// records. It writes what must be made durable to keep the next recovery
// identical (cancels of superseded records, acks a commit carries). A
// record that does not decode, or state the store never writes (two live
// messages with one id, two live prepare records of one transaction),
// fails Recover with an error rather than guessing.
package store
