package bench

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Configuration shared by every session injector of the benchmark.
const (
	secret       = "bench-secret-0123456789abcdef0123456789abcdef"
	cookieName   = "_session_id"
	tokenParam   = "_hs_"
	sessionValue = "bench-session-0123456789abcdef"
	// sessionCookie is what a signed-in browser sends.
	sessionCookie = cookieName + "=" + sessionValue + "; theme=dark"
	checkoutHost  = "checkout.bench"
	// sourceHost mints the redemption routes' tokens through the handoff endpoint.
	sourceHost = "src.bench"
	// handoffPath is the source middleware's handoff endpoint (the default).
	handoffPath = "/_session/handoff"
	// arrivalURI is where the redemption routes' tokens lead, before the token.
	arrivalURI = pagePath + "?x=1"
)

// route is one router of the benchmark and the request sent to it.
type route struct {
	// name labels the route in the report (A, B, C1, …).
	name string
	// about says what the route measures.
	about string
	// host is the router's Host rule.
	host string
	// middleware is the router's middleware, "" for none.
	middleware string
	// path is the request target; redemptions add a fresh token to it.
	path string
	// header is sent with every request.
	header http.Header
	// redeems is true when every request carries a fresh token for host.
	redeems bool
	// check refuses an unexpected response.
	check func(resp *http.Response, body []byte) error
}

// Request headers of a signed-in browser.
var (
	navigation = http.Header{
		"Sec-Fetch-Mode": {"navigate"},
		"Sec-Fetch-Dest": {"document"},
		"Accept":         {"text/html,application/xhtml+xml,*/*;q=0.8"},
		"Cookie":         {sessionCookie},
	}
	subresource = http.Header{
		"Sec-Fetch-Mode": {"no-cors"},
		"Sec-Fetch-Dest": {"image"},
		"Accept":         {"image/avif,image/webp,*/*;q=0.8"},
		"Cookie":         {sessionCookie},
	}
	// arrival is the navigation that lands on the other domain, no cookie yet.
	arrival = http.Header{
		"Sec-Fetch-Mode": {"navigate"},
		"Sec-Fetch-Dest": {"document"},
		"Accept":         {"text/html,application/xhtml+xml,*/*;q=0.8"},
	}
)

// routes in the order every round loads them.
var routes = []route{
	{name: "A", about: "no middleware", host: "a.bench", path: arrivalURI, header: navigation, check: wantPage},
	{name: "B", about: "empty Yaegi plugin", host: "b.bench", middleware: "noop", path: arrivalURI, header: navigation, check: wantPage},
	{name: "C1", about: "source role, subresource with a session (no-cors), 200", host: "c1.bench", middleware: "source", path: arrivalURI, header: subresource, check: wantPage},
	{name: "C2", about: "source role, navigation with a session (writer wrapped), 200", host: "c2.bench", middleware: "source", path: arrivalURI, header: navigation, check: wantPage},
	{name: "D-clean", about: "redemption of a fresh token, cleanURL on: 303 + Set-Cookie", host: "d-clean.bench", middleware: "receive-clean", header: arrival, redeems: true, check: wantRedeemed(http.StatusSeeOther)},
	{name: "D-raw", about: "redemption of a fresh token, cleanURL off: backend 200 + Set-Cookie", host: "d-raw.bench", middleware: "receive-raw", header: arrival, redeems: true, check: wantRedeemed(http.StatusOK)},
	{name: "D-redis", about: "as D-clean, single use recorded in redis-server", host: "d-redis.bench", middleware: "receive-redis", header: arrival, redeems: true, check: wantRedeemed(http.StatusSeeOther)},
	{name: "R", about: "backend 302 to another domain, no middleware", host: "r.bench", path: redirectPath, header: navigation, check: wantRedirect(false)},
	{name: "E", about: "backend 302 to another domain, source role seals a token into it", host: "e.bench", middleware: "source", path: redirectPath, header: navigation, check: wantRedirect(true)},
}

// redeemingHosts are the hosts whose routes redeem tokens.
func redeemingHosts() []string {
	var hosts []string
	for _, r := range routes {
		if r.redeems {
			hosts = append(hosts, r.host)
		}
	}
	return hosts
}

