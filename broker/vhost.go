package broker

import (
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/store"
)

// VHost is an isolated namespace of exchanges and queues.
type VHost struct {
	broker *Broker
	name   string

	mu        sync.RWMutex
	exchanges map[string]*Exchange
	queues    map[string]*Queue
	// bindingsTo lists bindings by destination so deleting a queue or
	// exchange removes its bindings without scanning every exchange.
	bindingsTo map[any][]*Binding
	exclusive  map[uint64][]*Queue
}

func newVHost(b *Broker, name string) *VHost {
	v := &VHost{
		broker:     b,
		name:       name,
		exchanges:  map[string]*Exchange{},
		queues:     map[string]*Queue{},
		bindingsTo: map[any][]*Binding{},
		exclusive:  map[uint64][]*Queue{},
	}
	for _, x := range []ExchangeInfo{
		{Name: "", Type: Direct, Durable: true},
		{Name: "amq.direct", Type: Direct, Durable: true},
		{Name: "amq.fanout", Type: Fanout, Durable: true},
		{Name: "amq.topic", Type: Topic, Durable: true},
		{Name: "amq.headers", Type: Headers, Durable: true},
		{Name: "amq.match", Type: Headers, Durable: true},
		{Name: "amq.rabbitmq.trace", Type: Topic, Durable: true, Internal: true},
	} {
		v.exchanges[x.Name] = newExchange(v, x)
	}
	return v
}

// Name returns the vhost's name.
func (v *VHost) Name() string { return v.name }

func (v *VHost) log() *slog.Logger { return v.broker.logger }

// Exchange returns an exchange by name.
func (v *VHost) Exchange(name string) (*Exchange, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	x, ok := v.exchanges[name]
	return x, ok
}

