package mgmt

import (
	"net/http"
	"net/url"
	"strings"
)

// router matches requests segment by segment on the escaped path, so that
// an escaped slash stays inside its segment: the vhost "/" is written %2F
// and a queue may be named "a/b". net/http.ServeMux cleans the unescaped
// path first, which turns /api/queues/%2F/q into a redirect.
type router struct {
	routes []route
}

type route struct {
	method  string
	segs    []string // literal segments, or "{name}" wildcards
	handler http.Handler
}

// handle registers "METHOD /path/{wildcard}/...".
func (rt *router) handle(pattern string, h http.Handler) {
	method, path, _ := strings.Cut(pattern, " ")
	rt.routes = append(rt.routes, route{method: method, segs: strings.Split(strings.Trim(path, "/"), "/"), handler: h})
}

func splitEscaped(p string) ([]string, bool) {
	raw := strings.Split(strings.Trim(p, "/"), "/")
	out := make([]string, len(raw))
	for i, s := range raw {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, false
		}
		out[i] = u
	}
	return out, true
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	segs, ok := splitEscaped(r.URL.EscapedPath())
	if !ok {
		writeError(w, errBadRequest("malformed path escape"))
		return
	}
	var allowed []string
	for _, ro := range rt.routes {
		vals, ok := ro.match(segs)
		if !ok {
			continue
		}
		if ro.method != r.Method && !(ro.method == "GET" && r.Method == "HEAD") {
			allowed = append(allowed, ro.method)
			continue
		}
		for k, v := range vals {
			r.SetPathValue(k, v)
		}
		ro.handler.ServeHTTP(w, r)
		return
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, &apiError{http.StatusMethodNotAllowed, "method_not_allowed", "Method Not Allowed"})
		return
	}
	writeError(w, errNotFound())
}

func (ro *route) match(segs []string) (map[string]string, bool) {
	if len(segs) != len(ro.segs) {
		return nil, false
	}
	var vals map[string]string
	for i, s := range ro.segs {
		if strings.HasPrefix(s, "{") {
			if vals == nil {
				vals = map[string]string{}
			}
			vals[s[1:len(s)-1]] = segs[i]
			continue
		}
		if s != segs[i] {
			return nil, false
		}
	}
	return vals, true
}
