package sessioninjector

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	shopOrigin   = "https://shop.example.com"
	pullEndpoint = shopOrigin + "/_session/pull?return="
)

// pullTarget makes checkout.example.org pull from the shop on /account and /orders.
func pullTarget(c *Config) {
	c.Pull.From = shopOrigin
	c.Pull.Paths = []string{"/account", "/orders/"}
}

// logBuffer collects a handler's debug lines.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *logBuffer) logf(format string, args ...interface{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, fmt.Sprintf(format, args...))
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "")
}

// pullRig is a source on shop.example.com and a pulling target on
// checkout.example.org, with clocks of their own.
type pullRig struct {
	src, dst           *handler
	srcClock, dstClock *testClock
	backend            *recorder
	entry              http.Handler // the target's middleware, as New returns it
	log                *logBuffer   // the target's debug lines
}

func newPullRig(t *testing.T, editDst func(*Config)) *pullRig {
	t.Helper()
	src, srcClock := newTestHandler(t, &recorder{}, sourceConfig)
	backend := &recorder{}
	dst, dstClock := newTestHandler(t, backend, func(c *Config) {
		pullTarget(c)
		if editDst != nil {
			editDst(c)
		}
	})
	log := &logBuffer{}
	dst.debugf = log.logf
	return &pullRig{src: src, dst: dst, srcClock: srcClock, dstClock: dstClock, backend: backend, entry: &puller{h: dst}, log: log}
}

// httpsNav is a browser's navigation over HTTPS (behind TLS termination).
func httpsNav(host, target, session string) *http.Request {
	r := request(http.MethodGet, host, target, client, session)
	r.Header.Set("Sec-Fetch-Mode", "navigate")
	r.Header.Set("X-Forwarded-Proto", "https")
	return r
}

// start has the target start a pull for target over HTTPS and returns the
// state cookie's value and the Location to the source.
func (g *pullRig) start(t *testing.T, target string) (string, string) {
	t.Helper()
	rec := serve(g.entry, httpsNav(checkout, target, ""))
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	cookies := (&http.Response{Header: rec.Header()}).Cookies()
	require.Len(t, cookies, 1)
	require.Equal(t, "__Host-si_pull", cookies[0].Name)
	return cookies[0].Value, rec.Header().Get("Location")
}

// answer has the source's endpoint answer a Location of start, with the
// session cookie value session (none when empty), and returns its Location.
func (g *pullRig) answer(t *testing.T, location, session string) string {
	t.Helper()
	path, ok := strings.CutPrefix(location, shopOrigin)
	require.True(t, ok, location)
	rec := serve(g.src, httpsNav(shopHost, path, session))
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	return rec.Header().Get("Location")
}

// finish brings an answer's Location to the target with the Cookie header cookie.
func (g *pullRig) finish(t *testing.T, location, cookie string) *httptest.ResponseRecorder {
	t.Helper()
	path, ok := strings.CutPrefix(location, "https://"+checkout)
	require.True(t, ok, location)
	r := httpsNav(checkout, path, "")
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	return serve(g.entry, r)
}

