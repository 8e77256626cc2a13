package wire

import (
	"fmt"
	"strings"
)

// describe renders a command as one readable line for sequence.txt:
// the type, "sync" when a response is required, and the fields a broker
// implementer cares about. Generated IDs are abbreviated to their numbers.
func describe(cmd Command) string {
	var b strings.Builder
	b.WriteString(TypeName(cmd.DataStructureType()))
	if cmd.IsResponseRequired() {
		b.WriteString(" sync")
	}
	add := func(format string, args ...any) { fmt.Fprintf(&b, " "+format, args...) }
	switch c := cmd.(type) {
	case *WireFormatInfo:
		p, _ := c.Preferences()
		add("version=%d tight=%v cache=%v/%d stack=%v inactivity=%v", p.Version, p.TightEncoding, p.CacheEnabled, p.CacheSize, p.StackTraceEnabled, p.MaxInactivityDuration)
	case *BrokerInfo:
		add("name=%s", c.BrokerName)
	case *ConnectionInfo:
		add("clientId=%s manageable=%v", abbrev(c.ClientId.Value), c.Manageable)
	case *SessionInfo:
		add("session=%s", sid(c.SessionId))
	case *ConsumerInfo:
		add("consumer=%s dest=%s prefetch=%d", cid(c.ConsumerId), dest(c.Destination), c.PrefetchSize)
		if c.Selector.Valid {
			add("selector=%q", c.Selector.Value)
		}
		if c.SubscriptionName.Valid {
			add("subscription=%s", c.SubscriptionName.Value)
		}
		if c.Browser {
			add("browser")
		}
		if c.NoLocal {
			add("noLocal")
		}
	case *ProducerInfo:
		add("producer=%s dest=%s window=%d", pid(c.ProducerId), dest(c.Destination), c.WindowSize)
	case MessageCommand:
		m := c.GetMessage()
		add("dest=%s id=%s persistent=%v", dest(m.Destination), mid(m.MessageId), m.Persistent)
		if m.TransactionId != nil {
			add("tx=%s", txid(m.TransactionId))
		}
		if m.Compressed {
			add("compressed")
		}
		if m.DataStructure != nil {
			add("advisory=%s", TypeName(m.DataStructure.DataStructureType()))
		}
	case *MessageDispatch:
		add("consumer=%s dest=%s", cid(c.ConsumerId), dest(c.Destination))
		if c.Message == nil {
			add("message=nil")
		} else {
			m := c.Message.GetMessage()
			add("message=%s id=%s redelivery=%d", TypeName(c.Message.DataStructureType()), mid(m.MessageId), c.RedeliveryCounter)
		}
	case *MessageAck:
		add("type=%d consumer=%s count=%d first=%s last=%s", c.AckType, cid(c.ConsumerId), c.MessageCount, mid(c.FirstMessageId), mid(c.LastMessageId))
		if c.TransactionId != nil {
			add("tx=%s", txid(c.TransactionId))
		}
	case *MessagePull:
		add("consumer=%s timeout=%d", cid(c.ConsumerId), c.Timeout)
	case *TransactionInfo:
		add("type=%d tx=%s", c.Type, txid(c.TransactionId))
	case *DestinationInfo:
		add("op=%d dest=%s", c.OperationType, dest(c.Destination))
	case *RemoveInfo:
		add("object=%s lastDelivered=%d", objectID(c.ObjectId), c.LastDeliveredSequenceId)
	case *RemoveSubscriptionInfo:
		add("subscription=%s clientId=%s", c.SubscriptionName.Value, abbrev(c.ClientId.Value))
	case *ExceptionResponse:
		add("correlation=%d exception=%s", c.CorrelationId, c.Exception.Class)
	case *IntegerResponse:
		add("correlation=%d result=%d", c.CorrelationId, c.Result)
	case *DataArrayResponse:
		add("correlation=%d data=%d", c.CorrelationId, len(c.Data))
	case *Response:
		add("correlation=%d", c.CorrelationId)
	case *ProducerAck:
		add("producer=%s size=%d", pid(c.ProducerId), c.Size)
	case *ConnectionControl:
		add("faultTolerant=%v reconnectTo=%q", c.FaultTolerant, c.ReconnectTo.Value)
	}
	return b.String()
}

// abbrev shortens generated IDs ("ID:host-port-time-n:c") to "ID:…:c".
func abbrev(s string) string {
	if !strings.HasPrefix(s, "ID:") {
		return s
	}
	if i := strings.Index(s[3:], ":"); i >= 0 {
		return "ID:…" + s[3+i:]
	}
	return "ID:…"
}

func sid(id *SessionId) string {
	if id == nil {
		return "nil"
	}
	return fmt.Sprint(id.Value)
}

func cid(id *ConsumerId) string {
	if id == nil {
		return "nil"
	}
	return fmt.Sprintf("%d:%d", id.SessionId, id.Value)
}

func pid(id *ProducerId) string {
	if id == nil {
		return "nil"
	}
	return fmt.Sprintf("%d:%d", id.SessionId, id.Value)
}

func mid(id *MessageId) string {
	if id == nil {
		return "nil"
	}
	return fmt.Sprintf("%s:%d", pid(id.ProducerId), id.ProducerSequenceId)
}

func dest(d *Destination) string {
	if d == nil {
		return "nil"
	}
	name := d.PhysicalName
	if d.Kind.IsTemporary() {
		name = abbrev(name)
	}
	return map[DestinationKind]string{Queue: "queue://", Topic: "topic://", TempQueue: "temp-queue://", TempTopic: "temp-topic://"}[d.Kind] + name
}

func txid(t TransactionId) string {
	switch x := t.(type) {
	case *LocalTransactionId:
		return fmt.Sprintf("local:%d", x.Value)
	case *XATransactionId:
		return fmt.Sprintf("xa:%x", x.GlobalTransactionId)
	}
	return "nil"
}

func objectID(ds DataStructure) string {
	switch x := ds.(type) {
	case *ConnectionId:
		return "connection"
	case *SessionId:
		return "session:" + sid(x)
	case *ConsumerId:
		return "consumer:" + cid(x)
	case *ProducerId:
		return "producer:" + pid(x)
	}
	return fmt.Sprintf("%T", ds)
}
