// Package auth holds Junction's users, their password hashes, and their
// per-vhost permissions. Every protocol authenticates against the same
// Registry, so a user defined once can connect over AMQP, OpenWire and STOMP.
//
// Password hashes use RabbitMQ's rabbit_password_hashing_sha256 format
// (base64 of a 4-byte salt followed by SHA-256(salt ‖ password)) so that
// definitions exported from RabbitMQ import unchanged.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"regexp"
	"sort"
	"sync"
)

// ErrAccessRefused is returned for any authentication failure. The reason is
// deliberately not distinguished to the client (unknown user and wrong
// password look the same), but the wrapped text is logged.
var ErrAccessRefused = errors.New("access refused")

// Tag names a user's role, as RabbitMQ's user tags do.
const (
	TagAdministrator = "administrator"
	TagMonitoring    = "monitoring"
	TagManagement    = "management"
)

// User is an immutable snapshot of a user account.
type User struct {
	Name         string
	PasswordHash string // RabbitMQ sha256 format; "" means no password login
	Tags         []string
	// LoopbackOnly restricts logins to loopback addresses, as RabbitMQ does
	// for the default guest account.
	LoopbackOnly bool
}

// HasTag reports whether u carries tag.
func (u *User) HasTag(tag string) bool {
	for _, t := range u.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// Permission is a user's access to one vhost: regular expressions over
// resource names for configure (declare/delete), write (publish, bind to a
// queue) and read (consume, get, bind from an exchange), RabbitMQ-style.
type Permission struct {
	User      string
	VHost     string
	Configure string
	Write     string
	Read      string

	configure, write, read *regexp.Regexp
}

// Access is the kind of access being checked.
type Access uint8

const (
	Configure Access = iota
	Write
	Read
)

func (a Access) String() string {
	switch a {
	case Configure:
		return "configure"
	case Write:
		return "write"
	}
	return "read"
}

// Allows reports whether the permission grants access to a resource name.
// An empty pattern grants nothing, as in RabbitMQ.
func (p *Permission) Allows(a Access, resource string) bool {
	var re *regexp.Regexp
	switch a {
	case Configure:
		re = p.configure
	case Write:
		re = p.write
	default:
		re = p.read
	}
	return re != nil && re.MatchString(resource)
}

func compilePattern(s string) (*regexp.Regexp, error) {
	if s == "" {
		return nil, nil
	}
	// RabbitMQ patterns are unanchored Erlang regexes; "^$" etc. are written
	// explicitly by users, so compile as given.
	return regexp.Compile(s)
}

// Registry holds users, vhost names and permissions. It is safe for
// concurrent use.
type Registry struct {
	mu     sync.RWMutex
	users  map[string]*User
	vhosts map[string]bool
	perms  map[[2]string]*Permission // {user, vhost}
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{
		users:  map[string]*User{},
		vhosts: map[string]bool{},
		perms:  map[[2]string]*Permission{},
	}
}

// NewDefaultRegistry returns the registry a fresh broker starts with: vhost
// "/" and the user guest/guest, administrator, loopback only, with full
// permissions on "/" — what RabbitMQ ships.
func NewDefaultRegistry() *Registry {
	r := NewRegistry()
	r.AddVHost("/")
	_ = r.PutUser(User{Name: "guest", PasswordHash: HashPassword("guest"), Tags: []string{TagAdministrator}, LoopbackOnly: true})
	_ = r.SetPermission(Permission{User: "guest", VHost: "/", Configure: ".*", Write: ".*", Read: ".*"})
	return r
}

// PutUser adds or replaces a user.
func (r *Registry) PutUser(u User) error {
	if u.Name == "" {
		return errors.New("user name is empty")
	}
	if u.PasswordHash != "" {
		if _, err := decodeHash(u.PasswordHash); err != nil {
			return fmt.Errorf("user %q: %w", u.Name, err)
		}
	}
	u.Tags = append([]string(nil), u.Tags...)
	r.mu.Lock()
	r.users[u.Name] = &u
	r.mu.Unlock()
	return nil
}

// DeleteUser removes a user and its permissions.
func (r *Registry) DeleteUser(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.users[name]; !ok {
		return false
	}
	delete(r.users, name)
	for k := range r.perms {
		if k[0] == name {
			delete(r.perms, k)
		}
	}
	return true
}

// User returns a user by name.
func (r *Registry) User(name string) (*User, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	u, ok := r.users[name]
	return u, ok
}

// Users returns all users sorted by name.
func (r *Registry) Users() []*User {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*User, 0, len(r.users))
	for _, u := range r.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// AddVHost registers a vhost name.
func (r *Registry) AddVHost(name string) {
	r.mu.Lock()
	r.vhosts[name] = true
	r.mu.Unlock()
}

// DeleteVHost forgets a vhost and every permission on it.
func (r *Registry) DeleteVHost(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.vhosts, name)
	for k := range r.perms {
		if k[1] == name {
			delete(r.perms, k)
		}
	}
}

