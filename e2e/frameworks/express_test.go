package frameworks

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestExpressTamperedCookies: every session cookie of each store is needed
// (a cookie-session cookie without its .sig is ignored, which is why the
// plugin carries them all), and a changed value fails its signature. The
// rest of the contract is TestApps'.
func TestExpressTamperedCookies(t *testing.T) {
	for _, store := range ExpressStores {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			base := StartExpress(t, store, directShopURL, directCheckoutURL)
			cookies := ExpressCookies(store)
			b := newDirectBrowser(t, base)
			b.login("shop.test", "alice", "/account")
			saved := b.session(cookies)

			for _, drop := range cookies {
				partial := newDirectBrowser(t, base)
				for _, c := range saved {
					if c.Name != drop {
						partial.set([]*http.Cookie{c})
					}
				}
				resp := partial.get("checkout.test", "/account")
				assert.Equal(t, http.StatusFound, resp.StatusCode, "without %s", drop)
			}

			for _, c := range saved {
				forged := newDirectBrowser(t, base)
				forged.set(saved)
				forged.set([]*http.Cookie{tampered(c)})
				resp := forged.get("checkout.test", "/account")
				assert.Equal(t, http.StatusFound, resp.StatusCode, "%s changed", c.Name)
			}

			if store == ExpressCookieSession {
				// mallory's session with alice's signature.
				forged := newDirectBrowser(t, base)
				forged.set(saved)
				mallory := newDirectBrowser(t, base)
				mallory.login("shop.test", "mallory", "/account")
				forged.set([]*http.Cookie{{Name: "session", Value: mallory.cookies["session"].Value}})
				resp := forged.get("checkout.test", "/account")
				assert.Equal(t, http.StatusFound, resp.StatusCode)
			}
		})
	}
}

// TestExpressCookieNames: the session cookies of each store, and none for a
// store StartExpress does not know (which it refuses).
func TestExpressCookieNames(t *testing.T) {
	assert.Nil(t, ExpressCookies("memory"))
	assert.Equal(t, []string{"connect.sid"}, ExpressCookies(ExpressSession))
	assert.Equal(t, []string{"session", "session.sig"}, ExpressCookies(ExpressCookieSession))
}

// tampered returns a copy of c with one character of its value changed,
// near its end (inside a signature or a session id).
func tampered(c *http.Cookie) *http.Cookie {
	v := []byte(c.Value)
	i := len(v) - 2
	if v[i] == 'A' {
		v[i] = 'B'
	} else {
		v[i] = 'A'
	}
	return &http.Cookie{Name: c.Name, Value: string(v)}
}
