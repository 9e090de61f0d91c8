package frameworks

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The public base URLs the apps are started with in the direct tests.
const (
	directShopURL     = "http://shop.test"
	directCheckoutURL = "http://checkout.test"
)

// TestApps checks every registered app directly, without Traefik: the
// contract the journey tests rely on, the cookies and lifetimes its App
// declares, and the fact the plugin is built on: one app answers both
// hosts with the same session.
func TestApps(t *testing.T) {
	apps := Apps()
	var names []string
	for _, a := range apps {
		names = append(names, a.Name)
	}
	require.Subset(t, names, []string{"cookie-session", "django", "express-session", "flask", "php"})

	for _, app := range apps {
		t.Run(app.Name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			base := app.Start(t, directShopURL, directCheckoutURL)
			t.Logf("%s answered after %s", app.Name, time.Since(start).Round(time.Millisecond))
			require.NotEmpty(t, app.CookieNames)
			primary := app.CookieNames[0]

			t.Run("login form has a CSRF field", func(t *testing.T) {
				b := newDirectBrowser(t, base)
				resp := b.get("shop.test", "/login?next=/account")
				require.Equal(t, http.StatusOK, resp.StatusCode)
				assert.Contains(t, resp.body, `<form method="post" action="/login">`)
				assert.Contains(t, resp.body, `name="username"`)
				assert.Contains(t, resp.body, `name="password"`)
				assert.Contains(t, resp.body, "Sign in on shop.test")
				name, token := csrfOf(t, resp.body)
				assert.NotEmpty(t, token, name)
				assert.Equal(t, "/account", hiddenInputs(t, resp.body).Get("next"))
			})

			t.Run("signed out pages redirect to login", func(t *testing.T) {
				b := newDirectBrowser(t, base)
				for _, host := range []string{"shop.test", "checkout.test"} {
					for _, path := range []string{"/account", "/note", "/big?bytes=1"} {
						resp := b.get(host, path)
						assert.Equal(t, http.StatusFound, resp.StatusCode, "%s%s", host, path)
						assertLoginRedirect(t, resp, path)
					}
				}
			})

			t.Run("login refused without CSRF or with a bad password", func(t *testing.T) {
				b := newDirectBrowser(t, base)
				name, _ := csrfOf(t, b.get("shop.test", "/login").body)
				creds := url.Values{"username": {"alice"}, "password": {"alice-password"}}
				resp := b.post("shop.test", "/login", creds)
				assert.Equal(t, http.StatusForbidden, resp.StatusCode, "no CSRF token")
				forged := url.Values{name: {"forged"}, "username": {"alice"}, "password": {"alice-password"}}
				resp = b.post("shop.test", "/login", forged)
				assert.Equal(t, http.StatusForbidden, resp.StatusCode, "forged CSRF token")
				form := hiddenInputs(t, b.get("shop.test", "/login").body)
				form.Set("username", "alice")
				form.Set("password", "mallory-password")
				resp = b.post("shop.test", "/login", form)
				assert.NotEqual(t, http.StatusFound, resp.StatusCode, "wrong password")
				assert.Equal(t, http.StatusFound, b.get("shop.test", "/account").StatusCode, "still signed out")
			})

			t.Run("login sets the declared cookies", func(t *testing.T) {
				b := newDirectBrowser(t, base)
				resp := b.login("shop.test", "alice", "/account")
				assert.Equal(t, "/account", resp.Header.Get("Location"))
				for _, name := range app.CookieNames {
					c := resp.cookie(name)
					if !assert.NotNil(t, c, "login sets %s", name) {
						continue
					}
					assert.True(t, c.HttpOnly, "%s HttpOnly", name)
					assert.Equal(t, "/", c.Path, "%s Path", name)
					assert.Empty(t, c.Domain, "%s is a host-only cookie", name)
				}
				c := resp.cookie(primary)
				require.NotNil(t, c)
				if app.MaxAge == 0 {
					assert.True(t, c.Expires.IsZero() && c.MaxAge == 0, "%s is a browser-session cookie: %s", primary, c)
				} else {
					require.False(t, c.Expires.IsZero() && c.MaxAge == 0, "%s is a browser-session cookie", primary)
					assert.WithinDuration(t, time.Now().Add(app.MaxAge), expiry(c), time.Minute, "%s lifetime", primary)
				}
			})

			t.Run("a browser restart keeps the session as declared", func(t *testing.T) {
				b := newDirectBrowser(t, base)
				b.login("shop.test", "alice", "/account")
				b.restart()
				resp := b.get("checkout.test", "/account")
				if app.Persistent {
					require.Equal(t, http.StatusOK, resp.StatusCode)
					assert.Contains(t, resp.body, "Signed in as alice")
				} else {
					assert.Equal(t, http.StatusFound, resp.StatusCode)
				}
			})

			t.Run("login redirects only to local paths and the checkout", func(t *testing.T) {
				for _, tc := range loginNextCases {
					want := tc.want
					if w, ok := tc.except[app.Name]; ok {
						want = w
					}
					b := newDirectBrowser(t, base)
					resp := b.login("shop.test", "alice", tc.next)
					assert.Equal(t, want, resp.Header.Get("Location"), "next=%q", tc.next)
				}
			})

			t.Run("one session answers both hosts", func(t *testing.T) {
				for _, hosts := range [][2]string{{"shop.test", "checkout.test"}, {"checkout.test", "shop.test"}} {
					signIn, other := hosts[0], hosts[1]
					b := newDirectBrowser(t, base)
					b.login(signIn, "mallory", "/account")
					for _, host := range []string{signIn, other} {
						resp := b.get(host, "/account")
						require.Equal(t, http.StatusOK, resp.StatusCode, "signed in on %s, account on %s", signIn, host)
						assert.Contains(t, resp.body, "Signed in as mallory", host)
						assert.Contains(t, resp.body, "Host: "+host, "the page names the Host it was asked for")
					}
				}
			})

			t.Run("note needs the CSRF token", func(t *testing.T) {
				b := newDirectBrowser(t, base)
				b.login("shop.test", "alice", "/account")
				for _, host := range []string{"shop.test", "checkout.test"} {
					form := b.get(host, "/note")
					require.Equal(t, http.StatusOK, form.StatusCode, host)
					assert.Contains(t, form.body, `<form method="post" action="/note">`)
					assert.Contains(t, form.body, `name="note"`)
					name, token := csrfOf(t, form.body)

					resp := b.post(host, "/note", url.Values{"note": {"no token"}})
					assert.Equal(t, http.StatusForbidden, resp.StatusCode, host)
					resp = b.post(host, "/note", url.Values{name: {"forged"}, "note": {"forged token"}})
					assert.Equal(t, http.StatusForbidden, resp.StatusCode, host)

					resp = b.post(host, "/note", url.Values{name: {token}, "note": {"hello from " + host}})
					require.Equal(t, http.StatusOK, resp.StatusCode, host)
					assert.Contains(t, resp.body, "Saved: hello from "+host)
					assert.Contains(t, b.get(host, "/note").body, "Current note: hello from "+host, "the note is in the session")
				}
			})

			t.Run("to-checkout redirects to the checkout", func(t *testing.T) {
				b := newDirectBrowser(t, base)
				resp := b.get("shop.test", "/to-checkout?path=/account")
				assert.Equal(t, http.StatusFound, resp.StatusCode)
				assert.Equal(t, directCheckoutURL+"/account", resp.Header.Get("Location"))
				resp = b.get("shop.test", "/to-checkout?path=//evil.example/")
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			})

			t.Run("big stores N bytes in the session", func(t *testing.T) {
				b := newDirectBrowser(t, base)
				b.login("shop.test", "alice", "/account")
				resp := b.get("shop.test", "/big?bytes=3000")
				require.Equal(t, http.StatusOK, resp.StatusCode, resp.body)
				size := 0
				for _, name := range app.CookieNames {
					if c, ok := b.cookies[name]; ok {
						size += len(c.Value)
					}
				}
				if app.CookieStore {
					assert.Greater(t, size, 3000, "the session is in the cookies")
				} else {
					assert.Less(t, size, 200, "the cookie holds only the session id")
				}
				resp = b.get("checkout.test", "/account")
				assert.Contains(t, resp.body, "Signed in as alice")
				assert.Equal(t, http.StatusBadRequest, b.get("shop.test", "/big?bytes=-1").StatusCode)
			})

			t.Run("logout ends the session", func(t *testing.T) {
				b := newDirectBrowser(t, base)
				b.login("shop.test", "alice", "/account")
				saved := b.session(app.CookieNames)
				resp := b.get("shop.test", "/logout")
				assert.Equal(t, http.StatusFound, resp.StatusCode)
				assert.Equal(t, "/login", resp.Header.Get("Location"))
				if !app.CookieStore {
					assert.NotContains(t, b.cookies, primary, "logout deletes %s", primary)
				}
				for _, host := range []string{"shop.test", "checkout.test"} {
					resp = b.get(host, "/account")
					assert.Equal(t, http.StatusFound, resp.StatusCode, host)
					assertLoginRedirect(t, resp, "/account")
				}
				b.restart()
				assert.Equal(t, http.StatusFound, b.get("shop.test", "/account").StatusCode, "no cookie left signs in again after a restart")

				// Cookies saved before logout: a server-side store forgot
				// the session; a cookie store has nothing to forget, so its
				// signed cookies stay valid until they expire.
				replay := newDirectBrowser(t, base)
				replay.set(saved)
				resp = replay.get("checkout.test", "/account")
				if app.CookieStore {
					assert.Equal(t, http.StatusOK, resp.StatusCode)
					assert.Contains(t, resp.body, "Signed in as alice")
				} else {
					assert.Equal(t, http.StatusFound, resp.StatusCode)
				}
			})

			t.Run("healthz", func(t *testing.T) {
				resp := newDirectBrowser(t, base).get("127.0.0.1", "/healthz")
				assert.Equal(t, http.StatusOK, resp.StatusCode)
				assert.Equal(t, "ok", strings.TrimSpace(resp.body))
			})
		})
	}
}

