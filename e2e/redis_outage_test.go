package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Hosts of TestRedisOutage besides checkoutHost (onError reject, 403) and
// checkoutLax (onError reject, dieOnHandshakeFailure false).
const checkoutAllow = "checkout-allow.test" // onError allow

// outageRedisTimeout is redis.timeout in TestRedisOutage: what a hung
// Redis may cost a redemption.
const outageRedisTimeout = 300 * time.Millisecond

// allowLogLine is what the plugin logs when it accepts a token without
// the single-use guarantee (replaystore.go).
const allowLogLine = "replay store unavailable, token accepted without the single-use guarantee (onError allow)"

// rejectLogLine is what the plugin logs at error level, at most every ten
// seconds, while a failing Redis makes it refuse redemptions.
const rejectLogLine = "replay store unavailable, redemptions refused (onError reject)"

// outageConfig is a shop handing sessions to three checkouts that share
// one Redis replay store and differ in how they meet its failures.
func outageConfig(appURL, redisAddr string) harness.Dynamic {
	store := redisStore(redisAddr, map[string]any{"timeout": outageRedisTimeout.String()})
	d := harness.ShopCheckout(harness.ShopCheckoutOptions{App: appURL, ShopTargets: []string{checkoutHost, checkoutAllow, checkoutLax}})
	d.Site("checkout", injector(secretMain, nil, store), checkoutHost)
	d.Site("checkout-allow", injector(secretMain, nil, merged(store, map[string]any{
		"redis": merged(store["redis"].(map[string]any), map[string]any{"onError": "allow"}),
	})), checkoutAllow)
	d.Site("checkout-lenient", injector(secretMain, nil, merged(store, map[string]any{"dieOnHandshakeFailure": false})), checkoutLax)
	return d
}

