package console

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestRootServesThePageWithItsSecurityHeaders(t *testing.T) {
	w := get(t, Handler(), "GET", "/")
	if w.Code != http.StatusOK {
		t.Fatalf("GET /: status %d, want 200", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q, want text/html; charset=utf-8", ct)
	}
	if !strings.Contains(w.Body.String(), `<script type="module" src="console/app.js"></script>`) {
		t.Errorf("page does not load console/app.js as a module:\n%s", w.Body.String())
	}
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Cache-Control":          "no-cache",
	} {
		if got := w.Header().Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	// Scripts, styles and API calls come from the broker itself only.
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy %q, want default-src 'self' without unsafe-inline", csp)
	}
}

func TestAssetsAreServedWithTheirTypesAndEmbeddedBytes(t *testing.T) {
	h := Handler()
	for name, ct := range map[string]string{
		"app.js":    "text/javascript; charset=utf-8",
		"chart.js":  "text/javascript; charset=utf-8",
		"style.css": "text/css; charset=utf-8",
		"logo.svg":  "image/svg+xml",
	} {
		w := get(t, h, "GET", Prefix+name)
		if w.Code != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", Prefix+name, w.Code)
			continue
		}
		if got := w.Header().Get("Content-Type"); got != ct {
			t.Errorf("GET %s: Content-Type %q, want %q", Prefix+name, got, ct)
		}
		want, err := files.ReadFile("static/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if w.Body.String() != string(want) {
			t.Errorf("GET %s: body differs from the embedded file (%d bytes, want %d)", Prefix+name, w.Body.Len(), len(want))
		}
	}
}

func TestRevalidationWithTheETagAnswersNotModified(t *testing.T) {
	h := Handler()
	first := get(t, h, "GET", Prefix+"app.js")
	etag := first.Header().Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{16}"$`).MatchString(etag) {
		t.Fatalf("ETag %q, want a quoted 16-digit hex digest", etag)
	}
	again := get(t, h, "GET", Prefix+"app.js", "If-None-Match", etag)
	if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Errorf("revalidation: status %d with %d bytes, want 304 and no body", again.Code, again.Body.Len())
	}
	other := get(t, h, "GET", Prefix+"style.css")
	if other.Header().Get("ETag") == etag {
		t.Errorf("app.js and style.css share ETag %s", etag)
	}
}

func TestHeadAnswersHeadersWithoutBody(t *testing.T) {
	w := get(t, Handler(), "HEAD", "/")
	if w.Code != http.StatusOK || w.Body.Len() != 0 || w.Header().Get("Content-Type") == "" {
		t.Errorf("HEAD /: status %d, %d body bytes, Content-Type %q; want 200, none, set", w.Code, w.Body.Len(), w.Header().Get("Content-Type"))
	}
}

func TestOnlyEmbeddedFilesAreServed(t *testing.T) {
	h := Handler()
	for _, p := range []string{
		"/index.html",      // the page lives at / only
		Prefix,             // no directory listing
		Prefix + "nope.js", // not embedded
		Prefix + "../console.go",
		Prefix + "static/app.js",
		"/api/overview", // the API is someone else's
		"/app.js",
	} {
		if w := get(t, h, "GET", p); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, w.Code)
		}
	}
}

func TestWritesAreRefused(t *testing.T) {
	for _, m := range []string{"POST", "PUT", "DELETE"} {
		w := get(t, Handler(), m, "/")
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s /: status %d Allow %q, want 405 with Allow: GET, HEAD", m, w.Code, w.Header().Get("Allow"))
		}
	}
}

// The console has no build step, so a misspelt module path would only
// show in a browser; check every relative import and every page reference
// names an embedded file.
func TestEveryModuleImportAndPageReferenceIsEmbedded(t *testing.T) {
	embedded := map[string]bool{}
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			embedded[strings.TrimPrefix(p, "static/")] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	imports := regexp.MustCompile(`(?m)^import\s[^'"]*['"]\./([^'"]+)['"]`)
	refs := regexp.MustCompile(`(?:src|href)="console/([^"]+)"`)
	checked := 0
	for name := range embedded {
		b, _ := files.ReadFile("static/" + name)
		var re *regexp.Regexp
		switch {
		case strings.HasSuffix(name, ".js"):
			re = imports
		case strings.HasSuffix(name, ".html"):
			re = refs
		default:
			continue
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			checked++
			if !embedded[m[1]] {
				t.Errorf("%s refers to %q, which is not embedded", name, m[1])
			}
		}
	}
	// app.js alone imports a dozen modules; far fewer means the patterns
	// stopped matching and the test checks nothing.
	if checked < 20 {
		t.Errorf("found only %d references to check", checked)
	}
}
