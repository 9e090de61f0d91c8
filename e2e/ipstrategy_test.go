package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// ipStrategyConfig is a shop and a checkout that take the client address
// from X-Forwarded-For with the given ipStrategy.
func ipStrategyConfig(appURL string, strategy map[string]any) harness.Dynamic {
	return harness.ShopCheckout(harness.ShopCheckoutOptions{App: appURL, Settings: map[string]any{"ipStrategy": strategy}})
}

// TestClientAddressBehindAProxy binds tokens to the X-Forwarded-For entry
// selected by ipStrategy, on an entry point that trusts forwarded headers,
// and checks that an untrusting entry point (which drops the header) makes
// the shop issue no token rather than bind it to the wrong address.
func TestClientAddressBehindAProxy(t *testing.T) {
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	checkout := "http://" + checkoutHost + "/"

	tests := []struct {
		name             string
		strategy         map[string]any
		issueXFF, useXFF string
		wantStatus       int
	}{
		{"depth 1, same client through another proxy address", map[string]any{"depth": 1}, "203.0.113.5", "203.0.113.5", http.StatusSeeOther},
		{"depth 1, another client", map[string]any{"depth": 1}, "203.0.113.5", "198.51.100.7", http.StatusForbidden},
		{"depth 2 skips the last proxy", map[string]any{"depth": 2}, "203.0.113.5, 10.0.0.1", "203.0.113.5, 10.0.0.2", http.StatusSeeOther},
		{"excludedIPs, same client", map[string]any{"excludedIPs": []string{"10.0.0.0/8"}}, "203.0.113.5, 10.0.0.1", "203.0.113.5, 10.9.9.9", http.StatusSeeOther},
		{"excludedIPs, another client", map[string]any{"excludedIPs": []string{"10.0.0.0/8"}}, "203.0.113.5, 10.0.0.1", "198.51.100.7, 10.0.0.1", http.StatusForbidden},
	}
	// One instance, reconfigured for each case.
	tr := harness.Start(t, harness.Options{Dynamic: ipStrategyConfig(app, tests[0].strategy), TrustForwardedHeaders: true})
	e := &env{t: t, tr: tr}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr.Update(t, ipStrategyConfig(app, tt.strategy))
			issuer := e.newBrowser("127.0.0.2").WithT(t).WithHeader("X-Forwarded-For", tt.issueXFF)
			issuer.SignIn(shopHost, "Rita")
			loc := issuer.Handoff(shopHost, checkout)
			require.NotEmpty(t, harness.Token(loc), "no token issued")
			user := e.newBrowser("127.0.0.3").WithT(t).WithHeader("X-Forwarded-For", tt.useXFF)
			h := user.Get(loc)
			assert.Equal(t, tt.wantStatus, h.Status, h.Body)
			if tt.wantStatus == http.StatusForbidden {
				assert.Contains(t, h.Body, "wrong client")
			}
		})
	}

	t.Run("an entry point that does not trust X-Forwarded-For", func(t *testing.T) {
		strict := harness.Start(t, harness.Options{Dynamic: ipStrategyConfig(app, map[string]any{"depth": 1})})
		b := (&env{t: t, tr: strict}).newBrowser("").WithHeader("X-Forwarded-For", "203.0.113.5")
		b.SignIn(shopHost, "Sam")
		loc := b.Handoff(shopHost, checkout)
		assert.Equal(t, checkout, loc, "no client address, so no token")
	})
}
