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

// requireState through the real Traefik: the shop and the checkout both
// run with it, the checkout pulling from the shop (pull.from, no
// pull.paths: it pulls only after the shop's marker). The pull endpoint's
// refusal of a return URL to a host not allowed is in pull_test.go.

const (
	// shopPush seals real tokens for checkoutHost and checkoutOpen with
	// the same secret, without requireState: how an attacker gets a token
	// carrying their own session.
	shopPush = "shop-push.test"
	// checkoutOpen redeems pushed tokens (no requireState): the control
	// that shows an attacker's token is worth something.
	checkoutOpen = "checkout-open.test"
	// pushedRefused is the plugin's log line for a pushed token that
	// requireState refuses.
	pushedRefused = "pushed token refused: requireState accepts only a pull this browser started"
)

// newRequireStateEnv starts the demo app and a Traefik serving a shop and
// a checkout that require state, shopPush and checkoutOpen.
func newRequireStateEnv(t *testing.T) *env {
	t.Helper()
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	d := harness.ShopCheckout(harness.ShopCheckoutOptions{App: app, Settings: map[string]any{"requireState": true}})
	d.Site("checkout", injector(secretMain, nil, map[string]any{
		"requireState": true,
		"pull":         map[string]any{"from": "http://" + shopHost},
	}), checkoutHost)
	d.Site("shop-push", injector(secretMain, []string{checkoutHost, checkoutOpen}, nil), shopPush)
	d.Site("checkout-open", injector(secretMain, nil, nil), checkoutOpen)
	return &env{t: t, tr: harness.Start(t, harness.Options{Dynamic: d})}
}

// attackerToken signs an attacker in on shopPush in a browser of their
// own and returns the URL of that shop's hand-off to target: a real
// token carrying the attacker's session, not yet used, and the session.
func attackerToken(t *testing.T, e *env, target string) (string, string) {
	t.Helper()
	attacker := e.newBrowser("").WithT(t)
	session := attacker.SignIn(shopPush, "Mallory")
	loc := attacker.Handoff(shopPush, target)
	require.NotEmpty(t, harness.Token(loc), "Location %q", loc)
	require.NotEqual(t, "pull", harness.Token(loc), "a real token, not the marker")
	return loc, session
}

// TestRequireStateLoginCSRF sends a victim (signed in on the shop as
// themselves, or not at all) a link to the checkout carrying an
// attacker's token or a marker: the victim never ends up with the
// attacker's session, only with what a pull of their own brings.
func TestRequireStateLoginCSRF(t *testing.T) {
	e := newRequireStateEnv(t)
	page := "http://" + checkoutHost + "/?from=mail"
	pullPrefix := "http://" + shopHost + "/_session/pull?return=" + url.QueryEscape(page) + "&state="

	t.Run("control: the attacker's token signs a victim in where requireState is off", func(t *testing.T) {
		t.Parallel()
		link, attacker := attackerToken(t, e, "http://"+checkoutOpen+"/")
		victim := e.newBrowser("").WithT(t)
		hops := victim.Follow(link)
		harness.AssertArrivedSignedIn(t, hops, "http://"+checkoutOpen+"/", "Mallory", attacker)
	})

	links := []struct {
		name string
		link func(t *testing.T) (string, string) // the URL and the attacker's session ("" for none)
	}{
		{"the attacker's pushed token", func(t *testing.T) (string, string) {
			return attackerToken(t, e, page)
		}},
		{"a pull marker", func(*testing.T) (string, string) {
			return page + "&" + harness.TokenParam + "=pull", ""
		}},
	}
	victims := []struct {
		name   string
		signIn string // the victim's name on the shop, "" for anonymous
	}{
		{"signed in on the shop", "Victor"},
		{"anonymous", ""},
	}
	for _, l := range links {
		for _, v := range victims {
			t.Run(l.name+", victim "+v.name, func(t *testing.T) {
				t.Parallel()
				link, attacker := l.link(t)
				victim := e.newBrowser("").WithT(t)
				own := ""
				if v.signIn != "" {
					own = victim.SignIn(shopHost, v.signIn)
				}
				hops := victim.Follow(link)
				t.Logf("%d hops", len(hops))
				require.Len(t, hops, 4, "the link, the shop's pull endpoint, the answer, the page")
				assert.Equal(t, http.StatusSeeOther, hops[0].Status, "%s", hops[0].Body)
				assert.True(t, strings.HasPrefix(hops[0].Header.Get("Location"), pullPrefix), "a pull starts: %q", hops[0].Header.Get("Location"))
				assert.Empty(t, harness.SessionCookies(hops[0]), "the link itself sets no session")
				assert.Equal(t, page, hops[3].URL, "the clean URL")
				assert.Equal(t, http.StatusOK, hops[3].Status)
				got := victim.Cookie(checkoutHost)
				if attacker != "" {
					assert.NotEqual(t, attacker, got, "never the attacker's session")
					assert.NotContains(t, hops[3].Body, "Mallory")
				}
				if own != "" {
					harness.AssertArrivedSignedIn(t, hops, page, v.signIn, own)
					assert.Equal(t, own, got, "the victim's own session, pulled")
				} else {
					assert.Contains(t, hops[3].Body, "You are not signed in.")
					assert.Empty(t, got, "anonymous on the checkout")
				}
			})
		}
	}

	t.Run("the attacker's token while a pull is in flight: refused", func(t *testing.T) {
		t.Parallel()
		link, _ := attackerToken(t, e, page)
		victim := e.newBrowser("").WithT(t)
		start := victim.Get(page + "&" + harness.TokenParam + "=pull")
		require.Equal(t, http.StatusSeeOther, start.Status, "a pull starts and is left in flight")
		h := victim.Get(link)
		harness.AssertRefused(t, victim, h, "wrong browser")
	})

	// Not parallel: it runs while the others wait, so the log line is its own.
	t.Run("the checkout logs a refused pushed token", func(t *testing.T) {
		link, _ := attackerToken(t, e, page)
		before := strings.Count(e.tr.Log(), pushedRefused)
		e.newBrowser("").WithT(t).Get(link)
		assert.Equal(t, before+1, strings.Count(e.tr.Log(), pushedRefused), "one log line for one pushed token")
	})
}

