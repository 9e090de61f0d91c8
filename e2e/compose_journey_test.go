package e2e

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// publishedClient is a browser-like client (cookie jar, redirects returned
// one at a time) for the demo's URLs: "<name>.localhost:<port>" reaches the
// Traefik instance that publishes port, as Docker's port publishing does
// for a browser on the host.
func publishedClient(published map[string]*harness.Traefik) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		panic(err) // cookiejar.New never fails without options
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Jar:     jar,
		Timeout: 15 * time.Second,
		Transport: &http.Transport{
			DisableCompression: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, port, err := net.SplitHostPort(addr)
				if err != nil {
					return nil, err
				}
				tr := published[port]
				if !strings.HasSuffix(host, ".localhost") || tr == nil {
					return nil, fmt.Errorf("no Traefik publishes %q", addr)
				}
				return d.DialContext(ctx, network, tr.WebAddr)
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// startComposeProfile runs a profile of docker-compose.yml on loopback:
// the demo app with the app service's URLs, and one real Traefik per
// Traefik service, each serving the app's labels as a file provider
// configuration (see labelDynamic; adjust may change the middlewares'
// settings). It returns the instances by the host ports they stand for.
func startComposeProfile(t *testing.T, p *composeProject, prof composeProfile, adjust func(string, map[string]any) error) map[string]*harness.Traefik {
	t.Helper()
	app := p.service(t, prof.App)
	appURL := harness.StartDemoApp(t, demoApp, app.Environment["DEMO_SHOP_URL"], app.Environment["DEMO_CHECKOUT_URL"])
	d, err := labelDynamic(app.Labels, appURL, adjust)
	require.NoError(t, err)
	require.NotEmpty(t, d.Routers)
	published := map[string]*harness.Traefik{}
	for _, name := range prof.Traefiks {
		tr := harness.Start(t, harness.Options{Dynamic: d})
		for _, spec := range p.service(t, name).Ports {
			port, err := parsePublishedPort(spec)
			require.NoError(t, err)
			published[port.Host] = tr
		}
	}
	return published
}

// composeJourney signs in on the app's shop as name, follows the shop
// page's hand-off link and checks the browser arrives signed in on the
// checkout with a clean URL. It returns the hops of the hand-off.
func composeJourney(t *testing.T, b *browser, app composeService, name string) []hop {
	t.Helper()
	shop, checkout := app.Environment["DEMO_SHOP_URL"], app.Environment["DEMO_CHECKOUT_URL"]
	shopURL, err := url.Parse(shop)
	require.NoError(t, err)
	checkoutURL, err := url.Parse(checkout)
	require.NoError(t, err)

	session := b.signIn(shopURL.Host, name)
	home := b.get(shop + "/")
	require.Contains(t, home.Body, "Signed in as "+html.EscapeString(name))
	m := handoffLink.FindStringSubmatch(home.Body)
	require.NotNil(t, m, "no hand-off link on the shop page:\n%s", home.Body)

	hops := b.visit(http.MethodGet, shop+html.UnescapeString(m[1]), nil)
	require.Len(t, hops, 3, "hand-off, clean redirect, page")
	assert.Equal(t, http.StatusSeeOther, hops[0].Status)
	assert.True(t, strings.HasPrefix(hops[1].URL, checkout+"/?"), "the token goes to the checkout: %s", hops[1].URL)
	assertArrivedSignedIn(t, hops, checkout+"/", name, session)
	assert.Equal(t, session, b.cookie(checkoutURL.Host))
	return hops
}

// TestComposeDefaultProfileJourney runs the default profile's label
// configuration in a real Traefik: sign in on http://shop.localhost:8080,
// follow the hand-off link, arrive signed in on
// http://checkout.localhost:8080.
func TestComposeDefaultProfileJourney(t *testing.T) {
	p := mustLoadCompose(t)
	prof := composeProfiles[0]
	published := startComposeProfile(t, p, prof, nil)
	b := &browser{t: t, c: publishedClient(published)}
	composeJourney(t, b, p.service(t, prof.App), "Zoé")
}

// TestComposeHAProfileJourney runs the ha profile's label configuration in
// two real Traefik replicas sharing a real redis-server that requires the
// file's password (and refuses clients without it): the hand-off from the shop on one replica lands signed
// in on the checkout of the other, and the token is then refused as
// already used on the first, which only the shared Redis can know.
func TestComposeHAProfileJourney(t *testing.T) {
	p := mustLoadCompose(t)
	prof := composeProfiles[1]
	redisService := p.service(t, "redis")
	i := argIndex(redisService.Command, "--requirepass")
	require.True(t, i >= 0 && i+1 < len(redisService.Command), "redis-server without --requirepass: %q", redisService.Command)
	password := redisService.Command[i+1]

	redis := harness.StartRedisWith(t, harness.RedisOptions{Password: password})
	_, err := harness.DoRESP(redis.Addr, 2*time.Second, []string{"PING"})
	var refused harness.RESPError
	require.ErrorAs(t, err, &refused, "Redis must require the password: single use then works only if the replicas send the labels' one")
	require.Contains(t, string(refused), "NOAUTH")
	// The replicas reach Redis on loopback instead of the redis service.
	published := startComposeProfile(t, p, prof, func(_ string, settings map[string]any) error {
		return setSetting(settings, "redis.address", redis.Addr)
	})

	app := p.service(t, prof.App)
	shopURL, err := url.Parse(app.Environment["DEMO_SHOP_URL"])
	require.NoError(t, err)
	checkoutURL, err := url.Parse(app.Environment["DEMO_CHECKOUT_URL"])
	require.NoError(t, err)
	require.NotSame(t, published[shopURL.Port()], published[checkoutURL.Port()], "the shop and the checkout are served by different replicas")

	b := &browser{t: t, c: publishedClient(published)}
	hops := composeJourney(t, b, app, "Hana")

	replay, err := url.Parse(hops[1].URL)
	require.NoError(t, err)
	replay.Host = checkoutURL.Hostname() + ":" + shopURL.Port() // the same checkout host, through the other replica
	again := &browser{t: t, c: publishedClient(published)}
	assertRefused(t, again, again.get(replay.String()), "already used")
	assert.NotEmpty(t, redis.Keys(t, 0, "sessioninjector:*"), "the redemption is recorded in Redis under the default key prefix")
}
