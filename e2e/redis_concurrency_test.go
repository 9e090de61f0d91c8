package e2e

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// TestConcurrentRedemptionsAcrossReplicas sends one token 50 times at
// once, half to each of two Traefik replicas sharing a redis-server: the
// atomic SET NX lets exactly one through, every other attempt is refused
// as already used, and none errs.
func TestConcurrentRedemptionsAcrossReplicas(t *testing.T) {
	const attempts = 50
	redis := harness.StartRedis(t)
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	// A generous timeout: this test is about atomicity, and a slow shared
	// machine must not turn a refusal into "unavailable".
	d := harness.ShopCheckout(harness.ShopCheckoutOptions{
		App: app, Redis: redis.Addr, RedisSettings: map[string]any{"keyPrefix": "e2e-race:", "timeout": "2s"},
	})
	replicas := harness.StartN(t, 2, harness.Options{Dynamic: d})
	clients := signedInClients(t, replicas, "Rita")
	loc, err := mintToken(clients[0], shopHost, "http://"+checkoutHost+"/")
	require.NoError(t, err)

	// One client per replica without a cookie jar, each attempt on its own
	// connection, all released together.
	redeemers := make([]*http.Client, len(replicas))
	for i, tr := range replicas {
		redeemers[i] = tr.Client("")
		redeemers[i].Jar = nil
	}
	start := make(chan struct{})
	outcomes := make([]string, attempts)
	var wg sync.WaitGroup
	for i := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			h, err := harness.Navigate(redeemers[i%len(redeemers)], http.MethodGet, loc, nil, nil)
			if err != nil {
				outcomes[i] = "transport error: " + err.Error()
				return
			}
			outcomes[i] = classifyRedemption(h)
		}()
	}
	close(start)
	wg.Wait()

	counts := map[string]int{}
	for _, o := range outcomes {
		counts[o]++
	}
	assert.Equal(t, map[string]int{outcomeArrived: 1, refusedPrefix + "already used": attempts - 1}, counts,
		"outcomes of %d concurrent redemptions of one token", attempts)
	assert.Len(t, redis.Keys(t, 0, "e2e-race:*"), 1, "one key recorded for the one token")
}