// dynamic routes every route to backend, plus the minting route on sourceHost.
func dynamic(backend, redisAddr string) harness.Dynamic {
	receiver := func(extra map[string]any) harness.Middleware {
		c := map[string]any{
			"secret":          secret,
			"targetDomains":   []string{sourceHost}, // both roles, as a real pair of domains
			"tokenLifetime":   "10m",
			"replayCacheSize": 10_000_000, // every token of the run stays live
			"replayPerClient": 0,          // all of them from one client address
		}
		for k, v := range extra {
			c[k] = v
		}
		return harness.PluginMiddleware("sessioninjector", c)
	}
	d := harness.Dynamic{
		Routers: map[string]harness.Router{
			"mint": {Rule: "Host(`" + sourceHost + "`)", Middlewares: []string{"source"}, Service: "backend"},
		},
		Middlewares: map[string]harness.Middleware{
			"noop": harness.PluginMiddleware("noop", nil),
			"source": harness.PluginMiddleware("sessioninjector", map[string]any{
				"secret":               secret,
				"targetDomains":        append([]string{checkoutHost}, redeemingHosts()...),
				"tokenLifetime":        "10m",
				"allowInsecureTargets": true, // the benchmark's hosts are served over plain HTTP
			}),
			"receive-clean": receiver(map[string]any{"cleanURL": true}),
			"receive-raw":   receiver(map[string]any{"cleanURL": false}),
			"receive-redis": receiver(map[string]any{"cleanURL": true, "replayStore": "redis", "redis": map[string]any{"address": redisAddr}}),
		},
		Services: map[string]harness.Service{"backend": {URL: backend}},
	}
	for _, r := range routes {
		rt := harness.Router{Rule: "Host(`" + r.host + "`)", Service: "backend"}
		if r.middleware != "" {
			rt.Middlewares = []string{r.middleware}
		}
		d.Routers[strings.ToLower(r.name)] = rt
	}
	return d
}

// wantPage accepts the backend's page.
func wantPage(resp *http.Response, body []byte) error {
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d, want 200", resp.StatusCode)
	}
	if !bytes.Equal(body, []byte(pageBody)) {
		return fmt.Errorf("body %q is not the backend's page", body)
	}
	return nil
}

// wantRedirect accepts the backend's redirect, with a token in it when sealed.
func wantRedirect(sealed bool) func(*http.Response, []byte) error {
	return func(resp *http.Response, _ []byte) error {
		if resp.StatusCode != http.StatusFound {
			return fmt.Errorf("status %d, want 302", resp.StatusCode)
		}
		loc := resp.Header.Get("Location")
		if !sealed {
			if loc != redirectTarget {
				return fmt.Errorf("Location %q, want %q untouched", loc, redirectTarget)
			}
			return nil
		}
		u, err := url.Parse(loc)
		if err != nil || u.Host != checkoutHost || u.Query().Get(tokenParam) == "" {
			return fmt.Errorf("Location %q carries no token for %s", loc, checkoutHost)
		}
		return nil
	}
}

// carriesSession reports whether one of the Set-Cookie lines sets the
// session (the others: the sign-out record).
func carriesSession(lines []string) bool {
	for _, c := range lines {
		if strings.HasPrefix(c, cookieName+"="+sessionValue+";") {
			return true
		}
	}
	return false
}

// wantRedeemed accepts a redemption: the session cookie set, and a 303 to
// the clean URL or the backend's page.
func wantRedeemed(code int) func(*http.Response, []byte) error {
	return func(resp *http.Response, body []byte) error {
		if resp.StatusCode != code {
			return fmt.Errorf("status %d, want %d", resp.StatusCode, code)
		}
		if !carriesSession(resp.Header.Values("Set-Cookie")) {
			return fmt.Errorf("Set-Cookie %q does not carry the session", resp.Header.Values("Set-Cookie"))
		}
		if code == http.StatusSeeOther {
			loc := resp.Header.Get("Location")
			if u, err := url.Parse(loc); err != nil || u.RequestURI() != arrivalURI {
				return fmt.Errorf("Location %q, want the clean %q", loc, arrivalURI)
			}
			return nil
		}
		return wantPage(resp, body)
	}
}
