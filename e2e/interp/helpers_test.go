package interp

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testSecret   = "0123456789abcdef0123456789abcdef-interp"
	otherSecret  = "fedcba9876543210fedcba9876543210-other"
	shopHost     = "shop.test"
	checkoutHost = "checkout.test"
	clientAddr   = "127.0.0.2:40000"
	otherAddr    = "127.0.0.3:40000"
	cookieName   = "_session_id"
	tokenParam   = "_hs_"
)

// sensitive collects every token and session value the tests use; TestMain
// fails the run if any of them shows up in the plugin's log.
var sensitive struct {
	sync.Mutex
	values []string
}

func markSensitive(values ...string) {
	sensitive.Lock()
	defer sensitive.Unlock()
	sensitive.values = append(sensitive.values, values...)
}

// leaks returns the sensitive values found in the plugin's output.
func leaks(p *Plugin) []string {
	sensitive.Lock()
	defer sensitive.Unlock()
	logs := p.Stdout.String() + p.Stderr.String()
	var found []string
	for _, v := range sensitive.values {
		if v != "" && strings.Contains(logs, v) {
			found = append(found, v)
		}
	}
	return found
}

// seen is what the backend saw of one request.
type seen struct {
	rawQuery   string
	requestURI string
	cookies    []string
	rw         http.ResponseWriter
}

// backend is the compiled service behind the middleware: it records the
// requests it gets and answers with respond (or 200 "backend").
type backend struct {
	mu      sync.Mutex
	seen    []seen
	respond func(rw http.ResponseWriter, r *http.Request)
}

func (b *backend) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.seen = append(b.seen, seen{
		rawQuery:   r.URL.RawQuery,
		requestURI: r.RequestURI,
		cookies:    append([]string(nil), r.Header.Values("Cookie")...),
		rw:         rw,
	})
	b.mu.Unlock()
	if b.respond != nil {
		b.respond(rw, r)
		return
	}
	_, _ = rw.Write([]byte("backend"))
}

func (b *backend) calls() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.seen)
}

func (b *backend) last(t *testing.T) seen {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	require.NotEmpty(t, b.seen, "backend not called")
	return b.seen[len(b.seen)-1]
}

// redirectTo answers 302 to location, with the given Set-Cookie lines first.
func redirectTo(location string, setCookies ...string) func(http.ResponseWriter, *http.Request) {
	return func(rw http.ResponseWriter, _ *http.Request) {
		for _, c := range setCookies {
			rw.Header().Add("Set-Cookie", c)
		}
		rw.Header().Set("Location", location)
		rw.WriteHeader(http.StatusFound)
	}
}

// settings is a raw plugin configuration, as a provider hands it to Traefik.
type settings map[string]any

// with returns a copy of s with the given key/value pairs set.
func (s settings) with(kv ...any) settings {
	out := settings{}
	for k, v := range s {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// source is a configuration that hands sessions from shop.test to
// checkout.test, over plain HTTP as these tests run. Sign out everywhere
// is off here, so that each test sees only the cookies of its own
// concern; signout_test.go turns it on.
var source = settings{"secret": testSecret, "targetDomains": []any{checkoutHost, "*.example.net"}, "allowInsecureTargets": true, "signOutEverywhere": false}

// receiver is a configuration that only receives sessions. Every test
// here redeems from the same client address in one process-wide replay
// cache, so the per-client share is off (TestReplayPerClient tests it).
var receiver = settings{"secret": testSecret, "replayPerClient": "0", "signOutEverywhere": false}

// build makes one interpreted middleware instance in front of next.
func build(t testing.TB, cfg settings, next http.Handler) http.Handler {
	t.Helper()
	h, err := sessionInjector(t).Build(context.Background(), cfg, "si-"+t.Name(), next)
	require.NoError(t, err)
	return h
}

// request builds a request to host for target, from remote, with optional Cookie header.
func request(method, host, target, remote, cookie string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.Host = host
	r.RemoteAddr = remote
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	return r
}

// navigation is a browser's top-level GET.
func navigation(host, target, remote, cookie string) *http.Request {
	r := request(http.MethodGet, host, target, remote, cookie)
	r.Header.Set("Sec-Fetch-Mode", "navigate")
	r.Header.Set("Accept", "text/html")
	return r
}

// serve runs r through h and turns a panic of the interpreted code into a test failure.
func serve(t testing.TB, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Fatalf("%s %s panicked: %v", r.Method, r.URL, v)
			}
		}()
		h.ServeHTTP(rec, r)
	}()
	return rec
}

