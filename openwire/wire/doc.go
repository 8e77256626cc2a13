// Package wire is the OpenWire codec: the data structures of protocol
// versions 1–12, their tight and loose encodings with the marshal cache,
// wire-format negotiation, and the typed-value encodings of message
// properties and bodies. It knows nothing about brokers or sessions; the
// broker (package openwire) and the Go client build on it.
//
// The structures and their marshal/unmarshal methods are generated from the
// declarative table in openwire/gen/table.go (files gen_*.go). The runtime
// in this package provides the primitive encodings those methods call.
//
// A connection owns one Codec. Each side's first frame is its
// WireFormatInfo, always loose, size-prefixed and uncached; after reading
// the peer's, call Codec.ApplyPeer and both directions switch to the
// negotiated format:
//
//	c := wire.NewCodec(wire.DefaultPreferences())
//	out, _ := c.AppendCommand(nil, c.Local())   // our WireFormatInfo, first
//	cmd, _ := c.ReadCommand(br)                 // the peer's WireFormatInfo
//	if _, err := c.ApplyPeer(cmd.(*wire.WireFormatInfo)); err != nil { … }
//
// Decoded identifiers and destinations that arrived through the marshal
// cache are shared between commands: treat every decoded structure as
// immutable and replace pointers instead of mutating what they point to.
//
// Strings: Java distinguishes null from "", so nullable string fields are
// NullString. Identifier parts that Java never sends as null (ConnectionId
// values, destination names, …) are plain strings; a null there decodes as "".
// Strings travel as Java modified UTF-8 and are converted to and from Go
// UTF-8; an unpaired UTF-16 surrogate decodes as U+FFFD.
package wire

//go:generate go run ../gen -out .
