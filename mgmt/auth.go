package mgmt

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"

	"github.com/junctionmq/junction/auth"
	"github.com/junctionmq/junction/broker"
)

// access is what a route requires of the authenticated user.
type access uint8

const (
	// readAny: any user allowed into the management API. What it sees is
	// filtered by its vhosts unless it is administrator or monitoring.
	readAny access = iota
	// writeAny: a change not tied to one vhost's permissions (closing a
	// connection); monitoring-only users are refused.
	writeAny
	// writeVHost: a change in the {vhost} of the path, checked against
	// the user's permission patterns there by the broker.
	writeVHost
	// admin: users, vhosts, permissions and definitions.
	admin
)

// request is one authenticated API call.
type request struct {
	w    http.ResponseWriter
	r    *http.Request
	user *auth.User
	api  *API
}

type handlerFunc func(rq *request) error

// isAdmin reports whether the user may do everything.
func (rq *request) isAdmin() bool { return rq.user.HasTag(auth.TagAdministrator) }

// seesAll reports whether the user may read every vhost and connection
// (administrator and monitoring, as in RabbitMQ).
func (rq *request) seesAll() bool { return rq.isAdmin() || rq.user.HasTag(auth.TagMonitoring) }

// canSee reports whether the user may read objects of vhost.
func (rq *request) canSee(vhost string) bool {
	if rq.seesAll() {
		return true
	}
	_, ok := rq.api.b.Users().Permission(rq.user.Name, vhost)
	return ok
}

// mgmtUser reports whether a user may log into the API at all.
func mgmtUser(u *auth.User) bool {
	return u.HasTag(auth.TagAdministrator) || u.HasTag(auth.TagMonitoring) ||
		u.HasTag(auth.TagManagement) || u.HasTag("policymaker")
}

// authenticate checks HTTP basic credentials against the broker's users.
func (a *API) authenticate(r *http.Request) (*auth.User, *apiError) {
	name, pass, ok := r.BasicAuth()
	if !ok {
		return nil, errUnauthorized("Not_Authorized")
	}
	u, err := a.b.Users().Authenticate(name, pass, remoteAddr(r))
	if err != nil {
		a.log.Debug("management login refused", "user", name, "err", err)
		return nil, errUnauthorized("Login failed")
	}
	if !mgmtUser(u) {
		return nil, errUnauthorized("Not management user")
	}
	return u, nil
}

func remoteAddr(r *http.Request) net.Addr {
	a, err := net.ResolveTCPAddr("tcp", r.RemoteAddr)
	if err != nil {
		return nil
	}
	return a
}

// wrap authenticates, authorises and runs a handler, turning its error
// into RabbitMQ's error JSON.
func (a *API) wrap(need access, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, aerr := a.authenticate(r)
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		rq := &request{w: w, r: r, user: u, api: a}
		if aerr := rq.authorize(need); aerr != nil {
			writeError(w, aerr)
			return
		}
		if err := fn(rq); err != nil {
			writeError(w, toAPIError(err))
		}
	})
}

// authorize applies a route's access rule. Like RabbitMQ, refusals are
// 401 not_authorised, which is what its clients expect.
func (rq *request) authorize(need access) *apiError {
	monitoringOnly := !rq.isAdmin() && rq.user.HasTag(auth.TagMonitoring) &&
		!rq.user.HasTag(auth.TagManagement) && !rq.user.HasTag("policymaker")
	switch need {
	case admin:
		if !rq.isAdmin() {
			return errUnauthorized("Not administrator user")
		}
	case writeAny:
		if monitoringOnly {
			return errUnauthorized("Monitoring users are read-only")
		}
	case writeVHost:
		if monitoringOnly {
			return errUnauthorized("Monitoring users are read-only")
		}
		if v := rq.r.PathValue("vhost"); !rq.isAdmin() && !rq.canSee(v) {
			return errUnauthorized("User not authorised to access virtual host")
		}
	}
	if v := rq.r.PathValue("vhost"); v != "" && !rq.canSee(v) {
		return errUnauthorized("User not authorised to access virtual host")
	}
	return nil
}

// client returns the broker client API operations in vhost run as. An
// administrator acts with every permission, as the broker itself; anyone
// else is held to its permission patterns there.
func (rq *request) client(vhost string) (*broker.Client, *broker.VHost, error) {
	v, ok := rq.api.b.VHost(vhost)
	if !ok {
		return nil, nil, errNotFound()
	}
	if rq.isAdmin() {
		return broker.InternalClient(v), v, nil
	}
	c, err := rq.api.b.Connect(rq.user, vhost)
	if err != nil {
		return nil, nil, errUnauthorized("User not authorised to access virtual host")
	}
	return c, v, nil
}

// decodeBody reads a JSON request body into v; an empty body leaves v
// as it is.
func (rq *request) decodeBody(v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(rq.w, rq.r.Body, maxBody))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, errEOF) {
			return nil
		}
		return errBadRequest("invalid JSON body: " + err.Error())
	}
	return nil
}

// maxBody bounds request bodies (definitions imports are the largest).
const maxBody = 64 << 20