// loginNextCases are sign-ins with next: where each app redirects after
// them. except holds the apps whose stock check answers otherwise.
var loginNextCases = []struct {
	next, want string
	except     map[string]string
}{
	{next: "/note", want: "/note"},
	{next: directCheckoutURL + "/account?x=1", want: directCheckoutURL + "/account?x=1"},
	{next: directCheckoutURL, want: directCheckoutURL},
	{next: directCheckoutURL + "#fragment", want: directCheckoutURL + "#fragment"},
	{next: directCheckoutURL + "?next=/elsewhere", want: directCheckoutURL + "?next=/elsewhere"},
	{next: directCheckoutURL + "/../../etc", want: directCheckoutURL + "/../../etc"},
	{next: "/account#" + directCheckoutURL, want: "/account#" + directCheckoutURL},
	{next: directCheckoutURL + ".evil.example/", want: "/account"},
	{next: "http://evil.example/account", want: "/account"},
	{next: "//evil.example/account", want: "/account"},
	{next: "/\\evil.example/account", want: "/account"},
	{next: "", want: "/account"},
	{next: "javascript:alert(1)", want: "/account"},
	{next: directCheckoutURL + "@evil.example/", want: "/account"},
	{next: directCheckoutURL + ":8443/account", want: "/account"},
	// Django's url_has_allowed_host_and_scheme also allows the request's
	// own host, and https on an allowed host.
	{next: directShopURL + "/account", want: "/account", except: map[string]string{"django": directShopURL + "/account"}},
	{next: "https://checkout.test/account", want: "/account", except: map[string]string{"django": "https://checkout.test/account"}},
}

