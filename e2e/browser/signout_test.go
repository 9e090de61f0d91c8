package browser

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Hosts of the requireState pair; the demo app serves them as a shop and
// a checkout.
const (
	shopState     = "shop-state.test"     // requireState, hands sessions to checkoutState
	checkoutState = "checkout-state.test" // requireState, pulls from shopState
)

// handoffRounds is how many hand-offs of each kind the timing measures,
// after one of each to warm up.
const handoffRounds = 8

// withSettings is cfg with extra settings merged in.
func withSettings(cfg map[string]any, extra map[string]any) harness.Middleware {
	return harness.PluginMiddleware("sessioninjector", harness.Merged(cfg, extra))
}

// startSignOutSite starts the demo app and a Traefik with the shop
// handing sessions to the checkout, both signing out everywhere, and the
// requireState pair.
func startSignOutSite(t *testing.T) *harness.Traefik {
	t.Helper()
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	signOut := map[string]any{"signOutEverywhere": true, "signOutPath": "/_session/signout"}
	d := harness.Dynamic{Services: map[string]harness.Service{harness.AppService: {URL: app}}}
	d.Site("shop", withSettings(injectorConfig(secretMain, []string{checkoutHost}), signOut), shopHost)
	d.Site("checkout", withSettings(injectorConfig(secretMain, nil), signOut), checkoutHost)
	d.Site("shop-state", withSettings(injectorConfig(secretMain, []string{checkoutState}), map[string]any{"requireState": true}), shopState)
	d.Site("checkout-state", withSettings(injectorConfig(secretMain, nil), map[string]any{
		"requireState": true,
		"pull":         map[string]any{"from": "http://" + shopState},
	}), checkoutState)
	return harness.Start(t, harness.Options{Dynamic: d})
}

// signInOn signs name in on the demo shop at host in the tab and waits
// for the shop's page saying so.
func signInOn(ctx context.Context, t *testing.T, host, name string) {
	t.Helper()
	require.NoError(t, Open(ctx, autoSubmit("http://"+host+"/login", url.Values{"name": {name}})))
	waitForPage(ctx, t, "the shop, signed in", func(st pageState) bool {
		return st.Title == "Shop" && st.User == "Signed in as "+name
	})
}

// pageAt accepts the page at href once it says who is signed in.
func pageAt(href string) func(pageState) bool {
	return func(st pageState) bool { return st.Href == href && st.User != "" }
}

// TestChromiumSignOut signs out in a real browser, on the shop and on the
// checkout, after a hand-off: the browser follows the plugin's sign-out
// hops and both sites show it signed out, their cookies gone.
func TestChromiumSignOut(t *testing.T) {
	harness.Chromium(t) // skip early (or fail under CI) without it
	tr := startSignOutSite(t)
	browser := Start(t, tr.WebAddr)
	shop, checkout := "http://"+shopHost+"/", "http://"+checkoutHost+"/"

	// signedInOnBoth signs in on the shop page and clicks the hand-off link.
	signedInOnBoth := func(ctx context.Context, t *testing.T, name string) {
		t.Helper()
		signInOn(ctx, t, shopHost, name)
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("handoff"))), "click the hand-off link")
		st := waitForPage(ctx, t, "the checkout, signed in", pageAt(checkout))
		require.Equal(t, "Signed in as "+name, st.User)
		_, err := Cookie(ctx, checkout, sessionCookie)
		require.NoError(t, err, "the checkout's session cookie")
	}

	tests := []struct {
		name     string
		signOut  string // the page whose Sign out button is clicked
		end      string // where the browser ends: the app's logout Location
		otherURL string // the other site, visited afterwards
	}{
		{"click Sign out on the shop", shop, checkout, checkout},
		{"click Sign out on the checkout", checkout, checkout, shop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(Isolated(t, browser), journeyTimeout)
			defer cancel()
			signedInOnBoth(ctx, t, "Sam")

			require.NoError(t, Open(ctx, tt.signOut))
			waitForPage(ctx, t, "the page with Sign out", func(st pageState) bool { return st.Href == tt.signOut && st.User == "Signed in as Sam" })
			start := time.Now()
			require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("logout"))), "click Sign out")
			st := waitForPage(ctx, t, "the page after sign-out", func(st pageState) bool {
				return st.Href == tt.end && st.User == "You are not signed in."
			})
			t.Logf("sign-out to %s: %s (polled every %s)", tt.end, time.Since(start).Round(time.Millisecond), pollInterval)
			assert.Equal(t, "none", st.Origin, "the page received no session cookie")

			for _, u := range []string{shop, checkout} {
				_, err := Cookie(ctx, u, sessionCookie)
				assert.Error(t, err, "no session cookie for %s", u)
				_, err = Cookie(ctx, u, "si_peers")
				assert.Error(t, err, "no record for %s", u)
			}
			require.NoError(t, Open(ctx, tt.otherURL))
			st = waitForPage(ctx, t, "the other site", pageAt(tt.otherURL))
			assert.Equal(t, "You are not signed in.", st.User)
			assert.Equal(t, "none", st.Origin, "the other site received no session cookie")
		})
	}
}

