package interp

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoSecretWarning: without a secret the plugin warns through the log
// package, which Traefik's interpreter sends to its ERROR log (Stderr).
func TestNoSecretWarning(t *testing.T) {
	p := sessionInjector(t)
	for name, cfg := range map[string]settings{
		"empty map, decoding skipped": {},
		"empty secret":                {"secret": "", "targetDomains": checkoutHost},
	} {
		t.Run(name, func(t *testing.T) {
			before := len(p.Stderr.String())
			mw := "si-" + t.Name()
			_, err := p.Build(context.Background(), cfg, mw, http.NotFoundHandler())
			require.NoError(t, err)
			logged := p.Stderr.String()[before:]
			assert.Contains(t, logged, `sessioninjector "`+mw+`": no secret configured`)
			assert.Equal(t, 1, strings.Count(logged, "\n"), "one line: %q", logged)
		})
	}
}

// TestRandomSecretSharedByInstances: without a secret, instances of the
// same interpreter (routers, reloads) share one process key, so a token
// issued by one opens on another.
func TestRandomSecretSharedByInstances(t *testing.T) {
	noSecret := settings{"targetDomains": checkoutHost, "allowInsecureTargets": true}
	token := issue(t, noSecret, clientAddr, "sess-nosecret-4040")
	rec := serve(t, build(t, settings{"cookieName": cookieName, "replayPerClient": "0"}, &backend{}), arrival(token, clientAddr, ""))
	assert.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	rec = serve(t, build(t, dying(receiver), &backend{}), arrival(issue(t, noSecret, clientAddr, "sess-nosecret-4141"), clientAddr, ""))
	assertRefusalPage(t, rec, "invalid", "http://checkout.test/welcome?a=1")
	rec = serve(t, build(t, receiver, &backend{}), arrival(issue(t, noSecret, clientAddr, "sess-nosecret-4242"), clientAddr, ""))
	assertRefusalRedirect(t, rec, "http://checkout.test/welcome?a=1")
}

// TestConfigurationErrors: a bad setting fails New (or the decoding) with a
// message naming the middleware and the key, as Traefik would log it.
func TestConfigurationErrors(t *testing.T) {
	p := sessionInjector(t)
	tests := []struct {
		name string
		cfg  settings
		want string
	}{
		{"short secret", settings{"secret": "too-short"}, "secret: 9 bytes is too short"},
		{"short previous secret", receiver.with("previousSecrets", "short"), "previousSecrets[0]"},
		{"bad lifetime", receiver.with("tokenLifetime", "soon"), "tokenLifetime"},
		{"lifetime too long", receiver.with("tokenLifetime", "1h"), "tokenLifetime"},
		{"bad target", receiver.with("targetDomains", "checkout.test:443"), "targetDomains"},
		{"non-ASCII target", receiver.with("targetDomains", "bücher.test"), "targetDomains"},
		{"bad token parameter", receiver.with("tokenParam", "a b"), "tokenParam"},
		{"bad handoff path", receiver.with("handoffPath", "handoff"), "handoffPath"},
		{"negative depth", receiver.with("ipStrategy", settings{"depth": "-1"}), "ipStrategy.depth"},
		{"bad excluded IP", receiver.with("ipStrategy", settings{"excludedIPs": "10.0.0.0/33"}), "ipStrategy.excludedIPs"},
		{"ipv4Prefix too large", receiver.with("ipv4Prefix", "33"), "ipv4Prefix"},
		{"ipv6Prefix too large", receiver.with("ipv6Prefix", "129"), "ipv6Prefix"},
		{"bad cookie name", receiver.with("cookieName", "a;b"), "cookieName"},
		{"bad sameSite", receiver.with("cookie", settings{"sameSite": "sometimes"}), "cookie.sameSite"},
		{"bad secure", receiver.with("cookie", settings{"secure": "maybe"}), "cookie.secure"},
		{"bad cookie path", receiver.with("cookie", settings{"path": "x"}), "cookie.path"},
		{"bad cookie domain", receiver.with("cookie", settings{"domain": "a..b"}), "cookie.domain"},
		{"negative maxAge", receiver.with("cookie", settings{"maxAge": "-1"}), "cookie.maxAge"},
		{"__Host- with a domain", receiver.with("cookieName", "__Host-s", "cookie", settings{"domain": "checkout.test"}), "__Host-"},
		{"sameSite none over HTTP", receiver.with("cookie", settings{"sameSite": "none", "secure": "false"}), "cookie.secure"},
		{"no replay cache", receiver.with("replayCacheSize", "0"), "replayCacheSize"},
		{"not a number (decoding)", receiver.with("ipv4Prefix", "twenty"), "failed to decode configuration"},
		{"not a bool (decoding)", receiver.with("cleanURL", "sometimes"), "failed to decode configuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw := "si-" + t.Name()
			h, err := p.Build(context.Background(), tt.cfg, mw, http.NotFoundHandler())
			require.Error(t, err)
			assert.Nil(t, h)
			assert.Contains(t, err.Error(), tt.want)
			if !strings.HasPrefix(err.Error(), "failed to decode") {
				assert.True(t, strings.HasPrefix(err.Error(), `sessioninjector "`+mw+`": `), err.Error())
			}
		})
	}
}

// TestEffectiveSettingsLine: under the interpreter New prints one DEBUG
// line with the settings it really got, so a key Traefik dropped for a
// misspelling shows as its default; no secret appears in it.
func TestEffectiveSettingsLine(t *testing.T) {
	p := sessionInjector(t)
	before := len(p.Stdout.String())
	cfg := source.with("tokenLifetim", "1m", "previousSecrets", []any{otherSecret},
		"replayStore", "redis", "redis", settings{"address": "127.0.0.1:1", "password": "redis-password-in-settings"})
	_, err := p.Build(context.Background(), cfg, "si-settings", http.NotFoundHandler())
	require.NoError(t, err)
	logged := p.Stdout.String()[before:]
	require.Equal(t, 1, strings.Count(logged, "\n"), "one line: %q", logged)
	assert.Contains(t, logged, `sessioninjector "si-settings": effective settings: cookieNames=_session_id onExistingSession=replace `)
	assert.Contains(t, logged, "dieOnHandshakeFailure=false", "a refusal leads on by default")
	assert.Contains(t, logged, "tokenLifetime=5000ms", "the misspelled key was dropped: the default shows")
	assert.Contains(t, logged, "targetDomains=checkout.test,*.example.net")
	assert.Contains(t, logged, "previousSecrets=1")
	assert.Contains(t, logged, "password=set")
	for _, secret := range []string{testSecret, otherSecret, "redis-password-in-settings"} {
		assert.NotContains(t, logged, secret)
	}

	before = len(p.Stdout.String())
	cfg = receiver.with("cookieNames", "session, session.sig,remember", "onExistingSession", "Keep", "dieOnHandshakeFailure", "true",
		"cookie", settings{"maxAge": "600"})
	_, err = p.Build(context.Background(), cfg, "si-settings-several", http.NotFoundHandler())
	require.NoError(t, err)
	logged = p.Stdout.String()[before:]
	assert.Contains(t, logged, `sessioninjector "si-settings-several": effective settings: cookieNames=session,session.sig,remember onExistingSession=keep `,
		"names trimmed, the value read case-insensitively")
	assert.Contains(t, logged, "dieOnHandshakeFailure=true")
	assert.Contains(t, logged, `cookie="; Max-Age=600; Path=/; HttpOnly; SameSite=Lax"`, "Max-Age first")
}
