package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Sign out everywhere, through the real Traefik in front of the demo app.
// The demo's shop and checkout share one server-side session store, so a
// page saying "not signed in" proves little: these tests look at the
// cookies in the browser's jar, which is what the plugin clears.

const (
	// shopSolo is a shop that signs out on itself only (signOutEverywhere
	// false), handing sessions to checkoutHost.
	shopSolo = "shop-solo.test"
	// signOutPath is the sign-out endpoint, the same on every host.
	signOutPath = "/_session/signout"
	// peersCookie is the plugin's record of where the session went, over
	// plain HTTP.
	peersCookie = "si_peers"
	// invalidSignOutLink is the heading of the page a sign-out link that
	// does not open gets.
	invalidSignOutLink = "<h1>This sign-out link is not valid</h1>"
)

// newSignOutEnv starts the demo app and a Traefik where the shop hands
// sessions to the checkout (which hands none back), both signing out
// everywhere, and shopSolo, which does not.
func newSignOutEnv(t *testing.T) *env {
	t.Helper()
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	d := harness.ShopCheckout(harness.ShopCheckoutOptions{
		App:      app,
		Settings: map[string]any{"signOutEverywhere": true, "signOutPath": signOutPath},
	})
	d.Site("shop-solo", injector(secretMain, []string{checkoutHost}, map[string]any{"signOutEverywhere": false}), shopSolo)
	return &env{t: t, tr: harness.Start(t, harness.Options{Dynamic: d})}
}

// toCheckout signs name in on the shop and carries the session to the
// checkout, and returns the session.
type toCheckout func(t *testing.T, b *harness.Navigator, name string) string

// waysToCheckout are the ways a session reaches the checkout with a token.
var waysToCheckout = []struct {
	name   string
	arrive toCheckout
}{
	{"pay", func(t *testing.T, b *harness.Navigator, name string) string {
		session := b.SignIn(shopHost, name)
		hops := b.Visit(http.MethodPost, "http://"+shopHost+"/pay", url.Values{})
		harness.AssertArrivedSignedIn(t, hops, "http://"+checkoutHost+"/?from=pay", name, session)
		return session
	}},
	{"hand-off link", func(t *testing.T, b *harness.Navigator, name string) string {
		session := b.SignIn(shopHost, name)
		hops := b.Follow("http://" + shopHost + harness.HandoffPath + "?" + url.Values{"to": {"http://" + checkoutHost + "/"}}.Encode())
		harness.AssertArrivedSignedIn(t, hops, "http://"+checkoutHost+"/", name, session)
		return session
	}},
	{"sign-in that redirects to the checkout", func(t *testing.T, b *harness.Navigator, name string) string {
		hops := b.Visit(http.MethodPost, "http://"+shopHost+"/login", url.Values{"name": {name}, "next": {"http://" + checkoutHost + "/"}})
		session := b.Cookie(shopHost)
		harness.AssertArrivedSignedIn(t, hops, "http://"+checkoutHost+"/", name, session)
		return session
	}},
}

// signedInOnBoth signs a new browser in on the shop and carries the
// session to the checkout by pay, and returns the browser.
func signedInOnBoth(t *testing.T, e *env, name string) *harness.Navigator {
	t.Helper()
	b := e.newBrowser("").WithT(t)
	session := waysToCheckout[0].arrive(t, b, name)
	require.Equal(t, session, b.Cookie(checkoutHost), "signed in on the checkout")
	return b
}