// assertLoginRedirect checks that resp sends the browser to /login with
// next set to path.
func assertLoginRedirect(t testing.TB, resp directResponse, path string) {
	t.Helper()
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "/login", loc.Path, "Location %s", loc)
	assert.Equal(t, path, loc.Query().Get("next"), "Location %s", loc)
	assert.Equal(t, "/login?next="+strings.ReplaceAll(url.QueryEscape(path), "%2F", "/"), loc.String(), "next spelled out, slashes as they are")
}

// expiry returns when c expires, from Max-Age when it has one.
func expiry(c *http.Cookie) time.Time {
	if c.MaxAge > 0 {
		return time.Now().Add(time.Duration(c.MaxAge) * time.Second)
	}
	return c.Expires
}

// hiddenInput is a hidden field of the apps' forms.
var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// hiddenInputs returns the hidden fields of the form in body.
func hiddenInputs(t testing.TB, body string) url.Values {
	t.Helper()
	out := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		out.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return out
}

// csrfOf returns the name and value of the one hidden field of the form in
// body that is not next: the framework's CSRF token.
func csrfOf(t testing.TB, body string) (name, value string) {
	t.Helper()
	fields := hiddenInputs(t, body)
	fields.Del("next")
	require.Len(t, fields, 1, "one CSRF field in:\n%s", body)
	for name, vs := range fields {
		return name, vs[0]
	}
	return "", ""
}