func TestPullConfigErrors(t *testing.T) {
	tests := []struct {
		desc string
		edit func(*Config)
		err  string
	}{
		{desc: "paths without from", edit: func(c *Config) { c.Pull.Paths = []string{"/account"} }, err: "pull.from: must be set when pull.paths is"},
		{desc: "relative path", edit: func(c *Config) { pullTarget(c); c.Pull.Paths = []string{"/a", "account"} }, err: `pull.paths[1]: "account" must be a path prefix starting with /`},
		{desc: "empty path", edit: func(c *Config) { pullTarget(c); c.Pull.Paths = []string{" "} }, err: "pull.paths[0]"},
		{desc: "path with a query", edit: func(c *Config) { pullTarget(c); c.Pull.Paths = []string{"/a?b"} }, err: "pull.paths[0]"},
		{desc: "path with a space", edit: func(c *Config) { pullTarget(c); c.Pull.Paths = []string{"/a b"} }, err: "pull.paths[0]"},
		{desc: "from with a path", edit: func(c *Config) { pullTarget(c); c.Pull.From = "https://shop.example.com/login" }, err: "pull.from: "},
		{desc: "from with a query", edit: func(c *Config) { pullTarget(c); c.Pull.From = "https://shop.example.com?x=1" }, err: "pull.from: "},
		{desc: "from with a fragment", edit: func(c *Config) { pullTarget(c); c.Pull.From = "https://shop.example.com#x" }, err: "pull.from: "},
		{desc: "from with userinfo", edit: func(c *Config) { pullTarget(c); c.Pull.From = "https://u@shop.example.com" }, err: "pull.from: "},
		{desc: "from without a scheme", edit: func(c *Config) { pullTarget(c); c.Pull.From = "shop.example.com" }, err: "pull.from: "},
		{desc: "from with another scheme", edit: func(c *Config) { pullTarget(c); c.Pull.From = "ftp://shop.example.com" }, err: "pull.from: "},
		{desc: "from with a bad port", edit: func(c *Config) { pullTarget(c); c.Pull.From = "https://shop.example.com:x" }, err: "pull.from: "},
		{desc: "from with an empty port", edit: func(c *Config) { pullTarget(c); c.Pull.From = "https://shop.example.com:" }, err: "pull.from: "},
		{desc: "from with a bad host", edit: func(c *Config) { pullTarget(c); c.Pull.From = "https://shop_example.com" }, err: "pull.from: "},
		{desc: "from over http, not loopback", edit: func(c *Config) { pullTarget(c); c.Pull.From = "http://shop.example.com" },
			err: `pull.from: "http://shop.example.com" is http:// but not a loopback host`},
		{desc: "a bad from is refused even with the pull off", edit: func(c *Config) { c.Pull.From = "https://shop.example.com/x" }, err: "pull.from: "},
		{desc: "noSessionFor over a day", edit: func(c *Config) { pullTarget(c); c.Pull.NoSessionFor = "25h" }, err: "pull.noSessionFor: \"25h\" must be between"},
		{desc: "negative noSessionFor", edit: func(c *Config) { pullTarget(c); c.Pull.NoSessionFor = "-1m" }, err: "pull.noSessionFor"},
		{desc: "noSessionFor under a second", edit: func(c *Config) { pullTarget(c); c.Pull.NoSessionFor = "500ms" }, err: "pull.noSessionFor: \"500ms\" must be 0"},
		{desc: "noSessionFor not a duration", edit: func(c *Config) { pullTarget(c); c.Pull.NoSessionFor = "long" }, err: "pull.noSessionFor"},
		{desc: "empty noSessionFor", edit: func(c *Config) { pullTarget(c); c.Pull.NoSessionFor = "" }, err: "pull.noSessionFor: must be set"},
		{desc: "relative pullPath", edit: func(c *Config) { c.PullPath = "pull" }, err: `pullPath: "pull" must be a path starting with /`},
		{desc: "pullPath with a query", edit: func(c *Config) { c.PullPath = "/p?x" }, err: "pullPath"},
		{desc: "pullPath is handoffPath", edit: func(c *Config) { c.PullPath = "/_session/handoff" }, err: "pullPath: \"/_session/handoff\" is handoffPath too"},
		{desc: "no pullPath for a target", edit: func(c *Config) { pullTarget(c); c.PullPath = "" }, err: "pullPath: must be set when pull.from is"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			cfg := CreateConfig()
			cfg.Secret = testSecret
			test.edit(cfg)
			h, err := New(context.Background(), http.NotFoundHandler(), cfg, "mw")
			require.Error(t, err)
			assert.Nil(t, h)
			assert.Contains(t, err.Error(), test.err)
		})
	}
}

