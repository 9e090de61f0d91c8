package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// backendView is what the demo app's /_debug/request reports.
type backendView = harness.DemoRequest

// decodeView reads a /_debug/request answer.
func decodeView(t *testing.T, h harness.Hop) backendView {
	t.Helper()
	require.Equal(t, http.StatusOK, h.Status, "%s %s: %s", h.Method, h.URL, h.Body)
	var v backendView
	require.NoError(t, json.Unmarshal([]byte(h.Body), &v), "body %q", h.Body)
	return v
}

// sessionValues returns the values of every _session_id in a Cookie header.
func sessionValues(cookieHeader string) []string {
	return harness.DemoRequest{Cookie: cookieHeader}.Sessions()
}

func TestBackendNeverSeesTheToken(t *testing.T) {
	e := newEnv(t)

	// tokenFor signs a fresh browser in on the shop and returns it with a
	// token URL for target.
	tokenFor := func(t *testing.T, target string) (*harness.Navigator, string, string) {
		t.Helper()
		b := e.newBrowser("").WithT(t)
		session := b.SignIn(shopHost, "Ivan")
		loc := b.Handoff(shopHost, target)
		require.NotEmpty(t, harness.Token(loc))
		return b, session, loc
	}

	t.Run("GET: clean redirect, then the backend sees the cookie and no token", func(t *testing.T) {
		t.Parallel()
		b, session, loc := tokenFor(t, "http://"+checkoutHost+"/_debug/request?x=1&y=2")
		hops := b.Follow(loc)
		require.Len(t, hops, 2)
		assert.Equal(t, http.StatusSeeOther, hops[0].Status)
		v := decodeView(t, hops[1])
		assert.Equal(t, "/_debug/request?x=1&y=2", v.RequestURI)
		assert.NotContains(t, v.RawQuery, harness.TokenParam)
		assert.Equal(t, []string{session}, sessionValues(v.Cookie))
	})

	t.Run("POST: redeemed by a 303, its body never reaches the backend", func(t *testing.T) {
		t.Parallel()
		b, session, loc := tokenFor(t, "http://"+checkoutHost+"/_debug/request?x=1")
		h := b.Send(http.MethodPost, loc, url.Values{"field": {"value"}})
		assert.Equal(t, http.StatusSeeOther, h.Status, h.Body)
		assert.Equal(t, "http://"+checkoutHost+"/_debug/request?x=1", h.Header.Get("Location"))
		harness.AssertSessionCookie(t, h, session)
		v := decodeView(t, b.Get(h.Header.Get("Location")))
		assert.Equal(t, http.MethodGet, v.Method, "the browser follows the 303 with a GET")
		assert.Equal(t, []string{session}, sessionValues(v.Cookie), "Cookie header %q", v.Cookie)
	})

	t.Run("a stale cookie of the same name is replaced, not doubled", func(t *testing.T) {
		t.Parallel()
		b, session, loc := tokenFor(t, "http://"+checkoutHost+"/_debug/request")
		b.SetCookie(checkoutHost, "stale-session")
		hops := b.Follow(loc)
		v := decodeView(t, hops[len(hops)-1])
		assert.Equal(t, []string{session}, sessionValues(v.Cookie), "Cookie header %q", v.Cookie)
	})

	t.Run("dieOnHandshakeFailure false: a bad token is stripped and the request goes on", func(t *testing.T) {
		t.Parallel()
		b, _, loc := tokenFor(t, "http://"+checkoutLax+"/_debug/request?x=1")
		bad := harness.WithToken(t, loc, flip(harness.Token(loc)))
		hops := b.Follow(bad)
		last := hops[len(hops)-1]
		v := decodeView(t, last)
		assert.NotContains(t, v.RequestURI, harness.TokenParam)
		assert.Contains(t, v.RequestURI, "x=1")
		assert.Empty(t, sessionValues(v.Cookie))
		for _, h := range hops {
			assert.Empty(t, harness.SessionCookies(h), "no session cookie at %s", h.URL)
		}
		assert.Empty(t, b.Cookie(checkoutLax))
	})

	t.Run("dieOnHandshakeFailure false: a replayed token is stripped too", func(t *testing.T) {
		t.Parallel()
		b, session, loc := tokenFor(t, "http://"+checkoutLax+"/_debug/request")
		first := b.Follow(loc)
		assert.Equal(t, []string{session}, sessionValues(decodeView(t, first[len(first)-1]).Cookie), "a good token still works")

		other := e.newBrowser("").WithT(t)
		hops := other.Follow(loc)
		v := decodeView(t, hops[len(hops)-1])
		assert.NotContains(t, v.RequestURI, harness.TokenParam)
		assert.Empty(t, sessionValues(v.Cookie))
	})
}
