package openwire

import (
	"errors"
	"fmt"

	"github.com/junctionmq/junction/openwire/wire"
)

// Errors of the client; test with errors.Is.
var (
	// ErrClosed: the connection, session, producer or consumer was closed.
	ErrClosed = errors.New("openwire: closed")
	// ErrNotTransacted: Commit or Rollback on a session that is not transacted.
	ErrNotTransacted = errors.New("openwire: session is not transacted")
	// ErrTransacted: Recover on a transacted session (use Rollback).
	ErrTransacted = errors.New("openwire: session is transacted")
	// ErrTransactionRolledBack: Commit found the transaction rolled back,
	// because the connection failed over while it was open or the broker
	// refused it. Messages consumed in it are delivered again.
	ErrTransactionRolledBack = errors.New("openwire: transaction rolled back")
	// ErrNotReceived: Ack on a message that was not received from a consumer.
	ErrNotReceived = errors.New("openwire: message was not received by a consumer")
	// ErrNoClientID: durable subscriptions need WithClientID.
	ErrNoClientID = errors.New("openwire: durable subscriptions need an explicit client ID")
	// ErrListener: Receive on a consumer with a listener, a second listener,
	// or a listener on a prefetch-0 consumer.
	ErrListener = errors.New("openwire: consumer has a listener")
)

// BrokerError is an exception the broker reported, as an ExceptionResponse
// to a request or a ConnectionError.
type BrokerError struct {
	// Class is the Java exception class, e.g.
	// "javax.jms.InvalidClientIDException" or "java.lang.SecurityException".
	Class   string
	Message string
}

func (e *BrokerError) Error() string {
	if e.Message == "" {
		return "broker: " + e.Class
	}
	return fmt.Sprintf("broker: %s: %s", e.Class, e.Message)
}

func brokerError(t *wire.Throwable) error {
	if t == nil {
		return &BrokerError{Class: "java.lang.Exception", Message: "exception without details"}
	}
	return &BrokerError{Class: t.Class, Message: t.Message.Value}
}