// directBrowser is an HTTP client for one app that sends the Host header
// it is told and every cookie it holds whatever the host: the app sees the
// same cookies on shop.test and checkout.test, as after the plugin's
// hand-off. Redirects are not followed.
type directBrowser struct {
	t       testing.TB
	base    string
	client  *http.Client
	cookies map[string]*http.Cookie
}

// directResponse is a response with its body read.
type directResponse struct {
	*http.Response
	body string
}

// cookie returns the cookie name the response sets, or nil.
func (r directResponse) cookie(name string) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func newDirectBrowser(t testing.TB, base string) *directBrowser {
	return &directBrowser{
		t:    t,
		base: base,
		client: &http.Client{
			Timeout:       20 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		cookies: map[string]*http.Cookie{},
	}
}

func (b *directBrowser) get(host, path string) directResponse {
	b.t.Helper()
	return b.do(http.MethodGet, host, path, nil)
}

func (b *directBrowser) post(host, path string, form url.Values) directResponse {
	b.t.Helper()
	return b.do(http.MethodPost, host, path, form)
}

// login signs in as user on host through the form, with its hidden fields
// (the CSRF token) and next, and returns the answer, which must be a
// redirect.
func (b *directBrowser) login(host, user, next string) directResponse {
	b.t.Helper()
	form := hiddenInputs(b.t, b.get(host, "/login?next="+url.QueryEscape(next)).body)
	form.Set("username", user)
	form.Set("password", user+"-password")
	form.Set("next", next)
	resp := b.post(host, "/login", form)
	require.Equal(b.t, http.StatusFound, resp.StatusCode, "login as %s on %s: %s", user, host, resp.body)
	return resp
}

// session returns copies of the named cookies, which must all be held.
func (b *directBrowser) session(names []string) []*http.Cookie {
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
func (b *directBrowser) set(cookies []*http.Cookie) {
	for _, c := range cookies {
		b.cookies[c.Name] = c
	}
}

// restart drops the browser-session cookies (no Expires, no Max-Age), as
// a browser does when it is closed.
func (b *directBrowser) restart() {
	for name, c := range b.cookies {
		if c.Expires.IsZero() && c.MaxAge == 0 {
			delete(b.cookies, name)
		}
	}
}

func (b *directBrowser) do(method, host, path string, form url.Values) directResponse {
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
	return directResponse{Response: resp, body: string(data)}
}
