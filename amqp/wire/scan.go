package wire

// PropertySummary is what routing and dispatch need from basic properties,
// found without allocating. Byte slices alias the raw properties and are
// nil when the property is absent (non-nil but empty when present and
// empty).
type PropertySummary struct {
	Present                            uint16 // Flag* bits
	DeliveryMode, Priority             uint8  // 0 if absent
	HasPriority, HasExpiration         bool
	HasHeaders                         bool
	Timestamp                          uint64 // seconds; 0 if absent
	Headers                            []byte // the table with its 4-byte length; DecodeTable reads it
	ContentType, ContentEncoding       []byte
	CorrelationID, ReplyTo, Expiration []byte
	MessageID, Type, UserID, AppID     []byte
	ClusterID                          []byte
}

// Persistent reports delivery-mode 2.
func (s *PropertySummary) Persistent() bool { return s.DeliveryMode == 2 }

// ScanProperties walks raw basic properties (ContentHeader.RawProps)
// without allocating. It validates the same structure DecodeProperties
// does, headers table included, so DecodeProperties on the same bytes
// succeeds whenever ScanProperties does. Errors are SYNTAX_ERROR *Errors.
func ScanProperties(raw []byte) (PropertySummary, error) {
	var s PropertySummary
	flags, rest, err := readFlags(raw)
	if err != nil {
		return PropertySummary{}, propError(err)
	}
	s.Present = flags
	r := argReader{b: rest}
	// Errors name the property; the name is only formatted on failure.
	str := func(flag uint16, dst *[]byte, name string) {
		if err == nil && flags&flag != 0 {
			if *dst, err = r.rawShortstr(); err != nil {
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
	str(FlagContentType, &s.ContentType, "content-type")
	str(FlagContentEncoding, &s.ContentEncoding, "content-encoding")
	if err == nil && flags&FlagHeaders != 0 {
		before := r.b
		if _, r.b, err = skipTable(r.b); err != nil {
			err = fieldError("headers", err)
		} else {
			s.Headers = before[: len(before)-len(r.b) : len(before)-len(r.b)]
			s.HasHeaders = true
		}
	}
	oct(FlagDeliveryMode, &s.DeliveryMode, "delivery-mode")
	oct(FlagPriority, &s.Priority, "priority")
	s.HasPriority = flags&FlagPriority != 0
	str(FlagCorrelationID, &s.CorrelationID, "correlation-id")
	str(FlagReplyTo, &s.ReplyTo, "reply-to")
	str(FlagExpiration, &s.Expiration, "expiration")
	s.HasExpiration = flags&FlagExpiration != 0
	str(FlagMessageID, &s.MessageID, "message-id")
	if err == nil && flags&FlagTimestamp != 0 {
		if s.Timestamp, err = r.longlong(); err != nil {
			err = fieldError("timestamp", err)
		}
	}
	str(FlagType, &s.Type, "type")
	str(FlagUserID, &s.UserID, "user-id")
	str(FlagAppID, &s.AppID, "app-id")
	str(FlagClusterID, &s.ClusterID, "cluster-id")
	if err == nil {
		err = r.end()
	}
	if err != nil {
		return PropertySummary{}, propError(err)
	}
	return s, nil
}
