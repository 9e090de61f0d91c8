package e2e

import (
	"net/http"
	"net/url"
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

	// With dieOnHandshakeFailure false (the plugin's default) a refused
	// token is no dead end: a navigation is sent on to its URL without the
	// token, signed out; any other request goes on stripped of it.
	lenient := "http://" + checkoutLax + "/?step=2"
	ledOn := []struct {
		name   string
		reason string // as the log names it
		token  func(t *testing.T) (*harness.Navigator, string)
	}{
		{"expired", "expired", func(t *testing.T) (*harness.Navigator, string) {
			b, loc := issue(t, "", shopShort, lenient)
			time.Sleep(2200 * time.Millisecond)
			return b, loc
		}},
		{"sealed with an unknown secret", "invalid", func(t *testing.T) (*harness.Navigator, string) {
			return issue(t, "", shopOther, lenient)
		}},
		{"one character flipped", "invalid", func(t *testing.T) (*harness.Navigator, string) {
			b, loc := issue(t, "", shopHost, lenient)
			return b, harness.WithToken(t, loc, flip(harness.Token(loc)))
		}},
		{"replayed", "already used", func(t *testing.T) (*harness.Navigator, string) {
			a, loc := issue(t, "", shopHost, lenient)
			require.Equal(t, http.StatusSeeOther, a.Get(loc).Status, "first redemption")
			return e.newBrowser("").WithT(t), loc
		}},
	}
	for _, tt := range ledOn {
		t.Run("dieOnHandshakeFailure false: "+tt.name+" token leads on to the clean URL, signed out", func(t *testing.T) {
			t.Parallel()
			b, loc := tt.token(t)
			hops := b.Follow(loc)
			require.Len(t, hops, 2, "a 303, then the page: %+v", hops)
			h, page := hops[0], hops[1]
			assert.Equal(t, http.StatusSeeOther, h.Status, "%s: %s", h.URL, h.Body)
			assert.Equal(t, lenient, h.Header.Get("Location"), "the URL without the token")
			assert.NotContains(t, h.Header.Get("Location"), harness.TokenParam)
			assert.Contains(t, h.Header.Get("Cache-Control"), "no-store")
			assert.Equal(t, "no-referrer", h.Header.Get("Referrer-Policy"))
			assert.Empty(t, h.Header.Values("Set-Cookie"), "no cookie set on the way")

			assert.Equal(t, lenient, page.URL)
			assert.Equal(t, http.StatusOK, page.Status)
			assert.Contains(t, page.Body, "You are not signed in.")
			assert.Empty(t, b.Cookie(checkoutLax), "signed out on the checkout")
			requireLogLine(t, e.tr, `"checkout-lenient@`, "handoff refused ("+tt.reason+")")
		})
	}

	notNavigations := []struct {
		name   string
		method string
		form   url.Values
		header http.Header
	}{
		{"a form POST", http.MethodPost, url.Values{"field": {"value"}}, nil},
		{"a fetch", http.MethodGet, nil, http.Header{"Accept": {"application/json"}, "Sec-Fetch-Mode": {"cors"}, "Sec-Fetch-Dest": {"empty"}}},
	}
	for _, tt := range notNavigations {
		t.Run("dieOnHandshakeFailure false: "+tt.name+" with a bad token is stripped and passed on", func(t *testing.T) {
			t.Parallel()
			b, loc := issue(t, "", shopHost, "http://"+checkoutLax+"/_debug/request?x=1")
			bad := harness.WithToken(t, loc, flip(harness.Token(loc)))
			h, err := harness.Navigate(b.Client(), tt.method, bad, tt.form, tt.header)
			require.NoError(t, err)
			v := decodeView(t, h)
			assert.Equal(t, tt.method, v.Method, "the request itself reaches the backend")
			assert.Equal(t, "/_debug/request?x=1", v.RequestURI, "without the token")
			assert.Empty(t, sessionValues(v.Cookie), "without a session")
			assert.Empty(t, harness.SessionCookies(h))
			assert.Contains(t, h.Header.Get("Cache-Control"), "no-store")
			assert.Equal(t, "no-referrer", h.Header.Get("Referrer-Policy"), "the tokened URL kept out of referrers")
			assert.Empty(t, b.Cookie(checkoutLax))
		})
	}
}
