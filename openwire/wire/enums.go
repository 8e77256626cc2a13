package wire

// DestinationKind is the type ID of a Destination.
type DestinationKind byte

// The four destination kinds.
const (
	Queue     DestinationKind = DestinationKind(TypeActiveMQQueue)
	Topic     DestinationKind = DestinationKind(TypeActiveMQTopic)
	TempQueue DestinationKind = DestinationKind(TypeActiveMQTempQueue)
	TempTopic DestinationKind = DestinationKind(TypeActiveMQTempTopic)
)

// IsTopic reports whether the kind is a topic or a temporary topic.
func (k DestinationKind) IsTopic() bool { return k == Topic || k == TempTopic }

// IsTemporary reports whether the kind is a temporary queue or topic.
func (k DestinationKind) IsTemporary() bool { return k == TempQueue || k == TempTopic }

func (k DestinationKind) String() string { return TypeName(byte(k)) }

// AckType is MessageAck.AckType (openwire.md §4.2).
type AckType int8

// The acknowledgement types.
const (
	AckDelivered   AckType = 0
	AckPoison      AckType = 1
	AckStandard    AckType = 2
	AckRedelivered AckType = 3
	AckIndividual  AckType = 4
	AckUnmatched   AckType = 5
	AckExpired     AckType = 6
)

// TransactionType is TransactionInfo.Type.
type TransactionType int8

// The transaction operations.
const (
	TxBegin          TransactionType = 0
	TxPrepare        TransactionType = 1
	TxCommitOnePhase TransactionType = 2
	TxCommitTwoPhase TransactionType = 3
	TxRollback       TransactionType = 4
	TxRecover        TransactionType = 5
	TxForget         TransactionType = 6
	TxEnd            TransactionType = 7
)

// DestinationOperation is DestinationInfo.OperationType.
type DestinationOperation int8

// The destination operations.
const (
	DestinationAdd    DestinationOperation = 0
	DestinationRemove DestinationOperation = 1
)

// Values of RemoveInfo.LastDeliveredSequenceId with a special meaning.
const (
	LastDeliveredUnknown int64 = -2 // the client does not know; every dispatched message counts as delivered
	LastDeliveredNone    int64 = -1 // nothing was delivered to the application
)

// XA results carried by IntegerResponse.Result for PREPARE.
const (
	XAOK       int32 = 0
	XAReadOnly int32 = 3
)
