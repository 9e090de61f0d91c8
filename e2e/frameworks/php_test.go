package frameworks

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPHPSessions: what PHP's native sessions add to TestApps' contract:
// PHPSESSID is a browser-session cookie (HttpOnly, SameSite Lax), a sign-in
// gets a new id and deletes the old session, and with strict mode an id
// the server did not issue is not adopted.
func TestPHPSessions(t *testing.T) {
	t.Parallel()
	base := StartPHP(t, directShopURL, directCheckoutURL)

	b := newDirectBrowser(t, base)
	b.get("shop.test", "/login")
	before, ok := b.cookies["PHPSESSID"]
	require.True(t, ok, "the sign-in form starts a session for its CSRF token")
	resp := b.login("shop.test", "alice", "/account")
	sid := resp.cookie("PHPSESSID")
	require.NotNil(t, sid, "login sets a new PHPSESSID")
	assert.NotEqual(t, before.Value, sid.Value, "session_regenerate_id at sign-in")
	assert.True(t, sid.Expires.IsZero() && sid.MaxAge == 0, "a browser-session cookie: %s", sid)
	assert.Equal(t, http.SameSiteLaxMode, sid.SameSite)
	assert.True(t, sid.HttpOnly)

	old := newDirectBrowser(t, base)
	old.set([]*http.Cookie{{Name: "PHPSESSID", Value: before.Value}})
	assert.Equal(t, http.StatusFound, old.get("checkout.test", "/account").StatusCode, "the pre-sign-in session is gone")

	forged := newDirectBrowser(t, base)
	forged.set([]*http.Cookie{tampered(sid)})
	assert.Equal(t, http.StatusFound, forged.get("checkout.test", "/account").StatusCode, "a changed id finds no session")

	// Session fixation: an id chosen by the client is replaced.
	fixed := newDirectBrowser(t, base)
	fixed.set([]*http.Cookie{{Name: "PHPSESSID", Value: "attackerchosen0123456789"}})
	fixed.get("shop.test", "/login")
	assert.NotEqual(t, "attackerchosen0123456789", fixed.cookies["PHPSESSID"].Value, "strict mode issues its own id")
}