// assertExpiresSession checks that a sign-out hop's answer expires the
// session cookie with the plugin's cookie attributes.
func assertExpiresSession(t *testing.T, h harness.Hop) {
	t.Helper()
	cookies := harness.SessionCookies(h)
	require.Len(t, cookies, 1, "Set-Cookie: %q", h.Header.Values("Set-Cookie"))
	c := cookies[0]
	assert.Empty(t, c.Value)
	assert.Negative(t, c.MaxAge, "Max-Age=0: %q", h.Header.Values("Set-Cookie"))
	assert.Equal(t, "/", c.Path)
	assert.True(t, c.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
	assert.Contains(t, strings.Join(h.Header.Values("Set-Cookie"), "\n"), peersCookie+"=; Path=/; Max-Age=0", "the record is deleted too")
}

// TestSignOutEverywhere checks the journeys that end a session on one
// host and must end it on the other: the checkout's cookie (or the
// shop's) is gone from the browser's jar, the hops go through the other
// host's sign-out endpoint, and the browser ends where the app's own
// logout sent it.
func TestSignOutEverywhere(t *testing.T) {
	e := newSignOutEnv(t)
	checkoutHome := "http://" + checkoutHost + "/"

	for _, way := range waysToCheckout {
		t.Run("to the checkout by "+way.name+", then sign out on the shop", func(t *testing.T) {
			t.Parallel()
			b := e.newBrowser("").WithT(t)
			session := way.arrive(t, b, "Ada")
			require.Equal(t, session, b.Cookie(checkoutHost))
			require.NotEmpty(t, b.CookieNamed(shopHost, peersCookie), "the shop recorded where the session went")
			require.NotEmpty(t, b.CookieNamed(checkoutHost, peersCookie), "the checkout recorded where it came from")

			hops := b.Visit(http.MethodPost, "http://"+shopHost+"/logout", url.Values{})
			t.Logf("sign out on the shop: %d hops", len(hops))
			require.Len(t, hops, 3, "logout, the checkout's sign-out endpoint, the logout's own Location")
			assert.Equal(t, http.StatusSeeOther, hops[0].Status, "the logout's 302 becomes a 303")
			assert.True(t, strings.HasPrefix(hops[0].Header.Get("Location"), "http://"+checkoutHost+signOutPath+"?"+harness.TokenParam+"="),
				"Location %q", hops[0].Header.Get("Location"))
			assert.Contains(t, hops[0].Header.Get("Cache-Control"), "no-store")
			require.Len(t, harness.SessionCookies(hops[0]), 1, "the app's own Set-Cookie is kept")
			assert.Negative(t, harness.SessionCookies(hops[0])[0].MaxAge)

			assert.Equal(t, http.StatusSeeOther, hops[1].Status, "%s", hops[1].Body)
			assert.Equal(t, checkoutHome, hops[1].Header.Get("Location"), "the chain ends where the app's logout pointed")
			assert.Contains(t, hops[1].Header.Get("Cache-Control"), "no-store")
			assertExpiresSession(t, hops[1])

			assert.Equal(t, checkoutHome, hops[2].URL)
			assert.Equal(t, http.StatusOK, hops[2].Status)
			assert.Contains(t, hops[2].Body, `id="origin">none</span>`, "the checkout received no session cookie")
			for _, host := range []string{shopHost, checkoutHost} {
				assert.Empty(t, b.Cookie(host), "session cookie on %s", host)
				assert.Empty(t, b.CookieNamed(host, peersCookie), "record on %s", host)
			}
		})
	}

	t.Run("sign out on the checkout: the shop's cookie is gone too", func(t *testing.T) {
		t.Parallel()
		b := signedInOnBoth(t, e, "Bea")
		page := b.Get(checkoutHome)
		require.Contains(t, page.Body, `<button id="logout">Sign out</button>`)

		hops := b.Visit(http.MethodPost, "http://"+checkoutHost+"/logout", url.Values{})
		t.Logf("sign out on the checkout: %d hops", len(hops))
		require.Len(t, hops, 3, "logout, the shop's sign-out endpoint, the checkout's home")
		assert.Equal(t, http.StatusSeeOther, hops[0].Status)
		assert.True(t, strings.HasPrefix(hops[0].Header.Get("Location"), "http://"+shopHost+signOutPath+"?"+harness.TokenParam+"="),
			"Location %q", hops[0].Header.Get("Location"))
		assert.Equal(t, "http://"+shopHost+signOutPath, strings.SplitN(hops[1].URL, "?", 2)[0])
		assert.Equal(t, http.StatusSeeOther, hops[1].Status, "%s", hops[1].Body)
		assert.Equal(t, checkoutHome, hops[1].Header.Get("Location"))
		assertExpiresSession(t, hops[1])
		assert.Equal(t, checkoutHome, hops[2].URL)
		assert.Contains(t, hops[2].Body, "You are not signed in.")
		for _, host := range []string{shopHost, checkoutHost} {
			assert.Empty(t, b.Cookie(host), "session cookie on %s", host)
			assert.Empty(t, b.CookieNamed(host, peersCookie), "record on %s", host)
		}
		shop := b.Get("http://" + shopHost + "/")
		assert.Contains(t, shop.Body, `id="origin">none</span>`, "the shop received no session cookie")
	})

	t.Run("signOutEverywhere false on the shop: the checkout stays signed in", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").WithT(t)
		session := b.SignIn(shopSolo, "Cy")
		hops := b.Visit(http.MethodPost, "http://"+shopSolo+"/pay", url.Values{})
		harness.AssertArrivedSignedIn(t, hops, checkoutHome+"?from=pay", "Cy", session)
		assert.Empty(t, b.CookieNamed(shopSolo, peersCookie), "a shop that does not sign out everywhere keeps no record")

		hops = b.Visit(http.MethodPost, "http://"+shopSolo+"/logout", url.Values{})
		require.Len(t, hops, 2, "logout, the checkout: no sign-out hop")
		assert.Equal(t, http.StatusFound, hops[0].Status)
		assert.Equal(t, checkoutHome, hops[0].Header.Get("Location"), "Location untouched")
		assert.Empty(t, b.Cookie(shopSolo), "signed out on the shop")
		assert.Equal(t, session, b.Cookie(checkoutHost), "the checkout's cookie stays in the jar")
	})
}

