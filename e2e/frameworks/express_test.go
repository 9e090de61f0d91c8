package frameworks

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	expressShopURL     = "http://shop.test"
	expressCheckoutURL = "http://checkout.test"
)

// TestExpressApps checks the Express app with each store directly, without
// Traefik: the contract the journey tests rely on, and the two facts the
// plugin is built on: one store answers both hosts, and a cookie-session
// session needs both of its cookies.
func TestExpressApps(t *testing.T) {
	tests := []struct {
		store string
		// cookies are the session cookies sign-in sets.
		cookies []string
		// replayAfterLogout: whether cookies saved before logout still
		// sign in afterwards (cookie-session keeps no state to revoke).
		replayAfterLogout bool
	}{
		{store: ExpressSession, cookies: []string{"connect.sid"}, replayAfterLogout: false},
		{store: ExpressCookieSession, cookies: []string{"session", "session.sig"}, replayAfterLogout: true},
	}
	for _, tc := range tests {
		t.Run(tc.store, func(t *testing.T) {
			t.Parallel()
			base := StartExpress(t, tc.store, expressShopURL, expressCheckoutURL)
			require.Equal(t, tc.cookies, ExpressCookies(tc.store))

			t.Run("login form has a CSRF field", func(t *testing.T) {
				b := newExpressBrowser(t, base)
				resp := b.get("shop.test", "/login?next=/account")
				require.Equal(t, http.StatusOK, resp.StatusCode)
				assert.Contains(t, resp.body, `<form method="post" action="/login">`)
				assert.NotEmpty(t, expressCSRF(t, resp.body))
				assert.Contains(t, resp.body, `name="username"`)
				assert.Contains(t, resp.body, `name="password"`)
			})

			t.Run("unauthenticated account redirects to login", func(t *testing.T) {
				b := newExpressBrowser(t, base)
				for _, host := range []string{"shop.test", "checkout.test"} {
					resp := b.get(host, "/account")
					assert.Equal(t, http.StatusFound, resp.StatusCode, host)
					assert.Equal(t, "/login?next=/account", resp.Header.Get("Location"), host)
				}
			})

			t.Run("login refused without CSRF or with a bad password", func(t *testing.T) {
				b := newExpressBrowser(t, base)
				b.get("shop.test", "/login") // the CSRF state: a session or a cookie
				resp := b.post("shop.test", "/login", url.Values{"username": {"alice"}, "password": {"alice-password"}})
				assert.Equal(t, http.StatusForbidden, resp.StatusCode, "no CSRF token")
				resp = b.post("shop.test", "/login", url.Values{"_csrf": {"forged"}, "username": {"alice"}, "password": {"alice-password"}})
				assert.Equal(t, http.StatusForbidden, resp.StatusCode, "forged CSRF token")
				token := expressCSRF(t, b.get("shop.test", "/login").body)
				resp = b.post("shop.test", "/login", url.Values{"_csrf": {token}, "username": {"alice"}, "password": {"mallory-password"}})
				assert.Equal(t, http.StatusForbidden, resp.StatusCode, "wrong password")
				assert.Equal(t, http.StatusFound, b.get("shop.test", "/account").StatusCode, "still signed out")
			})

			t.Run("login sets persistent session cookies", func(t *testing.T) {
				b := newExpressBrowser(t, base)
				resp := b.login("shop.test", "alice", "/account")
				assert.Equal(t, "/account", resp.Header.Get("Location"))
				var names []string
				for _, c := range resp.Cookies() {
					names = append(names, c.Name)
					assert.True(t, c.HttpOnly, "%s HttpOnly", c.Name)
					assert.Equal(t, "/", c.Path, "%s Path", c.Name)
					assert.Empty(t, c.Domain, "%s is a host-only cookie", c.Name)
					require.False(t, c.Expires.IsZero(), "%s has no Expires: a browser-session cookie", c.Name)
					assert.WithinDuration(t, time.Now().Add(ExpressSessionLifetime), c.Expires, time.Minute, "%s Expires", c.Name)
				}
				sort.Strings(names)
				assert.Equal(t, tc.cookies, names)
			})

			t.Run("login redirects only to local paths and the checkout", func(t *testing.T) {
				for next, want := range map[string]string{
					"/note":                                 "/note",
					expressCheckoutURL + "/account?x=1":     expressCheckoutURL + "/account?x=1",
					expressCheckoutURL:                      expressCheckoutURL,
					expressCheckoutURL + ".evil.example/":   "/account",
					"http://evil.example" + "/account":      "/account",
					"//evil.example/account":                "/account",
					"/\\evil.example/account":               "/account",
					"":                                      "/account",
					expressShopURL + "/account":             "/account",
					"javascript:alert(1)":                   "/account",
					"https://checkout.test/account":         "/account",
					expressCheckoutURL + "@evil.example/":   "/account",
					expressCheckoutURL + ":8443/account":    "/account",
					expressCheckoutURL + "/../../etc":       expressCheckoutURL + "/../../etc",
					"/account#" + expressCheckoutURL:        "/account#" + expressCheckoutURL,
					expressCheckoutURL + "#fragment":        expressCheckoutURL + "#fragment",
					expressCheckoutURL + "?next=/elsewhere": expressCheckoutURL + "?next=/elsewhere",
				} {
					b := newExpressBrowser(t, base)
					resp := b.login("shop.test", "alice", next)
					assert.Equal(t, want, resp.Header.Get("Location"), "next=%q", next)
				}
			})

			t.Run("one session answers both hosts", func(t *testing.T) {
				for _, hosts := range [][2]string{{"shop.test", "checkout.test"}, {"checkout.test", "shop.test"}} {
					signIn, other := hosts[0], hosts[1]
					b := newExpressBrowser(t, base)
					b.login(signIn, "alice", "/account")
					for _, host := range []string{signIn, other} {
						resp := b.get(host, "/account")
						require.Equal(t, http.StatusOK, resp.StatusCode, "signed in on %s, account on %s", signIn, host)
						assert.Contains(t, resp.body, "Signed in as alice", host)
						assert.Contains(t, resp.body, "Host: "+host, "the page names the Host it was asked for")
					}
				}
			})

			t.Run("note needs the CSRF token", func(t *testing.T) {
				b := newExpressBrowser(t, base)
				b.login("shop.test", "alice", "/account")
				for _, host := range []string{"shop.test", "checkout.test"} {
					resp := b.post(host, "/note", url.Values{"note": {"no token"}})
					assert.Equal(t, http.StatusForbidden, resp.StatusCode, host)
					resp = b.post(host, "/note", url.Values{"_csrf": {"forged"}, "note": {"forged token"}})
					assert.Equal(t, http.StatusForbidden, resp.StatusCode, host)

					form := b.get(host, "/note")
					require.Equal(t, http.StatusOK, form.StatusCode, host)
					assert.Contains(t, form.body, `<form method="post" action="/note">`)
					assert.Contains(t, form.body, `name="note"`)
					resp = b.post(host, "/note", url.Values{"_csrf": {expressCSRF(t, form.body)}, "note": {"hello from " + host}})
					require.Equal(t, http.StatusOK, resp.StatusCode, host)
					assert.Contains(t, resp.body, "Saved: hello from "+host)
					assert.Contains(t, b.get(host, "/note").body, "Current note: hello from "+host, "the note is in the session")
				}
			})

			t.Run("note needs a session", func(t *testing.T) {
				b := newExpressBrowser(t, base)
				resp := b.get("shop.test", "/note")
				assert.Equal(t, http.StatusFound, resp.StatusCode)
				assert.Equal(t, "/login?next=/note", resp.Header.Get("Location"))
			})

			t.Run("to-checkout redirects to the checkout", func(t *testing.T) {
				b := newExpressBrowser(t, base)
				resp := b.get("shop.test", "/to-checkout?path=/account")
				assert.Equal(t, http.StatusFound, resp.StatusCode)
				assert.Equal(t, expressCheckoutURL+"/account", resp.Header.Get("Location"))
				resp = b.get("shop.test", "/to-checkout?path=//evil.example/")
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			})

			t.Run("big stores N bytes in the session", func(t *testing.T) {
				b := newExpressBrowser(t, base)
				b.login("shop.test", "alice", "/account")
				resp := b.get("shop.test", "/big?bytes=3000")
				require.Equal(t, http.StatusOK, resp.StatusCode)
				size := 0
				for _, name := range tc.cookies {
					size += len(b.cookies[name].Value)
				}
				if tc.store == ExpressCookieSession {
					assert.Greater(t, size, 3000, "the session is in the cookie")
				} else {
					assert.Less(t, size, 200, "the cookie holds only the session id")
				}
				resp = b.get("checkout.test", "/account")
				assert.Contains(t, resp.body, "Signed in as alice")
				assert.Equal(t, http.StatusBadRequest, b.get("shop.test", "/big?bytes=-1").StatusCode)
			})

			t.Run("logout ends the session", func(t *testing.T) {
				b := newExpressBrowser(t, base)
				b.login("shop.test", "alice", "/account")
				saved := b.session(tc.cookies)
				resp := b.get("shop.test", "/logout")
				assert.Equal(t, http.StatusFound, resp.StatusCode)
				assert.Equal(t, "/login", resp.Header.Get("Location"))
				for _, name := range tc.cookies {
					assert.NotContains(t, b.cookies, name, "logout deletes %s", name)
				}
				for _, host := range []string{"shop.test", "checkout.test"} {
					resp = b.get(host, "/account")
					assert.Equal(t, http.StatusFound, resp.StatusCode, host)
					assert.Equal(t, "/login?next=/account", resp.Header.Get("Location"), host)
				}

				// Cookies saved before logout: express-session destroyed the
				// session in its store; cookie-session has nothing to
				// destroy, so its signed cookies stay valid until they
				// expire.
				replay := newExpressBrowser(t, base)
				replay.set(saved)
				resp = replay.get("checkout.test", "/account")
				if tc.replayAfterLogout {
					assert.Equal(t, http.StatusOK, resp.StatusCode)
					assert.Contains(t, resp.body, "Signed in as alice")
				} else {
					assert.Equal(t, http.StatusFound, resp.StatusCode)
				}
			})

			t.Run("tampered cookies sign out", func(t *testing.T) {
				b := newExpressBrowser(t, base)
				b.login("shop.test", "alice", "/account")
				saved := b.session(tc.cookies)

				// Every session cookie is needed: without one of them (a
				// cookie-session cookie without its .sig) the session is
				// ignored, which is why the plugin carries them all.
				for _, drop := range tc.cookies {
					partial := newExpressBrowser(t, base)
					for _, c := range saved {
						if c.Name != drop {
							partial.set([]*http.Cookie{c})
						}
					}
					resp := partial.get("checkout.test", "/account")
					assert.Equal(t, http.StatusFound, resp.StatusCode, "without %s", drop)
				}

				// A changed value fails its signature.
				for _, c := range saved {
					forged := newExpressBrowser(t, base)
					forged.set(saved)
					v := []byte(c.Value)
					i := len(v) - 2
					if v[i] == 'A' {
						v[i] = 'B'
					} else {
						v[i] = 'A'
					}
					forged.set([]*http.Cookie{{Name: c.Name, Value: string(v)}})
					resp := forged.get("checkout.test", "/account")
					assert.Equal(t, http.StatusFound, resp.StatusCode, "%s changed", c.Name)
				}

				if tc.store == ExpressCookieSession {
					// mallory's session with alice's signature.
					forged := newExpressBrowser(t, base)
					forged.set(saved)
					mallory := newExpressBrowser(t, base)
					mallory.login("shop.test", "mallory", "/account")
					forged.set([]*http.Cookie{{Name: "session", Value: mallory.cookies["session"].Value}})
					resp := forged.get("checkout.test", "/account")
					assert.Equal(t, http.StatusFound, resp.StatusCode)
				}
			})
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

// expressCSRFField is the CSRF hidden field of the app's forms.
var expressCSRFField = regexp.MustCompile(`<input type="hidden" name="_csrf" value="([^"]+)">`)

// expressCSRF returns the CSRF token of the form in body.
func expressCSRF(t testing.TB, body string) string {
	t.Helper()
	m := expressCSRFField.FindStringSubmatch(body)
	require.NotNil(t, m, "no CSRF field in:\n%s", body)
	return m[1]
}

// expressBrowser is an HTTP client for one app that sends the Host header
// it is told and every cookie it holds whatever the host: the app sees the
// same cookies on shop.test and checkout.test, as after the plugin's
// hand-off. Redirects are not followed.
type expressBrowser struct {
	t       testing.TB
	base    string
	client  *http.Client
	cookies map[string]*http.Cookie
}

// expressResponse is a response with its body read.
type expressResponse struct {
	*http.Response
	body string
}

func newExpressBrowser(t testing.TB, base string) *expressBrowser {
	return &expressBrowser{
		t:    t,
		base: base,
		client: &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		cookies: map[string]*http.Cookie{},
	}
}

func (b *expressBrowser) get(host, path string) expressResponse {
	b.t.Helper()
	return b.do(http.MethodGet, host, path, nil)
}

func (b *expressBrowser) post(host, path string, form url.Values) expressResponse {
	b.t.Helper()
	return b.do(http.MethodPost, host, path, form)
}

// login signs in as user on host through the form, CSRF token included,
// and returns the answer, which must be a redirect.
func (b *expressBrowser) login(host, user, next string) expressResponse {
	b.t.Helper()
	token := expressCSRF(b.t, b.get(host, "/login?next="+url.QueryEscape(next)).body)
	resp := b.post(host, "/login", url.Values{"_csrf": {token}, "username": {user}, "password": {user + "-password"}, "next": {next}})
	require.Equal(b.t, http.StatusFound, resp.StatusCode, "login as %s on %s: %s", user, host, resp.body)
	return resp
}

// session returns copies of the named cookies, which must all be held.
func (b *expressBrowser) session(names []string) []*http.Cookie {
	b.t.Helper()
	var out []*http.Cookie
	for _, n := range names {
		c, ok := b.cookies[n]
		require.True(b.t, ok, "no cookie %s", n)
		out = append(out, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	return out
}

// set adds or replaces cookies.
func (b *expressBrowser) set(cookies []*http.Cookie) {
	for _, c := range cookies {
		b.cookies[c.Name] = c
	}
}

func (b *expressBrowser) do(method, host, path string, form url.Values) expressResponse {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	require.NoError(b.t, err)
	req.Host = host
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := b.client.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
			delete(b.cookies, c.Name)
			continue
		}
		b.cookies[c.Name] = c
	}
	return expressResponse{Response: resp, body: string(data)}
}
