package broker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"runtime/debug"
	"strings"
	"time"

	"github.com/junctionmq/junction/message"
	"github.com/junctionmq/junction/store"
)

// Durable state lives in the store as definitions (exchanges, queues and
// bindings, as JSON under a "vhost\x00name" key) and messages (persistent
// messages on durable queues, in message.Encode form). A durable queue has
// a store QueueID; its entries' sequence numbers are the store's.

const (
	defExchange = "exchange"
	defQueue    = "queue"
	defBinding  = "binding"
)

type exchangeDef struct {
	VHost      string `json:"vhost"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	AutoDelete bool   `json:"auto_delete,omitempty"`
	Internal   bool   `json:"internal,omitempty"`
	Args       []byte `json:"args,omitempty"`
}

type queueDef struct {
	VHost      string `json:"vhost"`
	Name       string `json:"name"`
	ID         uint64 `json:"id"`
	AutoDelete bool   `json:"auto_delete,omitempty"`
	Implicit   bool   `json:"implicit,omitempty"`
	Args       []byte `json:"args,omitempty"`
}

type bindingDef struct {
	VHost          string `json:"vhost"`
	Source         string `json:"source"`
	Destination    string `json:"destination"`
	ToExchange     bool   `json:"to_exchange,omitempty"`
	Key            string `json:"key"`
	Args           []byte `json:"args,omitempty"`
	Selector       string `json:"selector,omitempty"`
	ConvertStrings bool   `json:"convert_strings,omitempty"`
}

func defKey(parts ...string) string { return strings.Join(parts, "\x00") }

func encodeArgs(t message.Table) []byte {
	if len(t) == 0 {
		return nil
	}
	b, err := message.EncodeTable(t)
	if err != nil {
		return nil
	}
	return b
}

// durable reports whether definitions and persistent messages are kept.
func (b *Broker) durable() bool { return b.store != nil }

func (b *Broker) putDef(kind, key string, v any) {
	if b.store == nil {
		return
	}
	raw, err := json.Marshal(v)
	if err == nil {
		err = b.store.PutDefinition(kind, key, raw)
	}
	if err != nil {
		b.logger.Error("cannot store definition", "kind", kind, "key", strings.ReplaceAll(key, "\x00", "/"), "err", err)
	}
}

func (b *Broker) deleteDef(kind, key string) {
	if b.store == nil {
		return
	}
	if err := b.store.DeleteDefinition(kind, key); err != nil {
		b.logger.Error("cannot delete definition", "kind", kind, "key", strings.ReplaceAll(key, "\x00", "/"), "err", err)
	}
}

func (x *Exchange) persistable() bool {
	return x.durable && x.name != "" && !strings.HasPrefix(x.name, "amq.")
}

func (v *VHost) storeExchange(x *Exchange) {
	if !x.persistable() {
		return
	}
	v.broker.putDef(defExchange, defKey(v.name, x.name), exchangeDef{
		VHost: v.name, Name: x.name, Type: x.kind.String(), AutoDelete: x.autoDelete, Internal: x.internal, Args: encodeArgs(x.args),
	})
}

func (v *VHost) unstoreExchange(x *Exchange) {
	if x.persistable() {
		v.broker.deleteDef(defExchange, defKey(v.name, x.name))
	}
}

func (v *VHost) storeQueue(q *Queue) {
	if q.id == 0 {
		return
	}
	v.broker.putDef(defQueue, defKey(v.name, q.name), queueDef{
		VHost: v.name, Name: q.name, ID: uint64(q.id), AutoDelete: q.autoDelete, Implicit: q.implicit, Args: encodeArgs(q.args),
	})
}

// unstoreQueue forgets a deleted queue and every message it held.
func (v *VHost) unstoreQueue(q *Queue) {
	if q.id == 0 || v.broker.store == nil {
		return
	}
	if err := v.broker.store.PurgeQueue(q.id, math.MaxUint64, nil); err != nil {
		v.log().Error("cannot drop a deleted queue's messages", "queue", q.name, "err", err)
	}
	v.broker.deleteDef(defQueue, defKey(v.name, q.name))
}

// persistable reports whether a binding survives a restart: both ends do
// (the predeclared amq.* exchanges always exist, so bindings from them
// count).
func (b *Binding) persistable(src *Exchange) bool {
	if !src.durable || src.name == "" {
		return false
	}
	if b.Queue != nil {
		return b.Queue.id != 0
	}
	return b.Exchange.durable && b.Exchange.name != ""
}

func (b *Binding) defKey(vhost string) string {
	kind := "q"
	if b.Exchange != nil {
		kind = "x"
	}
	sel := ""
	if sf, ok := b.Filter.(*SelectorFilter); ok {
		sel = sf.expr
	}
	return defKey(vhost, b.Source, kind, b.DestinationName(), b.Key, string(encodeArgs(b.Args)), sel)
}

func (v *VHost) storeBinding(src *Exchange, b *Binding) {
	if !b.persistable(src) {
		return
	}
	d := bindingDef{VHost: v.name, Source: b.Source, Destination: b.DestinationName(), ToExchange: b.Exchange != nil, Key: b.Key, Args: encodeArgs(b.Args)}
	if sf, ok := b.Filter.(*SelectorFilter); ok {
		d.Selector, d.ConvertStrings = sf.expr, sf.convertStrings
	}
	v.broker.putDef(defBinding, b.defKey(v.name), d)
}

func (v *VHost) unstoreBinding(src *Exchange, b *Binding) {
	if b.persistable(src) {
		v.broker.deleteDef(defBinding, b.defKey(v.name))
	}
}

// recovered collects the definitions the store gives back; messages are
// streamed into their queues as they come (definitions all come first).
type recovered struct {
	exchanges []exchangeDef
	queues    []queueDef
	bindings  []bindingDef
	prepared  []PreparedTx
	byID      map[store.QueueID]*Queue
	applied   bool
	messages  int
	noted     int   // of messages, indexed from their notes
	now       int64 // Unix ms at the start of recovery
}

// recover rebuilds durable state from the store. It runs once, before any
// client connects.
func (b *Broker) recover() error {
	r := &recovered{now: time.Now().UnixMilli()}
	var decodeErrs int
	err := b.store.Recover(store.Recovery{
		Definitions: func(kind, key string, value []byte) {
			var err error
			switch kind {
			case defExchange:
				var d exchangeDef
				if err = json.Unmarshal(value, &d); err == nil {
					r.exchanges = append(r.exchanges, d)
				}
			case defQueue:
				var d queueDef
				if err = json.Unmarshal(value, &d); err == nil {
					r.queues = append(r.queues, d)
				}
			case defBinding:
				var d bindingDef
				if err = json.Unmarshal(value, &d); err == nil {
					r.bindings = append(r.bindings, d)
				}
			}
			if err != nil {
				b.logger.Error("unreadable stored definition; skipped", "kind", kind, "err", err)
			}
		},
		Message: func(id store.QueueID, seq uint64, ref store.MsgRef, body []byte, deliveries uint32) {
			q := b.recoveredQueue(r, id)
			if q == nil {
				return
			}
			meta, err := message.DecodeMeta(body)
			if err != nil {
				decodeErrs++
				return
			}
			q.mu.Lock()
			if !q.restoreLocked(meta, seq, ref, deliveries, body, r.now) {
				decodeErrs++
			}
			q.mu.Unlock()
			r.messages++
		},
		Noted: func(id store.QueueID, seq uint64, ref store.MsgRef, note []byte, deliveries uint32) bool {
			q := b.recoveredQueue(r, id)
			if q == nil {
				return true // as Message does: a queue no longer defined
			}
			q.mu.Lock()
			ok := q.restoreNotedLocked(note, seq, ref, deliveries, r.now)
			q.mu.Unlock()
			if ok {
				r.messages++
				r.noted++
			}
			return ok
		},
		Prepared: func(tx store.TxID, enqueues []store.PreparedEnqueue, acks []store.Target) {
			r.prepared = append(r.prepared, PreparedTx{ID: tx, enqueues: enqueues, acks: acks})
		},
		// Only the in-memory window's bodies are held together; the rest
		// are read one by one, indexed and paged out again, so recovering
		// a backlog costs the window plus the index, not every body.
		BodiesPerQueue: b.recoveryWindow(),
		StreamRest:     true,
	})
	if err != nil {
		return fmt.Errorf("recover store: %w", err)
	}
	if decodeErrs > 0 {
		b.logger.Error("stored messages could not be decoded; each is skipped, or dropped when it reaches the head of its queue", "count", decodeErrs)
	}
	if !r.applied {
		b.applyDefinitions(r)
	}
	b.prepared.restore(r.prepared, r.byID)
	for _, q := range r.byID {
		q.mu.Lock()
		q.armExpiryLocked()
		q.startUnusedLocked()
		q.mu.Unlock()
	}
	if r.messages > 100_000 {
		// Replaying a large journal leaves most of its reads as garbage;
		// hand that memory back soon rather than minutes later, so the
		// resident size after a restart reflects the live state. Not
		// before serving: with a million messages queued the full
		// collection held the listeners back by 20-40 ms.
		go debug.FreeOSMemory()
	}
	b.recoveryNoted = r.noted
	b.logger.Info("recovered durable state", "exchanges", len(r.exchanges), "queues", len(r.queues), "bindings", len(r.bindings), "messages", r.messages, "indexed_from_notes", r.noted, "prepared_transactions", len(r.prepared))
	return nil
}

// recoveredQueue returns the queue a recovered message belongs to (nil: a
// queue no longer defined), rebuilding the definitions first: they are
// all reported before any message.
func (b *Broker) recoveredQueue(r *recovered, id store.QueueID) *Queue {
	if !r.applied {
		b.applyDefinitions(r)
	}
	return r.byID[id]
}

// applyDefinitions rebuilds exchanges, queues and bindings.
func (b *Broker) applyDefinitions(r *recovered) {
	r.applied = true
	for _, d := range r.exchanges {
		v := b.AddVHost(d.VHost)
		kind, err := ParseExchangeType(d.Type)
		if err != nil {
			b.logger.Error("stored exchange has an unknown type; skipped", "exchange", d.Name, "type", d.Type)
			continue
		}
		args, _ := message.DecodeTable(d.Args)
		v.mu.Lock()
		v.exchanges[d.Name] = newExchange(v, ExchangeInfo{Name: d.Name, Type: kind, Durable: true, AutoDelete: d.AutoDelete, Internal: d.Internal, Args: args})
		v.mu.Unlock()
	}
	queues := map[store.QueueID]*Queue{}
	r.byID = queues
	for _, d := range r.queues {
		v := b.AddVHost(d.VHost)
		args, _ := message.DecodeTable(d.Args)
		cfg, err := parseQueueArgs(d.Name, b.effectiveArgs(d.VHost, d.Name, args))
		if err != nil {
			b.logger.Error("stored queue has invalid arguments; they are ignored", "queue", d.Name, "err", err)
			cfg, _ = parseQueueArgs(d.Name, b.effectiveArgs(d.VHost, d.Name, nil))
		}
		q := newQueue(v, QueueSpec{Name: d.Name, Durable: true, AutoDelete: d.AutoDelete, Implicit: d.Implicit, Args: args}, cfg, 0)
		q.id = store.QueueID(d.ID)
		for {
			cur := b.nextQueueID.Load()
			if cur >= d.ID || b.nextQueueID.CompareAndSwap(cur, d.ID) {
				break
			}
		}
		v.mu.Lock()
		v.queues[d.Name] = q
		v.mu.Unlock()
		queues[q.id] = q
	}
	for _, d := range r.bindings {
		v, ok := b.VHost(d.VHost)
		if !ok {
			continue
		}
		args, _ := message.DecodeTable(d.Args)
		var f Filter
		if d.Selector != "" {
			sf, err := NewSelectorFilter(d.Selector, false, 0, d.ConvertStrings)
			if err != nil {
				b.logger.Error("stored binding selector does not parse; binding skipped", "selector", d.Selector, "err", err)
				continue
			}
			f = sf
		}
		if err := v.bindWith(nil, d.Destination, d.ToExchange, d.Source, d.Key, args, f); err != nil {
			b.logger.Error("stored binding could not be restored", "source", d.Source, "destination", d.Destination, "err", err)
		}
	}
}

// restoreLocked puts a recovered message back at its sequence number.
// Beyond the in-memory window only its index entry is built: most of a
// large backlog is never decoded until it is dispatched. body is the
// store's, valid only during the call; false means the message was to be
// kept in memory but does not decode (it stays paged out, and dispatch
// drops it with a log line).
func (q *Queue) restoreLocked(meta message.Meta, seq uint64, ref store.MsgRef, deliveries uint32, body []byte, now int64) bool {
	e := &Entry{seq: seq, id: ref.ID(), size: entrySize(meta.BodySize), priority: meta.Priority, expiresAt: meta.ExpiresAt, deliveries: deliveries, stored: true, group: groupRef(meta.GroupID)}
	if seq > q.nextSeq {
		q.nextSeq = seq
	}
	// The queue's message TTL is not in the stored message (one body may
	// serve queues with different TTLs): it runs from the arrival time the
	// store kept, or, for a message stored without one (a transaction's,
	// or written by an older Junction), from now, so that it outlives its
	// TTL by at most the downtime instead of never expiring. A note's
	// expiry already includes it.
	if ttl := q.cfg.messageTTL; ttl >= 0 {
		from := now
		if a := meta.ArrivedAt; a > 0 && a < now {
			from = a
		}
		if exp := from + ttl; e.expiresAt == 0 || exp < e.expiresAt {
			e.expiresAt = exp
		}
	}
	if e.expiresAt != 0 {
		q.expiring = true
	}
	q.ready.insert(e)
	if !q.overWindowLocked() {
		if m, err := message.Decode(bytes.Clone(body)); err == nil {
			e.msg = m
			return true
		}
		q.pagedOutLocked(e)
		return false
	}
	q.pagedOutLocked(e)
	return true
}

// recoveryWindow is how many bodies per queue recovery loads together: the
// paging window, or all of them when paging is off.
func (b *Broker) recoveryWindow() int {
	if b.pageLimit < 0 {
		return -1
	}
	return b.pageLimit
}
