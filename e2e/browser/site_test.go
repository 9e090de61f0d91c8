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
	shopHost     = "shop.test"             // hands sessions to the checkouts with secretMain
	shopOther    = "shop-other.test"       // hands sessions to checkoutHost and checkoutLax with secretOther
	checkoutHost = "checkout.test"         // receives with secretMain
	checkoutLax  = "checkout-lenient.test" // receives with secretMain, tokens up to 1s old, refusals as by default
	checkoutPull = "checkout-pull.test"    // receives with secretMain and pulls the session from shopHost on every path
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
	return harness.PluginMiddleware("sessioninjector", injectorConfig(secret, targets))
}

// lenientInjector is injector receiving tokens up to 1s old, with
// dieOnHandshakeFailure left at its default (false): a refused token
// sends the browser on to the URL without it.
func lenientInjector(secret string) harness.Middleware {
	c := injectorConfig(secret, nil)
	delete(c, "dieOnHandshakeFailure")
	c["tokenLifetime"] = "1s"
	return harness.PluginMiddleware("sessioninjector", c)
}

// pullInjector is injector on a checkout that asks shopHost for the
// session of a browser arriving without one, on every path.
func pullInjector(secret string) harness.Middleware {
	c := injectorConfig(secret, nil)
	c["pull"] = map[string]any{"from": "http://" + shopHost, "paths": []string{"/"}}
	return harness.PluginMiddleware("sessioninjector", c)
}

// injectorConfig is injector's configuration.
func injectorConfig(secret string, targets []string) map[string]any {
	return map[string]any{
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
	}
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
			"lenient":    route("lenient", checkoutLax),
			"pull":       route("pull", checkoutPull),
		},
		Middlewares: map[string]harness.Middleware{
			"shop":       injector(secretMain, checkoutHost, checkoutLax, checkoutPull),
			"shop-other": injector(secretOther, checkoutHost, checkoutLax),
			"checkout":   injector(secretMain, shopHost),
			"lenient":    lenientInjector(secretMain),
			"pull":       pullInjector(secretMain),
		},
		Services: map[string]harness.Service{"app": {URL: app}},
	}})
}
