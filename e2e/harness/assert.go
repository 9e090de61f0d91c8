package harness

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// AssertArrivedSignedIn checks the last two hops of a hand-off: the token
// URL answered with a 303 to wantURL (the same URL without the token) and
// a session cookie (see AssertSessionCookie), then the page at wantURL
// signed in as name.
func AssertArrivedSignedIn(t testing.TB, hops []Hop, wantURL, name, session string) {
	t.Helper()
	require.GreaterOrEqual(t, len(hops), 2, "hops: %+v", hops)
	redeem, final := hops[len(hops)-2], hops[len(hops)-1]

	assert.NotEmpty(t, Token(redeem.URL), "the hop before the page must carry the token: %s", redeem.URL)
	assert.Equal(t, http.StatusSeeOther, redeem.Status, "redeem %s: %s", redeem.URL, redeem.Body)
	assert.Equal(t, wantURL, redeem.Header.Get("Location"), "clean URL")
	assert.Contains(t, redeem.Header.Get("Cache-Control"), "no-store")
	AssertSessionCookie(t, redeem, session)

	assert.Equal(t, wantURL, final.URL)
	assert.Empty(t, Token(final.URL))
	assert.Equal(t, http.StatusOK, final.Status)
	assert.Contains(t, final.Body, "Signed in as "+html.EscapeString(name))
}

// AssertSessionCookie checks the one Set-Cookie a redeemed token produces:
// the value session (any value when session is ""), Path=/, HttpOnly,
// SameSite=Lax, host-only, not Secure over plain HTTP, a session cookie.
func AssertSessionCookie(t testing.TB, h Hop, session string) {
	t.Helper()
	cookies := SessionCookies(h)
	require.Len(t, cookies, 1, "Set-Cookie: %q", h.Header.Values("Set-Cookie"))
	c := cookies[0]
	if session != "" {
		assert.Equal(t, session, c.Value, "the session carried over")
	}
	assert.Equal(t, "/", c.Path)
	assert.Empty(t, c.Domain, "host-only cookie")
	assert.True(t, c.HttpOnly, "HttpOnly")
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
	assert.False(t, c.Secure, "not Secure over plain HTTP")
	assert.Zero(t, c.MaxAge)
	assert.True(t, c.Expires.IsZero(), "a session cookie")
}

// AssertRefused checks a refusal of the plugin (dieOnHandshakeFailure):
// 403, plain text or, for a navigation, a self-contained page, naming
// reason, not cached, no session cookie set, and n not signed in on the
// hop's host.
func AssertRefused(t testing.TB, n *Navigator, h Hop, reason string) {
	t.Helper()
	assert.Equal(t, http.StatusForbidden, h.Status, "%s %s: %s", h.Method, h.URL, h.Body)
	switch ct := h.Header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "text/html"):
		// A navigation's refusal page: self-contained, with a way on to the URL without the token.
		assert.Contains(t, h.Header.Get("Content-Security-Policy"), "default-src 'none'")
		assert.Contains(t, h.Body, `<a href="http`, "a link to the URL without the token")
		assert.NotContains(t, h.Body, TokenParam+"=", "no token on the page")
	default:
		assert.True(t, strings.HasPrefix(ct, "text/plain"), "Content-Type %q", ct)
	}
	assert.Contains(t, h.Header.Get("Cache-Control"), "no-store")
	assert.Equal(t, reason, HopRefusal(h), "the refusal's category: %.300s", h.Body)
	assert.Empty(t, SessionCookies(h), "no session cookie on a refusal")
	u, err := url.Parse(h.URL)
	require.NoError(t, err)
	assert.Empty(t, n.Cookie(u.Host), "signed in on %s after a refusal", u.Host)
}