// TestRequireStateHandoff checks the normal journeys with requireState:
// the shop's redirect or hand-off carries the marker, not a token, the
// checkout pulls the session, and the browser arrives signed in on the
// clean URL; signing out on the shop then signs out on the checkout too.
func TestRequireStateHandoff(t *testing.T) {
	e := newRequireStateEnv(t)
	checkoutHome := "http://" + checkoutHost + "/"

	ways := []struct {
		name    string
		journey func(b *harness.Navigator) []harness.Hop // the journey from a signed-in shop
		signIn  bool
		page    string // where the browser arrives
		status  int    // the shop's first answer
	}{
		{"the hand-off link", func(b *harness.Navigator) []harness.Hop {
			return b.Follow("http://" + shopHost + harness.HandoffPath + "?" + url.Values{"to": {checkoutHome}}.Encode())
		}, true, checkoutHome, http.StatusSeeOther},
		{"pay", func(b *harness.Navigator) []harness.Hop {
			return b.Visit(http.MethodPost, "http://"+shopHost+"/pay", url.Values{})
		}, true, checkoutHome + "?from=pay", http.StatusFound},
		{"sign-in that redirects to the checkout", func(b *harness.Navigator) []harness.Hop {
			return b.Visit(http.MethodPost, "http://"+shopHost+"/login", url.Values{"name": {"Nell"}, "next": {checkoutHome}})
		}, false, checkoutHome, http.StatusFound},
	}
	for _, w := range ways {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			b := e.newBrowser("").WithT(t)
			if w.signIn {
				b.SignIn(shopHost, "Nell")
			}
			hops := w.journey(b)
			session := b.Cookie(shopHost)
			require.NotEmpty(t, session)
			t.Logf("%s with requireState: %d hops", w.name, len(hops))
			require.Len(t, hops, 5, "the shop, the marker, the shop's pull endpoint, the answer, the page")
			assert.Equal(t, w.status, hops[0].Status, "%s", hops[0].Body)
			marker := w.page + "?" + harness.TokenParam + "=pull"
			if strings.Contains(w.page, "?") {
				marker = w.page + "&" + harness.TokenParam + "=pull"
			}
			assert.Equal(t, marker, hops[0].Header.Get("Location"), "the marker, not a token")
			assert.Equal(t, http.StatusSeeOther, hops[1].Status, "the marker starts a pull")
			assert.True(t, strings.HasPrefix(hops[1].Header.Get("Location"), "http://"+shopHost+"/_session/pull?return="), hops[1].Header.Get("Location"))
			assert.Empty(t, harness.SessionCookies(hops[1]), "the marker sets no session")
			assert.Equal(t, http.StatusSeeOther, hops[2].Status, "the shop answers the pull: %s", hops[2].Body)
			harness.AssertArrivedSignedIn(t, hops, w.page, "Nell", session)
			assert.Equal(t, session, b.Cookie(checkoutHost))
		})
	}

	t.Run("sign out on the shop after a requireState hand-off", func(t *testing.T) {
		t.Parallel()
		b := e.newBrowser("").WithT(t)
		session := b.SignIn(shopHost, "Olga")
		hops := b.Visit(http.MethodPost, "http://"+shopHost+"/pay", url.Values{})
		harness.AssertArrivedSignedIn(t, hops, checkoutHome+"?from=pay", "Olga", session)

		hops = b.Visit(http.MethodPost, "http://"+shopHost+"/logout", url.Values{})
		require.Len(t, hops, 3, "logout, the checkout's sign-out endpoint, the checkout")
		assert.True(t, strings.HasPrefix(hops[1].URL, "http://"+checkoutHost+"/_session/signout?"), hops[1].URL)
		assert.Equal(t, checkoutHome, hops[2].URL)
		assert.Empty(t, b.Cookie(shopHost))
		assert.Empty(t, b.Cookie(checkoutHost), "the checkout's cookie is gone from the jar")
	})
}