// serveFromGoroutine serves r on a goroutine other than the test's and
// returns the status; a panic fails the test without FailNow.
func serveFromGoroutine(t testing.TB, h http.Handler, r *http.Request) (code int) {
	defer func() {
		if v := recover(); v != nil {
			t.Errorf("%s %s panicked: %v", r.Method, r.URL, v)
			code = 0
		}
	}()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code
}

// tokenIn returns the token parameter of a URL, or "".
func tokenIn(t testing.TB, location string) string {
	t.Helper()
	u, err := url.Parse(location)
	require.NoError(t, err)
	return u.Query().Get(tokenParam)
}

// issue has an interpreted source instance (cfg) seal a token for
// checkout.test: a navigation on shop.test from remote with the session
// cookie is redirected there by the backend.
func issue(t testing.TB, cfg settings, remote, session string) string {
	t.Helper()
	markSensitive(session)
	b := &backend{respond: redirectTo("http://" + checkoutHost + "/welcome")}
	rec := serve(t, build(t, cfg, b), navigation(shopHost, "/login", remote, cookieName+"="+session))
	require.Equal(t, http.StatusFound, rec.Code)
	token := tokenIn(t, rec.Header().Get("Location"))
	require.NotEmpty(t, token, "no token in %q", rec.Header().Get("Location"))
	markSensitive(token)
	return token
}

// arrival is the navigation that lands on checkout.test with a token.
func arrival(token, remote, cookie string) *http.Request {
	return navigation(checkoutHost, "/welcome?a=1&"+tokenParam+"="+token, remote, cookie)
}

// sessionCookie is the Set-Cookie line the default configuration writes over HTTP.
func sessionCookie(session string) string {
	return fmt.Sprintf("%s=%s; Path=/; HttpOnly; SameSite=Lax", cookieName, session)
}

// dying is cfg with dieOnHandshakeFailure on: a refused token is answered
// 403 (a page for a navigation, plain text otherwise) instead of leading on.
func dying(cfg settings) settings {
	return cfg.with("dieOnHandshakeFailure", true)
}

// assertRefusalPage checks the answer dieOnHandshakeFailure gives a
// navigation whose token is refused: a self-contained HTML 403 that names
// the reason and links to next, the URL without the token.
func assertRefusalPage(t testing.TB, rec *httptest.ResponseRecorder, reason, next string) {
	t.Helper()
	assert.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	assert.True(t, strings.HasPrefix(rec.Header().Get("Content-Security-Policy"), "default-src 'none'"), rec.Header().Get("Content-Security-Policy"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
	assert.Empty(t, rec.Header().Values("Set-Cookie"), "no session on a refusal")
	body := rec.Body.String()
	assert.Contains(t, body, "session handoff refused: "+reason)
	if next != "" {
		assert.Contains(t, body, `href="`+html.EscapeString(next)+`"`, "a link to the URL without the token")
	}
	assert.NotContains(t, body, tokenParam+"=", "the page never shows the token")
}

// assertPlainRefusal checks the answer dieOnHandshakeFailure gives a
// request that is no navigation: the plain-text 403 with the reason.
func assertPlainRefusal(t testing.TB, rec *httptest.ResponseRecorder, reason string) {
	t.Helper()
	assert.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Equal(t, "session handoff refused: "+reason+"\n", rec.Body.String())
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	assert.Empty(t, rec.Header().Values("Set-Cookie"), "no session on a refusal")
}

// assertRefusalRedirect checks the default answer to a GET or HEAD
// navigation whose token is refused: a 303 to location, the URL without
// the token, with no session and kept out of caches and referrers.
func assertRefusalRedirect(t testing.TB, rec *httptest.ResponseRecorder, location string) {
	t.Helper()
	assert.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	assert.Equal(t, location, rec.Header().Get("Location"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
	assert.Empty(t, rec.Header().Values("Set-Cookie"), "no session on a refusal")
}

// cookieValues reads Cookie header lines into name -> value, failing on a
// name seen twice.
func cookieValues(lines []string) map[string]string {
	out := map[string]string{}
	for _, line := range lines {
		for _, pair := range strings.Split(line, ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(pair), "=")
			if _, dup := out[name]; dup {
				out[name] = "<twice>"
				continue
			}
			out[name] = value
		}
	}
	return out
}