// TestRedisOutage kills the Redis replay store under a running Traefik,
// then brings it back on the same address: while it is down, onError
// reject refuses redemptions as unavailable (a 403, or with
// dieOnHandshakeFailure false a 303 to the URL without the token, served
// without a session), onError allow accepts them and logs that single use
// was not guaranteed; once it is back, redemptions work again within a
// second, without restarting Traefik. A hung Redis costs a redemption no
// more than redis.timeout.
func TestRedisOutage(t *testing.T) {
	redis := harness.StartRedis(t)
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	tr := harness.Start(t, harness.Options{Dynamic: outageConfig(app, redis.Addr), AllowLog: []string{allowLogLine, rejectLogLine}})
	e := &env{t: t, tr: tr}
	shop := e.newBrowser("")
	session := shop.SignIn(shopHost, "Olga")

	// redeem mints a token for target and redeems it in a fresh browser,
	// following redirects; it returns the browser and every hop.
	redeem := func(t *testing.T, target string) (*harness.Navigator, []harness.Hop) {
		t.Helper()
		loc := shop.WithT(t).Handoff(shopHost, target)
		b := e.newBrowser("").WithT(t)
		return b, b.Follow(loc)
	}
	// Each middleware's behaviour with Redis up, down, and up again.
	works := map[string]func(t *testing.T){
		"reject": func(t *testing.T) {
			_, hops := redeem(t, "http://"+checkoutHost+"/")
			harness.AssertArrivedSignedIn(t, hops, "http://"+checkoutHost+"/", "Olga", session)
		},
		"allow": func(t *testing.T) {
			loc := shop.WithT(t).Handoff(shopHost, "http://"+checkoutAllow+"/")
			b := e.newBrowser("").WithT(t)
			harness.AssertArrivedSignedIn(t, b.Follow(loc), "http://"+checkoutAllow+"/", "Olga", session)
			again := e.newBrowser("").WithT(t)
			harness.AssertRefused(t, again, again.Get(loc), "already used")
		},
		"strip": func(t *testing.T) {
			_, hops := redeem(t, "http://"+checkoutLax+"/_debug/request?x=1")
			v := decodeView(t, hops[len(hops)-1])
			assert.Equal(t, "/_debug/request?x=1", v.RequestURI)
			assert.Equal(t, []string{session}, sessionValues(v.Cookie))
		},
	}
	down := map[string]func(t *testing.T){
		"reject": func(t *testing.T) {
			loc := shop.WithT(t).Handoff(shopHost, "http://"+checkoutHost+"/")
			b := e.newBrowser("").WithT(t)
			harness.AssertRefused(t, b, b.Get(loc), "unavailable")
			line := requireLogLine(t, tr, `"checkout@`, "handoff refused (unavailable)", redis.Addr)
			assert.Contains(t, line, "replay store unavailable")
			requireLogLine(t, tr, " ERR ", `"checkout@`, rejectLogLine, redis.Addr)
		},
		"allow": func(t *testing.T) {
			_, hops := redeem(t, "http://"+checkoutAllow+"/")
			harness.AssertArrivedSignedIn(t, hops, "http://"+checkoutAllow+"/", "Olga", session)
			requireLogLine(t, tr, `"checkout-allow@`, allowLogLine, redis.Addr)
		},
		"strip": func(t *testing.T) {
			b, hops := redeem(t, "http://"+checkoutLax+"/_debug/request?x=1")
			require.Len(t, hops, 2, "no 403: a 303 to the clean URL, then the page")
			assert.Equal(t, http.StatusSeeOther, hops[0].Status)
			assert.Equal(t, "http://"+checkoutLax+"/_debug/request?x=1", hops[0].Header.Get("Location"), "token stripped, other parameters kept")
			assert.Empty(t, harness.SessionCookies(hops[0]), "no session cookie set")
			v := decodeView(t, hops[1])
			assert.Equal(t, "/_debug/request?x=1", v.RequestURI)
			assert.Empty(t, sessionValues(v.Cookie), "no session injected")
			assert.Empty(t, b.Cookie(checkoutLax))
			requireLogLine(t, tr, `"checkout-lenient@`, "handoff refused (unavailable)")
		},
	}
	runAll := func(t *testing.T, cases map[string]func(t *testing.T)) {
		for _, name := range []string{"reject", "allow", "strip"} {
			t.Run(name, cases[name])
		}
	}

	t.Run("up", func(t *testing.T) { runAll(t, works) })

	redis.Kill()
	t.Run("killed", func(t *testing.T) { runAll(t, down) })

	redis.Restart(t)
	restarted := time.Now()
	var attempts int
	for {
		attempts++
		loc := shop.Handoff(shopHost, "http://"+checkoutHost+"/")
		outcome := classifyRedemption(e.newBrowser("").Get(loc))
		if outcome == outcomeArrived {
			break
		}
		require.Equal(t, refusedPrefix+"unavailable", outcome, "attempt %d after the restart", attempts)
		require.Less(t, time.Since(restarted), 5*time.Second, "still refused after %d attempts", attempts)
		time.Sleep(20 * time.Millisecond)
	}
	recovered := time.Since(restarted)
	t.Logf("redemptions work again %s after Redis answers PING (%d attempts)", recovered, attempts)
	assert.Less(t, recovered, time.Second, "recovery after Redis is back")
	t.Run("restarted", func(t *testing.T) { runAll(t, works) })

	t.Run("hung", func(t *testing.T) {
		redis.Freeze(t)
		thawed := false
		defer func() {
			if !thawed {
				redis.Thaw(t)
			}
		}()
		loc := shop.WithT(t).Handoff(shopHost, "http://"+checkoutHost+"/")
		b := e.newBrowser("").WithT(t)
		start := time.Now()
		h := b.Get(loc)
		took := time.Since(start)
		harness.AssertRefused(t, b, h, "unavailable")
		assert.GreaterOrEqual(t, took, outageRedisTimeout, "refused before the timeout: Redis is hung, not down")
		assert.Less(t, took, outageRedisTimeout+time.Second, "a hung Redis costs a redemption about redis.timeout")
		redis.Thaw(t)
		thawed = true
		runAll(t, works)
	})
}
