// Package load drives a real Traefik running the session injector with
// many concurrent clients, and checks every answer: a client shared by the
// workers (Client), one worker per goroutine signed in on the shop with
// its own session (Worker), a tally of what was sent and seen (Tally), a
// backend between Traefik and the demo app that watches for leaked tokens
// (Backend), and Traefik's resident memory sampled over time (RSSSampler).
// Its tests run a mixed load with faults, a replay race, a replay-cache
// flood and a secret rotation under load.
package load

import "github.com/session-injector/sessioninjector/e2e/harness"

// Short names for the scenario's hosts and the token parameter.
const (
	shopHost     = harness.ShopHost
	shopOther    = harness.ShopOtherHost
	checkoutHost = harness.CheckoutHost
	tokenParam   = harness.TokenParam
)
