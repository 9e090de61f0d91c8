package compose

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// journey signs in on the app's shop as name, follows the shop page's
// hand-off link and checks the browser arrives signed in on the checkout
// with a clean URL. It returns the hops of the hand-off.
func journey(t *testing.T, b *harness.Navigator, app types.ServiceConfig, name string) []harness.Hop {
	t.Helper()
	shop, checkout := Environment(app, "DEMO_SHOP_URL"), Environment(app, "DEMO_CHECKOUT_URL")
	shopURL, err := url.Parse(shop)
	require.NoError(t, err)
	checkoutURL, err := url.Parse(checkout)
	require.NoError(t, err)

	session := b.SignIn(shopURL.Host, name)
	home := b.Get(shop + "/")
	require.Contains(t, home.Body, "Signed in as "+html.EscapeString(name))
	m := harness.HandoffLink.FindStringSubmatch(home.Body)
	require.NotNil(t, m, "no hand-off link on the shop page:\n%s", home.Body)

	hops := b.Follow(shop + html.UnescapeString(m[1]))
	require.Len(t, hops, 3, "hand-off, clean redirect, page")
	assert.Equal(t, http.StatusSeeOther, hops[0].Status)
	assert.True(t, strings.HasPrefix(hops[1].URL, checkout+"/?"), "the token goes to the checkout: %s", hops[1].URL)
	harness.AssertArrivedSignedIn(t, hops, checkout+"/", name, session)
	assert.Equal(t, session, b.Cookie(checkoutURL.Host))
	return hops
}

// TestDefaultProfileJourney runs the default profile's label configuration
// in a real Traefik: sign in on http://shop.localhost:8080, follow the
// hand-off link, arrive signed in on http://checkout.localhost:8080.
func TestDefaultProfileJourney(t *testing.T) {
	prof := Profiles[0]
	p := mustLoad(t, prof.Selects()...)
	published := StartProfile(t, p, prof, demoApp, nil)
	b := harness.NewNavigator(t, PublishedClient(published))
	journey(t, b, mustService(t, p, prof.App), "Zoé")
}

// TestHAProfileJourney runs the ha profile's label configuration in two
// real Traefik replicas sharing a real redis-server that requires the
// file's password (and refuses clients without it): the hand-off from the
// shop on one replica lands signed in on the checkout of the other, and the
// token is then refused as already used on the first, which only the
// shared Redis can know.
func TestHAProfileJourney(t *testing.T) {
	prof := Profiles[1]
	p := mustLoad(t, prof.Selects()...)
	redis := harness.StartRedisWith(t, harness.RedisOptions{Password: redisPassword(t, p)})
	_, err := harness.DoRESP(redis.Addr, 2*time.Second, []string{"PING"})
	var refused harness.RESPError
	require.ErrorAs(t, err, &refused, "Redis must require the password: single use then works only if the replicas send the labels' one")
	require.Contains(t, string(refused), "NOAUTH")
	// The replicas reach Redis on loopback instead of the redis service.
	published := StartProfile(t, p, prof, demoApp, func(_ string, settings map[string]any) error {
		return SetSetting(settings, "redis.address", redis.Addr)
	})

	app := mustService(t, p, prof.App)
	shopURL, err := url.Parse(Environment(app, "DEMO_SHOP_URL"))
	require.NoError(t, err)
	checkoutURL, err := url.Parse(Environment(app, "DEMO_CHECKOUT_URL"))
	require.NoError(t, err)
	require.NotSame(t, published[shopURL.Port()], published[checkoutURL.Port()], "the shop and the checkout are served by different replicas")

	b := harness.NewNavigator(t, PublishedClient(published))
	hops := journey(t, b, app, "Hana")

	replay, err := url.Parse(hops[1].URL)
	require.NoError(t, err)
	replay.Host = checkoutURL.Hostname() + ":" + shopURL.Port() // the same checkout host, through the other replica
	again := harness.NewNavigator(t, PublishedClient(published))
	harness.AssertRefused(t, again, again.Get(replay.String()), "already used")
	assert.NotEmpty(t, redis.Keys(t, 0, "sessioninjector:*"), "the redemption is recorded in Redis under the default key prefix")
}
