package sessioninjector

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	testSecret  = "0123456789abcdef0123456789abcdef-test"
	testSecret2 = "fedcba9876543210fedcba9876543210-next"
	shopHost    = "shop.example.com"
	checkout    = "checkout.example.org"
)

// testClock is a settable clock for lifetime tests.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

// recorder is a backend that records what it saw and answers as told.
type recorder struct {
	calls   int
	req     *http.Request
	rw      http.ResponseWriter
	respond func(rw http.ResponseWriter, r *http.Request)
}

func (b *recorder) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	b.calls++
	b.req = r
	b.rw = rw
	if b.respond != nil {
		b.respond(rw, r)
		return
	}
	_, _ = rw.Write([]byte("backend"))
}

func redirectTo(location string, setCookies ...string) func(http.ResponseWriter, *http.Request) {
	return func(rw http.ResponseWriter, _ *http.Request) {
		for _, c := range setCookies {
			rw.Header().Add("Set-Cookie", c)
		}
		rw.Header().Set("Location", location)
		rw.WriteHeader(http.StatusFound)
	}
}

// newTestHandler builds a handler from the defaults changed by edit, with
// a test clock. Sign out everywhere is off unless edit turns it on: its
// record cookie would be one more Set-Cookie in every hand-off test
// (signout_test.go tests it, with the hand-off).
func newTestHandler(t *testing.T, next http.Handler, edit func(*Config)) (*handler, *testClock) {
	t.Helper()
	cfg := CreateConfig()
	cfg.Secret = testSecret
	cfg.SignOutEverywhere = false
	if edit != nil {
		edit(cfg)
	}
	h, err := newHandler(next, cfg, "test")
	require.NoError(t, err)
	clock := &testClock{t: time.Unix(1_800_000_000, 0)}
	h.now = clock.now
	h.debugf = func(format string, args ...interface{}) { t.Logf(format, args...) }
	h.replay = newReplayCache()
	return h, clock
}

// cookieSpecFor builds the cookie spec of a one-cookie session, as New does.
func cookieSpecFor(name string, c CookieConfig) (*cookieSpec, error) {
	names, err := cookieNameList("", []string{name})
	if err != nil {
		return nil, err
	}
	return newCookieSpec(names, c)
}

// oneCookie returns the one-cookie session of value, as a request carries it.
func oneCookie(value string) []sessionCookie {
	return []sessionCookie{{name: defaultCookieName, value: value, age: ageUnknown}}
}

// sealed seals cl, failing the test when it is too large.
func sealed(t testing.TB, c *codec, cl *claims) string {
	t.Helper()
	token, plain := seal(c, cl)
	require.NotEmpty(t, token, "claims of %d bytes do not fit a token", plain)
	return token
}

// dies makes a receiver answer refusals with 403 (dieOnHandshakeFailure).
func dies(c *Config) { c.DieOnHandshakeFailure = true }

func sourceConfig(c *Config) { c.TargetDomains = []string{checkout, "*.example.net"} }

// request builds a browser-like request to host and target with a client address and optional session cookie.
func request(method, host, target, remote, session string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.Host = host
	r.RemoteAddr = remote
	r.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	if session != "" {
		r.Header.Set("Cookie", "_session_id="+session)
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// issueToken has a source handler seal a token for checkout, as a redirect would.
func issueToken(t *testing.T, src *handler, remote, session string) string {
	t.Helper()
	r := request(http.MethodGet, shopHost, "/", remote, session)
	token, ok := issue(src, r, checkout, oneCookie(session))
	require.True(t, ok)
	return token
}

func tokenFrom(t *testing.T, location, param string) string {
	t.Helper()
	_, q, ok := strings.Cut(location, "?")
	require.True(t, ok, "no query in %q", location)
	q, _, _ = strings.Cut(q, "#")
	for _, p := range strings.Split(q, "&") {
		if v, ok := strings.CutPrefix(p, param+"="); ok {
			return v
		}
	}
	t.Fatalf("no %s in %q", param, location)
	return ""
}

// Methods used only by tests.

// size returns how many redeemed ids are held.
func (c *replayCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.records)
}

// match reports whether host, already normalized, is an allowed target: the
// rule of url written as sets and loops. The request path uses url; the
// fuzz test holds the two to agreement.
func (m *hostMatcher) match(host string) bool {
	if m.exact[host] {
		return true
	}
	for _, suffix := range m.suffixes {
		if len(host) > len(suffix) && strings.HasSuffix(host, suffix) {
			return strings.Trim(host, ldhChars) == "" && !strings.Contains(host, "..") && host[0] != '.'
		}
	}
	return false
}
