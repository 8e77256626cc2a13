package wire

import (
	"encoding/binary"
	"fmt"
)

// Protocol is one AMQP version's method table: which class/method ids it
// uses and how each method's arguments are laid out. Methods that exist in
// several versions decode into the same struct; see the doc comments on
// AMQP091, AMQP09 and AMQP08 for what differs.
type Protocol struct {
	name         string
	header       [8]byte
	major, minor uint8
	decodeArgs   func(classID, methodID uint16, args []byte) (Method, error)
	encoders     []methodEncoder // indexed by Method.methodIndex
}

// Name returns the version's name, e.g. "AMQP 0-9-1".
func (p *Protocol) Name() string { return p.name }

// Header returns the protocol header a client sends for this version; a
// server that cannot speak the client's version answers with its own.
func (p *Protocol) Header() [8]byte { return p.header }

// Version returns the version-major and version-minor a server puts into
// connection.start: 0-9-1 and 0-9 announce 0, 9; 0-8 announces 8, 0.
func (p *Protocol) Version() (major, minor uint8) { return p.major, p.minor }

// String returns Name, so a Protocol prints readably in logs.
func (p *Protocol) String() string { return p.name }

// DecodeMethod decodes a method frame's payload: class id, method id and
// arguments. Errors are *Error: FRAME_ERROR if the payload cannot hold the
// ids, NOT_IMPLEMENTED with the ids filled in for a method this version
// does not define (RabbitMQ closes the connection in that case too), and
// FRAME_ERROR for arguments that are truncated, malformed or followed by
// extra bytes (RabbitMQ's "cannot decode" answer; the spec's SYNTAX_ERROR
// is not what clients see from RabbitMQ). The result does not alias payload.
func (p *Protocol) DecodeMethod(payload []byte) (Method, error) {
	if len(payload) < 4 {
		return nil, frameError("method frame payload of %d bytes is shorter than its class and method ids", len(payload))
	}
	classID := binary.BigEndian.Uint16(payload)
	methodID := binary.BigEndian.Uint16(payload[2:])
	m, err := p.decodeArgs(classID, methodID, payload[4:])
	if err == nil {
		return m, nil
	}
	if err == errUnknownMethod {
		return nil, &Error{Code: NotImplemented, ClassID: classID, MethodID: methodID,
			Text: fmt.Sprintf("%s has no method %d/%d", p.name, classID, methodID)}
	}
	return nil, &Error{Code: FrameError, ClassID: classID, MethodID: methodID, err: err,
		Text: fmt.Sprintf("decode %s: %v", m.MethodName(), err)}
}

// Supports reports whether this version has method m.
func (p *Protocol) Supports(m Method) bool {
	return p.encoders[m.methodIndex()].appendArgs != nil
}

// IDs returns the class and method ids this version uses for m on the
// wire (0-8's connection.close is 10/60, for instance), and false if the
// version lacks m. Use them in close methods that name a failing method.
func (p *Protocol) IDs(m Method) (classID, methodID uint16, ok bool) {
	e := p.encoders[m.methodIndex()]
	return e.classID, e.methodID, e.appendArgs != nil
}

// AppendMethodFrame appends m to dst as a complete method frame on channel
// in this version's layout. It fails if the version lacks m or a value
// cannot be encoded (a short string over 255 bytes, an unsupported table
// value); dst is then returned unchanged. m must not be a nil pointer.
func (p *Protocol) AppendMethodFrame(dst []byte, channel uint16, m Method) ([]byte, error) {
	e := p.encoders[m.methodIndex()]
	if e.appendArgs == nil {
		return dst, fmt.Errorf("encode %s: %s has no such method", m.MethodName(), p.name)
	}
	start := len(dst)
	dst = appendMethodHeader(dst, channel, e.classID, e.methodID)
	dst, err := e.appendArgs(dst, m)
	if err != nil {
		return dst[:start], encodeError(m, err)
	}
	return finishFrame(dst, start, m)
}

// ProtocolForHeader returns the version a client's protocol header asks
// for. Besides each version's own header it accepts "AMQP\x01\x01\x09\x01",
// which the 0-8 spec text printed and some old 0-8 clients (py-amqplib)
// send; RabbitMQ treated it as 0-8 as well. Anything else returns false:
// the server should then write AMQP091.Header() and close.
func ProtocolForHeader(h [8]byte) (*Protocol, bool) {
	for _, p := range []*Protocol{AMQP091, AMQP09, AMQP08} {
		if h == p.header {
			return p, true
		}
	}
	if h == [8]byte{'A', 'M', 'Q', 'P', 1, 1, 9, 1} {
		return AMQP08, true
	}
	return nil, false
}