func TestPullConfigAccepted(t *testing.T) {
	tests := []struct {
		desc     string
		edit     func(*Config)
		from     string
		noSess   int
		endpoint string
	}{
		{desc: "https origin", edit: pullTarget, from: shopOrigin, noSess: 600, endpoint: pullEndpoint},
		{desc: "upper case, a port and a trailing slash", edit: func(c *Config) { pullTarget(c); c.Pull.From = " HTTPS://Shop.Example.com:8443/ " },
			from: "https://shop.example.com:8443", noSess: 600, endpoint: "https://shop.example.com:8443/_session/pull?return="},
		{desc: "http localhost", edit: func(c *Config) { pullTarget(c); c.Pull.From = "http://shop.localhost:8080" }, from: "http://shop.localhost:8080", noSess: 600,
			endpoint: "http://shop.localhost:8080/_session/pull?return="},
		{desc: "http loopback address", edit: func(c *Config) { pullTarget(c); c.Pull.From = "http://127.0.0.1:8080" }, from: "http://127.0.0.1:8080", noSess: 600,
			endpoint: "http://127.0.0.1:8080/_session/pull?return="},
		{desc: "http with allowInsecureTargets", edit: func(c *Config) { pullTarget(c); c.Pull.From = "http://shop.example.com"; c.AllowInsecureTargets = true },
			from: "http://shop.example.com", noSess: 600, endpoint: "http://shop.example.com/_session/pull?return="},
		{desc: "not remembered, custom path", edit: func(c *Config) { pullTarget(c); c.Pull.NoSessionFor = "0"; c.PullPath = "/pull" }, from: shopOrigin, noSess: 0,
			endpoint: shopOrigin + "/pull?return="},
		{desc: "a day in seconds", edit: func(c *Config) { pullTarget(c); c.Pull.NoSessionFor = "86400" }, from: shopOrigin, noSess: 86400, endpoint: pullEndpoint},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			cfg := CreateConfig()
			cfg.Secret = testSecret
			test.edit(cfg)
			built, err := New(context.Background(), http.NotFoundHandler(), cfg, "mw")
			require.NoError(t, err)
			p, ok := built.(*puller)
			require.True(t, ok, "with pull.paths New returns the puller")
			assert.Equal(t, test.from, p.h.pull.from)
			assert.Equal(t, test.noSess, p.h.pull.noSessionFor)
			assert.Equal(t, test.endpoint, p.h.pull.endpoint)
		})
	}

	cfg := CreateConfig()
	cfg.Secret = testSecret
	cfg.Pull.From = shopOrigin
	built, err := New(context.Background(), http.NotFoundHandler(), cfg, "mw")
	require.NoError(t, err)
	h, ok := built.(*handler)
	require.True(t, ok, "without pull.paths no page wants a pull: the handler itself")
	require.NotNil(t, h.pull, "pull.from alone: pulls after a source's marker")
	assert.Nil(t, h.pull.paths)
	assert.Equal(t, noRoute, h.pullPath, "no pull endpoint without targetDomains")
}

func TestPullEffectiveSettings(t *testing.T) {
	h, _ := newTestHandler(t, nil, func(c *Config) { sourceConfig(c); pullTarget(c); c.Pull.NoSessionFor = "1h" })
	line := effectiveSettings(h, CreateConfig())
	assert.Contains(t, line, "pullPath=/_session/pull pull.from=https://shop.example.com pull.paths=/account,/orders/ pull.noSessionFor=3600s")
	h, _ = newTestHandler(t, nil, nil)
	line = effectiveSettings(h, CreateConfig())
	assert.Contains(t, line, "pullPath=off pull=off")
}

