// Package console is Junction's web console: a single-page application
// over the management API, embedded in the binary so that it works offline
// and needs no files beside the executable.
//
// The page talks only to /api/ with HTTP basic auth (credentials kept in
// sessionStorage, as RabbitMQ's UI does), so this package serves static
// files and nothing else: it does no authentication of its own and holds
// no state.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var files embed.FS

// asset is one embedded file with the validator browsers revalidate with.
type asset struct {
	body []byte
	etag string
}

// Prefix is the path the console's scripts and stylesheet are served
// under; the page itself is served at "/" and refers to them relatively,
// so the console also works behind a proxy that mounts it elsewhere.
const Prefix = "/console/"

// Handler serves the console: GET "/" answers the page, "/console/<file>"
// its scripts and stylesheet (a flat directory), anything else 404. It is
// meant to be mounted beside the API on the same listener, without
// authentication (the login form is part of the page).
func Handler() http.Handler {
	assets := map[string]asset{}
	// The embedded tree is fixed at build time, so a walk error would be a
	// build defect; an unreadable file is simply not served.
	_ = fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(b)
		assets[strings.TrimPrefix(p, "static/")] = asset{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := ""
		switch p := r.URL.Path; {
		case p == "/":
			name = "index.html"
		case strings.HasPrefix(p, Prefix):
			name = strings.TrimPrefix(p, Prefix)
		}
		a, ok := assets[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		// no-cache with an ETag: a browser revalidates every asset, so an
		// upgraded broker never runs a stale mix of old and new modules.
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
		if ct := contentTypes[path.Ext(name)]; ct != "" {
			h.Set("Content-Type", ct)
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
	})
}

// contentTypes pins the types of the few extensions the console uses:
// module scripts must be served as JavaScript, whatever the host's MIME
// table says.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
}
