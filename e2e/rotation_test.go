package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// oneMinute makes tokens outlive any reload a rotation test waits for.
var oneMinute = map[string]any{"tokenLifetime": "1m"}

// rotationConfig is a shop and a checkout sealing and opening with secret,
// the checkout also opening with previous, and a shop-other sealing with
// secretOther, a key no checkout ever knows; settings go to all three.
func rotationConfig(appURL string, settings map[string]any, secret string, previous ...string) harness.Dynamic {
	return harness.ShopCheckout(harness.ShopCheckoutOptions{
		App: appURL, Secret: secret, PreviousSecrets: previous, Settings: settings, ShopOther: true,
	})
}

// TestSecretRotationAcrossReloads rotates the secret by rewriting the
// dynamic configuration, as an operator would: tokens sealed with the old
// secret keep working while it is listed in previousSecrets, stop working
// once it is removed, and a token redeemed before a reload stays redeemed.
func TestSecretRotationAcrossReloads(t *testing.T) {
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	tr := harness.Start(t, harness.Options{Dynamic: rotationConfig(app, oneMinute, secretMain)})
	e := &env{t: t, tr: tr}
	checkout := "http://" + checkoutHost + "/"

	b := e.newBrowser("")
	session := b.SignIn(shopHost, "Judy")
	redeemed := b.Handoff(shopHost, checkout)
	oldKept := b.Handoff(shopHost, checkout)
	oldDropped := b.Handoff(shopHost, checkout)
	require.Equal(t, http.StatusSeeOther, e.newBrowser("").Get(redeemed).Status, "redeem before the rotation")

	tr.Update(t, rotationConfig(app, oneMinute, secretRotated, secretMain))
	hops := e.newBrowser("").Follow(oldKept)
	harness.AssertArrivedSignedIn(t, hops, checkout, "Judy", session)
	fresh := e.newBrowser("")
	harness.AssertRefused(t, fresh, fresh.Get(redeemed), "already used")
	newToken := b.Handoff(shopHost, checkout)
	assert.Equal(t, http.StatusSeeOther, e.newBrowser("").Get(newToken).Status, "a token sealed with the new secret")

	tr.Update(t, rotationConfig(app, oneMinute, secretRotated))
	fresh = e.newBrowser("")
	harness.AssertRefused(t, fresh, fresh.Get(oldDropped), "invalid")
	assert.Equal(t, http.StatusSeeOther, e.newBrowser("").Get(b.Handoff(shopHost, checkout)).Status, "the new secret alone")
}
