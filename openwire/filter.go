package openwire

import (
	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/selector"
)

// jmsFilter is a consumer's selector and no-local flag as a core filter.
// It is used by pointer, so a binding's filter can be matched for unbind.
type jmsFilter struct {
	sel     *selector.Selector
	noLocal bool
	client  uint64
}

func (f *jmsFilter) Match(m *message.Message) bool {
	if f.noLocal && m.Publisher == f.client {
		return false
	}
	return f.sel.Matches(source{m})
}

// source exposes a message's JMS headers and properties to selectors, with
// the types the selector package documents.
type source struct{ m *message.Message }

func (s source) Get(name string) any {
	m := s.m
	switch name {
	case "JMSDeliveryMode":
		if m.Persistent {
			return "PERSISTENT"
		}
		return "NON_PERSISTENT"
	case "JMSPriority":
		if !m.HasPriority {
			return int32(4)
		}
		return int32(m.Priority)
	case "JMSExpiration":
		return m.ExpiresAt
	case "JMSXGroupID":
		if m.GroupID == "" {
			return nil
		}
		return m.GroupID
	}
	if mc := nativeMessage(m); mc != nil {
		wm := mc.GetMessage()
		switch name {
		case "JMSMessageID":
			if wm.MessageId == nil {
				return nil
			}
			return wm.MessageId.String()
		case "JMSTimestamp":
			return wm.Timestamp
		case "JMSCorrelationID":
			return nullable(wm.CorrelationId.Valid, wm.CorrelationId.Value)
		case "JMSType":
			return nullable(wm.Type.Valid, wm.Type.Value)
		case "JMSDestination":
			if wm.Destination == nil {
				return nil
			}
			return destinationURI(wm.Destination)
		case "JMSReplyTo":
			if wm.ReplyTo == nil {
				return nil
			}
			return destinationURI(wm.ReplyTo)
		case "JMSXGroupSeq":
			return wm.GroupSequence
		case "JMSXUserID":
			if wm.UserID.Valid {
				return wm.UserID.Value
			}
		}
	} else {
		p := m.Props()
		switch name {
		case "JMSMessageID":
			return nullable(p.MessageID != "", p.MessageID)
		case "JMSTimestamp":
			return p.Timestamp
		case "JMSCorrelationID":
			return nullable(p.CorrelationID != "", p.CorrelationID)
		case "JMSType":
			return nullable(p.Type != "", p.Type)
		case "JMSReplyTo":
			return nullable(p.ReplyTo != "", p.ReplyTo)
		case "JMSXGroupSeq":
			return p.GroupSeq
		case "JMSXUserID":
			if p.UserID != "" {
				return p.UserID
			}
		}
	}
	v, ok := m.Props().Headers[name]
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case []byte:
		return string(x)
	case bool, string, int8, int16, int32, int64, uint8, uint16, uint32, float32, float64:
		return x
	}
	return nil
}

func nullable(valid bool, s string) any {
	if !valid {
		return nil
	}
	return s
}
