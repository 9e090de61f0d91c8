package frameworks

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDjangoSessions: what Django's database sessions add to TestApps'
// contract: sessionid is only a key, which a changed value or a finished
// session no longer finds, a sign-in gets a new key (against session
// fixation), and the cookie carries Django's defaults.
func TestDjangoSessions(t *testing.T) {
	t.Parallel()
	base := StartDjango(t, directShopURL, directCheckoutURL)

	b := newDirectBrowser(t, base)
	resp := b.login("shop.test", "alice", "/account")
	sid := resp.cookie("sessionid")
	require.NotNil(t, sid, "login sets sessionid")
	assert.Equal(t, int(DjangoSessionLifetime/time.Second), sid.MaxAge, "SESSION_COOKIE_AGE")
	assert.Equal(t, http.SameSiteLaxMode, sid.SameSite)
	assert.Contains(t, b.cookies, "csrftoken", "CsrfViewMiddleware's cookie")

	forged := newDirectBrowser(t, base)
	forged.set([]*http.Cookie{tampered(sid)})
	assert.Equal(t, http.StatusFound, forged.get("checkout.test", "/account").StatusCode, "a changed sessionid finds no session")

	// A second sign-in in the same browser cycles the key.
	b.login("checkout.test", "mallory", "/account")
	assert.NotEqual(t, sid.Value, b.cookies["sessionid"].Value, "a new session key at sign-in")
	assert.Contains(t, b.get("shop.test", "/account").body, "Signed in as mallory")
	old := newDirectBrowser(t, base)
	old.set([]*http.Cookie{{Name: "sessionid", Value: sid.Value}})
	assert.Equal(t, http.StatusFound, old.get("shop.test", "/account").StatusCode, "the old key is gone")
}
