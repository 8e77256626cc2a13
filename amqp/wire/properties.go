package wire

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/junctionmq/junction/message"
)

// Property flag bits of the basic class, in wire order: the first property
// is the most significant bit of the first flags word. Bit 0 of a flags
// word says another flags word follows.
const (
	FlagContentType     uint16 = 1 << 15
	FlagContentEncoding uint16 = 1 << 14
	FlagHeaders         uint16 = 1 << 13
	FlagDeliveryMode    uint16 = 1 << 12
	FlagPriority        uint16 = 1 << 11
	FlagCorrelationID   uint16 = 1 << 10
	FlagReplyTo         uint16 = 1 << 9
	FlagExpiration      uint16 = 1 << 8
	FlagMessageID       uint16 = 1 << 7
	FlagTimestamp       uint16 = 1 << 6
	FlagType            uint16 = 1 << 5
	FlagUserID          uint16 = 1 << 4
	FlagAppID           uint16 = 1 << 3
	FlagClusterID       uint16 = 1 << 2 // "reserved" in 0-9-1

	// allFlags are the bits of the 14 basic properties.
	allFlags     uint16 = 0xFFFC
	flagContinue uint16 = 1
)

// Properties are the basic class's content properties. Present records
// which were on the wire, so an absent property differs from an empty one.
type Properties struct {
	ContentType, ContentEncoding string
	Headers                      message.Table
	DeliveryMode, Priority       uint8
	CorrelationID, ReplyTo       string
	Expiration, MessageID        string
	Timestamp                    time.Time
	Type, UserID, AppID          string
	ClusterID                    string
	Present                      uint16 // Flag* bits of the properties present
}

// propError is the *Error every property decoding failure becomes.
func propError(err error) error {
	return &Error{Code: FrameError, ClassID: 60, Text: "decode basic properties: " + err.Error(), err: err}
}

// readFlags reads the property-flags words. Flags beyond the 14 basic
// properties (bit 1 of the first word, any bit of a continuation word) are
// an error only if set: their values could not be skipped.
func readFlags(raw []byte) (flags uint16, rest []byte, err error) {
	if len(raw) < 2 {
		return 0, raw, fmt.Errorf("property flags: %w", errShort)
	}
	word := binary.BigEndian.Uint16(raw)
	flags = word & allFlags
	if word&^(allFlags|flagContinue) != 0 {
		return 0, raw, fmt.Errorf("property flag bit 1 set, but the basic class has 14 properties")
	}
	raw = raw[2:]
	for word&flagContinue != 0 {
		if len(raw) < 2 {
			return 0, raw, fmt.Errorf("continued property flags: %w", errShort)
		}
		word = binary.BigEndian.Uint16(raw)
		if word&^flagContinue != 0 {
			return 0, raw, fmt.Errorf("continued property flags 0x%04x name properties the basic class lacks", word)
		}
		raw = raw[2:]
	}
	return flags, raw, nil
}

// DecodeProperties decodes basic-class property flags and values, such as
// ContentHeader.RawProps. Errors are SYNTAX_ERROR *Errors.
func DecodeProperties(raw []byte) (Properties, error) {
	var p Properties
	flags, rest, err := readFlags(raw)
	if err != nil {
		return p, propError(err)
	}
	p.Present = flags
	r := argReader{b: rest}
	str := func(flag uint16, dst *string, name string) {
		if err == nil && flags&flag != 0 {
			if *dst, err = r.shortstr(); err != nil {
				err = fieldError(name, err)
			}
		}
	}
	oct := func(flag uint16, dst *uint8, name string) {
		if err == nil && flags&flag != 0 {
			if *dst, err = r.octet(); err != nil {
				err = fieldError(name, err)
			}
		}
	}
	str(FlagContentType, &p.ContentType, "content-type")
	str(FlagContentEncoding, &p.ContentEncoding, "content-encoding")
	if err == nil && flags&FlagHeaders != 0 {
		if p.Headers, err = r.table(); err != nil {
			err = fieldError("headers", err)
		}
	}
	oct(FlagDeliveryMode, &p.DeliveryMode, "delivery-mode")
	oct(FlagPriority, &p.Priority, "priority")
	str(FlagCorrelationID, &p.CorrelationID, "correlation-id")
	str(FlagReplyTo, &p.ReplyTo, "reply-to")
	str(FlagExpiration, &p.Expiration, "expiration")
	str(FlagMessageID, &p.MessageID, "message-id")
	if err == nil && flags&FlagTimestamp != 0 {
		if p.Timestamp, err = r.timestamp(); err != nil {
			err = fieldError("timestamp", err)
		}
	}
	str(FlagType, &p.Type, "type")
	str(FlagUserID, &p.UserID, "user-id")
	str(FlagAppID, &p.AppID, "app-id")
	str(FlagClusterID, &p.ClusterID, "cluster-id")
	if err == nil {
		err = r.end()
	}
	if err != nil {
		return Properties{}, propError(err)
	}
	return p, nil
}

