package harness

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// maxHops bounds how many redirects a Navigator follows.
const maxHops = 10

// HandoffLink finds the hand-off link on a demo app page; its first group is
// the link's href.
var HandoffLink = regexp.MustCompile(`<a id="handoff" href="([^"]+)"`)

// Navigator is a client that navigates like a browser: a cookie jar,
// navigation headers, and redirects followed one hop at a time so tests can
// inspect each.
type Navigator struct {
	t      testing.TB
	client *http.Client
	// header is added to every request (e.g. X-Forwarded-For).
	header http.Header
}

// Hop is one request and its response, body read.
type Hop struct {
	Method string
	URL    string
	Status int
	Header http.Header
	Body   string
}

// NewNavigator returns a Navigator sending through c (whose jar holds its
// cookies and which must return redirects, like Hosts.Client) and failing t.
func NewNavigator(t testing.TB, c *http.Client) *Navigator {
	return &Navigator{t: t, client: c}
}

// Client returns the HTTP client n sends through, for requests that are not
// navigations.
func (n *Navigator) Client() *http.Client {
	return n.client
}

// WithT returns a copy of n, sharing its cookies and headers, that fails t
// (for subtests).
func (n *Navigator) WithT(t testing.TB) *Navigator {
	return &Navigator{t: t, client: n.client, header: n.header}
}

// WithHeader returns a copy of n, sharing its cookies, that also adds a
// header to every request.
func (n *Navigator) WithHeader(name, value string) *Navigator {
	h := n.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set(name, value)
	return &Navigator{t: n.t, client: n.client, header: h}
}

// Navigate makes one top-level navigation request through c, like a
// browser's, with form as its body when not nil and header added, without
// following redirects and without a testing.TB (for goroutines).
func Navigate(c *http.Client, method, target string, form url.Values, header http.Header) (Hop, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		return Hop{}, fmt.Errorf("request %s %s: %w", method, target, err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	req.Header.Set("Sec-Fetch-Dest", "document")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return Hop{}, fmt.Errorf("%s %s: %w", method, target, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return Hop{}, fmt.Errorf("read %s %s: %w", method, target, err)
	}
	return Hop{Method: method, URL: target, Status: resp.StatusCode, Header: resp.Header, Body: string(data)}, nil
}

// Send makes one navigation request (see Navigate) with n's headers, without
// following redirects.
func (n *Navigator) Send(method, target string, form url.Values) Hop {
	n.t.Helper()
	h, err := Navigate(n.client, method, target, form, n.header)
	require.NoError(n.t, err)
	return h
}

// Get is Send with GET.
func (n *Navigator) Get(target string) Hop {
	n.t.Helper()
	return n.Send(http.MethodGet, target, nil)
}

// Visit sends a navigation and follows its redirects as a browser does (GET
// after 301, 302 and 303; method and form kept after 307 and 308), returning
// every hop.
func (n *Navigator) Visit(method, target string, form url.Values) []Hop {
	n.t.Helper()
	hops := []Hop{n.Send(method, target, form)}
	for len(hops) <= maxHops {
		last := hops[len(hops)-1]
		loc := last.Header.Get("Location")
		if last.Status < 300 || last.Status > 399 || loc == "" {
			return hops
		}
		next, err := url.Parse(last.URL)
		require.NoError(n.t, err)
		next, err = next.Parse(loc)
		require.NoError(n.t, err, "Location %q", loc)
		if last.Status != http.StatusTemporaryRedirect && last.Status != http.StatusPermanentRedirect {
			method, form = http.MethodGet, nil
		}
		hops = append(hops, n.Send(method, next.String(), form))
	}
	n.t.Fatalf("more than %d redirects from %s", maxHops, target)
	return nil
}

// Follow is Visit with GET: it opens target and follows its redirects.
func (n *Navigator) Follow(target string) []Hop {
	n.t.Helper()
	return n.Visit(http.MethodGet, target, nil)
}

// SignIn signs in on the demo shop at host as name and returns the session
// cookie's value.
func (n *Navigator) SignIn(host, name string) string {
	n.t.Helper()
	h := n.Send(http.MethodPost, "http://"+host+"/login", url.Values{"name": {name}})
	require.Equal(n.t, http.StatusFound, h.Status, "sign in on %s: %s", host, h.Body)
	c := n.Cookie(host)
	require.NotEmpty(n.t, c, "no session cookie on %s after sign-in", host)
	return c
}

// Cookie returns the session cookie n's jar holds for host, or "".
func (n *Navigator) Cookie(host string) string {
	return n.CookieNamed(host, SessionCookie)
}

// CookieNamed returns the value of the cookie name n's jar holds for
// host, or "".
func (n *Navigator) CookieNamed(host, name string) string {
	for _, c := range n.client.Jar.Cookies(hostRoot(host)) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// SetCookie puts a session cookie with value for host into n's jar.
func (n *Navigator) SetCookie(host, value string) {
	n.client.Jar.SetCookies(hostRoot(host), []*http.Cookie{{Name: SessionCookie, Value: value, Path: "/"}})
}

// Handoff asks the demo shop at host for a hand-off to target and returns
// the Location it answers (303 expected).
func (n *Navigator) Handoff(host, target string) string {
	n.t.Helper()
	h := n.Get("http://" + host + HandoffPath + "?" + url.Values{"to": {target}}.Encode())
	require.Equal(n.t, http.StatusSeeOther, h.Status, "hand-off on %s to %s: %s", host, target, h.Body)
	return h.Header.Get("Location")
}

// hostRoot is the URL of host's root over plain HTTP, where the session
// cookie lives.
func hostRoot(host string) *url.URL {
	return &url.URL{Scheme: "http", Host: host, Path: "/"}
}
