package sessioninjector

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewErrors(t *testing.T) {
	tests := []struct {
		desc string
		edit func(*Config)
		err  string
	}{
		{desc: "short secret", edit: func(c *Config) { c.Secret = "too-short" }, err: "secret: 9 bytes is too short"},
		{desc: "short previous secret", edit: func(c *Config) { c.PreviousSecrets = []string{testSecret2, "short"} }, err: "previousSecrets[1]"},
		{desc: "empty tokenParam", edit: func(c *Config) { c.TokenParam = " " }, err: "tokenParam"},
		{desc: "tokenParam needing escapes", edit: func(c *Config) { c.TokenParam = "a&b" }, err: `tokenParam: "a&b"`},
		{desc: "bad lifetime", edit: func(c *Config) { c.TokenLifetime = "-1s" }, err: "tokenLifetime"},
		{desc: "bad target", edit: func(c *Config) { c.TargetDomains = []string{"*.*.example.com"} }, err: "targetDomains"},
		{desc: "relative handoffPath", edit: func(c *Config) { c.HandoffPath = "handoff" }, err: "handoffPath"},
		{desc: "handoffPath with query", edit: func(c *Config) { c.HandoffPath = "/h?x" }, err: "handoffPath"},
		{desc: "bad cookie name", edit: func(c *Config) { c.CookieName = "a;b" }, err: "cookieNames[0]"},
		{desc: "cookieName and cookieNames differ", edit: func(c *Config) { c.CookieName = "sid"; c.CookieNames = []string{"session"} }, err: `cookieName: "sid" differs from cookieNames[0] "session"`},
		{desc: "a cookie name twice", edit: func(c *Config) { c.CookieNames = []string{"session", "session.sig", "session"} }, err: `cookieNames[2]: "session" is listed twice`},
		{desc: "an empty cookie name", edit: func(c *Config) { c.CookieNames = []string{"session", " "} }, err: "cookieNames[1]"},
		{desc: "too many cookie names", edit: func(c *Config) { c.CookieNames = strings.Split("a b c d e f g h i j k l m n o p q", " ") }, err: "cookieNames: 17 names, at most 16"},
		{desc: "__Secure- secondary not secure", edit: func(c *Config) { c.CookieNames = []string{"sid", "__Secure-remember"}; c.Cookie.Secure = "false" }, err: "cookie.secure"},
		{desc: "bad onExistingSession", edit: func(c *Config) { c.OnExistingSession = "merge" }, err: `onExistingSession: "merge" must be replace or keep`},
		{desc: "bad sameSite", edit: func(c *Config) { c.Cookie.SameSite = "sometimes" }, err: "cookie.sameSite"},
		{desc: "none without secure", edit: func(c *Config) { c.Cookie.SameSite = "none"; c.Cookie.Secure = "false" }, err: "cookie.secure"},
		{desc: "__Host- with domain", edit: func(c *Config) { c.CookieName = "__Host-sid"; c.Cookie.Domain = "example.org" }, err: "__Host-"},
		{desc: "bad ipv4Prefix", edit: func(c *Config) { c.IPv4Prefix = 40 }, err: "ipv4Prefix"},
		{desc: "bad ipv6Prefix", edit: func(c *Config) { c.IPv6Prefix = -2 }, err: "ipv6Prefix"},
		{desc: "bad excluded IP", edit: func(c *Config) { c.IPStrategy.ExcludedIPs = []string{"x"} }, err: "ipStrategy.excludedIPs"},
		{desc: "negative replayPerClient", edit: func(c *Config) { c.ReplayPerClient = -1 }, err: "replayPerClient: -1"},
		{desc: "negative depth", edit: func(c *Config) { c.IPStrategy.Depth = -1 }, err: "ipStrategy.depth"},
		{desc: "zero replay cache", edit: func(c *Config) { c.ReplayCacheSize = 0 }, err: "replayCacheSize"},
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
			assert.Contains(t, err.Error(), `sessioninjector "mw"`, "errors name the middleware")
		})
	}
}

func TestNewNilConfig(t *testing.T) {
	_, err := New(context.Background(), http.NotFoundHandler(), nil, "mw")
	require.Error(t, err)
}