// Append appends the property flags and the values of the properties
// flagged in Present (other fields are ignored; see MarkNonZero). It is the
// inverse of DecodeProperties. It fails on a short string over 255 bytes
// or an unencodable header value, returning dst unchanged.
func (p *Properties) Append(dst []byte) ([]byte, error) {
	start := len(dst)
	flags := p.Present & allFlags
	dst = appendShort(dst, flags)
	var err error
	str := func(flag uint16, s string, name string) {
		if err == nil && flags&flag != 0 {
			if dst, err = appendShortstr(dst, s); err != nil {
				err = fieldError(name, err)
			}
		}
	}
	str(FlagContentType, p.ContentType, "content-type")
	str(FlagContentEncoding, p.ContentEncoding, "content-encoding")
	if err == nil && flags&FlagHeaders != 0 {
		if dst, err = AppendTable(dst, p.Headers); err != nil {
			err = fieldError("headers", err)
		}
	}
	if flags&FlagDeliveryMode != 0 {
		dst = append(dst, p.DeliveryMode)
	}
	if flags&FlagPriority != 0 {
		dst = append(dst, p.Priority)
	}
	str(FlagCorrelationID, p.CorrelationID, "correlation-id")
	str(FlagReplyTo, p.ReplyTo, "reply-to")
	str(FlagExpiration, p.Expiration, "expiration")
	str(FlagMessageID, p.MessageID, "message-id")
	if flags&FlagTimestamp != 0 {
		dst = appendTimestamp(dst, p.Timestamp)
	}
	str(FlagType, p.Type, "type")
	str(FlagUserID, p.UserID, "user-id")
	str(FlagAppID, p.AppID, "app-id")
	str(FlagClusterID, p.ClusterID, "cluster-id")
	if err != nil {
		return dst[:start], fmt.Errorf("encode basic properties: %w", err)
	}
	return dst, nil
}

// MarkNonZero adds to Present every property whose value is not the zero
// value, for callers that fill in fields and want them all sent.
func (p *Properties) MarkNonZero() {
	set := func(flag uint16, nonZero bool) {
		if nonZero {
			p.Present |= flag
		}
	}
	set(FlagContentType, p.ContentType != "")
	set(FlagContentEncoding, p.ContentEncoding != "")
	set(FlagHeaders, p.Headers != nil)
	set(FlagDeliveryMode, p.DeliveryMode != 0)
	set(FlagPriority, p.Priority != 0)
	set(FlagCorrelationID, p.CorrelationID != "")
	set(FlagReplyTo, p.ReplyTo != "")
	set(FlagExpiration, p.Expiration != "")
	set(FlagMessageID, p.MessageID != "")
	set(FlagTimestamp, !p.Timestamp.IsZero())
	set(FlagType, p.Type != "")
	set(FlagUserID, p.UserID != "")
	set(FlagAppID, p.AppID != "")
	set(FlagClusterID, p.ClusterID != "")
}
