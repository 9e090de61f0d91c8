package e2e

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// handoffLink finds the hand-off link on a demo page.
var handoffLink = regexp.MustCompile(`<a id="handoff" href="([^"]+)"`)

// assertArrivedSignedIn checks the last two hops of a hand-off: the token
// URL answered with a 303 to the same URL without the token and a host-only
// session cookie, then the page signed in as name.
func assertArrivedSignedIn(t *testing.T, hops []hop, wantURL, name, session string) {
	t.Helper()
	require.GreaterOrEqual(t, len(hops), 2, "hops: %+v", hops)
	redeem, final := hops[len(hops)-2], hops[len(hops)-1]

	assert.NotEmpty(t, token(redeem.URL), "the hop before the page must carry the token: %s", redeem.URL)
	assert.Equal(t, http.StatusSeeOther, redeem.Status, "redeem %s: %s", redeem.URL, redeem.Body)
	assert.Equal(t, wantURL, redeem.Header.Get("Location"), "clean URL")
	assert.Contains(t, redeem.Header.Get("Cache-Control"), "no-store")
	assertSessionCookie(t, redeem, session)

	assert.Equal(t, wantURL, final.URL)
	assert.Empty(t, token(final.URL))
	assert.Equal(t, http.StatusOK, final.Status)
	assert.Contains(t, final.Body, "Signed in as "+html.EscapeString(name))
}

// assertSessionCookie checks the Set-Cookie a redeemed token produces: the
// session value, Path=/, HttpOnly, SameSite=Lax, host-only, not Secure over
// plain HTTP, a session cookie.
func assertSessionCookie(t *testing.T, h hop, session string) {
	t.Helper()
	cookies := sessionCookies(h)
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

func TestJourneys(t *testing.T) {
	e := newEnv(t)
	checkoutHome := "http://" + checkoutHost + "/"

	t.Run("sign in on the shop, then follow the hand-off link", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").withT(t)
		session := b.signIn(shopHost, "Alice <&>")
		home := b.get("http://" + shopHost + "/")
		require.Contains(t, home.Body, "Signed in as Alice &lt;&amp;&gt;")
		m := handoffLink.FindStringSubmatch(home.Body)
		require.NotNil(t, m, "no hand-off link on the shop page:\n%s", home.Body)

		hops := b.visit(http.MethodGet, "http://"+shopHost+html.UnescapeString(m[1]), nil)
		require.Len(t, hops, 3, "hand-off, clean redirect, page")
		assert.Equal(t, http.StatusSeeOther, hops[0].Status)
		assert.Contains(t, hops[0].Header.Get("Cache-Control"), "no-store", "a response carrying a token")
		assertArrivedSignedIn(t, hops, checkoutHome, "Alice <&>", session)
		assert.Equal(t, session, b.cookie(checkoutHost))
	})

	t.Run("pay: a POST answered with a redirect to the checkout", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").withT(t)
		session := b.signIn(shopHost, "Bob")
		hops := b.visit(http.MethodPost, "http://"+shopHost+"/pay", url.Values{})
		require.Len(t, hops, 3, "pay, clean redirect, page")
		assert.Equal(t, http.StatusFound, hops[0].Status)
		assertArrivedSignedIn(t, hops, checkoutHome+"?from=pay", "Bob", session)
		assert.Contains(t, hops[2].Body, "Thank you for your payment")
	})

	t.Run("sign-in that redirects to the checkout in the same response", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").withT(t)
		hops := b.visit(http.MethodPost, "http://"+shopHost+"/login", url.Values{"name": {"Carol"}, "next": {checkoutHome}})
		require.Len(t, hops, 3, "login, clean redirect, page")
		assert.Equal(t, http.StatusFound, hops[0].Status)
		require.Len(t, sessionCookies(hops[0]), 1, "the login response sets the shop's cookie")
		assert.NotEmpty(t, token(hops[0].Header.Get("Location")), "the login redirect carries a token")
		assertArrivedSignedIn(t, hops, checkoutHome, "Carol", b.cookie(shopHost))
	})

	t.Run("logout redirect carries no token", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").withT(t)
		b.signIn(shopHost, "Dave")
		hops := b.visit(http.MethodPost, "http://"+shopHost+"/logout", url.Values{})
		require.Len(t, hops, 2, "logout, checkout page")
		assert.Equal(t, http.StatusFound, hops[0].Status)
		assert.Equal(t, checkoutHome, hops[0].Header.Get("Location"), "Location untouched")
		assert.Contains(t, hops[1].Body, "not signed in")
		assert.Empty(t, b.cookie(checkoutHost))
	})

	t.Run("signed-out hand-off redirects without a token", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").withT(t)
		assert.Equal(t, checkoutHome, b.handoff(shopHost, checkoutHome))
	})

	t.Run("the checkout hands the session back to the shop", func(t *testing.T) {
		t.Parallel()
		session := e.newBrowser("").withT(t).signIn(shopHost, "Erin")
		b := e.newBrowser("").withT(t)
		b.setCookie(checkoutHost, session) // signed in on the checkout only
		page := b.get(checkoutHome)
		m := handoffLink.FindStringSubmatch(page.Body)
		require.NotNil(t, m, "no hand-off link on the checkout page:\n%s", page.Body)
		hops := b.visit(http.MethodGet, "http://"+checkoutHost+html.UnescapeString(m[1]), nil)
		assertArrivedSignedIn(t, hops, "http://"+shopHost+"/", "Erin", session)
	})

	t.Run("target URL with a port, a path, a query and a fragment", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").withT(t)
		session := b.signIn(shopHost, "Frank")
		target := "http://" + checkoutHost + ":8080/?a=1&b=two#frag"
		loc := b.handoff(shopHost, target)
		require.NotEmpty(t, token(loc), "Location %q", loc)
		u, err := url.Parse(loc)
		require.NoError(t, err)
		assert.Equal(t, "frag", u.Fragment, "fragment kept after the query")
		assert.Equal(t, "1", u.Query().Get("a"))
		assert.Equal(t, "two", u.Query().Get("b"))
		u.Fragment = "" // browsers do not send it
		hops := b.visit(http.MethodGet, u.String(), nil)
		assertArrivedSignedIn(t, hops, "http://"+checkoutHost+":8080/?a=1&b=two", "Frank", session)
	})
}