func TestPullStart(t *testing.T) {
	tests := []struct {
		desc    string
		target  string
		method  string
		header  http.Header
		cookie  string
		http    bool // over plain HTTP, not behind TLS termination
		edit    func(*Config)
		started bool
	}{
		{desc: "a navigation under a path", target: "/account/orders?x=1", started: true},
		{desc: "the path itself", target: "/account", started: true},
		{desc: "a path configured with a trailing slash", target: "/orders", started: true},
		{desc: "under it", target: "/orders/42", started: true},
		{desc: "HEAD", target: "/account", method: http.MethodHead, started: true},
		{desc: "other cookies", target: "/account", cookie: "theme=dark; x_session_id=1; _session_idx=2", started: true},
		{desc: "an empty primary cookie is no session", target: "/account", cookie: "_session_id=; theme=dark", started: true},
		{desc: "over HTTP from an https source", target: "/account", http: true, started: true},
		{desc: "a root path pulls everywhere", target: "/anything", edit: func(c *Config) { c.Pull.Paths = []string{"/"} }, started: true},
		{desc: "a path that only starts alike", target: "/accounts"},
		{desc: "another path", target: "/"},
		{desc: "another case", target: "/ACCOUNT"},
		{desc: "POST", target: "/account", method: http.MethodPost},
		{desc: "a fetch", target: "/account", header: http.Header{"Sec-Fetch-Mode": {"cors"}}},
		{desc: "an image", target: "/account", header: http.Header{"Sec-Fetch-Mode": {"no-cors"}, "Sec-Fetch-Dest": {"image"}}},
		{desc: "a WebSocket", target: "/account", header: http.Header{"Sec-Fetch-Mode": {"websocket"}, "Upgrade": {"websocket"}}},
		{desc: "an API client", target: "/account", header: http.Header{"Sec-Fetch-Mode": nil, "Accept": {"application/json"}}},
		{desc: "an event stream", target: "/account", header: http.Header{"Sec-Fetch-Mode": nil, "Accept": {"text/event-stream, text/html"}}},
		{desc: "an upgrade without Sec-Fetch", target: "/account", header: http.Header{"Sec-Fetch-Mode": nil, "Upgrade": {"websocket"}}},
		{desc: "a token", target: "/account?_hs_=x"},
		{desc: "a percent-encoded token", target: "/account?%5Fhs_=x"},
		{desc: "the primary cookie", target: "/account", cookie: "theme=dark; _session_id=s1"},
		{desc: "a pull in flight", target: "/account", cookie: "__Host-si_pull=abc"},
		{desc: "a pull in flight over HTTP", target: "/account", cookie: "si_pull=abc"},
		{desc: "no session remembered", target: "/account", cookie: "a=1;si_nopull=1"},
		{desc: "no session remembered over HTTPS", target: "/account", cookie: "__Host-si_nopull=1"},
		{desc: "a second Cookie line", target: "/account", header: http.Header{"Cookie": {"a=1", "si_pull=x"}}},
		{desc: "over HTTPS from an http source", target: "/account", edit: func(c *Config) { c.Pull.From = "http://shop.localhost" }},
		{desc: "a URL too long to carry back", target: "/account?q=" + strings.Repeat("a", maxTargetURLBytes)},
		{desc: "the pull off", target: "/account", edit: func(c *Config) { c.Pull.Paths = nil }},
		{desc: "this host's own handoff endpoint", target: "/_session/handoff?to=" + url.QueryEscape("https://a.example.net/"),
			edit: func(c *Config) { c.TargetDomains = []string{shopHost, "*.example.net"}; c.Pull.Paths = []string{"/"} }},
		{desc: "this host's own pull endpoint", target: "/_session/pull?return=" + url.QueryEscape("https://a.example.net/") + "&state=abc",
			edit: func(c *Config) { c.TargetDomains = []string{shopHost, "*.example.net"}; c.Pull.Paths = []string{"/"} }},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			backend := &recorder{}
			dst, _ := newTestHandler(t, backend, func(c *Config) {
				pullTarget(c)
				if test.edit != nil {
					test.edit(c)
				}
			})
			var entry http.Handler = dst
			if dst.pull != nil && dst.pull.paths != nil {
				entry = &puller{h: dst}
			}
			method := test.method
			if method == "" {
				method = http.MethodGet
			}
			r := request(method, checkout, test.target, client, "")
			r.Header.Set("Sec-Fetch-Mode", "navigate")
			if !test.http {
				r.Header.Set("X-Forwarded-Proto", "https")
			}
			if test.cookie != "" {
				r.Header.Set("Cookie", test.cookie)
			}
			for k, v := range test.header {
				if v == nil {
					r.Header.Del(k)
				} else {
					r.Header[k] = v
				}
			}
			rec := serve(entry, r)
			loc := rec.Header().Get("Location")
			if !test.started {
				assert.False(t, strings.HasPrefix(loc, shopOrigin), "no pull: %q", loc)
				for _, line := range rec.Header()["Set-Cookie"] {
					assert.NotContains(t, line, "Max-Age=60", "no state cookie set")
				}
				return
			}
			assert.Equal(t, 0, backend.calls)
			assert.Equal(t, http.StatusSeeOther, rec.Code)
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
			scheme := "https://"
			if test.http {
				scheme = "http://"
			}
			prefix := pullEndpoint + url.QueryEscape(scheme+checkout+test.target) + "&state="
			require.True(t, strings.HasPrefix(loc, prefix), "%q does not start with %q", loc, prefix)
			state := strings.TrimPrefix(loc, prefix)
			plain, _, err := openAs(dst.codec, pullState, state, checkout)
			require.NoError(t, err, "the state is sealed by the target for itself")
			created, nonce, _ := strings.Cut(plain, "\n")
			assert.Equal(t, strconv.FormatInt(dst.now().UnixMilli(), 10), created)
			cookies := (&http.Response{Header: rec.Header()}).Cookies()
			require.Len(t, cookies, 1)
			assert.Equal(t, nonce, cookies[0].Value, "the cookie holds the state's nonce")
			assert.Len(t, nonce, 22)
			_, _, err = openAs(dst.codec, pullAnswer, state, checkout)
			assert.Error(t, err, "a state never opens as an answer")
			_, err = openToken(dst.codec, state, checkout)
			assert.Error(t, err, "nor as a handoff token")
		})
	}
}

