package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// bouncePath is answered by the load backend itself with a 302 to ?to=.
const bouncePath = "/bounce"

// loadBackend sits between Traefik and the demo app. It answers
// bouncePath?to=<URL> with a 302 whose Location is exactly <URL> (a
// backend redirecting anywhere), forwards every other request to the demo
// app, and checks every request it receives for a token parameter: none
// may ever reach the backend.
type loadBackend struct {
	URL      string
	requests atomic.Int64
	leaks    atomic.Int64

	mu        sync.Mutex
	firstLeak string
}

// startLoadBackend starts a load backend on loopback in front of the demo
// app at appURL; it stops at cleanup.
func startLoadBackend(t *testing.T, appURL string) *loadBackend {
	t.Helper()
	app, err := url.Parse(appURL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(app)
	proxy.Transport = &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true}
	b := &loadBackend{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.requests.Add(1)
		if carriesToken(r.URL.RawQuery) || carriesToken(requestQuery(r.RequestURI)) {
			b.leak(r.Method + " " + r.Host + r.RequestURI)
		}
		if r.URL.Path == bouncePath {
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

// leak records a request that reached the backend with a token.
func (b *loadBackend) leak(what string) {
	if b.leaks.Add(1) == 1 {
		b.mu.Lock()
		b.firstLeak = clip(what, 200)
		b.mu.Unlock()
	}
}

// firstLeaked describes the first request that reached the backend with a
// token, or is "".
func (b *loadBackend) firstLeaked() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.firstLeak
}

// requestQuery returns the query part of a request URI.
func requestQuery(requestURI string) string {
	_, q, _ := strings.Cut(requestURI, "?")
	return q
}

// carriesToken reports whether a raw query holds the token parameter,
// however it is spelled: a query that does not parse but mentions the
// name counts too.
func carriesToken(rawQuery string) bool {
	if rawQuery == "" {
		return false
	}
	q, err := url.ParseQuery(rawQuery)
	if _, ok := q[tokenParam]; ok {
		return true
	}
	return err != nil && strings.Contains(rawQuery, tokenParam)
}
