package mgmt

import (
	"encoding/json"
	"strings"

	"github.com/junctionmq/junction/auth"
)

// hashingAlgorithm names auth's password hash format as RabbitMQ does.
const hashingAlgorithm = "rabbit_password_hashing_sha256"

// userJSON is a user as GET /api/users returns it.
type userJSON struct {
	Name             string         `json:"name"`
	PasswordHash     string         `json:"password_hash"`
	HashingAlgorithm string         `json:"hashing_algorithm"`
	Tags             []string       `json:"tags"`
	Limits           map[string]any `json:"limits"`
}

func userToJSON(u *auth.User) userJSON {
	tags := u.Tags
	if tags == nil {
		tags = []string{}
	}
	return userJSON{Name: u.Name, PasswordHash: u.PasswordHash, HashingAlgorithm: hashingAlgorithm, Tags: tags, Limits: map[string]any{}}
}

func (a *API) listUsers(rq *request) error {
	out := []userJSON{}
	for _, u := range a.b.Users().Users() {
		out = append(out, userToJSON(u))
	}
	return rq.ok(out)
}

func (a *API) getUser(rq *request) error {
	u, ok := a.b.Users().User(rq.r.PathValue("name"))
	if !ok {
		return errNotFound()
	}
	return rq.ok(userToJSON(u))
}

// parseTags accepts RabbitMQ's two spellings of tags: a comma-separated
// string (the API's) or a list (definitions files since 3.9).
func parseTags(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, errBadRequest("tags must be a string or a list of strings")
	}
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out, nil
}

// userBody is the body of PUT /api/users/{name} and a definitions user.
type userBody struct {
	Name             string          `json:"name"`
	Password         *string         `json:"password"`
	PasswordHash     *string         `json:"password_hash"`
	HashingAlgorithm string          `json:"hashing_algorithm"`
	Tags             json.RawMessage `json:"tags"`
}

// toUser builds the user a PUT or an import describes; an existing user
// keeps its password when none is given, and its loopback restriction.
func (b userBody) toUser(existing *auth.User) (auth.User, error) {
	tags, err := parseTags(b.Tags)
	if err != nil {
		return auth.User{}, err
	}
	u := auth.User{Name: b.Name, Tags: tags}
	if existing != nil {
		u.PasswordHash, u.LoopbackOnly = existing.PasswordHash, existing.LoopbackOnly
	}
	switch {
	case b.Password != nil && b.PasswordHash != nil:
		return u, errBadRequest("give password or password_hash, not both")
	case b.Password != nil:
		u.PasswordHash = auth.HashPassword(*b.Password)
	case b.PasswordHash != nil:
		if b.HashingAlgorithm != "" && b.HashingAlgorithm != hashingAlgorithm {
			return u, errBadRequest("unsupported hashing_algorithm " + b.HashingAlgorithm + ": Junction stores " + hashingAlgorithm)
		}
		u.PasswordHash = *b.PasswordHash
	case existing == nil:
		return u, errBadRequest("[{key_missing,password_or_password_hash}]")
	}
	return u, nil
}

func (a *API) putUser(rq *request) error {
	var body userBody
	if err := rq.decodeBody(&body); err != nil {
		return err
	}
	body.Name = rq.r.PathValue("name")
	a.accessMu.Lock()
	defer a.accessMu.Unlock()
	existing, existed := a.b.Users().User(body.Name)
	if !existed {
		existing = nil
	}
	u, err := body.toUser(existing)
	if err != nil {
		return err
	}
	if err := a.b.Users().PutUser(u); err != nil {
		return errBadRequest(err.Error())
	}
	if err := a.saveAccess(); err != nil {
		return err
	}
	return rq.created(!existed)
}

func (a *API) deleteUser(rq *request) error {
	a.accessMu.Lock()
	defer a.accessMu.Unlock()
	if !a.b.Users().DeleteUser(rq.r.PathValue("name")) {
		return errNotFound()
	}
	if err := a.saveAccess(); err != nil {
		return err
	}
	return rq.noContent()
}

// permissionJSON is a permission as GET /api/permissions returns it.
type permissionJSON struct {
	User      string `json:"user"`
	VHost     string `json:"vhost"`
	Configure string `json:"configure"`
	Write     string `json:"write"`
	Read      string `json:"read"`
}

func permissionToJSON(p *auth.Permission) permissionJSON {
	return permissionJSON{User: p.User, VHost: p.VHost, Configure: p.Configure, Write: p.Write, Read: p.Read}
}

func (a *API) permissionsWhere(keep func(p *auth.Permission) bool) []permissionJSON {
	out := []permissionJSON{}
	for _, p := range a.b.Users().Permissions() {
		if keep(p) {
			out = append(out, permissionToJSON(p))
		}
	}
	return out
}

func (a *API) listPermissions(rq *request) error {
	return rq.ok(a.permissionsWhere(func(*auth.Permission) bool { return true }))
}

func (a *API) userPermissions(rq *request) error {
	name := rq.r.PathValue("name")
	if _, ok := a.b.Users().User(name); !ok {
		return errNotFound()
	}
	return rq.ok(a.permissionsWhere(func(p *auth.Permission) bool { return p.User == name }))
}

func (a *API) vhostPermissions(rq *request) error {
	vhost := rq.r.PathValue("vhost")
	if _, ok := a.b.VHost(vhost); !ok {
		return errNotFound()
	}
	return rq.ok(a.permissionsWhere(func(p *auth.Permission) bool { return p.VHost == vhost }))
}

func (a *API) getPermission(rq *request) error {
	p, ok := a.b.Users().Permission(rq.r.PathValue("user"), rq.r.PathValue("vhost"))
	if !ok {
		return errNotFound()
	}
	return rq.ok(permissionToJSON(p))
}

func (a *API) putPermission(rq *request) error {
	var body permissionJSON
	if err := rq.decodeBody(&body); err != nil {
		return err
	}
	body.User, body.VHost = rq.r.PathValue("user"), rq.r.PathValue("vhost")
	a.accessMu.Lock()
	defer a.accessMu.Unlock()
	if _, ok := a.b.Users().User(body.User); !ok {
		return errBadRequest("no_such_user")
	}
	if _, ok := a.b.VHost(body.VHost); !ok {
		return errBadRequest("vhost_not_found")
	}
	_, existed := a.b.Users().Permission(body.User, body.VHost)
	if err := a.b.Users().SetPermission(auth.Permission{User: body.User, VHost: body.VHost, Configure: body.Configure, Write: body.Write, Read: body.Read}); err != nil {
		return errBadRequest(err.Error())
	}
	if err := a.saveAccess(); err != nil {
		return err
	}
	return rq.created(!existed)
}

func (a *API) deletePermission(rq *request) error {
	user, vhost := rq.r.PathValue("user"), rq.r.PathValue("vhost")
	a.accessMu.Lock()
	defer a.accessMu.Unlock()
	if _, ok := a.b.Users().Permission(user, vhost); !ok {
		return errNotFound()
	}
	a.b.Users().ClearPermission(user, vhost)
	if err := a.saveAccess(); err != nil {
		return err
	}
	return rq.noContent()
}