// navTiming is the browser's own timing of the page's navigation, in ms
// from its start, the hand-off endpoint's request: FetchStart is when the
// final page's request started (every redirect done), ResponseEnd when
// its last byte arrived; LoadEventEnd adds the page's rendering.
type navTiming struct {
	FetchStart   float64 `json:"fetchStart"`
	ResponseEnd  float64 `json:"responseEnd"`
	LoadEventEnd float64 `json:"loadEventEnd"`
}

// TestChromiumRequireStateTiming measures, in a real browser, how long a
// hand-off takes from the shop's hand-off endpoint to the checkout's
// loaded page: plainly (hand-off, clean URL, page) and with requireState
// (hand-off, marker, pull, answer, page). It reports; it fails only when
// a hand-off does not arrive signed in.
func TestChromiumRequireStateTiming(t *testing.T) {
	harness.Chromium(t)
	tr := startSignOutSite(t)
	browser := Start(t, tr.WebAddr)

	kinds := []struct {
		name           string
		shop, checkout string
	}{
		{"plain", shopHost, checkoutHost},
		{"requireState", shopState, checkoutState},
	}
	// handoff signs in on shop in a fresh tab and times the hand-off.
	handoff := func(t *testing.T, shop, checkout string) (time.Duration, navTiming) {
		t.Helper()
		ctx, cancel := context.WithTimeout(Isolated(t, browser), journeyTimeout)
		defer cancel()
		signInOn(ctx, t, shop, "Tim")
		target := "http://" + checkout + "/"
		start := time.Now()
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("http://"+shop+"/_session/handoff?"+url.Values{"to": {target}}.Encode())))
		elapsed := time.Since(start)
		st := waitForPage(ctx, t, "the checkout", pageAt(target))
		require.Equal(t, "Signed in as Tim", st.User)
		nav, err := chromedp.Run(ctx, chromedp.Evaluate[navTiming](`performance.getEntriesByType("navigation")[0].toJSON()`))
		require.NoError(t, err)
		return elapsed, nav
	}

	wall := map[string][]time.Duration{}
	timing := map[string][]navTiming{}
	for round := 0; round <= handoffRounds; round++ {
		for _, k := range kinds {
			elapsed, nav := handoff(t, k.shop, k.checkout)
			if round == 0 {
				continue // warm-up
			}
			wall[k.name] = append(wall[k.name], elapsed)
			timing[k.name] = append(timing[k.name], nav)
		}
	}
	ms := func(name string, field func(navTiming) float64) time.Duration {
		var ds []time.Duration
		for _, n := range timing[name] {
			ds = append(ds, time.Duration(field(n)*float64(time.Millisecond)))
		}
		return median(ds).Round(100 * time.Microsecond)
	}
	for _, k := range kinds {
		w := slices.Sorted(slices.Values(wall[k.name]))
		t.Logf("hand-off %-12s median of %d: wall time to the loaded page %s (min %s, max %s); in the browser: redirects done %s, final response %s, loaded %s",
			k.name, len(w), median(w).Round(100*time.Microsecond), w[0].Round(100*time.Microsecond), w[len(w)-1].Round(100*time.Microsecond),
			ms(k.name, func(n navTiming) float64 { return n.FetchStart }),
			ms(k.name, func(n navTiming) float64 { return n.ResponseEnd }),
			ms(k.name, func(n navTiming) float64 { return n.LoadEventEnd }))
	}
	t.Logf("requireState / plain, medians: wall time %.2f, final response %.2f",
		float64(median(wall["requireState"]))/float64(median(wall["plain"])),
		float64(ms("requireState", func(n navTiming) float64 { return n.ResponseEnd }))/float64(ms("plain", func(n navTiming) float64 { return n.ResponseEnd })))
}

// median is the middle of ds.
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
