package main

// Kind is the wire encoding of one field (openwire.md §1.4). The encoding of
// each kind is the same in every protocol version; only which fields exist
// changes between versions.
type Kind int

const (
	Bool      Kind = iota // loose: 1 byte; tight: 1 bit
	Byte                  // Java byte; Go int8 unless Type names an enum
	Int                   // int32
	Long                  // int64; tight: 2 size-class bits + 0/2/4/8 bytes
	String                // nullable modified-UTF-8 string; Go NullString
	IDString              // string Java never sends as null (identifier parts); Go string
	Bytes                 // nullable int32-length byte array; Go []byte (nil = absent)
	Magic                 // WireFormatInfo's 8 fixed bytes; Go [8]byte
	Nested                // nullable polymorphic structure: present, type byte, body
	Cached                // Nested, routed through the marshal cache when it is enabled
	Array                 // nullable i16 count of Nested elements
	Throwable             // a Java exception (§1.9); Go *Throwable
)

// Field is one field of a structure, in marshal order.
type Field struct {
	Name  string // Go field name
	Kind  Kind
	Type  string // element Go type for Nested/Cached/Array; a named Go type for Byte/Int enums
	Since int    // first protocol version that carries the field (0 = 1)
	Until int    // last protocol version that carries it (0 = still present in 12)
	Doc   string // optional; also records the Java spelling when Java has a typo
}

// Variant is one type ID of a structure that several IDs share.
type Variant struct {
	ID   int
	Name string // the Java class name, used for the Type… constant
}

// Struct is one OpenWire data structure. The Go struct embeds Parent and
// marshals the parent's fields first, as the Java class hierarchy does.
type Struct struct {
	ID           int // data structure type ID; 0 for abstract parents
	Name         string
	Parent       string // embedded base struct ("" = none)
	Since        int    // first protocol version with a marshaller for the type (0 = 1)
	Group        string // output file: gen_<group>.go
	Abstract     bool   // only embedded by other structures; no type ID
	MarshalAware bool   // Java's MarshallAware: one extra tight bit when nested (§1.7)
	Command      bool   // satisfies Command (needs CommandId/ResponseRequired, directly or via Parent)
	Implements   []string
	Variants     []Variant // several type IDs share this struct (destinations)
	VariantField string    // the Go field holding the type ID of a variant struct
	VariantType  string
	Doc          string
	Fields       []Field
}

