package e2e

import (
	"strings"
	"testing"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Secrets of the test configuration (each at least 32 bytes).
const (
	secretMain    = "e2e-main-secret-0123456789abcdef0123456789"
	secretOther   = "e2e-other-secret-0123456789abcdef012345678"
	secretRotated = "e2e-rotated-secret-0123456789abcdef0123456"
)

// Hosts of the test configuration. The demo app serves the shop for hosts
// starting with "shop" and the checkout for hosts starting with "checkout".
const (
	shopHost      = "shop.test"             // issues with secretMain to every checkout host
	shopOther     = "shop-other.test"       // issues with secretOther
	shopShort     = "shop-short.test"       // issues tokens that live 1s
	shopNarrow    = "shop-narrow.test"      // may hand sessions to checkout-alt.test only
	checkoutHost  = "checkout.test"         // receives with secretMain
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

// injector returns a session injector configuration with the given secret
// and targets, every option the contract names set explicitly, and extra
// settings merged in.
func injector(secret string, targets []string, extra map[string]any) harness.Middleware {
	c := map[string]any{
		"cookieName":            "_session_id",
		"secret":                secret,
		"tokenParam":            "_hs_",
		"tokenLifetime":         "5s",
		"dieOnHandshakeFailure": true,
		"propagateRedirects":    true,
		"handoffPath":           "/_session/handoff",
		"cleanURL":              true,
		"singleUse":             true,
		"bindClientIP":          true,
		"cookie":                map[string]any{"path": "/", "secure": "auto", "httpOnly": true, "sameSite": "lax"},
		"allowInsecureTargets":  true, // the test hosts are served over plain HTTP
	}
	if len(targets) > 0 {
		c["targetDomains"] = targets
	}
	for k, v := range extra {
		c[k] = v
	}
	return harness.PluginMiddleware("sessioninjector", c)
}

// hostRule matches any of hosts.
func hostRule(hosts ...string) string {
	parts := make([]string, len(hosts))
	for i, h := range hosts {
		parts[i] = "Host(`" + h + "`)"
	}
	return strings.Join(parts, " || ")
}

// siteConfig is the dynamic configuration every e2e test starts from.
func siteConfig(appURL string) harness.Dynamic {
	route := func(mw string, hosts ...string) harness.Router {
		r := harness.Router{Rule: hostRule(hosts...), Service: "app"}
		if mw != "" {
			r.Middlewares = []string{mw}
		}
		return r
	}
	return harness.Dynamic{
		Routers: map[string]harness.Router{
			"shop":             route("shop", shopHost),
			"shop-other":       route("shop-other", shopOther),
			"shop-short":       route("shop-short", shopShort),
			"shop-narrow":      route("shop-narrow", shopNarrow),
			"checkout":         route("checkout", checkoutHost, checkoutAlt),
			"checkout-short":   route("checkout-short", checkoutShrt),
			"checkout-lenient": route("checkout-lenient", checkoutLax),
			"checkout-rotated": route("checkout-rotated", checkoutRot),
			"plain":            route("", shopPlain, checkoutPlain),
		},
		Middlewares: map[string]harness.Middleware{
			"shop":             injector(secretMain, allCheckouts, nil),
			"shop-other":       injector(secretOther, []string{checkoutHost}, nil),
			"shop-short":       injector(secretMain, []string{checkoutHost}, map[string]any{"tokenLifetime": "1s"}),
			"shop-narrow":      injector(secretMain, []string{checkoutAlt}, nil),
			"checkout":         injector(secretMain, []string{shopHost}, nil),
			"checkout-short":   injector(secretMain, nil, map[string]any{"tokenLifetime": "1s"}),
			"checkout-lenient": injector(secretMain, nil, map[string]any{"dieOnHandshakeFailure": false}),
			"checkout-rotated": injector(secretRotated, nil, map[string]any{"previousSecrets": []string{secretMain}}),
		},
		Services: map[string]harness.Service{"app": {URL: appURL}},
	}
}

// newEnv starts the demo app and a Traefik serving siteConfig.
func newEnv(t *testing.T) *env {
	t.Helper()
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	tr := harness.Start(t, harness.Options{Dynamic: siteConfig(app)})
	return &env{t: t, tr: tr}
}
