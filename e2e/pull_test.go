package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// newPullEnv starts the demo app and a Traefik where the checkout pulls
// the session from the shop on every path, leading refused answers on
// (dieOnHandshakeFailure false).
func newPullEnv(t *testing.T) *env {
	t.Helper()
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	d := harness.ShopCheckout(harness.ShopCheckoutOptions{App: app})
	d.Site("checkout", injector(secretMain, nil, map[string]any{
		"dieOnHandshakeFailure": false,
		"pull":                  map[string]any{"from": "http://" + shopHost, "paths": []string{"/"}},
	}), checkoutHost)
	return &env{t: t, tr: harness.Start(t, harness.Options{Dynamic: d})}
}

// TestPullJourneys opens the checkout directly, through the real Traefik.
func TestPullJourneys(t *testing.T) {
	e := newPullEnv(t)
	page := "http://" + checkoutHost + "/?from=bookmark"
	pullPrefix := "http://" + shopHost + "/_session/pull?return=" + url.QueryEscape(page) + "&state="

	t.Run("signed in on the shop: arrive signed in, on a clean URL", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").WithT(t)
		session := b.SignIn(shopHost, "Grace")
		hops := b.Follow(page)
		require.Len(t, hops, 4, "to the shop, back with the answer, the clean URL, the page")
		assert.Equal(t, http.StatusSeeOther, hops[0].Status)
		assert.True(t, strings.HasPrefix(hops[0].Header.Get("Location"), pullPrefix), hops[0].Header.Get("Location"))
		assert.Equal(t, http.StatusSeeOther, hops[1].Status, "the shop's pull endpoint: %s", hops[1].Body)
		harness.AssertArrivedSignedIn(t, hops, page, "Grace", session)
		assert.Equal(t, session, b.Cookie(checkoutHost))

		hops = b.Follow(page)
		require.Len(t, hops, 1, "signed in now: no pull")
		assert.Contains(t, hops[0].Body, "Signed in as Grace")
	})

	t.Run("anonymous: one bounce, then none while remembered", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").WithT(t)
		hops := b.Follow(page)
		require.Len(t, hops, 4, "to the shop, back with the answer, the clean URL, the page")
		assert.True(t, strings.HasPrefix(hops[0].Header.Get("Location"), pullPrefix))
		assert.NotEmpty(t, harness.Token(hops[1].Header.Get("Location")), "the shop answers: no session")
		assert.Equal(t, page, hops[2].Header.Get("Location"))
		assert.Contains(t, strings.Join(hops[2].Header.Values("Set-Cookie"), "\n"), "si_nopull=1; Path=/; Max-Age=600")
		assert.Equal(t, page, hops[3].URL)
		assert.Contains(t, hops[3].Body, "You are not signed in.")
		assert.Empty(t, b.Cookie(checkoutHost))

		hops = b.Follow(page)
		require.Len(t, hops, 1, "no bounce while the memory lasts")
		assert.Equal(t, http.StatusOK, hops[0].Status)
	})

	t.Run("a pull started in one client and finished in another is refused", func(t *testing.T) {
		t.Parallel()
		alice := e.newBrowser("").WithT(t)
		alice.SignIn(shopHost, "Heidi")
		start := alice.Get(page)
		require.Equal(t, http.StatusSeeOther, start.Status)
		answer := alice.Get(start.Header.Get("Location"))
		require.Equal(t, http.StatusSeeOther, answer.Status)
		answerURL := answer.Header.Get("Location")
		require.NotEmpty(t, harness.Token(answerURL))

		// Another browser on the same address, with a pull of its own in flight.
		other := e.newBrowser("").WithT(t)
		own := other.Get(page)
		require.Equal(t, http.StatusSeeOther, own.Status, "its own pull starts")
		hops := other.Follow(answerURL)
		require.Len(t, hops, 1, "served as it is: no 303 that could start the pull again")
		assert.Equal(t, http.StatusOK, hops[0].Status)
		assert.Contains(t, hops[0].Body, "You are not signed in.")
		assert.Empty(t, other.Cookie(checkoutHost), "not signed in")

		// And a browser with no pull in flight at all.
		third := e.newBrowser("").WithT(t)
		hops = third.Follow(answerURL)
		require.Len(t, hops, 1)
		assert.Contains(t, hops[0].Body, "You are not signed in.")
		assert.Empty(t, third.Cookie(checkoutHost))
	})

	t.Run("the pull endpoint refuses a return URL to a host not allowed", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").WithT(t)
		b.SignIn(shopHost, "Ivan")
		h := b.Get("http://" + shopHost + "/_session/pull?" + url.Values{"return": {"http://evil.test/"}, "state": {"c3RhdGU"}}.Encode())
		assert.Equal(t, http.StatusBadRequest, h.Status)
		assert.Empty(t, h.Header.Get("Location"))
		assert.Equal(t, "session pull: 'return' must be an absolute http(s) URL to an allowed host\n", h.Body)
	})
}
