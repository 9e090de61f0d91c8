package e2e

import (
	"testing"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Secrets of the test configuration (each at least 32 bytes).
const (
	secretMain    = harness.SecretMain
	secretOther   = harness.SecretOther
	secretRotated = harness.SecretRotated
)

// Hosts of the test configuration. The demo app serves the shop for hosts
// starting with "shop" and the checkout for hosts starting with "checkout".
const (
	shopHost      = harness.ShopHost        // issues with secretMain to every checkout host
	shopOther     = harness.ShopOtherHost   // issues with secretOther to checkoutHost and checkoutLax
	shopShort     = "shop-short.test"       // issues tokens that live 1s to checkoutHost and checkoutLax
	shopNarrow    = "shop-narrow.test"      // may hand sessions to checkout-alt.test only
	checkoutHost  = harness.CheckoutHost    // receives with secretMain
	checkoutAlt   = "checkout-alt.test"     // same middleware as checkout.test
	checkoutShrt  = "checkout-short.test"   // accepts tokens up to 1s old
	checkoutLax   = "checkout-lenient.test" // dieOnHandshakeFailure: false
	checkoutRot   = "checkout-rotated.test" // secretRotated, secretMain as previous
	shopPlain     = "shop-plain.test"       // no middleware
	checkoutPlain = "checkout-plain.test"   // no middleware
)

// allCheckouts are the hosts the main shop may hand sessions to.
var allCheckouts = []string{checkoutHost, checkoutAlt, checkoutShrt, checkoutLax, checkoutRot}

// env is one Traefik in front of one demo app.
type env struct {
	t  *testing.T
	tr *harness.Traefik
}

// injector is harness.Injector: a session injector with every option the
// contract names set explicitly.
var injector = harness.Injector

// hostRule is harness.HostRule: a rule matching any of hosts.
var hostRule = harness.HostRule

// siteConfig is the dynamic configuration every e2e test starts from: the
// shop and the checkout (also on checkoutAlt, handing sessions back to the
// shop), and a site per variant of either.
func siteConfig(appURL string) harness.Dynamic {
	d := harness.ShopCheckout(harness.ShopCheckoutOptions{
		App: appURL, ShopTargets: allCheckouts, CheckoutTargets: []string{shopHost}, ShopOther: true,
	})
	checkout := d.Routers["checkout"]
	checkout.Rule = hostRule(checkoutHost, checkoutAlt)
	d.Routers["checkout"] = checkout
	d.Site("shop-other", injector(secretOther, []string{checkoutHost, checkoutLax}, nil), shopOther)
	d.Site("shop-short", injector(secretMain, []string{checkoutHost, checkoutLax}, map[string]any{"tokenLifetime": "1s"}), shopShort)
	d.Site("shop-narrow", injector(secretMain, []string{checkoutAlt}, nil), shopNarrow)
	d.Site("checkout-short", injector(secretMain, nil, map[string]any{"tokenLifetime": "1s"}), checkoutShrt)
	d.Site("checkout-lenient", injector(secretMain, nil, map[string]any{"dieOnHandshakeFailure": false}), checkoutLax)
	d.Site("checkout-rotated", injector(secretRotated, nil, map[string]any{"previousSecrets": []string{secretMain}}), checkoutRot)
	d.Site("plain", nil, shopPlain, checkoutPlain)
	return d
}

// newEnv starts the demo app and a Traefik serving siteConfig.
func newEnv(t *testing.T) *env {
	t.Helper()
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	tr := harness.Start(t, harness.Options{Dynamic: siteConfig(app)})
	return &env{t: t, tr: tr}
}

// newBrowser returns a navigator connecting to e's Traefik from localIP
// ("" for the default).
func (e *env) newBrowser(localIP string) *harness.Navigator {
	return harness.NewNavigator(e.t, e.tr.Client(localIP))
}
