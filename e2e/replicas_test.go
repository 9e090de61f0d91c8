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
	onA := &browser{t: t, c: harness.Hosts{"": replicas[0]}.Client("")}
	onB := &browser{t: t, c: harness.Hosts{"": replicas[1]}.Client("")}

	onA.signIn(shopHost, "Tess")
	loc := onA.handoff(shopHost, "http://"+checkoutHost+"/")
	require.NotEmpty(t, token(loc))
	assert.Equal(t, http.StatusSeeOther, onB.get(loc).Status, "redeemed on replica B")
	again := &browser{t: t, c: harness.Hosts{"": replicas[0]}.Client("")}
	assertRefused(t, again, again.get(loc), "already used")

	unused := onA.handoff(shopHost, "http://"+checkoutHost+"/")
	redis.Stop()
	late := &browser{t: t, c: harness.Hosts{"": replicas[1]}.Client("")}
	assertRefused(t, late, late.get(unused), "unavailable")
}
