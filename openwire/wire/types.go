package wire

import "strconv"

// DataStructure is any OpenWire structure: a command, an identifier, a
// destination, a message. Only the types of this package implement it,
// because the codec must know how to marshal each one.
type DataStructure interface {
	// DataStructureType returns the type ID written before the structure.
	DataStructureType() byte
	marshalFields(e *encoder)
	unmarshalFields(d *decoder)
	isNil() bool
}

// Command is a structure that can be sent as a frame of its own. Every
// command has a CommandId and a ResponseRequired flag; WireFormatInfo and
// the UDP fragments have no such header and ignore the setters, as in Java.
type Command interface {
	DataStructure
	GetCommandId() int32
	SetCommandId(id int32)
	IsResponseRequired() bool
	SetResponseRequired(required bool)
}

// ResponseCommand is the Response family (Response, ExceptionResponse,
// DataResponse, DataArrayResponse, IntegerResponse).
type ResponseCommand interface {
	Command
	GetCorrelationId() int32
}

// MessageCommand is one of the message types 23–29; the common fields are
// in the embedded Message returned by GetMessage.
type MessageCommand interface {
	Command
	GetMessage() *Message
}

// TransactionId is a *LocalTransactionId or an *XATransactionId.
type TransactionId interface {
	DataStructure
	isTransactionId()
}

// NullString is an OpenWire string, which Java distinguishes from null.
type NullString struct {
	Value string
	Valid bool // false: null
}

// Str returns the non-null NullString s.
func Str(s string) NullString { return NullString{Value: s, Valid: true} }

// String returns the value; "" for null.
func (n NullString) String() string { return n.Value }

// TypeName returns the Java name of a data structure type ID, or "type N"
// for an ID no protocol version defines.
func TypeName(t byte) string {
	if n := typeInfo[t].name; n != "" {
		return n
	}
	return "type " + strconv.Itoa(int(t))
}

// GetCommandId returns the command ID.
func (b *BaseCommand) GetCommandId() int32 { return b.CommandId }

// SetCommandId sets the command ID.
func (b *BaseCommand) SetCommandId(id int32) { b.CommandId = id }

// IsResponseRequired reports whether the sender waits for a response.
func (b *BaseCommand) IsResponseRequired() bool { return b.ResponseRequired }

// SetResponseRequired sets the ResponseRequired flag.
func (b *BaseCommand) SetResponseRequired(r bool) { b.ResponseRequired = r }

// GetCorrelationId returns the CommandId of the command this answers.
func (r *Response) GetCorrelationId() int32 { return r.CorrelationId }

// GetMessage returns the common message fields.
func (m *Message) GetMessage() *Message { return m }

// GetCommandId returns 0: WireFormatInfo carries no command header.
func (*WireFormatInfo) GetCommandId() int32 { return 0 }

// SetCommandId does nothing: WireFormatInfo carries no command header.
func (*WireFormatInfo) SetCommandId(int32) {}

// IsResponseRequired returns false: WireFormatInfo carries no command header.
func (*WireFormatInfo) IsResponseRequired() bool { return false }

// SetResponseRequired does nothing: WireFormatInfo carries no command header.
func (*WireFormatInfo) SetResponseRequired(bool) {}

// GetCommandId returns the fragment's CommandId.
func (p *PartialCommand) GetCommandId() int32 { return p.CommandId }

// SetCommandId sets the fragment's CommandId.
func (p *PartialCommand) SetCommandId(id int32) { p.CommandId = id }

// IsResponseRequired returns false: fragments have no ResponseRequired flag.
func (*PartialCommand) IsResponseRequired() bool { return false }

// SetResponseRequired does nothing: fragments have no ResponseRequired flag.
func (*PartialCommand) SetResponseRequired(bool) {}

// String returns the JMS form "conn:session".
func (id *SessionId) String() string {
	return id.ConnectionId + ":" + strconv.FormatInt(id.Value, 10)
}

// String returns the JMS form "conn:session:n".
func (id *ConsumerId) String() string {
	return id.ConnectionId + ":" + strconv.FormatInt(id.SessionId, 10) + ":" + strconv.FormatInt(id.Value, 10)
}

// String returns the JMS form "conn:session:n".
func (id *ProducerId) String() string {
	return id.ConnectionId + ":" + strconv.FormatInt(id.SessionId, 10) + ":" + strconv.FormatInt(id.Value, 10)
}

// String returns the JMSMessageID: TextView when set (with "ID:" prepended
// when missing), otherwise "producerId:sequence".
func (id *MessageId) String() string {
	if id.TextView.Valid {
		if len(id.TextView.Value) >= 3 && id.TextView.Value[:3] == "ID:" {
			return id.TextView.Value
		}
		return "ID:" + id.TextView.Value
	}
	p := ""
	if id.ProducerId != nil {
		p = id.ProducerId.String()
	}
	return p + ":" + strconv.FormatInt(id.ProducerSequenceId, 10)
}
