package broker

import (
	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/selector"
)

// SelectorFilter is a consumer's JMS selector and no-local flag as a
// Filter. Use it by pointer: bindings compare filters by identity.
type SelectorFilter struct {
	sel            *selector.Selector
	expr           string
	convertStrings bool
	noLocal        bool
	client         uint64
}

// NewSelectorFilter compiles a selector (empty matches everything).
// noLocal refuses messages published by the client with ID publisher.
// convertStrings lets string values compare as numbers (ActiveMQ's STOMP
// behaviour, where every header is a string).
func NewSelectorFilter(expr string, noLocal bool, publisher uint64, convertStrings bool) (*SelectorFilter, error) {
	sel, err := selector.ParseWithOptions(expr, selector.Options{ConvertStrings: convertStrings})
	if err != nil {
		return nil, err
	}
	return &SelectorFilter{sel: sel, expr: expr, convertStrings: convertStrings, noLocal: noLocal, client: publisher}, nil
}

// Empty reports whether the filter accepts every message.
func (f *SelectorFilter) Empty() bool { return f.sel == nil && !f.noLocal }

// Match implements Filter.
func (f *SelectorFilter) Match(m *message.Message) bool {
	if f.noLocal && m.Publisher == f.client {
		return false
	}
	return f.sel.Matches(selectorSource{m})
}

// selectorSource exposes a message's JMS headers and properties with the
// types the selector package documents.
type selectorSource struct{ m *message.Message }

func (s selectorSource) Get(name string) any {
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
		return nonEmpty(m.GroupID)
	case "JMSDestination":
		if m.Exchange == "amq.topic" {
			return message.FormatAddress(message.TopicAddress, m.RoutingKey)
		}
		return message.FormatAddress(message.QueueAddress, m.RoutingKey)
	}
	p := m.Props()
	switch name {
	case "JMSMessageID":
		return nonEmpty(p.MessageID)
	case "JMSTimestamp":
		return p.Timestamp
	case "JMSCorrelationID":
		return nonEmpty(p.CorrelationID)
	case "JMSType":
		return nonEmpty(p.Type)
	case "JMSReplyTo":
		if p.ReplyTo == "" {
			return nil
		}
		return message.FormatAddress(message.ParseAddress(p.ReplyTo))
	case "JMSXGroupSeq":
		return p.GroupSeq
	case "JMSXUserID":
		if p.UserID != "" {
			return p.UserID
		}
	}
	v, ok := p.Headers[name]
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

func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
