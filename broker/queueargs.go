package broker

import (
	"fmt"
	"math"

	"github.com/junctionmq/junction/message"
)

// Overflow is what a queue does when a publish would exceed its length
// limits (x-overflow).
type Overflow uint8

const (
	DropHead Overflow = iota
	RejectPublish
	RejectPublishDLX
)

func (o Overflow) String() string {
	switch o {
	case RejectPublish:
		return "reject-publish"
	case RejectPublishDLX:
		return "reject-publish-dlx"
	}
	return "drop-head"
}

// queueConfig is a queue's parsed, validated arguments.
type queueConfig struct {
	messageTTL   int64 // ms; -1 = none
	expires      int64 // ms; 0 = none
	maxLength    int64 // -1 = none
	maxBytes     int64 // -1 = none
	overflow     Overflow
	dlx          string
	hasDLX       bool
	dlrk         string
	hasDLRK      bool
	maxPriority  int // 0 = not a priority queue
	singleActive bool
	// dlPersistentOnly dead-letters only persistent messages and drops
	// others: ActiveMQ's default (processNonPersistent=false), used by the
	// queues JMS and STOMP clients create implicitly.
	dlPersistentOnly bool
}

// maxPriorityLimit is RabbitMQ's cap on x-max-priority.
const maxPriorityLimit = 255

func parseQueueArgs(name string, args message.Table) (queueConfig, error) {
	cfg := queueConfig{messageTTL: -1, maxLength: -1, maxBytes: -1}
	bad := func(arg string, v any, why string) error {
		return errorf(KindPreconditionFailed, "invalid arg '%s' for queue '%s': %v (%s)", arg, name, v, why)
	}
	for k, v := range args {
		switch k {
		case "x-message-ttl":
			n, ok := IntValue(v)
			if !ok || n < 0 || n > math.MaxUint32 {
				return cfg, bad(k, v, "must be a non-negative integer")
			}
			cfg.messageTTL = n
		case "x-expires":
			n, ok := IntValue(v)
			if !ok || n <= 0 || n > math.MaxUint32 {
				return cfg, bad(k, v, "must be a positive integer")
			}
			cfg.expires = n
		case "x-max-length":
			n, ok := IntValue(v)
			if !ok || n < 0 {
				return cfg, bad(k, v, "must be a non-negative integer")
			}
			cfg.maxLength = n
		case "x-max-length-bytes":
			n, ok := IntValue(v)
			if !ok || n < 0 {
				return cfg, bad(k, v, "must be a non-negative integer")
			}
			cfg.maxBytes = n
		case "x-overflow":
			s, _ := stringValue(v)
			switch s {
			case "drop-head":
				cfg.overflow = DropHead
			case "reject-publish":
				cfg.overflow = RejectPublish
			case "reject-publish-dlx":
				cfg.overflow = RejectPublishDLX
			default:
				return cfg, bad(k, v, "must be drop-head, reject-publish or reject-publish-dlx")
			}
		case "x-dead-letter-exchange":
			s, ok := stringValue(v)
			if !ok {
				return cfg, bad(k, v, "must be a string")
			}
			cfg.dlx, cfg.hasDLX = s, true
		case "x-dead-letter-routing-key":
			s, ok := stringValue(v)
			if !ok {
				return cfg, bad(k, v, "must be a string")
			}
			cfg.dlrk, cfg.hasDLRK = s, true
		case "x-max-priority":
			n, ok := IntValue(v)
			if !ok || n < 0 || n > maxPriorityLimit {
				return cfg, bad(k, v, fmt.Sprintf("must be an integer between 0 and %d", maxPriorityLimit))
			}
			cfg.maxPriority = int(n)
		case "x-single-active-consumer":
			b, ok := v.(bool)
			if !ok {
				return cfg, bad(k, v, "must be a boolean")
			}
			cfg.singleActive = b
		case "x-dead-letter-persistent-only":
			b, ok := v.(bool)
			if !ok {
				return cfg, bad(k, v, "must be a boolean")
			}
			cfg.dlPersistentOnly = b
		case "x-queue-type":
			s, _ := stringValue(v)
			if s != "classic" {
				return cfg, errorf(KindPreconditionFailed, "invalid arg 'x-queue-type' for queue '%s': %v (Junction offers classic queues only)", name, v)
			}
		}
	}
	if cfg.hasDLRK && !cfg.hasDLX {
		return cfg, errorf(KindPreconditionFailed, "invalid arg 'x-dead-letter-routing-key' for queue '%s': Key x-dead-letter-routing-key should be specified together with x-dead-letter-exchange", name)
	}
	return cfg, nil
}

// equivalenceArgs are the arguments a redeclaration must repeat exactly.
var equivalenceArgs = []string{
	"x-message-ttl", "x-expires", "x-max-length", "x-max-length-bytes",
	"x-overflow", "x-dead-letter-exchange", "x-dead-letter-routing-key",
	"x-max-priority", "x-single-active-consumer", "x-queue-type",
}

func argsEquivalent(queue, vhost string, current, received message.Table) error {
	for _, k := range equivalenceArgs {
		a, inA := received[k]
		b, inB := current[k]
		if k == "x-queue-type" {
			// Absent means classic, so declaring with and without it agrees.
			if !inA {
				a, inA = "classic", true
			}
			if !inB {
				b, inB = "classic", true
			}
		}
		if inA != inB || (inA && !valuesEqual(a, b)) {
			return errorf(KindPreconditionFailed, "inequivalent arg '%s' for queue '%s' in vhost '%s': received %s but current is %s", k, queue, vhost, describeArg(a, inA), describeArg(b, inB))
		}
	}
	return nil
}

func describeArg(v any, present bool) string {
	if !present {
		return "none"
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	return fmt.Sprintf("the value '%v' of type '%s'", v, argTypeName(v))
}

// argTypeName names a value's type as RabbitMQ does in its messages.
func argTypeName(v any) string {
	switch v.(type) {
	case string, []byte:
		return "longstr"
	case bool:
		return "bool"
	case int8:
		return "byte"
	case int16:
		return "short"
	case int32:
		return "signedint"
	case int64:
		return "long"
	case float32:
		return "float"
	case float64:
		return "double"
	}
	return fmt.Sprintf("%T", v)
}