// randomToken is a well-formed token of n random bytes that no key seals.
func randomToken(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}

// signOutLink signs a new browser in on both hosts, signs it out on from
// without following the chain, and returns the first hop's URL: a
// sign-out link made for the other host, not yet used.
func signOutLink(t *testing.T, e *env, from string) string {
	t.Helper()
	b := signedInOnBoth(t, e, "Link")
	h := b.Send(http.MethodPost, "http://"+from+"/logout", url.Values{})
	require.Equal(t, http.StatusSeeOther, h.Status, "%s", h.Body)
	loc := h.Header.Get("Location")
	require.NotEmpty(t, harness.Token(loc), "Location %q", loc)
	return loc
}

// TestSignOutLinkRefusals opens sign-out links that are not one a chain
// made for this host: a page says so, nothing is cleared and the browser
// stays signed in on both hosts; requests that are not a navigation with
// one token are refused in plain text.
func TestSignOutLinkRefusals(t *testing.T) {
	e := newSignOutEnv(t)
	forCheckout := harness.Token(signOutLink(t, e, shopHost)) // sealed for the checkout
	forShop := harness.Token(signOutLink(t, e, checkoutHost)) // sealed for the shop
	handoff := e.newBrowser("").WithT(t)
	handoff.SignIn(shopHost, "Hal")
	handoffToken := harness.Token(handoff.Handoff(shopHost, "http://"+checkoutHost+"/"))
	require.NotEmpty(t, handoffToken)

	forged := []struct {
		name, host, token string
	}{
		{"a random token on the shop", shopHost, randomToken(t, 80)},
		{"a random token on the checkout", checkoutHost, randomToken(t, 80)},
		{"a token made for the checkout, on the shop", shopHost, forCheckout},
		{"a token made for the shop, on the checkout", checkoutHost, forShop},
		{"a cut token on the checkout", checkoutHost, forCheckout[:len(forCheckout)-4]},
		{"a cut token on the shop", shopHost, forShop[:len(forShop)-4]},
		{"a hand-off token on the checkout", checkoutHost, handoffToken},
	}
	for _, tt := range forged {
		t.Run(tt.name, func(t *testing.T) {
			b := signedInOnBoth(t, e, "Ida")
			shopSession, checkoutSession := b.Cookie(shopHost), b.Cookie(checkoutHost)
			h := b.Get("http://" + tt.host + signOutPath + "?" + url.Values{harness.TokenParam: {tt.token}}.Encode())
			assert.Equal(t, http.StatusBadRequest, h.Status)
			assert.True(t, strings.HasPrefix(h.Header.Get("Content-Type"), "text/html"), h.Header.Get("Content-Type"))
			assert.Contains(t, h.Header.Get("Content-Security-Policy"), "default-src 'none'")
			assert.Contains(t, h.Header.Get("Cache-Control"), "no-store")
			assert.Contains(t, h.Body, invalidSignOutLink)
			assert.Contains(t, h.Body, "Nothing was changed")
			assert.Contains(t, h.Body, `<a href="`+html.EscapeString("http://"+tt.host+"/")+`">`)
			assert.Empty(t, h.Header.Values("Set-Cookie"))
			assert.Empty(t, h.Header.Get("Location"))
			assert.Equal(t, shopSession, b.Cookie(shopHost), "still signed in on the shop")
			assert.Equal(t, checkoutSession, b.Cookie(checkoutHost), "still signed in on the checkout")
			assert.NotEmpty(t, b.CookieNamed(shopHost, peersCookie))
			assert.NotEmpty(t, b.CookieNamed(checkoutHost, peersCookie))
		})
	}

	endpoint := "http://" + checkoutHost + signOutPath
	plain := []struct {
		name, method, query string
		header              http.Header
		status              int
		body                string
	}{
		{"a POST", http.MethodPost, "?" + harness.TokenParam + "=" + forCheckout, nil, http.StatusMethodNotAllowed, "session sign-out: method not allowed\n"},
		{"a fetch", http.MethodGet, "?" + harness.TokenParam + "=" + forCheckout, http.Header{"Sec-Fetch-Mode": {"cors"}}, http.StatusBadRequest,
			"session sign-out: only a top-level navigation is answered\n"},
		{"two tokens", http.MethodGet, "?" + harness.TokenParam + "=" + forCheckout + "&" + harness.TokenParam + "=" + forCheckout, nil, http.StatusBadRequest,
			"session sign-out: exactly one '_hs_' parameter is required\n"},
	}
	t.Run("without the token parameter the path is the app's", func(t *testing.T) {
		b := signedInOnBoth(t, e, "Jo")
		checkoutSession := b.Cookie(checkoutHost)
		h, err := harness.Navigate(b.Client(), http.MethodGet, endpoint, nil, nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusNotFound, h.Status, "the demo app's own 404")
		assert.Empty(t, h.Header.Values("Set-Cookie"))
		assert.Equal(t, checkoutSession, b.Cookie(checkoutHost), "still signed in on the checkout")
	})
	for _, tt := range plain {
		t.Run(tt.name+" is refused in plain text", func(t *testing.T) {
			b := signedInOnBoth(t, e, "Jo")
			checkoutSession := b.Cookie(checkoutHost)
			h, err := harness.Navigate(b.Client(), tt.method, endpoint+tt.query, nil, tt.header)
			require.NoError(t, err)
			assert.Equal(t, tt.status, h.Status)
			assert.Equal(t, tt.body, h.Body)
			assert.True(t, strings.HasPrefix(h.Header.Get("Content-Type"), "text/plain"), h.Header.Get("Content-Type"))
			assert.Empty(t, h.Header.Values("Set-Cookie"))
			assert.Empty(t, h.Header.Get("Location"))
			assert.Equal(t, checkoutSession, b.Cookie(checkoutHost), "still signed in on the checkout")
		})
	}
}

