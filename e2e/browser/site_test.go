package browser

import (
	"testing"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Secrets of the browser tests' configuration (each at least 32 bytes).
const (
	secretMain  = "e2e-main-secret-0123456789abcdef0123456789"
	secretOther = "e2e-other-secret-0123456789abcdef012345678"
)

// Hosts of the browser tests. The demo app serves the shop for hosts
// starting with "shop" and the checkout for hosts starting with "checkout".
const (
	shopHost     = "shop.test"       // hands sessions to checkoutHost with secretMain
	shopOther    = "shop-other.test" // hands sessions to checkoutHost with secretOther
	checkoutHost = "checkout.test"   // receives with secretMain
)

// sessionCookie and tokenParam are the demo's cookie and the plugin's
// token parameter.
const (
	sessionCookie = "_session_id"
	tokenParam    = "_hs_"
)

// injector is the session injector configured as the e2e journeys have it,
// every option of the contract set explicitly.
func injector(secret string, targets ...string) harness.Middleware {
	return harness.PluginMiddleware("sessioninjector", map[string]any{
		"cookieName":            sessionCookie,
		"secret":                secret,
		"targetDomains":         targets,
		"tokenParam":            tokenParam,
		"tokenLifetime":         "5s",
		"dieOnHandshakeFailure": true,
		"propagateRedirects":    true,
		"handoffPath":           "/_session/handoff",
		"cleanURL":              true,
		"singleUse":             true,
		"bindClientIP":          true,
		"cookie":                map[string]any{"path": "/", "secure": "auto", "httpOnly": true, "sameSite": "lax"},
		"allowInsecureTargets":  true, // the test hosts are served over plain HTTP
	})
}

// startSite starts the demo app and a Traefik with the plugin in front of
// it, and returns Traefik.
func startSite(t *testing.T) *harness.Traefik {
	t.Helper()
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	route := func(mw, host string) harness.Router {
		return harness.Router{Rule: "Host(`" + host + "`)", Service: "app", Middlewares: []string{mw}}
	}
	return harness.Start(t, harness.Options{Dynamic: harness.Dynamic{
		Routers: map[string]harness.Router{
			"shop":       route("shop", shopHost),
			"shop-other": route("shop-other", shopOther),
			"checkout":   route("checkout", checkoutHost),
		},
		Middlewares: map[string]harness.Middleware{
			"shop":       injector(secretMain, checkoutHost),
			"shop-other": injector(secretOther, checkoutHost),
			"checkout":   injector(secretMain, shopHost),
		},
		Services: map[string]harness.Service{"app": {URL: app}},
	}})
}
