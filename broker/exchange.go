package broker

import (
	"fmt"

	"github.com/junctionmq/junction/message"
)

// ExchangeType is the routing algorithm of an exchange.
type ExchangeType uint8

const (
	Direct ExchangeType = iota
	Fanout
	Topic
	Headers
)

func (t ExchangeType) String() string {
	switch t {
	case Fanout:
		return "fanout"
	case Topic:
		return "topic"
	case Headers:
		return "headers"
	}
	return "direct"
}

// ParseExchangeType maps an AMQP exchange type name to its type.
func ParseExchangeType(s string) (ExchangeType, error) {
	switch s {
	case "direct":
		return Direct, nil
	case "fanout":
		return Fanout, nil
	case "topic":
		return Topic, nil
	case "headers":
		return Headers, nil
	}
	return 0, errorf(KindNotFound, "invalid exchange type '%s'", s)
}

// Binding routes messages from a source exchange to a queue or to another
// exchange.
type Binding struct {
	Source string
	// Exactly one of Queue and Exchange is set.
	Queue    *Queue
	Exchange *Exchange
	Key      string
	Args     message.Table
	// Filter, if set, must accept a message for the binding to route it
	// (JMS topic subscriptions with a selector or no-local).
	Filter Filter

	match headersMatch
}

// DestinationName is the name of the queue or exchange bound to.
func (b *Binding) DestinationName() string {
	if b.Queue != nil {
		return b.Queue.name
	}
	return b.Exchange.name
}

// DestinationKind is "queue" or "exchange", as the management API spells it.
func (b *Binding) DestinationKind() string {
	if b.Queue != nil {
		return "queue"
	}
	return "exchange"
}

func (b *Binding) sameAs(o *Binding) bool {
	return b.Queue == o.Queue && b.Exchange == o.Exchange && b.Key == o.Key && tablesEqual(b.Args, o.Args) && b.Filter == o.Filter
}

func tablesEqual(a, b message.Table) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return valuesEqual(a, b)
}

// Exchange is a routing point. Its bindings are guarded by the owning
// vhost's topology lock: routing reads them under the read lock.
type Exchange struct {
	vhost      *VHost
	name       string
	kind       ExchangeType
	durable    bool
	autoDelete bool
	internal   bool
	args       message.Table
	alternate  string

	bindings  []*Binding // every binding from this exchange, in creation order
	direct    map[string][]*Binding
	topic     *topicTrie
	everBound bool
	deleted   bool
}

// ExchangeInfo is a snapshot of an exchange's declaration.
type ExchangeInfo struct {
	Name       string
	Type       ExchangeType
	Durable    bool
	AutoDelete bool
	Internal   bool
	Args       message.Table
}

func newExchange(v *VHost, info ExchangeInfo) *Exchange {
	x := &Exchange{
		vhost:      v,
		name:       info.Name,
		kind:       info.Type,
		durable:    info.Durable,
		autoDelete: info.AutoDelete,
		internal:   info.Internal,
		args:       info.Args,
	}
	if ae, ok := stringArg(info.Args, "alternate-exchange"); ok {
		x.alternate = ae
	}
	switch x.kind {
	case Direct:
		x.direct = map[string][]*Binding{}
	case Topic:
		x.topic = &topicTrie{}
	}
	return x
}

// Name returns the exchange's name ("" for the default exchange).
func (x *Exchange) Name() string { return x.name }

// Info returns the exchange's declaration.
func (x *Exchange) Info() ExchangeInfo {
	return ExchangeInfo{Name: x.name, Type: x.kind, Durable: x.durable, AutoDelete: x.autoDelete, Internal: x.internal, Args: x.args}
}

func (x *Exchange) addBinding(b *Binding) bool {
	for _, o := range x.bindings {
		if o.sameAs(b) {
			return false
		}
	}
	x.bindings = append(x.bindings, b)
	x.everBound = true
	switch x.kind {
	case Direct:
		x.direct[b.Key] = append(x.direct[b.Key], b)
	case Topic:
		x.topic.add(b)
	}
	return true
}

func (x *Exchange) removeBinding(b *Binding) bool {
	var found *Binding
	for _, o := range x.bindings {
		if o.sameAs(b) {
			found = o
			break
		}
	}
	if found == nil {
		return false
	}
	x.bindings = removeBinding(x.bindings, found)
	switch x.kind {
	case Direct:
		l := removeBinding(x.direct[found.Key], found)
		if len(l) == 0 {
			delete(x.direct, found.Key)
		} else {
			x.direct[found.Key] = l
		}
	case Topic:
		x.topic.remove(found)
	}
	return true
}

// route calls fn for each binding matching the routing key and headers.
func (x *Exchange) route(key string, msg *message.Message, fn func(*Binding)) {
	switch x.kind {
	case Direct:
		for _, b := range x.direct[key] {
			fn(b)
		}
	case Fanout:
		for _, b := range x.bindings {
			fn(b)
		}
	case Topic:
		x.topic.match(key, fn)
	case Headers:
		if len(x.bindings) == 0 {
			return
		}
		headers := msg.Props().Headers
		for _, b := range x.bindings {
			if matchHeaders(b.match, b.Args, headers) {
				fn(b)
			}
		}
	}
}

func (x *Exchange) equivalent(info ExchangeInfo) error {
	switch {
	case x.kind != info.Type:
		return x.inequivalent("type", info.Type.String(), x.kind.String())
	case x.durable != info.Durable:
		return x.inequivalent("durable", fmt.Sprint(info.Durable), fmt.Sprint(x.durable))
	case x.autoDelete != info.AutoDelete:
		return x.inequivalent("auto_delete", fmt.Sprint(info.AutoDelete), fmt.Sprint(x.autoDelete))
	case x.internal != info.Internal:
		return x.inequivalent("internal", fmt.Sprint(info.Internal), fmt.Sprint(x.internal))
	}
	a, _ := stringArg(info.Args, "alternate-exchange")
	if a != x.alternate {
		return errorf(KindPreconditionFailed, "inequivalent arg 'alternate-exchange' for exchange '%s' in vhost '%s': received '%s' but current is '%s'", x.name, x.vhost.name, a, x.alternate)
	}
	return nil
}

func (x *Exchange) inequivalent(field, received, current string) error {
	return errorf(KindPreconditionFailed, "inequivalent arg '%s' for exchange '%s' in vhost '%s': received '%s' but current is '%s'", field, x.name, x.vhost.name, received, current)
}

func stringArg(t message.Table, key string) (string, bool) {
	v, ok := t[key]
	if !ok {
		return "", false
	}
	return stringValue(v)
}
