package e2e

import (
	"net/http"
	"testing"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// TestHandOffBetweenTwoTraefikInstances runs the shop and the checkout on
// two Traefik processes sharing the secret, as separate deployments or
// replicas would: a token sealed by one is opened by the other.
func TestHandOffBetweenTwoTraefikInstances(t *testing.T) {
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	trs := harness.StartN(t, 2, harness.Options{Dynamic: siteConfig(app)})
	hosts := harness.Hosts{shopHost: trs[0], checkoutHost: trs[1]}
	b := harness.NewNavigator(t, hosts.Client(""))

	session := b.SignIn(shopHost, "Quinn")
	hops := b.Visit(http.MethodPost, "http://"+shopHost+"/pay", nil)
	harness.AssertArrivedSignedIn(t, hops, "http://"+checkoutHost+"/?from=pay", "Quinn", session)
}