// VHostExists reports whether a vhost is registered.
func (r *Registry) VHostExists(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.vhosts[name]
}

// VHosts returns the registered vhost names, sorted.
func (r *Registry) VHosts() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.vhosts))
	for v := range r.vhosts {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// SetPermission grants a user access to a vhost, replacing earlier grants.
func (r *Registry) SetPermission(p Permission) error {
	var err error
	if p.configure, err = compilePattern(p.Configure); err != nil {
		return fmt.Errorf("permission %s@%s configure: %w", p.User, p.VHost, err)
	}
	if p.write, err = compilePattern(p.Write); err != nil {
		return fmt.Errorf("permission %s@%s write: %w", p.User, p.VHost, err)
	}
	if p.read, err = compilePattern(p.Read); err != nil {
		return fmt.Errorf("permission %s@%s read: %w", p.User, p.VHost, err)
	}
	r.mu.Lock()
	r.perms[[2]string{p.User, p.VHost}] = &p
	r.mu.Unlock()
	return nil
}

// ClearPermission removes a user's access to a vhost.
func (r *Registry) ClearPermission(user, vhost string) {
	r.mu.Lock()
	delete(r.perms, [2]string{user, vhost})
	r.mu.Unlock()
}

// Permission returns a user's permission on a vhost.
func (r *Registry) Permission(user, vhost string) (*Permission, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.perms[[2]string{user, vhost}]
	return p, ok
}

// Permissions returns every permission, sorted by vhost then user.
func (r *Registry) Permissions() []*Permission {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Permission, 0, len(r.perms))
	for _, p := range r.perms {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].VHost != out[j].VHost {
			return out[i].VHost < out[j].VHost
		}
		return out[i].User < out[j].User
	})
	return out
}

// Authenticate checks a user name and password from a client at addr.
func (r *Registry) Authenticate(name, password string, addr net.Addr) (*User, error) {
	u, ok := r.User(name)
	if !ok {
		return nil, fmt.Errorf("%w: user %q unknown", ErrAccessRefused, name)
	}
	if u.LoopbackOnly && !IsLoopback(addr) {
		return nil, fmt.Errorf("%w: user %q can only connect via localhost", ErrAccessRefused, name)
	}
	if !CheckPassword(u.PasswordHash, password) {
		return nil, fmt.Errorf("%w: invalid credentials for user %q", ErrAccessRefused, name)
	}
	return u, nil
}

// IsLoopback reports whether addr is a loopback address (or a non-IP
// address such as an in-memory pipe, which cannot come from outside).
func IsLoopback(addr net.Addr) bool {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case nil:
		return true
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.Network() == "pipe" || addr.Network() == "unix"
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// HashPassword returns a RabbitMQ-compatible salted SHA-256 hash.
func HashPassword(password string) string {
	var salt [4]byte
	if _, err := rand.Read(salt[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return hashWithSalt(salt[:], password)
}

func hashWithSalt(salt []byte, password string) string {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(password))
	return base64.StdEncoding.EncodeToString(append(append([]byte(nil), salt...), h.Sum(nil)...))
}

func decodeHash(hash string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(hash)
	if err != nil {
		return nil, fmt.Errorf("password hash is not base64: %w", err)
	}
	if len(b) != 4+sha256.Size {
		return nil, fmt.Errorf("password hash has %d bytes, want %d (4-byte salt + SHA-256)", len(b), 4+sha256.Size)
	}
	return b, nil
}

// CheckPassword reports whether password matches hash, in constant time.
func CheckPassword(hash, password string) bool {
	b, err := decodeHash(hash)
	if err != nil {
		return false
	}
	want := hashWithSalt(b[:4], password)
	return subtle.ConstantTimeCompare([]byte(want), []byte(hash)) == 1
}