func TestPullStateCookie(t *testing.T) {
	for _, https := range []bool{false, true} {
		t.Run(fmt.Sprint("https ", https), func(t *testing.T) {
			dst, _ := newTestHandler(t, &recorder{}, pullTarget)
			r := request(http.MethodGet, checkout, "/account", client, "")
			r.Header.Set("Sec-Fetch-Mode", "navigate")
			name, secure := "si_pull", ""
			if https {
				r.Header.Set("X-Forwarded-Proto", "https")
				name, secure = "__Host-si_pull", "; Secure"
			}
			rec := serve(&puller{h: dst}, r)
			lines := rec.Header()["Set-Cookie"]
			require.Len(t, lines, 1)
			nonce := (&http.Response{Header: rec.Header()}).Cookies()[0].Value
			assert.Equal(t, name+"="+nonce+"; Path=/; Max-Age=60; HttpOnly"+secure+"; SameSite=Lax", lines[0], "host-only: no Domain")
			c := (&http.Response{Header: rec.Header()}).Cookies()[0]
			assert.Equal(t, name, c.Name)
			assert.Equal(t, "/", c.Path)
			assert.Empty(t, c.Domain)
			assert.Equal(t, 60, c.MaxAge)
			assert.True(t, c.HttpOnly)
			assert.Equal(t, https, c.Secure)
			assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
		})
	}
}

// TestPullTokensKeepTheirPurpose: a handoff token still works on a host
// that pulls, and a pull answer is no handoff token on a host that does not.
func TestPullTokensKeepTheirPurpose(t *testing.T) {
	g := newPullRig(t, nil)
	push := issueToken(t, g.src, client, "s1")
	rec := serve(g.entry, request(http.MethodGet, checkout, "/account?_hs_="+push, client, ""))
	assert.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, []string{"_session_id=s1; Path=/; HttpOnly; SameSite=Lax"}, rec.Header()["Set-Cookie"], "redeemed as before, no pull cookie")

	nonce, start := g.start(t, "/account")
	answer := tokenFrom(t, g.answer(t, start, "s1"), "_hs_")
	backend := &recorder{}
	plain, _ := newTestHandler(t, backend, nil) // receives, does not pull
	r := httpsNav(checkout, "/account?_hs_="+answer, "")
	r.Header.Set("Cookie", "__Host-si_pull="+nonce)
	rec = serve(plain, r)
	assert.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "https://checkout.example.org/account", rec.Header().Get("Location"))
	assert.Empty(t, rec.Header()["Set-Cookie"], "a pull answer is refused where no pull is configured")
}

// otherKeySource is a source sealing under a secret the pull rig's target does not know.
func otherKeySource(t *testing.T) *handler {
	src, _ := newTestHandler(t, &recorder{}, func(c *Config) { sourceConfig(c); c.Secret = testSecret2 })
	return src
}

