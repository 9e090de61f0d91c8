package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// TestSingleUseAcrossReplicasWithRedis runs two Traefik replicas sharing a
// redis-server replay store: a token redeemed on one replica is refused on
// the other, and with Redis gone a redemption fails closed.
func TestSingleUseAcrossReplicasWithRedis(t *testing.T) {
	redis := harness.StartRedis(t)
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	d := harness.ShopCheckout(harness.ShopCheckoutOptions{App: app, Redis: redis.Addr})
	replicas := harness.StartN(t, 2, harness.Options{Dynamic: d, AllowLog: []string{rejectLogLine}})
	onA := harness.NewNavigator(t, harness.Hosts{"": replicas[0]}.Client(""))
	onB := harness.NewNavigator(t, harness.Hosts{"": replicas[1]}.Client(""))

	onA.SignIn(shopHost, "Tess")
	loc := onA.Handoff(shopHost, "http://"+checkoutHost+"/")
	require.NotEmpty(t, harness.Token(loc))
	assert.Equal(t, http.StatusSeeOther, onB.Get(loc).Status, "redeemed on replica B")
	again := harness.NewNavigator(t, harness.Hosts{"": replicas[0]}.Client(""))
	harness.AssertRefused(t, again, again.Get(loc), "already used")

	unused := onA.Handoff(shopHost, "http://"+checkoutHost+"/")
	redis.Stop()
	late := harness.NewNavigator(t, harness.Hosts{"": replicas[1]}.Client(""))
	harness.AssertRefused(t, late, late.Get(unused), "unavailable")
}
