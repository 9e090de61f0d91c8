package sessioninjector

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func requireState(c *Config) { c.RequireState = true }

func TestRequireStateSourceSendsAMarker(t *testing.T) {
	backend := &recorder{respond: redirectTo("https://checkout.example.org/cart?x=1")}
	src, _ := newTestHandler(t, backend, func(c *Config) { sourceConfig(c); requireState(c) })
	rec := serve(src, httpsNav(shopHost, "/go", "s1"))
	assert.Equal(t, http.StatusFound, rec.Code)
	assert.Equal(t, "https://checkout.example.org/cart?x=1&_hs_=pull", rec.Header().Get("Location"), "a marker, never a token")

	rec = serve(src, httpsNav(shopHost, "/_session/handoff?to="+url.QueryEscape("https://checkout.example.org/cart"), "s1"))
	assert.Equal(t, "https://checkout.example.org/cart?_hs_=pull", rec.Header().Get("Location"))

	rec = serve(src, httpsNav(shopHost, "/_session/handoff?to="+url.QueryEscape("https://checkout.example.org/cart"), ""))
	assert.Equal(t, "https://checkout.example.org/cart", rec.Header().Get("Location"), "no session, no marker")
}

func TestRequireStateTarget(t *testing.T) {
	shopURL, _ := url.Parse(shopOrigin + "/")
	t.Run("a marker starts a pull that brings the session", func(t *testing.T) {
		g := newPullRig(t, requireState)
		b := newBrowser(t, g, true)
		b.jar.SetCookies(shopURL, []*http.Cookie{{Name: "_session_id", Value: "victim"}})
		rec := b.open("https://checkout.example.org/cart?x=1&_hs_=pull")
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, 3, b.redirect, "to the source, back with the answer, to the clean URL")
		assert.Equal(t, "_session_id=victim", g.backend.req.Header.Get("Cookie"))
		assert.Equal(t, "/cart?x=1", g.backend.req.URL.RequestURI(), "the marker is gone")
	})
	t.Run("a marker starts a pull even while no session is remembered", func(t *testing.T) {
		g := newPullRig(t, requireState)
		b := newBrowser(t, g, true)
		checkoutURL, _ := url.Parse(checkoutOrigin + "/")
		b.jar.SetCookies(checkoutURL, []*http.Cookie{{Name: "__Host-si_nopull", Value: "1"}})
		b.jar.SetCookies(shopURL, []*http.Cookie{{Name: "_session_id", Value: "victim"}})
		b.open("https://checkout.example.org/elsewhere?_hs_=pull")
		assert.Contains(t, g.backend.req.Header.Get("Cookie"), "_session_id=victim")
	})
	t.Run("an attacker's token: refused, and the victim is not signed in as the attacker", func(t *testing.T) {
		for _, victimSignedIn := range []bool{false, true} {
			g := newPullRig(t, requireState)
			b := newBrowser(t, g, true)
			if victimSignedIn {
				b.jar.SetCookies(shopURL, []*http.Cookie{{Name: "_session_id", Value: "victim"}})
			}
			attacker := issueToken(t, g.src, client, "attacker")
			rec := b.open("https://checkout.example.org/cart?_hs_=" + attacker)
			assert.Equal(t, http.StatusOK, rec.Code)
			got := g.backend.req.Header.Get("Cookie")
			assert.NotContains(t, got, "attacker")
			if victimSignedIn {
				assert.Contains(t, got, "_session_id=victim", "the victim's own session, pulled")
			} else {
				assert.NotContains(t, got, "_session_id")
			}
			assert.Contains(t, g.log.String(), "pushed token refused: requireState accepts only a pull this browser started")
			assert.NotContains(t, g.log.String(), attacker, "never a token in the log")
		}
	})
	t.Run("a pushed token while a pull is in flight is refused without a new pull", func(t *testing.T) {
		g := newPullRig(t, func(c *Config) { requireState(c); dies(c) })
		r := httpsNav(checkout, "/cart?_hs_="+issueToken(t, g.src, client, "attacker"), "")
		r.AddCookie(&http.Cookie{Name: "__Host-si_pull", Value: "nonce"})
		rec := serve(g.entry, r)
		assert.Equal(t, http.StatusForbidden, rec.Code)
		assert.Contains(t, rec.Body.String(), "another browser")
		assert.Zero(t, g.backend.calls)
	})
	t.Run("a marker on a target that cannot pull passes on, stripped", func(t *testing.T) {
		backend := &recorder{}
		dst, _ := newTestHandler(t, backend, nil)
		rec := serve(dst, httpsNav(checkout, "/cart?x=1&_hs_=pull", ""))
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, "/cart?x=1", backend.req.URL.RequestURI())
		assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	})
	t.Run("a marker on a POST starts no pull", func(t *testing.T) {
		g := newPullRig(t, requireState)
		r := httpsNav(checkout, "/cart?_hs_=pull", "")
		r.Method = http.MethodPost
		rec := serve(g.entry, r)
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, 1, g.backend.calls)
		assert.Equal(t, "/cart", g.backend.req.URL.RequestURI())
	})
	t.Run("without requireState a pushed token is redeemed as ever", func(t *testing.T) {
		g := newPullRig(t, nil)
		rec := serve(g.entry, httpsNav(checkout, "/cart?_hs_="+issueToken(t, g.src, client, "s1"), ""))
		assert.Equal(t, http.StatusSeeOther, rec.Code)
		assert.True(t, strings.HasPrefix(rec.Header().Get("Set-Cookie"), "_session_id=s1"))
	})
}

func TestRequireStateConfig(t *testing.T) {
	cfg := CreateConfig()
	cfg.Secret = testSecret
	cfg.RequireState = true
	_, err := New(context.Background(), http.NotFoundHandler(), cfg, "mw")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "requireState: a host that only receives needs pull.from")

	cfg.Pull.From = shopOrigin
	built, err := New(context.Background(), http.NotFoundHandler(), cfg, "mw")
	require.NoError(t, err, "pull.from alone is enough: the source's marker starts the pull")
	assert.True(t, built.(*handler).requireState)

	cfg = CreateConfig()
	cfg.Secret = testSecret
	cfg.RequireState = true
	cfg.TargetDomains = []string{checkout}
	_, err = New(context.Background(), http.NotFoundHandler(), cfg, "mw")
	require.NoError(t, err, "a source only sends markers")
}
