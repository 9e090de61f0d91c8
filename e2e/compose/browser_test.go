package compose

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The journeys here drive the same demo pages as the root package's
// browser tests; this is the subset of that browser they need.

// maxHops bounds how many redirects a browser follows.
const maxHops = 10

// handoffLink finds the hand-off link on a demo page.
var handoffLink = regexp.MustCompile(`<a id="handoff" href="([^"]+)"`)

// browser is a client that behaves like a browser for navigations: a cookie
// jar, navigation headers, and redirects followed one hop at a time so
// tests can inspect each.
type browser struct {
	t *testing.T
	c *http.Client
}

// hop is one request and its response, body read.
type hop struct {
	Method string
	URL    string
	Status int
	Header http.Header
	Body   string
}

// send makes one top-level navigation request, like a browser's, without
// following redirects.
func (b *browser) send(method, target string, form url.Values) hop {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(b.t, err, "request %s %s", method, target)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	req.Header.Set("Sec-Fetch-Dest", "document")
	resp, err := b.c.Do(req)
	require.NoError(b.t, err, "%s %s", method, target)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err, "read %s %s", method, target)
	return hop{Method: method, URL: target, Status: resp.StatusCode, Header: resp.Header, Body: string(data)}
}

// get is send with GET.
func (b *browser) get(target string) hop {
	b.t.Helper()
	return b.send(http.MethodGet, target, nil)
}

// visit sends a GET navigation and follows its redirects as a browser
// does, returning every hop.
func (b *browser) visit(target string) []hop {
	b.t.Helper()
	hops := []hop{b.get(target)}
	for len(hops) <= maxHops {
		last := hops[len(hops)-1]
		loc := last.Header.Get("Location")
		if last.Status < 300 || last.Status > 399 || loc == "" {
			return hops
		}
		next, err := url.Parse(last.URL)
		require.NoError(b.t, err)
		next, err = next.Parse(loc)
		require.NoError(b.t, err, "Location %q", loc)
		hops = append(hops, b.get(next.String()))
	}
	b.t.Fatalf("more than %d redirects from %s", maxHops, target)
	return nil
}

// signIn signs in on the shop at host as name and returns the session
// cookie's value.
func (b *browser) signIn(host, name string) string {
	b.t.Helper()
	h := b.send(http.MethodPost, "http://"+host+"/login", url.Values{"name": {name}})
	require.Equal(b.t, http.StatusFound, h.Status, "sign in on %s: %s", host, h.Body)
	c := b.cookie(host)
	require.NotEmpty(b.t, c, "no session cookie on %s after sign-in", host)
	return c
}

// cookie returns the session cookie the jar holds for host, or "".
func (b *browser) cookie(host string) string {
	for _, c := range b.c.Jar.Cookies(&url.URL{Scheme: "http", Host: host, Path: "/"}) {
		if c.Name == "_session_id" {
			return c.Value
		}
	}
	return ""
}

// token returns the token in a URL, or "".
func token(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Query().Get("_hs_")
}

// sessionCookies returns the _session_id cookies a response sets.
func sessionCookies(h hop) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range (&http.Response{Header: h.Header}).Cookies() {
		if c.Name == "_session_id" {
			out = append(out, c)
		}
	}
	return out
}

// assertArrivedSignedIn checks the last two hops of a hand-off: the token
// URL answered with a 303 to the same URL without the token and a host-only
// session cookie, then the page signed in as name.
func assertArrivedSignedIn(t *testing.T, hops []hop, wantURL, name, session string) {
	t.Helper()
	require.GreaterOrEqual(t, len(hops), 2, "hops: %+v", hops)
	redeem, final := hops[len(hops)-2], hops[len(hops)-1]

	assert.NotEmpty(t, token(redeem.URL), "the hop before the page must carry the token: %s", redeem.URL)
	assert.Equal(t, http.StatusSeeOther, redeem.Status, "redeem %s: %s", redeem.URL, redeem.Body)
	assert.Equal(t, wantURL, redeem.Header.Get("Location"), "clean URL")
	assert.Contains(t, redeem.Header.Get("Cache-Control"), "no-store")
	assertSessionCookie(t, redeem, session)

	assert.Equal(t, wantURL, final.URL)
	assert.Empty(t, token(final.URL))
	assert.Equal(t, http.StatusOK, final.Status)
	assert.Contains(t, final.Body, "Signed in as "+html.EscapeString(name))
}

// assertSessionCookie checks the Set-Cookie a redeemed token produces: the
// session value, Path=/, HttpOnly, SameSite=Lax, host-only, not Secure over
// plain HTTP, a session cookie.
func assertSessionCookie(t *testing.T, h hop, session string) {
	t.Helper()
	cookies := sessionCookies(h)
	require.Len(t, cookies, 1, "Set-Cookie: %q", h.Header.Values("Set-Cookie"))
	c := cookies[0]
	assert.Equal(t, session, c.Value, "the session carried over")
	assert.Equal(t, "/", c.Path)
	assert.Empty(t, c.Domain, "host-only cookie")
	assert.True(t, c.HttpOnly, "HttpOnly")
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
	assert.False(t, c.Secure, "not Secure over plain HTTP")
	assert.Zero(t, c.MaxAge)
	assert.True(t, c.Expires.IsZero(), "a session cookie")
}

// assertRefused checks a refusal: 403, plain text naming reason, not
// cached, no session cookie set, and b not signed in on the host.
func assertRefused(t *testing.T, b *browser, h hop, reason string) {
	t.Helper()
	assert.Equal(t, http.StatusForbidden, h.Status, "%s %s: %s", h.Method, h.URL, h.Body)
	assert.True(t, strings.HasPrefix(h.Header.Get("Content-Type"), "text/plain"), "Content-Type %q", h.Header.Get("Content-Type"))
	assert.Contains(t, h.Header.Get("Cache-Control"), "no-store")
	assert.Contains(t, h.Body, reason)
	assert.Empty(t, sessionCookies(h), "no session cookie on a refusal")
	u, err := url.Parse(h.URL)
	require.NoError(t, err)
	assert.Empty(t, b.cookie(u.Host), "signed in on %s after a refusal", u.Host)
}
