// Package broker is Junction's protocol-neutral core: vhosts, exchanges,
// bindings, queues, consumers, delivery and settlement, TTL, dead-lettering,
// priorities and flow control. Protocol adapters (amqp, openwire, stomp)
// translate their wire commands into calls on this package; nothing here
// knows about any wire format.
//
// Locking: each vhost has a topology lock (RWMutex) guarding its exchanges,
// queues and bindings; routing holds it for reading. Each queue has its own
// mutex guarding its messages and consumers. The topology lock may be held
// while taking a queue lock, never the reverse, and no queue lock is held
// while taking another's.
package broker

import (
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/junctionmq/junction/auth"
	"github.com/junctionmq/junction/store"
)

// Options configure a Broker.
type Options struct {
	// Users is the user and vhost registry; NewDefaultRegistry if nil.
	Users  *auth.Registry
	Logger *slog.Logger
	// Store keeps durable definitions and persistent messages; nil keeps
	// everything in memory.
	Store *store.Store
	// PageLimit is how many ready messages per queue keep their bodies in
	// memory; the bodies of stored messages beyond it are read back from
	// the store when needed. 0 means DefaultPageLimit; negative disables
	// paging.
	PageLimit int
	// Policies set queue arguments by name pattern (see Policy).
	Policies []Policy
	// FlowLimit is the in-memory size of a queue's ready messages (each
	// its body and queuedOverhead) beyond which publishes to it report
	// PublishResult.Full (0: never), so that publishers slow down instead
	// of outrunning consumers without bound: Queue.Throttle pauses their
	// connection, and OpenWire holds a send's answer (WaitMemoryBelow).
	FlowLimit int64
}

// DefaultPageLimit keeps a queue's first 10,000 ready bodies in memory.
const DefaultPageLimit = 10000

// Broker is the root of the core: the vhosts and the connections' clients.
type Broker struct {
	users  *auth.Registry
	logger *slog.Logger

	mu     sync.RWMutex
	vhosts map[string]*VHost

	nextClientID atomic.Uint64
	alarms       alarms

	store       *store.Store
	pageLimit   int
	policies    []Policy
	flowLimit   int64
	nextQueueID atomic.Uint64
	nextTxID    atomic.Uint64
	prepared    preparedRegistry
	// recoveryNoted is how many recovered messages were indexed from
	// their clean-shutdown notes, without reading their bodies.
	recoveryNoted int
}

// New returns a broker with a vhost for every vhost in the registry. With
// a store, it first recovers the durable state the store holds.
func New(opts Options) (*Broker, error) {
	if opts.Users == nil {
		opts.Users = auth.NewDefaultRegistry()
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	for i := range opts.Policies {
		if err := opts.Policies[i].Validate(); err != nil {
			return nil, err
		}
	}
	b := &Broker{users: opts.Users, logger: opts.Logger, vhosts: map[string]*VHost{}, store: opts.Store, pageLimit: opts.PageLimit, policies: opts.Policies, flowLimit: opts.FlowLimit}
	if b.pageLimit == 0 {
		b.pageLimit = DefaultPageLimit
	}
	b.prepared.txs = map[store.TxID]*PreparedTx{}
	for _, name := range opts.Users.VHosts() {
		b.AddVHost(name)
	}
	if b.store != nil {
		if err := b.recover(); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Store returns the broker's store (nil when nothing is durable).
func (b *Broker) Store() *store.Store { return b.store }

// Users returns the broker's user registry.
func (b *Broker) Users() *auth.Registry { return b.users }

// Logger returns the broker's logger.
func (b *Broker) Logger() *slog.Logger { return b.logger }

// AddVHost creates a vhost (with its predeclared exchanges) if it does not
// exist, and returns it.
func (b *Broker) AddVHost(name string) *VHost {
	b.mu.Lock()
	defer b.mu.Unlock()
	if v, ok := b.vhosts[name]; ok {
		return v
	}
	b.users.AddVHost(name)
	v := newVHost(b, name)
	b.vhosts[name] = v
	return v
}

// DeleteVHost removes a vhost and everything in it.
func (b *Broker) DeleteVHost(name string) bool {
	b.mu.Lock()
	v, ok := b.vhosts[name]
	delete(b.vhosts, name)
	b.mu.Unlock()
	if !ok {
		return false
	}
	b.users.DeleteVHost(name)
	for _, q := range v.Queues() {
		v.deleteQueueInternal(q)
	}
	// Its durable exchanges and bindings go from the store too, or a
	// restart would bring the vhost back through them.
	v.mu.Lock()
	for _, x := range v.exchanges {
		v.deleteExchangeLocked(x)
	}
	v.mu.Unlock()
	return true
}

// VHost returns a vhost by name.
func (b *Broker) VHost(name string) (*VHost, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	v, ok := b.vhosts[name]
	return v, ok
}

// VHosts returns every vhost sorted by name.
func (b *Broker) VHosts() []*VHost {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]*VHost, 0, len(b.vhosts))
	for _, v := range b.vhosts {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// Connect opens a client (one protocol connection) for an authenticated
// user on a vhost. A nil user is the broker itself, allowed everything.
func (b *Broker) Connect(user *auth.User, vhost string) (*Client, error) {
	v, ok := b.VHost(vhost)
	if !ok {
		return nil, errorf(KindNotAllowed, "vhost %s not found", vhost)
	}
	c := &Client{ID: b.nextClientID.Add(1), User: user, VHost: v}
	if user != nil {
		p, ok := b.users.Permission(user.Name, vhost)
		if !ok {
			return nil, errorf(KindNotAllowed, "access to vhost '%s' refused for user '%s'", vhost, user.Name)
		}
		c.perm = p
	}
	return c, nil
}

// generateName returns a server-generated queue name as RabbitMQ forms it.
func generateName(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}
