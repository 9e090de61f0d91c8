package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertRefused checks a 403 refusal: plain text naming reason, not
// cached, no session cookie set; and that b is not signed in on the host.
func assertRefused(t *testing.T, b *browser, h hop, reason string) {
	t.Helper()
	assert.Equal(t, http.StatusForbidden, h.Status, "%s %s: %s", h.Method, h.URL, h.Body)
	assert.True(t, strings.HasPrefix(h.Header.Get("Content-Type"), "text/plain"), "Content-Type %q", h.Header.Get("Content-Type"))
	assert.Contains(t, h.Header.Get("Cache-Control"), "no-store")
	assert.Contains(t, h.Body, reason)
	assert.Empty(t, sessionCookies(h), "no session cookie on a refusal")
	host := strings.Split(strings.TrimPrefix(h.URL, "http://"), "/")[0]
	assert.Empty(t, b.cookie(host), "signed in on %s after a refusal", host)
}

// flip changes the character in the middle of s to another one of the
// base64url alphabet.
func flip(s string) string {
	i := len(s) / 2
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

func TestRefusals(t *testing.T) {
	e := newEnv(t)

	// issue signs a fresh browser in on shop and returns it with a hand-off
	// Location to target (carrying a token).
	issue := func(t *testing.T, ip, shop, target string) (*browser, string) {
		t.Helper()
		b := e.newBrowser(ip).withT(t)
		b.signIn(shop, "Mallory")
		loc := b.handoff(shop, target)
		require.NotEmpty(t, token(loc), "hand-off on %s to %s gave no token: %q", shop, target, loc)
		return b, loc
	}

	t.Run("replayed token", func(t *testing.T) {
		t.Parallel()
		a, loc := issue(t, "", shopHost, "http://"+checkoutHost+"/")
		require.Equal(t, http.StatusSeeOther, a.get(loc).Status, "first redemption")
		other := e.newBrowser("").withT(t)
		assertRefused(t, other, other.get(loc), "already used")
	})

	t.Run("token redeemed from another client address", func(t *testing.T) {
		t.Parallel()
		_, loc := issue(t, "127.0.0.2", shopHost, "http://"+checkoutHost+"/")
		thief := e.newBrowser("127.0.0.3").withT(t)
		assertRefused(t, thief, thief.get(loc), "wrong client")

		_, loc = issue(t, "127.0.0.2", shopHost, "http://"+checkoutHost+"/")
		same := e.newBrowser("127.0.0.2").withT(t)
		assert.Equal(t, http.StatusSeeOther, same.get(loc).Status, "another browser at the same address")
	})

	t.Run("token for another host", func(t *testing.T) {
		t.Parallel()
		b, loc := issue(t, "", shopHost, "http://"+checkoutHost+"/")
		moved := strings.Replace(loc, "//"+checkoutHost+"/", "//"+checkoutAlt+"/", 1)
		require.NotEqual(t, loc, moved)
		assertRefused(t, b, b.get(moved), "invalid")
	})

	t.Run("expired: the receiver accepts 1s", func(t *testing.T) {
		t.Parallel()
		b, loc := issue(t, "", shopHost, "http://"+checkoutShrt+"/")
		time.Sleep(2200 * time.Millisecond)
		assertRefused(t, b, b.get(loc), "expired")
	})

	t.Run("expired: the issuer wrote 1s", func(t *testing.T) {
		t.Parallel()
		b, loc := issue(t, "", shopShort, "http://"+checkoutHost+"/")
		time.Sleep(2200 * time.Millisecond)
		assertRefused(t, b, b.get(loc), "expired")
	})

	t.Run("token sealed with an unknown secret", func(t *testing.T) {
		t.Parallel()
		b, loc := issue(t, "", shopOther, "http://"+checkoutHost+"/")
		assertRefused(t, b, b.get(loc), "invalid")
	})

	t.Run("token sealed with a previous secret is accepted", func(t *testing.T) {
		t.Parallel()
		b, loc := issue(t, "", shopHost, "http://"+checkoutRot+"/")
		hops := b.visit(http.MethodGet, loc, nil)
		assertArrivedSignedIn(t, hops, "http://"+checkoutRot+"/", "Mallory", b.cookie(shopHost))
	})

	damaged := []struct {
		name   string
		damage func(t *testing.T, loc string) string
	}{
		{"one character flipped", func(t *testing.T, loc string) string { return withToken(t, loc, flip(token(loc))) }},
		{"truncated", func(t *testing.T, loc string) string { tok := token(loc); return withToken(t, loc, tok[:len(tok)-8]) }},
		{"empty", func(t *testing.T, loc string) string { return withToken(t, loc, "") }},
		{"not base64", func(t *testing.T, loc string) string { return withToken(t, loc, "a+b/c=="+token(loc)) }},
		{"oversized", func(t *testing.T, loc string) string { return withToken(t, loc, strings.Repeat(token(loc), 40)) }},
		{"given twice", func(t *testing.T, loc string) string { return loc + "&" + tokenParam + "=" + token(loc) }},
	}
	for _, tt := range damaged {
		t.Run("tampered token: "+tt.name, func(t *testing.T) {
			t.Parallel()
			b, loc := issue(t, "", shopHost, "http://"+checkoutHost+"/")
			assertRefused(t, b, b.get(tt.damage(t, loc)), "invalid")
		})
	}
}