// browser follows redirects between the shop and the checkout like a
// browser, with a cookie jar that keeps cookies or drops them all.
type browser struct {
	t        *testing.T
	servers  map[string]http.Handler
	jar      *cookiejar.Jar
	keep     bool
	redirect int
}

func newBrowser(t *testing.T, g *pullRig, keep bool) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, servers: map[string]http.Handler{shopHost: g.src, checkout: g.entry}, jar: jar, keep: keep}
}

// open navigates to rawURL and follows redirects; it returns the final answer.
func (b *browser) open(rawURL string) *httptest.ResponseRecorder {
	for hop := 0; hop < 10; hop++ {
		u, err := url.Parse(rawURL)
		require.NoError(b.t, err)
		r := httpsNav(u.Host, u.RequestURI(), "")
		for _, c := range b.jar.Cookies(u) {
			r.AddCookie(c)
		}
		rec := serve(b.servers[u.Host], r)
		if b.keep {
			b.jar.SetCookies(u, (&http.Response{Header: rec.Header()}).Cookies())
		}
		if rec.Code != http.StatusSeeOther {
			return rec
		}
		b.redirect++
		rawURL = rec.Header().Get("Location")
	}
	b.t.Fatalf("a redirect loop from %s", rawURL)
	return nil
}

func TestPullJourneys(t *testing.T) {
	shopURL, _ := url.Parse(shopOrigin + "/")
	t.Run("signed in on the source", func(t *testing.T) {
		g := newPullRig(t, nil)
		b := newBrowser(t, g, true)
		b.jar.SetCookies(shopURL, []*http.Cookie{{Name: "_session_id", Value: "s1"}})
		rec := b.open("https://checkout.example.org/account/x?y=1")
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, 3, b.redirect, "to the source, back with the answer, to the clean URL")
		assert.Equal(t, "_session_id=s1", g.backend.req.Header.Get("Cookie"), "signed in, the state cookie gone")
		assert.Equal(t, "/account/x?y=1", g.backend.req.URL.RequestURI())
	})
	t.Run("anonymous: one bounce, then none while remembered", func(t *testing.T) {
		g := newPullRig(t, nil)
		b := newBrowser(t, g, true)
		rec := b.open("https://checkout.example.org/account")
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, 3, b.redirect)
		assert.Equal(t, "__Host-si_nopull=1", g.backend.req.Header.Get("Cookie"))
		b.redirect = 0
		b.open("https://checkout.example.org/account/again")
		assert.Equal(t, 0, b.redirect, "no bounce while the memory lasts")
	})
	for _, signedIn := range []bool{false, true} {
		t.Run(fmt.Sprint("a browser that keeps no cookies never loops, signed in ", signedIn), func(t *testing.T) {
			g := newPullRig(t, nil)
			b := newBrowser(t, g, false)
			if signedIn {
				b.servers[shopHost] = http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
					r.Header.Set("Cookie", "_session_id=s1")
					g.src.ServeHTTP(rw, r)
				})
			}
			rec := b.open("https://checkout.example.org/account")
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, 2, b.redirect, "to the source and back, then the page")
			assert.Empty(t, g.backend.req.Header.Get("Cookie"))
		})
	}
	t.Run("a browser that keeps no cookies never loops, the source under another key", func(t *testing.T) {
		g := newPullRig(t, nil)
		g.src = otherKeySource(t)
		b := newBrowser(t, g, false)
		rec := b.open("https://checkout.example.org/account")
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, 2, b.redirect, "to the source and back, then the page")
		assert.Contains(t, g.log.String(), "pull answer refused (invalid): token sealed with an unknown key")
	})
	t.Run("not remembered", func(t *testing.T) {
		g := newPullRig(t, func(c *Config) { c.Pull.NoSessionFor = "0" })
		b := newBrowser(t, g, true)
		b.open("https://checkout.example.org/account")
		assert.Equal(t, 2, b.redirect, "the answer serves the page")
		b.redirect = 0
		b.open("https://checkout.example.org/account")
		assert.Equal(t, 2, b.redirect, "and the next visit asks again")
	})
}