// TestSignOutLinkSpent opens valid sign-out links that may no longer
// sign anybody out: one used already, and one opened by another client.
// Either clears nothing and sends the browser to the chain's end.
func TestSignOutLinkSpent(t *testing.T) {
	e := newSignOutEnv(t)
	checkoutHome := "http://" + checkoutHost + "/"

	t.Run("a replayed hop", func(t *testing.T) {
		b := signedInOnBoth(t, e, "Kim")
		hops := b.Visit(http.MethodPost, "http://"+shopHost+"/logout", url.Values{})
		require.Len(t, hops, 3)
		hop := hops[1].URL
		require.Empty(t, b.Cookie(checkoutHost), "signed out on the checkout")

		// Signed in again on both, then the used link once more.
		session := waysToCheckout[0].arrive(t, b, "Kim")
		h := b.Get(hop)
		assert.Equal(t, http.StatusSeeOther, h.Status, "%s", h.Body)
		assert.Equal(t, checkoutHome, h.Header.Get("Location"), "to the chain's end")
		assert.Empty(t, h.Header.Values("Set-Cookie"), "nothing cleared")
		assert.Equal(t, session, b.Cookie(checkoutHost), "still signed in on the checkout")
		assert.Equal(t, session, b.Cookie(shopHost), "still signed in on the shop")
		assert.NotEmpty(t, b.CookieNamed(checkoutHost, peersCookie), "the record stays")
	})

	t.Run("a hop opened by another client", func(t *testing.T) {
		link := signOutLink(t, e, shopHost) // made for 127.0.0.1
		other := e.newBrowser("127.0.0.2").WithT(t)
		session := other.SignIn(shopHost, "Lou")
		hops := other.Visit(http.MethodPost, "http://"+shopHost+"/pay", url.Values{})
		harness.AssertArrivedSignedIn(t, hops, checkoutHome+"?from=pay", "Lou", session)

		h := other.Get(link)
		assert.Equal(t, http.StatusSeeOther, h.Status, "%s", h.Body)
		assert.Equal(t, checkoutHome, h.Header.Get("Location"), "to the chain's end")
		assert.Empty(t, h.Header.Values("Set-Cookie"), "nothing cleared")
		assert.Equal(t, session, other.Cookie(checkoutHost), "still signed in on the checkout")
	})
}
