package broker

import (
	"sync"
	"sync/atomic"

	"github.com/junctionmq/junction/auth"
)

const (
	configureAccess = auth.Configure
	writeAccess     = auth.Write
	readAccess      = auth.Read
)

// Client is one protocol connection as the core sees it: who it is, which
// vhost it uses, and what it owns (exclusive queues). Every operation that a
// client's user might not be allowed to do takes the Client.
type Client struct {
	ID    uint64
	User  *auth.User
	VHost *VHost
	perm  *auth.Permission

	mu     sync.Mutex
	cache  map[permKey]bool
	closed bool
	// lastAllowed is the most recent access found allowed. A publisher
	// sends to one exchange over and over; this answers it without the
	// lock and the map's string hashing, which cost a publish of 16 bytes
	// about 7% of the broker's CPU.
	lastAllowed atomic.Pointer[permKey]
}

// permKey names kind and resource separately: joining them into one string
// allocated on every publish.
type permKey struct {
	access         auth.Access
	kind, resource string
}

// InternalClient returns a client for broker-internal operations with every
// permission, owning nothing.
func InternalClient(v *VHost) *Client { return &Client{VHost: v} }

// UserName returns the client's user name ("" for internal clients).
func (c *Client) UserName() string {
	if c == nil || c.User == nil {
		return ""
	}
	return c.User.Name
}

// check verifies the client's permission for an access to a resource.
// Results are cached: permissions are looked up once per resource and
// connection, as RabbitMQ's channels do.
func (c *Client) check(v *VHost, a auth.Access, resource string) error {
	return c.checkKind(v, a, "queue", resource)
}

func (c *Client) checkExchange(v *VHost, a auth.Access, name string) error {
	if name == "" {
		name = "amq.default"
	}
	return c.checkKind(v, a, "exchange", name)
}

func (c *Client) checkKind(v *VHost, a auth.Access, kind, resource string) error {
	if c == nil || c.User == nil {
		return nil
	}
	if last := c.lastAllowed.Load(); last != nil && last.access == a && last.kind == kind && last.resource == resource {
		return nil
	}
	k := permKey{a, kind, resource}
	c.mu.Lock()
	ok, hit := c.cache[k]
	c.mu.Unlock()
	if !hit {
		ok = c.perm != nil && c.perm.Allows(a, resource)
		c.mu.Lock()
		if c.cache == nil {
			c.cache = map[permKey]bool{}
		}
		if len(c.cache) > 1024 {
			clear(c.cache)
		}
		c.cache[k] = ok
		c.mu.Unlock()
	}
	if !ok {
		return errorf(KindAccessRefused, "access to %s '%s' in vhost '%s' refused for user '%s'", kind, resource, v.name, c.User.Name)
	}
	c.lastAllowed.Store(&k)
	return nil
}

// Close releases what the client owns: its exclusive queues are deleted.
func (c *Client) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	if c.VHost != nil {
		c.VHost.clientClosed(c)
	}
}

// CheckRead verifies the client may consume from or get from q: read
// permission and, for exclusive queues, ownership.
func (c *Client) CheckRead(q *Queue) error {
	if err := q.checkOwner(c); err != nil {
		return err
	}
	return c.check(q.vhost, readAccess, q.name)
}
