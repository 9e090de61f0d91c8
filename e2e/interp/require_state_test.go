package interp

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stateShop and stateCheckout run requireState: the shop sends a marker,
// the checkout pulls.
var (
	stateShop     = source.with("requireState", true)
	stateCheckout = puller.with("requireState", true)
)

// TestRequireStateInterpreted: in requireState mode a hand-off carries
// a marker that starts a pull, and the session arrives by the pull.
func TestRequireStateInterpreted(t *testing.T) {
	const session = "sess-state-6f6f"
	markSensitive(session)
	src := build(t, stateShop, &backend{respond: redirectTo("http://" + checkoutHost + "/welcome")})
	rec := serve(t, src, navigation(shopHost, "/login", clientAddr, cookieName+"="+session))
	require.Equal(t, http.StatusFound, rec.Code)
	assert.Equal(t, "http://checkout.test/welcome?_hs_=pull", rec.Header().Get("Location"), "a marker, no token")

	b := &backend{}
	dst := build(t, stateCheckout, b)
	rec = serve(t, dst, navigation(checkoutHost, "/welcome?_hs_=pull", clientAddr, ""))
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	loc := rec.Header().Get("Location")
	assert.True(t, strings.HasPrefix(loc, pullStart+url.QueryEscape("http://checkout.test/welcome")+"&state="), "the pull returns to the page without the marker: %s", loc)
	assert.Zero(t, b.calls())
}

// TestRequireStateRefusesPushedTokens: an attacker's own token, delivered
// to a victim, never signs the victim in as the attacker: the target
// starts a pull of the victim's own session instead, and refuses the
// token outright while a pull is in flight.
func TestRequireStateRefusesPushedTokens(t *testing.T) {
	const attacker = "sess-attacker-7a7a"
	token := issue(t, source, clientAddr, attacker) // same address: a shared NAT

	t.Run("a pull starts in its place", func(t *testing.T) {
		b := &backend{}
		dst := build(t, stateCheckout, b)
		rec := serve(t, dst, arrival(token, clientAddr, ""))
		require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
		assert.True(t, strings.HasPrefix(rec.Header().Get("Location"), pullStart), rec.Header().Get("Location"))
		assert.NotContains(t, strings.Join(rec.Header().Values("Set-Cookie"), "\n"), attacker)
		assert.Zero(t, b.calls())
	})
	t.Run("refused while a pull is in flight", func(t *testing.T) {
		b := &backend{}
		dst := build(t, dying(stateCheckout), b)
		rec := serve(t, dst, arrival(token, clientAddr, "si_pull=AAAAAAAAAAAAAAAAAAAAAA"))
		assertRefusalPage(t, rec, "wrong browser", "http://checkout.test/welcome?a=1")
		assert.NotContains(t, strings.Join(rec.Header().Values("Set-Cookie"), "\n"), attacker)
		assert.Zero(t, b.calls())
	})
	t.Run("without requireState the same token signs the victim in as the attacker", func(t *testing.T) {
		dst := build(t, puller, &backend{})
		rec := serve(t, dst, arrival(token, clientAddr, ""))
		assert.Equal(t, []string{sessionCookie(attacker)}, rec.Header().Values("Set-Cookie"), "the attack the mode stops")
	})
}

// TestRequireStateConfig: a receive-only host with requireState needs a
// source to pull from.
func TestRequireStateConfig(t *testing.T) {
	_, err := sessionInjector(t).Build(t.Context(), receiver.with("requireState", true), "si", http.NotFoundHandler())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "requireState")
}
