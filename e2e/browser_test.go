package e2e

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// tokenParam is the query parameter that carries tokens.
const tokenParam = "_hs_"

// maxHops bounds how many redirects a browser follows.
const maxHops = 10

// browser is a client that behaves like a browser for navigations: a cookie
// jar, a fixed loopback source address, navigation headers, and redirects
// followed one hop at a time so tests can inspect each.
type browser struct {
	t *testing.T
	c *http.Client
	// header is added to every request (e.g. X-Forwarded-For).
	header http.Header
}

// hop is one request and its response, body read.
type hop struct {
	Method string
	URL    string
	Status int
	Header http.Header
	Body   string
}

// newBrowser returns a browser connecting to e's Traefik from localIP
// ("" for the default).
func (e *env) newBrowser(localIP string) *browser {
	return &browser{t: e.t, c: e.tr.Client(localIP)}
}

// withT returns a copy of b reporting to t (for subtests).
func (b *browser) withT(t *testing.T) *browser {
	return &browser{t: t, c: b.c, header: b.header}
}

// withHeader returns a copy of b, sharing its cookies, that adds a header
// to every request.
func (b *browser) withHeader(name, value string) *browser {
	h := b.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set(name, value)
	return &browser{t: b.t, c: b.c, header: h}
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
	for k, v := range b.header {
		req.Header[k] = v
	}
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

// visit sends a navigation and follows its redirects as a browser does
// (GET after 301, 302 and 303), returning every hop.
func (b *browser) visit(method, target string, form url.Values) []hop {
	b.t.Helper()
	hops := []hop{b.send(method, target, form)}
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
		if last.Status == http.StatusTemporaryRedirect || last.Status == http.StatusPermanentRedirect {
			hops = append(hops, b.send(method, next.String(), form))
			continue
		}
		method, form = http.MethodGet, nil
		hops = append(hops, b.send(method, next.String(), nil))
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

// setCookie puts a session cookie for host into the jar.
func (b *browser) setCookie(host, value string) {
	b.c.Jar.SetCookies(&url.URL{Scheme: "http", Host: host, Path: "/"},
		[]*http.Cookie{{Name: "_session_id", Value: value, Path: "/"}})
}

// handoff asks the shop at host for a hand-off to target and returns the
// Location it answers (303 expected).
func (b *browser) handoff(host, target string) string {
	b.t.Helper()
	h := b.get("http://" + host + "/_session/handoff?" + url.Values{"to": {target}}.Encode())
	require.Equal(b.t, http.StatusSeeOther, h.Status, "hand-off on %s to %s: %s", host, target, h.Body)
	return h.Header.Get("Location")
}

// token returns the token in a URL, or "".
func token(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Query().Get(tokenParam)
}

// withToken returns rawURL with its token replaced by tok (raw, unescaped).
func withToken(t *testing.T, rawURL, tok string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	q := u.Query()
	q.Set(tokenParam, tok)
	u.RawQuery = q.Encode()
	return u.String()
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