// Exchanges returns every exchange sorted by name.
func (v *VHost) Exchanges() []*Exchange {
	v.mu.RLock()
	defer v.mu.RUnlock()
	out := make([]*Exchange, 0, len(v.exchanges))
	for _, x := range v.exchanges {
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// Queue returns a queue by name.
func (v *VHost) Queue(name string) (*Queue, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	q, ok := v.queues[name]
	return q, ok
}

// Queues returns every queue sorted by name.
func (v *VHost) Queues() []*Queue {
	v.mu.RLock()
	defer v.mu.RUnlock()
	out := make([]*Queue, 0, len(v.queues))
	for _, q := range v.queues {
		out = append(out, q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// Bindings returns every explicit binding, by source then destination.
func (v *VHost) Bindings() []*Binding {
	v.mu.RLock()
	defer v.mu.RUnlock()
	var out []*Binding
	for _, x := range v.exchanges {
		out = append(out, x.bindings...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].DestinationName() < out[j].DestinationName()
	})
	return out
}

func (v *VHost) notFoundExchange(name string) error {
	return errorf(KindNotFound, "no exchange '%s' in vhost '%s'", name, v.name)
}

func (v *VHost) notFoundQueue(name string) error {
	return errorf(KindNotFound, "no queue '%s' in vhost '%s'", name, v.name)
}

// DeclareExchange creates an exchange or checks that an existing one is
// equivalent. With passive, it only checks existence.
func (v *VHost) DeclareExchange(c *Client, info ExchangeInfo, passive bool) (*Exchange, error) {
	if info.Name == "" {
		if passive {
			return v.exchanges[""], nil
		}
		return nil, errorf(KindAccessRefused, "operation not permitted on the default exchange")
	}
	if passive {
		x, ok := v.Exchange(info.Name)
		if !ok {
			return nil, v.notFoundExchange(info.Name)
		}
		return x, nil
	}
	if err := c.checkExchange(v, configureAccess, info.Name); err != nil {
		return nil, err
	}
	if info.Type == Headers {
		// Validate nothing more here: x-match lives on bindings.
		_ = info
	}
	v.mu.Lock()
	if x, ok := v.exchanges[info.Name]; ok {
		v.mu.Unlock()
		return x, x.equivalent(info)
	}
	if strings.HasPrefix(info.Name, "amq.") {
		v.mu.Unlock()
		return nil, errorf(KindAccessRefused, "exchange name '%s' contains reserved prefix 'amq.*'", info.Name)
	}
	x := newExchange(v, info)
	v.exchanges[info.Name] = x
	v.mu.Unlock()
	// Durable before declare-ok, outside the topology lock (an fsync).
	v.storeExchange(x)
	return x, nil
}

// DeleteExchange deletes an exchange and its bindings. Deleting one that
// does not exist succeeds, as in RabbitMQ.
func (v *VHost) DeleteExchange(c *Client, name string, ifUnused bool) error {
	if name == "" || strings.HasPrefix(name, "amq.") {
		return errorf(KindAccessRefused, "operation not permitted on the default exchange")
	}
	if err := c.checkExchange(v, configureAccess, name); err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	x, ok := v.exchanges[name]
	if !ok {
		return nil
	}
	if ifUnused && (len(x.bindings) > 0 || len(v.bindingsTo[x]) > 0) {
		return errorf(KindPreconditionFailed, "exchange '%s' in vhost '%s' in use", name, v.name)
	}
	v.deleteExchangeLocked(x)
	return nil
}

func (v *VHost) deleteExchangeLocked(x *Exchange) {
	if x.deleted {
		return
	}
	x.deleted = true
	delete(v.exchanges, x.name)
	v.unstoreExchange(x)
	for _, b := range append([]*Binding(nil), x.bindings...) {
		v.removeBindingLocked(b)
	}
	for _, b := range append([]*Binding(nil), v.bindingsTo[x]...) {
		v.removeBindingLocked(b)
	}
	delete(v.bindingsTo, x)
}

// DeclareQueue creates a queue or checks an existing one is equivalent. An
// empty name gets a server-generated one. With passive, only existence (and
// exclusive ownership) is checked.
func (v *VHost) DeclareQueue(c *Client, spec QueueSpec, passive bool) (*Queue, error) {
	if passive {
		q, ok := v.Queue(spec.Name)
		if !ok {
			return nil, v.notFoundQueue(spec.Name)
		}
		if err := q.checkOwner(c); err != nil {
			return nil, err
		}
		q.mu.Lock()
		q.touchUnusedLocked()
		q.mu.Unlock()
		return q, nil
	}
	if spec.Name == "" {
		spec.Name = generateName("amq.gen-")
	} else if strings.HasPrefix(spec.Name, "amq.") {
		return nil, errorf(KindAccessRefused, "queue name '%s' contains reserved prefix 'amq.*'", spec.Name)
	}
	if err := c.check(v, configureAccess, spec.Name); err != nil {
		return nil, err
	}
	cfg, err := parseQueueArgs(spec.Name, v.broker.effectiveArgs(v.name, spec.Name, spec.Args))
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	if q, ok := v.queues[spec.Name]; ok {
		v.mu.Unlock()
		if err := q.checkOwner(c); err != nil {
			return nil, err
		}
		if err := q.equivalent(spec); err != nil {
			return nil, err
		}
		q.mu.Lock()
		q.touchUnusedLocked()
		q.mu.Unlock()
		return q, nil
	}
	var owner uint64
	if spec.Exclusive && c != nil {
		owner = c.ID
	}
	q := newQueue(v, spec, cfg, owner)
	if spec.Durable && !spec.Exclusive && v.broker.durable() {
		q.id = store.QueueID(v.broker.nextQueueID.Add(1))
	}
	v.queues[spec.Name] = q
	if owner != 0 {
		v.exclusive[owner] = append(v.exclusive[owner], q)
	}
	v.mu.Unlock()
	v.storeQueue(q)
	q.mu.Lock()
	q.startUnusedLocked()
	q.mu.Unlock()
	return q, nil
}

// checkOwner refuses access to another connection's exclusive queue.
func (q *Queue) checkOwner(c *Client) error {
	if q.owner != 0 && c != nil && c.ID != q.owner && c.User != nil {
		return errorf(KindResourceLocked, "cannot obtain exclusive access to locked queue '%s' in vhost '%s'. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.", q.name, q.vhost.name)
	}
	return nil
}

func (q *Queue) equivalent(spec QueueSpec) error {
	if q.implicit || spec.Implicit {
		return nil
	}
	bad := func(field string, got, cur bool) error {
		return errorf(KindPreconditionFailed, "inequivalent arg '%s' for queue '%s' in vhost '%s': received '%t' but current is '%t'", field, q.name, q.vhost.name, got, cur)
	}
	switch {
	case spec.Durable != q.durable:
		return bad("durable", spec.Durable, q.durable)
	case spec.AutoDelete != q.autoDelete:
		return bad("auto_delete", spec.AutoDelete, q.autoDelete)
	case spec.Exclusive != q.exclusive:
		return bad("exclusive", spec.Exclusive, q.exclusive)
	}
	return argsEquivalent(q.name, q.vhost.name, q.args, spec.Args)
}

// DeleteQueue deletes a queue, returning how many ready messages it held.
// Deleting a queue that does not exist succeeds with 0.
func (v *VHost) DeleteQueue(c *Client, name string, ifUnused, ifEmpty bool) (int, error) {
	q, ok := v.Queue(name)
	if !ok {
		return 0, nil
	}
	if err := q.checkOwner(c); err != nil {
		return 0, err
	}
	if err := c.check(v, configureAccess, name); err != nil {
		return 0, err
	}
	q.mu.Lock()
	consumers, ready := len(q.consumers), q.ready.count
	q.mu.Unlock()
	if ifUnused && consumers > 0 {
		return 0, errorf(KindPreconditionFailed, "queue '%s' in vhost '%s' in use", name, v.name)
	}
	if ifEmpty && ready > 0 {
		return 0, errorf(KindPreconditionFailed, "queue '%s' in vhost '%s' is not empty", name, v.name)
	}
	return v.deleteQueueInternal(q), nil
}

// PurgeQueue removes a queue's ready messages.
func (v *VHost) PurgeQueue(c *Client, name string) (int, error) {
	q, ok := v.Queue(name)
	if !ok {
		return 0, v.notFoundQueue(name)
	}
	if err := q.checkOwner(c); err != nil {
		return 0, err
	}
	if err := c.check(v, readAccess, name); err != nil {
		return 0, err
	}
	return q.Purge(), nil
}

// deleteQueueInternal removes a queue, its bindings and consumers (who are
// told), and returns the number of ready messages dropped.
func (v *VHost) deleteQueueInternal(q *Queue) int {
	v.mu.Lock()
	if cur, ok := v.queues[q.name]; !ok || cur != q {
		v.mu.Unlock()
		return 0
	}
	delete(v.queues, q.name)
	for _, b := range append([]*Binding(nil), v.bindingsTo[q]...) {
		v.removeBindingLocked(b)
	}
	delete(v.bindingsTo, q)
	if q.owner != 0 {
		list := v.exclusive[q.owner]
		for i, x := range list {
			if x == q {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(v.exclusive, q.owner)
		} else {
			v.exclusive[q.owner] = list
		}
	}
	v.mu.Unlock()

	q.mu.Lock()
	q.deleted = true
	n := q.ready.count
	q.paged, q.pagedBytes = 0, 0
	q.ready.drain(func(e *Entry) { e.state = stateSettled })
	cancelled := q.consumers
	q.consumers = nil
	q.groups = nil
	for _, c := range cancelled {
		c.cancelled = true
	}
	q.stopTimersLocked()
	q.mu.Unlock()
	v.unstoreQueue(q)
	for _, c := range cancelled {
		c.sink.ConsumerCancelled(c)
	}
	return n
}

// clientClosed deletes the exclusive queues a closed connection owned.
func (v *VHost) clientClosed(c *Client) {
	v.mu.RLock()
	owned := append([]*Queue(nil), v.exclusive[c.ID]...)
	v.mu.RUnlock()
	for _, q := range owned {
		v.deleteQueueInternal(q)
	}
}

// QueueBind binds a queue to an exchange.
func (v *VHost) QueueBind(c *Client, queue, exchange, key string, args message.Table) error {
	return v.bind(c, queue, false, exchange, key, args)
}

// QueueBindFiltered binds a queue with a filter that every routed message
// must pass (a JMS topic subscription's selector and no-local). Unbind it
// with QueueUnbindFiltered and the same filter value.
func (v *VHost) QueueBindFiltered(c *Client, queue, exchange, key string, f Filter) error {
	return v.bindFiltered(c, queue, exchange, key, f)
}

// QueueUnbindFiltered removes a filtered binding.
func (v *VHost) QueueUnbindFiltered(c *Client, queue, exchange, key string, f Filter) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	b, err := v.resolveBinding(c, queue, false, exchange, key, nil)
	if err != nil {
		if KindOf(err) == KindNotFound {
			return nil
		}
		return err
	}
	b.Filter = f
	v.removeBindingLocked(b)
	return nil
}

// QueueUnbind removes a queue binding; removing one that does not exist
// succeeds.
func (v *VHost) QueueUnbind(c *Client, queue, exchange, key string, args message.Table) error {
	return v.unbind(c, queue, false, exchange, key, args)
}

// ExchangeBind binds destination exchange to source exchange.
func (v *VHost) ExchangeBind(c *Client, destination, source, key string, args message.Table) error {
	return v.bind(c, destination, true, source, key, args)
}

// ExchangeUnbind removes an exchange-to-exchange binding.
func (v *VHost) ExchangeUnbind(c *Client, destination, source, key string, args message.Table) error {
	return v.unbind(c, destination, true, source, key, args)
}

func (v *VHost) resolveBinding(c *Client, dest string, destIsExchange bool, source, key string, args message.Table) (*Binding, error) {
	if source == "" || (destIsExchange && dest == "") {
		return nil, errorf(KindAccessRefused, "operation not permitted on the default exchange")
	}
	b := &Binding{Source: source, Key: key, Args: args}
	if destIsExchange {
		if err := c.checkExchange(v, writeAccess, dest); err != nil {
			return nil, err
		}
		x, ok := v.exchanges[dest]
		if !ok {
			return nil, v.notFoundExchange(dest)
		}
		b.Exchange = x
	} else {
		if err := c.check(v, writeAccess, dest); err != nil {
			return nil, err
		}
		q, ok := v.queues[dest]
		if !ok {
			return nil, v.notFoundQueue(dest)
		}
		if err := q.checkOwner(c); err != nil {
			return nil, err
		}
		b.Queue = q
	}
	if err := c.checkExchange(v, readAccess, source); err != nil {
		return nil, err
	}
	return b, nil
}

func (v *VHost) bindFiltered(c *Client, queue, exchange, key string, f Filter) error {
	return v.bindWith(c, queue, false, exchange, key, nil, f)
}

func (v *VHost) bind(c *Client, dest string, destIsExchange bool, source, key string, args message.Table) error {
	return v.bindWith(c, dest, destIsExchange, source, key, args, nil)
}

func (v *VHost) bindWith(c *Client, dest string, destIsExchange bool, source, key string, args message.Table, f Filter) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	b, err := v.resolveBinding(c, dest, destIsExchange, source, key, args)
	if err != nil {
		return err
	}
	b.Filter = f
	x, ok := v.exchanges[source]
	if !ok {
		return v.notFoundExchange(source)
	}
	if x.kind == Headers {
		m, err := parseXMatch(args)
		if err != nil {
			return errorf(KindPreconditionFailed, "%s", err.Error())
		}
		b.match = m
	}
	if x.addBinding(b) {
		key := bindingDestKey(b)
		v.bindingsTo[key] = append(v.bindingsTo[key], b)
		v.storeBinding(x, b)
	}
	return nil
}

func (v *VHost) unbind(c *Client, dest string, destIsExchange bool, source, key string, args message.Table) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	b, err := v.resolveBinding(c, dest, destIsExchange, source, key, args)
	if err != nil {
		if KindOf(err) == KindNotFound {
			return nil
		}
		return err
	}
	if _, ok := v.exchanges[source]; !ok {
		return nil
	}
	v.removeBindingLocked(b)
	return nil
}

func bindingDestKey(b *Binding) any {
	if b.Queue != nil {
		return b.Queue
	}
	return b.Exchange
}

// removeBindingLocked removes a binding (matched by value) from its source
// and destination indexes, deleting an auto-delete source exchange that
// loses its last binding.
func (v *VHost) removeBindingLocked(b *Binding) {
	x, ok := v.exchanges[b.Source]
	if !ok || !x.removeBinding(b) {
		return
	}
	v.unstoreBinding(x, b)
	key := bindingDestKey(b)
	list := v.bindingsTo[key]
	for i, o := range list {
		if o.sameAs(b) && o.Source == b.Source {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(v.bindingsTo, key)
	} else {
		v.bindingsTo[key] = list
	}
	if x.autoDelete && x.everBound && len(x.bindings) == 0 && !x.deleted {
		v.deleteExchangeLocked(x)
	}
}
