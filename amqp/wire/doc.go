// Package wire is Junction's AMQP 0-9-1 codec, with AMQP 0-9 and 0-8 as
// older dialects: frames, methods, content headers, basic properties and
// field tables. It turns bytes into typed values and back and knows nothing
// about brokers; package amqp builds the connection and channel state
// machines on it.
//
// # Methods
//
// Every method is a generated struct (gen_*_methods.go) named after its
// class and method in Go CamelCase, initialisms upper-cased: BasicPublish,
// QueueDeclareOK, BasicQos. Fields follow the XML names (routing-key is
// RoutingKey, reserved-1 is Reserved1, nowait and no-wait are NoWait);
// connection.close's and channel.close's class-id and method-id become
// FailingClassID and FailingMethodID, as Method already has ClassID and
// MethodID. Each struct has AppendFrame, a concrete encoder for the hot
// path, using 0-9-1's layout and ids.
//
// # Versions
//
// A Protocol (AMQP091, AMQP09, AMQP08) decodes method payloads of its
// version and encodes methods in its layout. A method the old versions
// share with 0-9-1 decodes into the 0-9-1 struct: fields are matched by
// meaning (0-8/0-9 ticket is Reserved1, connection.open's capabilities and
// insist are Reserved1 and Reserved2, and so on); fields a version lacks
// stay zero. Methods 0-9-1 lacks (access.request, channel.alert,
// connection.redirect, exchange.bound, the file, stream, dtx, tunnel and
// test classes, 0-9's message class) have their own structs. The doc
// comments on AMQP09 and AMQP08 list every difference, computed from the
// XML. The notable ones for a server:
//
//   - 0-8 numbers connection.close/close-ok 10/60 and 10/61 (0-9-1: 10/50,
//     10/51); use Protocol.IDs to name a failing method in a close.
//   - 0-8's (Qpid) basic.recover 60/100 expects recover-ok 60/101: it
//     decodes as BasicRecover and BasicRecoverOK encodes as 60/101. In 0-9
//     basic.recover 60/100 is asynchronous (BasicRecoverAsync) and Qpid's
//     recover-sync 60/102 / recover-sync-ok 60/101 are BasicRecover and
//     BasicRecoverOK.
//   - 0-8 and 0-9 lack confirms, exchange-to-exchange bindings and
//     basic.nack; 0-8 also lacks queue.unbind.
//   - connection.start announces version 0, 9 for 0-9-1 and 0-9 and 8, 0
//     for 0-8 (Protocol.Version). Frame types are the same in all three
//     (heartbeat is 8 everywhere); 0-8/0-9's out-of-band and trace frame
//     types 4-7 were never used and FrameReader rejects them.
//   - The reply codes differ slightly (no-route 312 exists only in 0-9's
//     XML, unexpected-frame 505 only in 0-9-1's); all are constants here.
//
// Protocol headers: "AMQP" 0 0 9 1 (0-9-1), "AMQP" 1 1 0 9 (0-9), "AMQP"
// 1 1 8 0 and "AMQP" 1 1 9 1 (0-8), as RabbitMQ accepted them.
//
// # Errors
//
// Decoding failures are *Error values carrying the reply code to close
// with: FRAME_ERROR for broken framing, SYNTAX_ERROR for malformed method
// arguments, properties or tables, NOT_IMPLEMENTED for unknown methods.
// (RabbitMQ 3.10 answers undecodable arguments with FRAME_ERROR and drops
// the connection without a close on an unknown method; testdata/capture
// holds both exchanges.)
//
// # Field tables
//
// Tables use RabbitMQ's errata type letters, see AppendTable. Decoding also
// accepts 'L', 'U' and Qpid's 'c', 'C' and 'k'.
//
// The generated files come from the XML in Debian's amqp-specs package:
//
//go:generate go run ../spec/gen -out .
package wire
