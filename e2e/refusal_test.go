package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

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
	issue := func(t *testing.T, ip, shop, target string) (*harness.Navigator, string) {
		t.Helper()
		b := e.newBrowser(ip).WithT(t)
		b.SignIn(shop, "Mallory")
		loc := b.Handoff(shop, target)
		require.NotEmpty(t, harness.Token(loc), "hand-off on %s to %s gave no token: %q", shop, target, loc)
		return b, loc
	}

	t.Run("replayed token", func(t *testing.T) {
		t.Parallel()
		a, loc := issue(t, "", shopHost, "http://"+checkoutHost+"/")
		require.Equal(t, http.StatusSeeOther, a.Get(loc).Status, "first redemption")
		other := e.newBrowser("").WithT(t)
		harness.AssertRefused(t, other, other.Get(loc), "already used")
	})

	t.Run("token redeemed from another client address", func(t *testing.T) {
		t.Parallel()
		_, loc := issue(t, "127.0.0.2", shopHost, "http://"+checkoutHost+"/")
		thief := e.newBrowser("127.0.0.3").WithT(t)
		harness.AssertRefused(t, thief, thief.Get(loc), "wrong client")

		_, loc = issue(t, "127.0.0.2", shopHost, "http://"+checkoutHost+"/")
		same := e.newBrowser("127.0.0.2").WithT(t)
		assert.Equal(t, http.StatusSeeOther, same.Get(loc).Status, "another browser at the same address")
	})

	t.Run("token for another host", func(t *testing.T) {
		t.Parallel()
		b, loc := issue(t, "", shopHost, "http://"+checkoutHost+"/")
		moved := strings.Replace(loc, "//"+checkoutHost+"/", "//"+checkoutAlt+"/", 1)
		require.NotEqual(t, loc, moved)
		harness.AssertRefused(t, b, b.Get(moved), "invalid")
	})

	t.Run("expired: the receiver accepts 1s", func(t *testing.T) {
		t.Parallel()
		b, loc := issue(t, "", shopHost, "http://"+checkoutShrt+"/")
		time.Sleep(2200 * time.Millisecond)
		harness.AssertRefused(t, b, b.Get(loc), "expired")
	})

	t.Run("expired: the issuer wrote 1s", func(t *testing.T) {
		t.Parallel()
		b, loc := issue(t, "", shopShort, "http://"+checkoutHost+"/")
		time.Sleep(2200 * time.Millisecond)
		harness.AssertRefused(t, b, b.Get(loc), "expired")
	})

	t.Run("token sealed with an unknown secret", func(t *testing.T) {
		t.Parallel()
		b, loc := issue(t, "", shopOther, "http://"+checkoutHost+"/")
		harness.AssertRefused(t, b, b.Get(loc), "invalid")
	})

	t.Run("token sealed with a previous secret is accepted", func(t *testing.T) {
		t.Parallel()
		b, loc := issue(t, "", shopHost, "http://"+checkoutRot+"/")
		hops := b.Follow(loc)
		harness.AssertArrivedSignedIn(t, hops, "http://"+checkoutRot+"/", "Mallory", b.Cookie(shopHost))
	})

	damaged := []struct {
		name   string
		damage func(t *testing.T, loc string) string
	}{
		{"one character flipped", func(t *testing.T, loc string) string { return harness.WithToken(t, loc, flip(harness.Token(loc))) }},
		{"truncated", func(t *testing.T, loc string) string {
			tok := harness.Token(loc)
			return harness.WithToken(t, loc, tok[:len(tok)-8])
		}},
		{"empty", func(t *testing.T, loc string) string { return harness.WithToken(t, loc, "") }},
		{"not base64", func(t *testing.T, loc string) string { return harness.WithToken(t, loc, "a+b/c=="+harness.Token(loc)) }},
		{"oversized", func(t *testing.T, loc string) string {
			return harness.WithToken(t, loc, strings.Repeat(harness.Token(loc), 40))
		}},
		{"given twice", func(t *testing.T, loc string) string {
			return loc + "&" + harness.TokenParam + "=" + harness.Token(loc)
		}},
	}
	for _, tt := range damaged {
		t.Run("tampered token: "+tt.name, func(t *testing.T) {
			t.Parallel()
			b, loc := issue(t, "", shopHost, "http://"+checkoutHost+"/")
			harness.AssertRefused(t, b, b.Get(tt.damage(t, loc)), "invalid")
		})
	}
}
