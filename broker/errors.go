package broker

import (
	"errors"
	"fmt"
)

// Kind classifies a refused operation so that each protocol can report it in
// its own terms (an AMQP reply code, a JMS exception class, a STOMP ERROR).
type Kind uint8

const (
	KindInternal           Kind = iota // a broker fault
	KindNotFound                       // the named exchange/queue/subscription does not exist
	KindAccessRefused                  // permissions, reserved names, exclusive consumers
	KindResourceLocked                 // an exclusive queue owned by another connection
	KindPreconditionFailed             // inequivalent redeclare, if-unused/if-empty, bad arguments
	KindNotAllowed                     // an operation the broker's rules forbid
	KindNotImplemented                 // a feature Junction does not offer
	KindResourceError                  // limits reached
	KindInvalidArgument                // malformed request content
)

func (k Kind) String() string {
	switch k {
	case KindNotFound:
		return "not found"
	case KindAccessRefused:
		return "access refused"
	case KindResourceLocked:
		return "resource locked"
	case KindPreconditionFailed:
		return "precondition failed"
	case KindNotAllowed:
		return "not allowed"
	case KindNotImplemented:
		return "not implemented"
	case KindResourceError:
		return "resource error"
	case KindInvalidArgument:
		return "invalid argument"
	}
	return "internal error"
}

// Error is a refused broker operation. Text is meant for the client and is
// phrased like RabbitMQ's messages where one exists, because client test
// suites and operators grep for them.
type Error struct {
	Kind Kind
	Text string
}

func (e *Error) Error() string { return e.Text }

func errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Text: fmt.Sprintf(format, args...)}
}

// KindOf returns the Kind of err, KindInternal for foreign errors.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}
