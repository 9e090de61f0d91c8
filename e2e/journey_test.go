package e2e

import (
	"html"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

func TestJourneys(t *testing.T) {
	e := newEnv(t)
	checkoutHome := "http://" + checkoutHost + "/"

	t.Run("sign in on the shop, then follow the hand-off link", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").WithT(t)
		session := b.SignIn(shopHost, "Alice <&>")
		home := b.Get("http://" + shopHost + "/")
		require.Contains(t, home.Body, "Signed in as Alice &lt;&amp;&gt;")
		m := harness.HandoffLink.FindStringSubmatch(home.Body)
		require.NotNil(t, m, "no hand-off link on the shop page:\n%s", home.Body)

		hops := b.Follow("http://" + shopHost + html.UnescapeString(m[1]))
		require.Len(t, hops, 3, "hand-off, clean redirect, page")
		assert.Equal(t, http.StatusSeeOther, hops[0].Status)
		assert.Contains(t, hops[0].Header.Get("Cache-Control"), "no-store", "a response carrying a token")
		harness.AssertArrivedSignedIn(t, hops, checkoutHome, "Alice <&>", session)
		assert.Equal(t, session, b.Cookie(checkoutHost))
	})

	t.Run("pay: a POST answered with a redirect to the checkout", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").WithT(t)
		session := b.SignIn(shopHost, "Bob")
		hops := b.Visit(http.MethodPost, "http://"+shopHost+"/pay", url.Values{})
		require.Len(t, hops, 3, "pay, clean redirect, page")
		assert.Equal(t, http.StatusFound, hops[0].Status)
		harness.AssertArrivedSignedIn(t, hops, checkoutHome+"?from=pay", "Bob", session)
		assert.Contains(t, hops[2].Body, "Thank you for your payment")
	})

	t.Run("sign-in that redirects to the checkout in the same response", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").WithT(t)
		hops := b.Visit(http.MethodPost, "http://"+shopHost+"/login", url.Values{"name": {"Carol"}, "next": {checkoutHome}})
		require.Len(t, hops, 3, "login, clean redirect, page")
		assert.Equal(t, http.StatusFound, hops[0].Status)
		require.Len(t, harness.SessionCookies(hops[0]), 1, "the login response sets the shop's cookie")
		assert.NotEmpty(t, harness.Token(hops[0].Header.Get("Location")), "the login redirect carries a token")
		harness.AssertArrivedSignedIn(t, hops, checkoutHome, "Carol", b.Cookie(shopHost))
	})

	t.Run("logout redirect carries no token", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").WithT(t)
		b.SignIn(shopHost, "Dave")
		hops := b.Visit(http.MethodPost, "http://"+shopHost+"/logout", url.Values{})
		require.Len(t, hops, 2, "logout, checkout page")
		assert.Equal(t, http.StatusFound, hops[0].Status)
		assert.Equal(t, checkoutHome, hops[0].Header.Get("Location"), "Location untouched")
		assert.Contains(t, hops[1].Body, "not signed in")
		assert.Empty(t, b.Cookie(checkoutHost))
	})

	t.Run("signed-out hand-off redirects without a token", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").WithT(t)
		assert.Equal(t, checkoutHome, b.Handoff(shopHost, checkoutHome))
	})

	t.Run("the checkout hands the session back to the shop", func(t *testing.T) {
		t.Parallel()
		session := e.newBrowser("").WithT(t).SignIn(shopHost, "Erin")
		b := e.newBrowser("").WithT(t)
		b.SetCookie(checkoutHost, session) // signed in on the checkout only
		page := b.Get(checkoutHome)
		m := harness.HandoffLink.FindStringSubmatch(page.Body)
		require.NotNil(t, m, "no hand-off link on the checkout page:\n%s", page.Body)
		hops := b.Follow("http://" + checkoutHost + html.UnescapeString(m[1]))
		harness.AssertArrivedSignedIn(t, hops, "http://"+shopHost+"/", "Erin", session)
	})

	t.Run("target URL with a port, a path, a query and a fragment", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").WithT(t)
		session := b.SignIn(shopHost, "Frank")
		target := "http://" + checkoutHost + ":8080/?a=1&b=two#frag"
		loc := b.Handoff(shopHost, target)
		require.NotEmpty(t, harness.Token(loc), "Location %q", loc)
		u, err := url.Parse(loc)
		require.NoError(t, err)
		assert.Equal(t, "frag", u.Fragment, "fragment kept after the query")
		assert.Equal(t, "1", u.Query().Get("a"))
		assert.Equal(t, "two", u.Query().Get("b"))
		u.Fragment = "" // browsers do not send it
		hops := b.Follow(u.String())
		harness.AssertArrivedSignedIn(t, hops, "http://"+checkoutHost+":8080/?a=1&b=two", "Frank", session)
	})
}
