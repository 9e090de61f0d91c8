package harness

import "strings"

// Hosts, secrets and names of the shop/checkout scenarios. The demo app
// serves the shop for hosts starting with "shop" and the checkout for
// hosts starting with "checkout".
const (
	// ShopHost is the shop, which hands sessions to the checkout.
	ShopHost = "shop.test"
	// CheckoutHost is the checkout, which receives them.
	CheckoutHost = "checkout.test"
	// ShopOtherHost is a shop sealing with SecretOther, a key no checkout
	// of a scenario knows (ShopCheckoutOptions.ShopOther).
	ShopOtherHost = "shop-other.test"

	// SecretMain is the secret the scenarios seal and open with by default.
	SecretMain = "e2e-main-secret-0123456789abcdef0123456789"
	// SecretOther is the secret of ShopOtherHost.
	SecretOther = "e2e-other-secret-0123456789abcdef012345678"
	// SecretRotated is the secret a rotation moves to.
	SecretRotated = "e2e-rotated-secret-0123456789abcdef0123456"

	// SessionCookie is the demo app's session cookie, which the plugin carries.
	SessionCookie = "_session_id"
	// TokenParam is the query parameter that carries tokens.
	TokenParam = "_hs_"
	// HandoffPath is the plugin's hand-off endpoint.
	HandoffPath = "/_session/handoff"
	// AppService is the service every router of a scenario uses.
	AppService = "app"
	// PluginName is the name Traefik knows the session injector by.
	PluginName = "sessioninjector"
)

// Injector returns a session injector middleware sealing and opening with
// secret, handing sessions to targets (none when empty), with every option
// the plugin's contract names set explicitly and extra settings merged in
// over them.
func Injector(secret string, targets []string, extra map[string]any) Middleware {
	c := map[string]any{
		"cookieName":            SessionCookie,
		"secret":                secret,
		"tokenParam":            TokenParam,
		"tokenLifetime":         "5s",
		"dieOnHandshakeFailure": true,
		"propagateRedirects":    true,
		"handoffPath":           HandoffPath,
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
	return PluginMiddleware(PluginName, c)
}

// HostRule returns a router rule matching any of hosts.
func HostRule(hosts ...string) string {
	parts := make([]string, len(hosts))
	for i, h := range hosts {
		parts[i] = "Host(`" + h + "`)"
	}
	return strings.Join(parts, " || ")
}

// RedisStore returns the settings that make a middleware use the
// redis-server at addr as its replay store, with extra redis.* settings
// (keyPrefix, timeout, onError, ...) merged in.
func RedisStore(addr string, extra map[string]any) map[string]any {
	return map[string]any{"replayStore": "redis", "redis": Merged(map[string]any{"address": addr}, extra)}
}

// Merged returns a new map holding the union of maps, later ones winning.
func Merged(maps ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// Site adds the router name for hosts to d, on AppService, through the
// middleware of the same name when mw is not nil. It creates d's maps when
// they are nil and replaces a router or middleware of that name.
func (d *Dynamic) Site(name string, mw Middleware, hosts ...string) {
	if d.Routers == nil {
		d.Routers = map[string]Router{}
	}
	r := Router{Rule: HostRule(hosts...), Service: AppService}
	if mw != nil {
		if d.Middlewares == nil {
			d.Middlewares = map[string]Middleware{}
		}
		d.Middlewares[name] = mw
		r.Middlewares = []string{name}
	}
	d.Routers[name] = r
}

// ShopCheckoutOptions configures ShopCheckout; the zero value of every
// field but App is a sensible default.
type ShopCheckoutOptions struct {
	// App is the URL of the service behind every router: the demo app, or
	// a backend in front of it. Required.
	App string
	// Secret seals and opens tokens on the shop and the checkout; default
	// SecretMain.
	Secret string
	// PreviousSecrets are the shop's and the checkout's previousSecrets.
	PreviousSecrets []string
	// Settings are merged into every plugin middleware of the scenario.
	Settings map[string]any
	// ShopTargets are the hosts the shop hands sessions to; default
	// CheckoutHost.
	ShopTargets []string
	// CheckoutTargets are the hosts the checkout hands sessions back to;
	// default none.
	CheckoutTargets []string
	// CheckoutSettings are merged into the checkout's middleware only,
	// over Settings (a pull from the shop, say).
	CheckoutSettings map[string]any
	// Redis is the address of a redis-server every plugin middleware of the
	// scenario shares as its replay store; empty keeps each middleware's
	// in-memory store.
	Redis string
	// RedisSettings are more redis.* settings, used with Redis.
	RedisSettings map[string]any
	// ShopOther adds the router and middleware "shop-other" on
	// ShopOtherHost, which seals with SecretOther for CheckoutHost.
	ShopOther bool
}

// ShopCheckout returns the dynamic configuration of a shop (router and
// middleware "shop" on ShopHost) handing sessions to a checkout ("checkout"
// on CheckoutHost), both in front of opts.App as the service AppService.
// Tests add sites of their own with Dynamic.Site.
func ShopCheckout(opts ShopCheckoutOptions) Dynamic {
	secret := opts.Secret
	if secret == "" {
		secret = SecretMain
	}
	shopTargets := opts.ShopTargets
	if len(shopTargets) == 0 {
		shopTargets = []string{CheckoutHost}
	}
	settings := Merged(opts.Settings)
	if opts.Redis != "" {
		settings = Merged(settings, RedisStore(opts.Redis, opts.RedisSettings))
	}
	sides := settings
	if len(opts.PreviousSecrets) > 0 {
		sides = Merged(settings, map[string]any{"previousSecrets": opts.PreviousSecrets})
	}
	d := Dynamic{Services: map[string]Service{AppService: {URL: opts.App}}}
	d.Site("shop", Injector(secret, shopTargets, sides), ShopHost)
	d.Site("checkout", Injector(secret, opts.CheckoutTargets, Merged(sides, opts.CheckoutSettings)), CheckoutHost)
	if opts.ShopOther {
		d.Site("shop-other", Injector(SecretOther, []string{CheckoutHost}, settings), ShopOtherHost)
	}
	return d
}