func TestNewDefaults(t *testing.T) {
	cfg := CreateConfig()
	cfg.Secret = testSecret
	built, err := New(context.Background(), http.NotFoundHandler(), cfg, "mw")
	require.NoError(t, err)
	h := built.(*handler)
	assert.Equal(t, []string{"_session_id"}, h.cookie.names)
	assert.Equal(t, "_hs_", h.tokenParam)
	assert.Equal(t, int64(5000), h.lifetimeMs)
	assert.False(t, h.dieOnFailure, "a refused token leads on, without the session")
	assert.False(t, h.keepExisting, "the source's session replaces the host's own")
	assert.Nil(t, h.targets, "receive only by default")
	assert.True(t, h.wrap, "navigations are watched for the end of a session")
	assert.False(t, h.propagate, "no redirect to propagate through without targets")
	assert.NotNil(t, h.signOut, "sign out everywhere is on by default")
	assert.Equal(t, "/_session/signout", h.signOutPath)
	assert.False(t, h.requireState)
	assert.Equal(t, noRoute, h.handoffPath, "no handoff endpoint without targets")
	assert.True(t, h.cleanURL)
	assert.True(t, h.singleUse)
	assert.True(t, h.bindClientIP)
	assert.Equal(t, defaultReplayCacheSize, h.replayCap)
}

func TestNewWithoutSecretUsesOneKeyPerProcess(t *testing.T) {
	cfg := CreateConfig()
	a, err := newHandler(http.NotFoundHandler(), cfg, "a")
	require.NoError(t, err)
	b, err := newHandler(http.NotFoundHandler(), cfg, "b")
	require.NoError(t, err)
	assert.Equal(t, a.codec.sealKey.header, b.codec.sealKey.header, "every instance of the process shares the random key")

	other := CreateConfig()
	other.Secret = testSecret
	c, err := newHandler(http.NotFoundHandler(), other, "c")
	require.NoError(t, err)
	assert.NotEqual(t, a.codec.sealKey.header, c.codec.sealKey.header)
}

func TestNewTrimsListEntries(t *testing.T) {
	cfg := CreateConfig()
	cfg.Secret = testSecret
	cfg.TargetDomains = []string{"a.example", " b.example", ""}
	cfg.PreviousSecrets = []string{" " + testSecret2, ""}
	h, err := newHandler(http.NotFoundHandler(), cfg, "mw")
	require.NoError(t, err)
	assert.True(t, h.targets.match("b.example"))
	assert.Len(t, h.codec.open, 2)
}

func TestWhatIsNotWrapped(t *testing.T) {
	tests := []struct {
		desc   string
		header http.Header
		wrap   bool
	}{
		{desc: "no Sec-Fetch-Mode, accepts HTML", wrap: true},
		{desc: "no Sec-Fetch-Mode, any type", header: http.Header{"Accept": {"*/*"}}},
		{desc: "no Sec-Fetch-Mode, no Accept", header: http.Header{"Accept": nil}},
		{desc: "navigate", header: http.Header{"Sec-Fetch-Mode": {"navigate"}}, wrap: true},
		{desc: "no-cors subresource", header: http.Header{"Sec-Fetch-Mode": {"no-cors"}}},
		{desc: "cors fetch", header: http.Header{"Sec-Fetch-Mode": {"cors"}}},
		{desc: "same-origin fetch", header: http.Header{"Sec-Fetch-Mode": {"same-origin"}}},
		{desc: "websocket", header: http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}},
		{desc: "event stream", header: http.Header{"Accept": {"text/event-stream"}}},
		{desc: "grpc", header: http.Header{"Content-Type": {"application/grpc+proto"}}},
		// Browsers open event streams and WebSockets with Sec-Fetch-Mode cors
		// and websocket: a navigation's own mode is taken at its word.
		{desc: "navigate, whatever it accepts", header: http.Header{"Sec-Fetch-Mode": {"navigate"}, "Accept": {"text/event-stream"}}, wrap: true},
		{desc: "event source", header: http.Header{"Sec-Fetch-Mode": {"cors"}, "Accept": {"text/event-stream"}}},
		{desc: "browser websocket", header: http.Header{"Sec-Fetch-Mode": {"websocket"}, "Upgrade": {"websocket"}, "Connection": {"Upgrade"}}},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			backend := &recorder{}
			h, _ := newTestHandler(t, backend, sourceConfig)
			r := request(http.MethodGet, shopHost, "/", "192.0.2.1:1", "s1")
			for k, v := range test.header {
				if v == nil {
					delete(r.Header, k)
					continue
				}
				r.Header[k] = v
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if test.wrap {
				assert.IsType(t, &redirectWriter{}, backend.rw)
			} else {
				assert.Same(t, rec, backend.rw)
			}
			assert.Same(t, r, backend.req)
		})
	}
}

