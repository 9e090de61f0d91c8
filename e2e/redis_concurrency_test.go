package e2e

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// replicasWithRedis is a shop and a checkout whose middlewares share the
// Redis at addr as their replay store, with extra settings merged in.
func replicasWithRedis(appURL, redisAddr string, redisExtra map[string]any) harness.Dynamic {
	store := redisStore(redisAddr, redisExtra)
	return harness.Dynamic{
		Routers: map[string]harness.Router{
			"shop":     {Rule: hostRule(shopHost), Middlewares: []string{"shop"}, Service: "app"},
			"checkout": {Rule: hostRule(checkoutHost), Middlewares: []string{"checkout"}, Service: "app"},
		},
		Middlewares: map[string]harness.Middleware{
			"shop":     injector(secretMain, []string{checkoutHost}, store),
			"checkout": injector(secretMain, nil, store),
		},
		Services: map[string]harness.Service{"app": {URL: appURL}},
	}
}

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
	d := replicasWithRedis(app, redis.Addr, map[string]any{"keyPrefix": "e2e-race:", "timeout": "2s"})
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
			h, err := navigateGET(redeemers[i%len(redeemers)], loc)
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
