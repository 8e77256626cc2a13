// Package openwire is a Go client for OpenWire brokers: Apache ActiveMQ
// 5.x/6.x and Junction. It follows JMS 1.1 as the ActiveMQ Java client
// implements it, and sends the same commands in the same order, but with a
// Go API: contexts for everything that waits, errors instead of
// exceptions, Close methods.
//
//	conn, err := openwire.Dial(ctx, "tcp://localhost:61616", openwire.WithCredentials("user", "pw"))
//	sess, err := conn.CreateSession(ctx, openwire.AutoAck)
//	prod, err := sess.CreateProducer(ctx, openwire.Queue("orders"))
//	err = prod.Send(ctx, openwire.NewTextMessage("hello"))
//	cons, err := sess.CreateConsumer(ctx, openwire.Queue("orders"))
//	msg, err := cons.Receive(ctx)
//
// # Connections
//
// Dial accepts tcp:// and ssl:// URLs and failover:(url,url,…) lists with
// the Java client's query options (jms.*, wireFormat.*, and the failover
// transport's reconnect options). The wire format is negotiated as Java
// does: version 12, tight encoding and the marshal cache unless either
// side refuses. An inactivity monitor sends KeepAliveInfo and drops a
// silent broker.
//
// Under failover a Conn reconnects with exponential back-off when its
// broker goes away, registers the same ConnectionId again and re-creates
// temporary destinations, sessions, producers and consumers; requests that
// were waiting for an answer (synchronous sends, commits, …) are sent
// again. Messages prefetched or delivered but not acknowledged before the
// failure are dropped on the client and redelivered by the broker, and an
// open transaction is lost: its Commit fails with
// ErrTransactionRolledBack.
//
// # Sessions and acknowledgement
//
// A Session has one AckMode. AutoAck acknowledges each message as Receive
// returns it (or after a Listen callback returns); DupsOKAck does so in
// batches on topics; ClientAck acknowledges all delivered messages of the
// session on Message.Ack; IndividualAck only the one message. Transacted
// sessions group sends and receives into local transactions ended by
// Commit or Rollback. Rollback and Recover redeliver locally, raising each
// message's RedeliveryCounter (JMSRedelivered); past WithMaxRedeliveries
// the client sends the message to the broker's dead letter queue.
//
// # Producers
//
// Persistent messages outside a transaction are sent synchronously: Send
// returns once the broker has stored the message. Non-persistent and
// transacted messages are sent asynchronously. SyncSend, AsyncSend and
// WindowSize change this per producer; SendAsync asks for the receipt
// without waiting for it.
//
// Bodies: NewTextMessage, NewBytesMessage, NewMapMessage, NewStreamMessage,
// NewObjectMessage (opaque Java-serialized bytes) and NewMessage (none).
// Properties map Go types to the JMS property types (see Message).
//
// # Consumers
//
// CreateConsumer subscribes to a queue or topic, optionally with a
// Selector, NoLocal or a PrefetchSize (0 pulls each message with
// MessagePull). CreateDurableSubscriber needs WithClientID; Unsubscribe
// removes the subscription. CreateBrowser browses a queue. Temporary
// queues and topics come from Conn.CreateTempQueue and CreateTempTopic,
// and Message.ReplyTo and CorrelationID carry request/reply.
//
// The client does not run the Java client's advisory consumer
// (watchTopicAdvisories): it never refuses to send to a temporary
// destination it has not heard of.
package openwire