func TestPassThroughUntouched(t *testing.T) {
	backend := &recorder{}
	h, _ := newTestHandler(t, backend, nil)
	r := request(http.MethodPost, checkout, "/a?b=c&_hsx=1", "192.0.2.1:1", "s1")
	rec := serve(h, r)
	assert.Equal(t, 1, backend.calls)
	assert.Same(t, rec, backend.rw, "a receive-only instance never wraps")
	assert.Equal(t, "b=c&_hsx=1", backend.req.URL.RawQuery)
	assert.Empty(t, rec.Header().Get("Set-Cookie"))
}

func TestEffectiveSettings(t *testing.T) {
	tests := []struct {
		desc string
		edit func(*Config)
		want []string
	}{
		{desc: "defaults", want: []string{
			"cookieNames=_session_id", "onExistingSession=replace", "tokenParam=_hs_", "tokenLifetime=5000ms", "targetDomains=none (receive only)",
			"allowInsecureTargets=false", "handoffPath=off", "replayPerClient=64", "replayStore=memory",
			"secret=set", "previousSecrets=0", `cookie="; Path=/; HttpOnly; SameSite=Lax"`,
		}},
		{desc: "a source with a rotation", edit: func(c *Config) {
			c.TargetDomains = []string{" Checkout.Example.org ", "*.example.net", ""}
			c.PreviousSecrets = []string{testSecret2, " "}
			c.TokenLifetime = "1m"
		}, want: []string{
			"targetDomains=checkout.example.org,*.example.net", "handoffPath=/_session/handoff",
			"propagateRedirects=true", "tokenLifetime=60000ms", "previousSecrets=1",
		}},
		{desc: "redis", edit: func(c *Config) {
			c.ReplayStore = "redis"
			c.Redis.Address = "127.0.0.1:6379"
			c.Redis.Username = "si"
			c.Redis.Password = "redis-password-never-logged"
		}, want: []string{`replayStore=redis(address=127.0.0.1:6379 username="si" password=set db=0`, "onError=reject"}},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			cfg := CreateConfig()
			cfg.Secret = testSecret
			if test.edit != nil {
				test.edit(cfg)
			}
			h, err := newHandler(nil, cfg, "test")
			require.NoError(t, err)
			line := effectiveSettings(h, cfg)
			for _, want := range test.want {
				assert.Contains(t, line, want)
			}
			for _, secret := range []string{testSecret, testSecret2, "redis-password-never-logged"} {
				assert.NotContains(t, line, secret, "secrets are never logged")
			}
		})
	}
}

// TestNewLogsEffectiveSettings reads the line New prints on standard
// output, which Traefik logs at DEBUG for a plugin.
func TestNewLogsEffectiveSettings(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	stdout := os.Stdout
	os.Stdout = w
	cfg := CreateConfig()
	cfg.Secret = testSecret
	_, err = New(context.Background(), http.NotFoundHandler(), cfg, "shop@file")
	os.Stdout = stdout
	require.NoError(t, err)
	require.NoError(t, w.Close())
	out, err := io.ReadAll(r)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	require.Len(t, lines, 1, string(out))
	assert.True(t, strings.HasPrefix(lines[0], `sessioninjector "shop@file": effective settings: cookieNames=_session_id `), lines[0])
	assert.NotContains(t, lines[0], testSecret)
}

func TestServeHTTPDispatch(t *testing.T) {
	src, _ := newTestHandler(t, nil, sourceConfig)
	token := issueToken(t, src, client, "s1")
	tests := []struct {
		desc    string
		edit    func(*Config)
		target  string
		backend bool // the request reaches the backend
		status  int
	}{
		{desc: "no query", target: "/page", backend: true, status: http.StatusOK},
		{desc: "a query without the parameter", target: "/page?q=1", backend: true, status: http.StatusOK},
		{desc: "a token", target: "/page?_hs_=" + token, status: http.StatusSeeOther},
		{desc: "the handoff path of a source", edit: sourceConfig, target: "/_session/handoff?to=https://checkout.example.org/", status: http.StatusSeeOther},
		{desc: "the handoff path comes before a token", edit: sourceConfig, target: "/_session/handoff?_hs_=x", status: http.StatusBadRequest},
		{desc: "the handoff path of a receiver is the backend's", target: "/_session/handoff?to=https://checkout.example.org/", backend: true, status: http.StatusOK},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			backend := &recorder{}
			h, _ := newTestHandler(t, backend, test.edit)
			rec := serve(h, request(http.MethodGet, checkout, test.target, client, "s1"))
			assert.Equal(t, test.status, rec.Code, rec.Body.String())
			assert.Equal(t, test.backend, backend.calls == 1)
		})
	}
}