// table is the single source of truth for the OpenWire codec: every data
// structure of protocol versions 1–12 with its fields in marshal order. It
// was written from openwire.md §3 and checked field by field against the
// v1–v12 Java marshallers of ActiveMQ 5.17.2.
var table = []Struct{
	// ---- identifiers and destinations -------------------------------------------------
	{ID: 120, Name: "ConnectionId", Group: "ids", Doc: "identifies a connection: ID:<host>-<port>-<start>-<instance>:<n>.", Fields: []Field{
		{Name: "Value", Kind: IDString},
	}},
	{ID: 121, Name: "SessionId", Group: "ids", Doc: "identifies a session within a connection; Value -1 is the connection's built-in session.", Fields: []Field{
		{Name: "ConnectionId", Kind: IDString},
		{Name: "Value", Kind: Long},
	}},
	{ID: 122, Name: "ConsumerId", Group: "ids", Doc: "identifies a consumer; Value is unique per connection.", Fields: []Field{
		{Name: "ConnectionId", Kind: IDString},
		{Name: "SessionId", Kind: Long},
		{Name: "Value", Kind: Long},
	}},
	{ID: 123, Name: "ProducerId", Group: "ids", Doc: "identifies a producer; note the marshal order ConnectionId, Value, SessionId.", Fields: []Field{
		{Name: "ConnectionId", Kind: IDString},
		{Name: "Value", Kind: Long},
		{Name: "SessionId", Kind: Long},
	}},
	{ID: 124, Name: "BrokerId", Group: "ids", Doc: "identifies a broker (the XA resource-manager ID of its clients).", Fields: []Field{
		{Name: "Value", Kind: IDString},
	}},
	{ID: 110, Name: "MessageId", Group: "ids", Doc: "identifies a message: the producer, its sequence, and the broker-assigned BrokerSequenceId.", Fields: []Field{
		{Name: "TextView", Kind: String, Since: 10, Doc: "a foreign message ID, used instead of ProducerId:ProducerSequenceId when set"},
		{Name: "ProducerId", Kind: Cached, Type: "*ProducerId"},
		{Name: "ProducerSequenceId", Kind: Long},
		{Name: "BrokerSequenceId", Kind: Long},
	}},
	{ID: 111, Name: "LocalTransactionId", Group: "ids", Implements: []string{"TransactionId"}, Doc: "identifies a local (JMS session) transaction.", Fields: []Field{
		{Name: "Value", Kind: Long},
		{Name: "ConnectionId", Kind: Cached, Type: "*ConnectionId"},
	}},
	{ID: 112, Name: "XATransactionId", Group: "ids", Implements: []string{"TransactionId"}, Doc: "is a JTA Xid.", Fields: []Field{
		{Name: "FormatId", Kind: Int},
		{Name: "GlobalTransactionId", Kind: Bytes},
		{Name: "BranchQualifier", Kind: Bytes},
	}},
	{Name: "Destination", Group: "ids", VariantField: "Kind", VariantType: "DestinationKind",
		Variants: []Variant{{100, "ActiveMQQueue"}, {101, "ActiveMQTopic"}, {102, "ActiveMQTempQueue"}, {103, "ActiveMQTempTopic"}},
		Doc:      "is a queue, topic, temporary queue or temporary topic (type IDs 100–103, held in Kind).", Fields: []Field{
			{Name: "PhysicalName", Kind: IDString},
		}},

	// ---- the command header and connection-level commands -----------------------------
	{Name: "BaseCommand", Group: "commands", Abstract: true, Command: true, Doc: "is the header of every command that takes part in request/response.", Fields: []Field{
		{Name: "CommandId", Kind: Int},
		{Name: "ResponseRequired", Kind: Bool},
	}},
	{ID: 1, Name: "WireFormatInfo", Group: "commands", MarshalAware: true, Command: true, Doc: "is the first frame in each direction; it has no command header.", Fields: []Field{
		{Name: "Magic", Kind: Magic},
		{Name: "Version", Kind: Int},
		{Name: "MarshalledProperties", Kind: Bytes, Doc: "a primitive map (§6.1); see Preferences"},
	}},
	{ID: 2, Name: "BrokerInfo", Parent: "BaseCommand", Group: "commands", Command: true, Doc: "describes the broker; sent once after negotiation.", Fields: []Field{
		{Name: "BrokerId", Kind: Cached, Type: "*BrokerId"},
		{Name: "BrokerURL", Kind: String},
		{Name: "PeerBrokerInfos", Kind: Array, Type: "*BrokerInfo"},
		{Name: "BrokerName", Kind: String},
		{Name: "SlaveBroker", Kind: Bool},
		{Name: "MasterBroker", Kind: Bool},
		{Name: "FaultTolerantConfiguration", Kind: Bool},
		{Name: "DuplexConnection", Kind: Bool, Since: 2},
		{Name: "NetworkConnection", Kind: Bool, Since: 2},
		{Name: "ConnectionId", Kind: Long, Since: 2},
		{Name: "BrokerUploadUrl", Kind: String, Since: 3},
		{Name: "NetworkProperties", Kind: String, Since: 3},
	}},
	{ID: 3, Name: "ConnectionInfo", Parent: "BaseCommand", Group: "commands", Command: true, Doc: "opens a connection.", Fields: []Field{
		{Name: "ConnectionId", Kind: Cached, Type: "*ConnectionId"},
		{Name: "ClientId", Kind: String},
		{Name: "Password", Kind: String},
		{Name: "UserName", Kind: String},
		{Name: "BrokerPath", Kind: Array, Type: "*BrokerId"},
		{Name: "BrokerMasterConnector", Kind: Bool},
		{Name: "Manageable", Kind: Bool},
		{Name: "ClientMaster", Kind: Bool, Since: 2},
		{Name: "FaultTolerant", Kind: Bool, Since: 6},
		{Name: "FailoverReconnect", Kind: Bool, Since: 6},
		{Name: "ClientIp", Kind: String, Since: 8},
	}},
	{ID: 4, Name: "SessionInfo", Parent: "BaseCommand", Group: "commands", Command: true, Doc: "opens a session.", Fields: []Field{
		{Name: "SessionId", Kind: Cached, Type: "*SessionId"},
	}},
	{ID: 5, Name: "ConsumerInfo", Parent: "BaseCommand", Group: "commands", Command: true, Doc: "creates a consumer, browser or durable subscriber.", Fields: []Field{
		{Name: "ConsumerId", Kind: Cached, Type: "*ConsumerId"},
		{Name: "Browser", Kind: Bool},
		{Name: "Destination", Kind: Cached, Type: "*Destination"},
		{Name: "PrefetchSize", Kind: Int},
		{Name: "MaximumPendingMessageLimit", Kind: Int},
		{Name: "DispatchAsync", Kind: Bool},
		{Name: "Selector", Kind: String},
		{Name: "ClientId", Kind: String, Since: 10},
		{Name: "SubscriptionName", Kind: String},
		{Name: "NoLocal", Kind: Bool},
		{Name: "Exclusive", Kind: Bool},
		{Name: "Retroactive", Kind: Bool},
		{Name: "Priority", Kind: Byte},
		{Name: "BrokerPath", Kind: Array, Type: "*BrokerId"},
		{Name: "AdditionalPredicate", Kind: Nested, Type: "*NetworkBridgeFilter"},
		{Name: "NetworkSubscription", Kind: Bool},
		{Name: "OptimizedAcknowledge", Kind: Bool},
		{Name: "NoRangeAcks", Kind: Bool},
		{Name: "NetworkConsumerPath", Kind: Array, Type: "*ConsumerId", Since: 4},
	}},
	{ID: 6, Name: "ProducerInfo", Parent: "BaseCommand", Group: "commands", Command: true, Doc: "creates a producer (Destination nil = anonymous).", Fields: []Field{
		{Name: "ProducerId", Kind: Cached, Type: "*ProducerId"},
		{Name: "Destination", Kind: Cached, Type: "*Destination"},
		{Name: "BrokerPath", Kind: Array, Type: "*BrokerId"},
		{Name: "DispatchAsync", Kind: Bool, Since: 2},
		{Name: "WindowSize", Kind: Int, Since: 3},
	}},
	{ID: 7, Name: "TransactionInfo", Parent: "BaseCommand", Group: "commands", Command: true, Doc: "begins, ends, prepares, commits, rolls back, forgets or recovers a transaction.", Fields: []Field{
		{Name: "ConnectionId", Kind: Cached, Type: "*ConnectionId"},
		{Name: "TransactionId", Kind: Cached, Type: "TransactionId"},
		{Name: "Type", Kind: Byte, Type: "TransactionType"},
	}},
	{ID: 8, Name: "DestinationInfo", Parent: "BaseCommand", Group: "commands", Command: true, Doc: "creates or removes a (temporary) destination; also an advisory payload.", Fields: []Field{
		{Name: "ConnectionId", Kind: Cached, Type: "*ConnectionId"},
		{Name: "Destination", Kind: Cached, Type: "*Destination"},
		{Name: "OperationType", Kind: Byte, Type: "DestinationOperation"},
		{Name: "Timeout", Kind: Long},
		{Name: "BrokerPath", Kind: Array, Type: "*BrokerId"},
	}},
	{ID: 9, Name: "RemoveSubscriptionInfo", Parent: "BaseCommand", Group: "commands", Command: true, Doc: "deletes a durable subscription.", Fields: []Field{
		{Name: "ConnectionId", Kind: Cached, Type: "*ConnectionId"},
		{Name: "SubscriptionName", Kind: String, Doc: "Java: SubcriptionName from v6"},
		{Name: "ClientId", Kind: String},
	}},
	{ID: 10, Name: "KeepAliveInfo", Parent: "BaseCommand", Group: "commands", Command: true, Doc: "keeps an idle connection alive (§7)."},
	{ID: 11, Name: "ShutdownInfo", Parent: "BaseCommand", Group: "commands", Command: true, Doc: "announces that the peer is closing the connection."},
	{ID: 12, Name: "RemoveInfo", Parent: "BaseCommand", Group: "commands", Command: true, Doc: "closes a connection, session, consumer or producer.", Fields: []Field{
		{Name: "ObjectId", Kind: Cached, Type: "DataStructure", Doc: "a *ConnectionId, *SessionId, *ConsumerId or *ProducerId"},
		{Name: "LastDeliveredSequenceId", Kind: Long, Since: 5},
	}},
	{ID: 14, Name: "ControlCommand", Parent: "BaseCommand", Group: "control", Command: true, Doc: "is a free-form control string; ignored by clients.", Fields: []Field{
		{Name: "Command", Kind: String},
	}},
	{ID: 15, Name: "FlushCommand", Parent: "BaseCommand", Group: "control", Command: true, Doc: "is unused on client connections."},
	{ID: 16, Name: "ConnectionError", Parent: "BaseCommand", Group: "control", Command: true, Doc: "reports an asynchronous error to the client.", Fields: []Field{
		{Name: "Exception", Kind: Throwable},
		{Name: "ConnectionId", Kind: Nested, Type: "*ConnectionId"},
	}},
	{ID: 17, Name: "ConsumerControl", Parent: "BaseCommand", Group: "control", Command: true, Doc: "changes a consumer's prefetch, or closes it.", Fields: []Field{
		{Name: "Destination", Kind: Nested, Type: "*Destination", Since: 6, Doc: "the first field when present"},
		{Name: "Close", Kind: Bool},
		{Name: "ConsumerId", Kind: Nested, Type: "*ConsumerId"},
		{Name: "Prefetch", Kind: Int},
		{Name: "Flush", Kind: Bool, Since: 2},
		{Name: "Start", Kind: Bool, Since: 2},
		{Name: "Stop", Kind: Bool, Since: 2},
	}},
	{ID: 18, Name: "ConnectionControl", Parent: "BaseCommand", Group: "control", Command: true, Doc: "controls a client connection (failover hints).", Fields: []Field{
		{Name: "Close", Kind: Bool},
		{Name: "Exit", Kind: Bool},
		{Name: "FaultTolerant", Kind: Bool},
		{Name: "Resume", Kind: Bool},
		{Name: "Suspend", Kind: Bool},
		{Name: "ConnectedBrokers", Kind: String, Since: 6},
		{Name: "ReconnectTo", Kind: String, Since: 6},
		{Name: "RebalanceConnection", Kind: Bool, Since: 6},
		{Name: "Token", Kind: Bytes, Since: 8},
	}},
	{ID: 19, Name: "ProducerAck", Parent: "BaseCommand", Group: "control", Command: true, Since: 3, Doc: "returns producer window credit (§4.5).", Fields: []Field{
		{Name: "ProducerId", Kind: Nested, Type: "*ProducerId", Since: 3},
		{Name: "Size", Kind: Int, Since: 3},
	}},
	{ID: 20, Name: "MessagePull", Parent: "BaseCommand", Group: "messages", Command: true, Since: 2, Doc: "asks for one message for a prefetch-0 consumer (§4.4).", Fields: []Field{
		{Name: "ConsumerId", Kind: Cached, Type: "*ConsumerId", Since: 2},
		{Name: "Destination", Kind: Cached, Type: "*Destination", Since: 2},
		{Name: "Timeout", Kind: Long, Since: 2},
		{Name: "CorrelationId", Kind: String, Since: 3},
		{Name: "MessageId", Kind: Nested, Type: "*MessageId", Since: 3},
	}},
	{ID: 21, Name: "MessageDispatch", Parent: "BaseCommand", Group: "messages", Command: true, Doc: "delivers a message to a consumer; a nil Message ends a browse or answers a pull.", Fields: []Field{
		{Name: "ConsumerId", Kind: Cached, Type: "*ConsumerId"},
		{Name: "Destination", Kind: Cached, Type: "*Destination"},
		{Name: "Message", Kind: Nested, Type: "MessageCommand"},
		{Name: "RedeliveryCounter", Kind: Int},
	}},
	{ID: 22, Name: "MessageAck", Parent: "BaseCommand", Group: "messages", Command: true, Doc: "acknowledges a range of dispatched messages (§4.2).", Fields: []Field{
		{Name: "Destination", Kind: Cached, Type: "*Destination"},
		{Name: "TransactionId", Kind: Cached, Type: "TransactionId"},
		{Name: "ConsumerId", Kind: Cached, Type: "*ConsumerId"},
		{Name: "AckType", Kind: Byte, Type: "AckType"},
		{Name: "FirstMessageId", Kind: Nested, Type: "*MessageId"},
		{Name: "LastMessageId", Kind: Nested, Type: "*MessageId"},
		{Name: "MessageCount", Kind: Int},
		{Name: "PoisonCause", Kind: Throwable, Since: 7},
	}},

	// ---- messages ------------------------------------------------------------------------
	{Name: "Message", Parent: "BaseCommand", Group: "messages", Abstract: true, MarshalAware: true, Doc: "is the common body of the message types 23–29.", Fields: []Field{
		{Name: "ProducerId", Kind: Cached, Type: "*ProducerId"},
		{Name: "Destination", Kind: Cached, Type: "*Destination"},
		{Name: "TransactionId", Kind: Cached, Type: "TransactionId"},
		{Name: "OriginalDestination", Kind: Cached, Type: "*Destination"},
		{Name: "MessageId", Kind: Nested, Type: "*MessageId"},
		{Name: "OriginalTransactionId", Kind: Cached, Type: "TransactionId"},
		{Name: "GroupID", Kind: String},
		{Name: "GroupSequence", Kind: Int},
		{Name: "CorrelationId", Kind: String},
		{Name: "Persistent", Kind: Bool},
		{Name: "Expiration", Kind: Long},
		{Name: "Priority", Kind: Byte},
		{Name: "ReplyTo", Kind: Nested, Type: "*Destination"},
		{Name: "Timestamp", Kind: Long},
		{Name: "Type", Kind: String},
		{Name: "Content", Kind: Bytes, Doc: "the body, opaque; see the Decode/Append helpers"},
		{Name: "MarshalledProperties", Kind: Bytes, Doc: "the property map (§6.1), opaque; see Properties"},
		{Name: "DataStructure", Kind: Nested, Type: "DataStructure", Doc: "advisory payload"},
		{Name: "TargetConsumerId", Kind: Cached, Type: "*ConsumerId"},
		{Name: "Compressed", Kind: Bool},
		{Name: "RedeliveryCounter", Kind: Int},
		{Name: "BrokerPath", Kind: Array, Type: "*BrokerId"},
		{Name: "Arrival", Kind: Long},
		{Name: "UserID", Kind: String},
		{Name: "ReceivedByDFBridge", Kind: Bool, Doc: "Java: RecievedByDFBridge"},
		{Name: "Droppable", Kind: Bool, Since: 2},
		{Name: "Cluster", Kind: Array, Type: "*BrokerId", Since: 3},
		{Name: "BrokerInTime", Kind: Long, Since: 3},
		{Name: "BrokerOutTime", Kind: Long, Since: 3},
		{Name: "JMSXGroupFirstForConsumer", Kind: Bool, Since: 10},
	}},
	{ID: 23, Name: "ActiveMQMessage", Parent: "Message", Group: "messages", MarshalAware: true, Command: true, Doc: "is a message without a body (also advisories)."},
	{ID: 24, Name: "ActiveMQBytesMessage", Parent: "Message", Group: "messages", MarshalAware: true, Command: true, Doc: "is a BytesMessage; compressed content carries a length prefix (§6.3)."},
	{ID: 25, Name: "ActiveMQMapMessage", Parent: "Message", Group: "messages", MarshalAware: true, Command: true, Doc: "is a MapMessage; Content is a primitive map."},
	{ID: 26, Name: "ActiveMQObjectMessage", Parent: "Message", Group: "messages", MarshalAware: true, Command: true, Doc: "is an ObjectMessage; Content is a serialized object, kept opaque."},
	{ID: 27, Name: "ActiveMQStreamMessage", Parent: "Message", Group: "messages", MarshalAware: true, Command: true, Doc: "is a StreamMessage; Content is a sequence of typed values."},
	{ID: 28, Name: "ActiveMQTextMessage", Parent: "Message", Group: "messages", MarshalAware: true, Command: true, Doc: "is a TextMessage; Content is int32 length + modified UTF-8."},
	{ID: 29, Name: "ActiveMQBlobMessage", Parent: "Message", Group: "messages", MarshalAware: true, Command: true, Since: 3, Doc: "is a BlobMessage whose data lives at RemoteBlobUrl.", Fields: []Field{
		{Name: "RemoteBlobUrl", Kind: String, Since: 3},
		{Name: "MimeType", Kind: String, Since: 3},
		{Name: "DeletedByBroker", Kind: Bool, Since: 3},
	}},

	// ---- responses -----------------------------------------------------------------------
	{ID: 30, Name: "Response", Parent: "BaseCommand", Group: "responses", Command: true, Doc: "answers a command that had ResponseRequired set.", Fields: []Field{
		{Name: "CorrelationId", Kind: Int},
	}},
	{ID: 31, Name: "ExceptionResponse", Parent: "Response", Group: "responses", Command: true, Doc: "is a failure answer.", Fields: []Field{
		{Name: "Exception", Kind: Throwable},
	}},
	{ID: 32, Name: "DataResponse", Parent: "Response", Group: "responses", Command: true, Doc: "is an answer carrying one structure.", Fields: []Field{
		{Name: "Data", Kind: Nested, Type: "DataStructure"},
	}},
	{ID: 33, Name: "DataArrayResponse", Parent: "Response", Group: "responses", Command: true, Doc: "is an answer carrying structures (XA RECOVER: the prepared XATransactionIds).", Fields: []Field{
		{Name: "Data", Kind: Array, Type: "DataStructure"},
	}},
	{ID: 34, Name: "IntegerResponse", Parent: "Response", Group: "responses", Command: true, Doc: "is an answer carrying an int (XA PREPARE: 0 XA_OK, 3 XA_RDONLY).", Fields: []Field{
		{Name: "Result", Kind: Int},
	}},

	// ---- store, UDP and broker-network structures ------------------------------------------
	{ID: 40, Name: "DiscoveryEvent", Group: "misc", Doc: "is a multicast discovery announcement.", Fields: []Field{
		{Name: "ServiceName", Kind: String},
		{Name: "BrokerName", Kind: String},
	}},
	{ID: 50, Name: "JournalTopicAck", Group: "misc", Doc: "is a journal record of a topic acknowledgement.", Fields: []Field{
		{Name: "Destination", Kind: Nested, Type: "*Destination"},
		{Name: "MessageId", Kind: Nested, Type: "*MessageId"},
		{Name: "MessageSequenceId", Kind: Long},
		{Name: "SubscriptionName", Kind: String, Doc: "Java: SubscritionName"},
		{Name: "ClientId", Kind: String},
		{Name: "TransactionId", Kind: Nested, Type: "TransactionId"},
	}},
	{ID: 52, Name: "JournalQueueAck", Group: "misc", Doc: "is a journal record of a queue acknowledgement.", Fields: []Field{
		{Name: "Destination", Kind: Nested, Type: "*Destination"},
		{Name: "MessageAck", Kind: Nested, Type: "*MessageAck"},
	}},
	{ID: 53, Name: "JournalTrace", Group: "misc", Doc: "is a journal trace record.", Fields: []Field{
		{Name: "Message", Kind: String},
	}},
	{ID: 54, Name: "JournalTransaction", Group: "misc", Doc: "is a journal record of a transaction step.", Fields: []Field{
		{Name: "TransactionId", Kind: Nested, Type: "TransactionId"},
		{Name: "Type", Kind: Byte},
		{Name: "WasPrepared", Kind: Bool},
	}},
	{ID: 55, Name: "SubscriptionInfo", Group: "misc", Doc: "is a stored durable subscription.", Fields: []Field{
		{Name: "ClientId", Kind: String},
		{Name: "Destination", Kind: Cached, Type: "*Destination"},
		{Name: "Selector", Kind: String},
		{Name: "SubscriptionName", Kind: String, Doc: "Java: SubcriptionName from v6"},
		{Name: "SubscribedDestination", Kind: Nested, Type: "*Destination", Since: 3},
		{Name: "NoLocal", Kind: Bool, Since: 11},
	}},
	{ID: 60, Name: "PartialCommand", Group: "misc", Command: true, Doc: "is a fragment of a command (UDP only); it has a CommandId but no ResponseRequired.", Fields: []Field{
		{Name: "CommandId", Kind: Int},
		{Name: "Data", Kind: Bytes},
	}},
	{ID: 61, Name: "LastPartialCommand", Parent: "PartialCommand", Group: "misc", Command: true, Doc: "is the final fragment of a command (UDP only)."},
	{ID: 65, Name: "ReplayCommand", Parent: "BaseCommand", Group: "misc", Command: true, Doc: "asks for a replay of lost commands (reliable UDP only).", Fields: []Field{
		{Name: "FirstNakNumber", Kind: Int},
		{Name: "LastNakNumber", Kind: Int},
	}},
	{ID: 90, Name: "MessageDispatchNotification", Parent: "BaseCommand", Group: "misc", Command: true, Doc: "tells a slave broker about a dispatch.", Fields: []Field{
		{Name: "ConsumerId", Kind: Cached, Type: "*ConsumerId"},
		{Name: "Destination", Kind: Cached, Type: "*Destination"},
		{Name: "DeliverySequenceId", Kind: Long},
		{Name: "MessageId", Kind: Nested, Type: "*MessageId"},
	}},
	{ID: 91, Name: "NetworkBridgeFilter", Group: "misc", Doc: "is a broker-network consumer predicate (ConsumerInfo.AdditionalPredicate).", Fields: []Field{
		{Name: "NetworkTTL", Kind: Int, Until: 9},
		{Name: "NetworkBrokerId", Kind: Cached, Type: "*BrokerId"},
		{Name: "MessageTTL", Kind: Int, Since: 10},
		{Name: "ConsumerTTL", Kind: Int, Since: 10},
	}},
	{ID: 92, Name: "BrokerSubscriptionInfo", Parent: "BaseCommand", Group: "misc", Command: true, Since: 12, Doc: "synchronises durable subscriptions between brokers.", Fields: []Field{
		{Name: "BrokerId", Kind: Nested, Type: "*BrokerId", Since: 12},
		{Name: "BrokerName", Kind: String, Since: 12},
		{Name: "SubscriptionInfos", Kind: Array, Type: "*ConsumerInfo", Since: 12},
	}},
}

// interfaces lists the polymorphic field types and which structures satisfy
// them; the generator checks nested fields against it.
var interfaces = map[string]bool{
	"DataStructure":  true,
	"TransactionId":  true,
	"MessageCommand": true,
}
