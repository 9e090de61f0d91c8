package sessioninjector

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLifetime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "5s", want: 5 * time.Second},
		{in: "1m", want: time.Minute},
		{in: " 1m30s ", want: 90 * time.Second},
		{in: "5", want: 5 * time.Second},
		{in: "1.5", want: 1500 * time.Millisecond},
		{in: "1.500000", want: 1500 * time.Millisecond},
		{in: "250ms", want: 250 * time.Millisecond},
		{in: "10m", want: 10 * time.Minute},
		{in: "", err: "tokenLifetime: must be set"},
		{in: "1µs", err: "tokenLifetime"},
		{in: "-5s", err: `tokenLifetime: "-5s" must be between`},
		{in: "-1", err: "tokenLifetime"},
		{in: "0", err: "tokenLifetime"},
		{in: "11m", err: "tokenLifetime"},
		{in: "soon", err: `tokenLifetime: "soon" is neither`},
		{in: "NaN", err: "tokenLifetime"},
	}
	for _, test := range tests {
		t.Run(test.in, func(t *testing.T) {
			d, err := parseDuration("tokenLifetime", test.in, time.Millisecond, maxLifetime)
			if test.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), test.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, test.want, d)
		})
	}
}

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
		{desc: "bad cookie name", edit: func(c *Config) { c.CookieName = "a;b" }, err: "cookieName"},
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
	assert.Equal(t, "_session_id", h.cookieName)
	assert.Equal(t, "_hs_", h.tokenParam)
	assert.Equal(t, int64(5000), h.lifetimeMs)
	assert.True(t, h.dieOnFailure)
	assert.Nil(t, h.targets, "receive only by default")
	assert.False(t, h.wrap)
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
