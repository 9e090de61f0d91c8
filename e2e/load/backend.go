package load

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// BouncePath is answered by the load backend itself with a 302 to ?to=.
const BouncePath = "/bounce"

// Backend sits between Traefik and the demo app. It answers
// BouncePath?to=<URL> with a 302 whose Location is exactly <URL> (a
// backend redirecting anywhere), forwards every other request to the demo
// app, and checks every request it receives for a token parameter: none
// may ever reach the backend.
type Backend struct {
	// URL is the backend's address, for a Traefik service.
	URL string

	requests atomic.Int64
	leaks    atomic.Int64

	mu        sync.Mutex
	firstLeak string
}

// StartBackend starts a load backend on loopback in front of the demo app
// at appURL; it stops at cleanup.
func StartBackend(t testing.TB, appURL string) *Backend {
	t.Helper()
	app, err := url.Parse(appURL)
	if err != nil {
		t.Fatalf("demo app URL %q: %v", appURL, err)
	}
	proxy := httputil.NewSingleHostReverseProxy(app)
	proxy.Transport = &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true}
	b := &Backend{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.requests.Add(1)
		if CarriesToken(r.URL.RawQuery) || CarriesToken(requestQuery(r.RequestURI)) {
			b.leak(r.Method + " " + r.Host + r.RequestURI)
		}
		if r.URL.Path == BouncePath {
			w.Header().Set("Location", r.URL.Query().Get("to"))
			w.WriteHeader(http.StatusFound)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	b.URL = srv.URL
	return b
}

// Requests returns how many requests reached the backend.
func (b *Backend) Requests() int64 {
	return b.requests.Load()
}

// Leaks returns how many requests reached the backend with a token.
func (b *Backend) Leaks() int64 {
	return b.leaks.Load()
}

// FirstLeak describes the first request that reached the backend with a
// token, or is "".
func (b *Backend) FirstLeak() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.firstLeak
}

// leak records a request that reached the backend with a token.
func (b *Backend) leak(what string) {
	if b.leaks.Add(1) == 1 {
		b.mu.Lock()
		b.firstLeak = clip(what, 200)
		b.mu.Unlock()
	}
}

// requestQuery returns the query part of a request URI.
func requestQuery(requestURI string) string {
	_, q, _ := strings.Cut(requestURI, "?")
	return q
}
