package frameworks

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFlaskRememberMe: what Flask's cookie session and Flask-Login's
// remember-me add to TestApps' contract: either cookie alone signs alice
// in (remember_token restores the session, with a new session cookie),
// remember_token lives 365 days, and each is signed.
func TestFlaskRememberMe(t *testing.T) {
	t.Parallel()
	base := StartFlask(t, directShopURL, directCheckoutURL)

	b := newDirectBrowser(t, base)
	resp := b.login("shop.test", "alice", "/account")
	remember := resp.cookie("remember_token")
	require.NotNil(t, remember, "login sets remember_token")
	assert.WithinDuration(t, time.Now().Add(FlaskRememberLifetime), remember.Expires, time.Minute, "REMEMBER_COOKIE_DURATION")
	saved := b.session([]string{"session", "remember_token"})

	t.Run("session alone", func(t *testing.T) {
		only := newDirectBrowser(t, base)
		only.set(saved[:1])
		resp := only.get("checkout.test", "/account")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, resp.body, "Signed in as alice")
	})

	t.Run("remember_token alone restores the session", func(t *testing.T) {
		only := newDirectBrowser(t, base)
		only.set(saved[1:])
		resp := only.get("checkout.test", "/account")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, resp.body, "Signed in as alice")
		require.Contains(t, only.cookies, "session", "a new session cookie")
		// The restored session is a session of its own: a note saved in
		// it works with its CSRF token.
		name, token := csrfOf(t, only.get("checkout.test", "/note").body)
		resp = only.post("checkout.test", "/note", map[string][]string{name: {token}, "note": {"restored"}})
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	})

	t.Run("changed cookies sign out", func(t *testing.T) {
		for _, c := range saved {
			forged := newDirectBrowser(t, base)
			forged.set([]*http.Cookie{tampered(c)})
			assert.Equal(t, http.StatusFound, forged.get("checkout.test", "/account").StatusCode, "%s changed", c.Name)
		}
		// alice's remember_token signature under mallory's name.
		forged := newDirectBrowser(t, base)
		forged.set([]*http.Cookie{{Name: "remember_token", Value: strings.Replace(saved[1].Value, "alice|", "mallory|", 1)}})
		assert.Equal(t, http.StatusFound, forged.get("checkout.test", "/account").StatusCode)
	})

	t.Run("logout deletes remember_token", func(t *testing.T) {
		b := newDirectBrowser(t, base)
		b.login("shop.test", "mallory", "/account")
		b.get("checkout.test", "/logout")
		assert.NotContains(t, b.cookies, "remember_token")
		assert.Equal(t, http.StatusFound, b.get("shop.test", "/account").StatusCode)
	})
}
