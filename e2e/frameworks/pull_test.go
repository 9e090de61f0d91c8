package frameworks

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// TestPullJourneys opens each app's checkout directly, behind the real
// Traefik with the checkout pulling from the shop on /account: signed in
// on the shop, the user arrives signed in on the page asked for; anonymous,
// after one bounce the app's own login redirect runs, and no bounce while
// the "no session" answer is remembered.
func TestPullJourneys(t *testing.T) {
	pullStart := ShopURL + "/_session/pull?return=" + url.QueryEscape(checkoutAccount) + "&state="
	for _, app := range Apps() {
		t.Run(app.Name, func(t *testing.T) {
			site := StartPullingSite(t, app)

			t.Run("signed in on the shop: arrive signed in", func(t *testing.T) {
				b := site.Browser(t)
				signIn(t, b, harness.ShopHost, "alice", "/account")
				require.Empty(t, b.Session(harness.CheckoutHost), "signed in on the shop only")
				hops := b.Follow(checkoutAccount)
				require.Len(t, hops, 4, "to the shop, back with the session, the clean URL, the page: %s", hopList(hops))
				assert.True(t, strings.HasPrefix(hops[0].Header.Get("Location"), pullStart), hopList(hops))
				assert.Equal(t, http.StatusSeeOther, hops[1].Status, "the shop's pull endpoint: %s", hops[1].Body)
				assertArrived(t, b, hops, checkoutAccount, "alice")

				hops = b.Follow(checkoutAccount)
				require.Len(t, hops, 1, "signed in now: no pull: %s", hopList(hops))
				assert.Contains(t, hops[0].Body, "Signed in as alice")
			})

			t.Run("anonymous: one bounce, then the app's own login redirect", func(t *testing.T) {
				b := site.Browser(t)
				hops := b.Follow(checkoutAccount)
				require.GreaterOrEqual(t, len(hops), 4, hopList(hops))
				assert.True(t, strings.HasPrefix(hops[0].Header.Get("Location"), pullStart), hopList(hops))
				assert.Equal(t, checkoutAccount, hops[2].Header.Get("Location"), "the clean URL after the shop's no-session answer")
				assert.Equal(t, http.StatusFound, hops[3].Status, "the app's login redirect: %s", hopList(hops))
				assertSignedOut(t, b, hops, harness.CheckoutHost)

				hops = b.Follow(checkoutAccount)
				assert.Equal(t, http.StatusFound, hops[0].Status, "remembered: straight to the app's login redirect: %s", hopList(hops))
			})
		})
	}
}
