package interp

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signOutApp is a backend with a sign-in and a sign-out: /login sets the
// session and redirects to ?next=, /logout deletes it and redirects to
// /bye; any other path answers 200.
func signOutApp(session string) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			rw.Header().Add("Set-Cookie", cookieName+"="+session+"; Path=/; HttpOnly")
			rw.Header().Set("Location", r.URL.Query().Get("next"))
			rw.WriteHeader(http.StatusFound)
		case "/logout":
			rw.Header().Add("Set-Cookie", cookieName+"=; Path=/; Max-Age=0")
			rw.Header().Set("Location", "/bye")
			rw.WriteHeader(http.StatusFound)
		default:
			_, _ = rw.Write([]byte("ok"))
		}
	}
}

// signOutSites is shop.test handing the session to checkout.test, both
// interpreted and signing out everywhere, and a browser between them.
type signOutSites struct {
	sites   map[string]http.Handler
	jar     *cookiejar.Jar
	visited []string
}

func newSignOutSites(t *testing.T, shopCfg, checkoutCfg settings) *signOutSites {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	const session = "sess-signout-4b4b"
	markSensitive(session)
	return &signOutSites{jar: jar, sites: map[string]http.Handler{
		shopHost:     build(t, shopCfg, signOutApp(session)),
		checkoutHost: build(t, checkoutCfg, signOutApp("sess-checkout-own")),
	}}
}

// open navigates to rawURL and follows redirects as a browser does,
// keeping cookies; it returns the last answer.
func (s *signOutSites) open(t *testing.T, rawURL string) *httptest.ResponseRecorder {
	t.Helper()
	for hop := 0; hop < 12; hop++ {
		u, err := url.Parse(rawURL)
		require.NoError(t, err)
		s.visited = append(s.visited, rawURL)
		cookie := ""
		for _, c := range s.jar.Cookies(u) {
			cookie += "; " + c.Name + "=" + c.Value
		}
		rec := serve(t, s.sites[u.Host], navigation(u.Host, u.RequestURI(), clientAddr, strings.TrimPrefix(cookie, "; ")))
		s.jar.SetCookies(u, (&http.Response{Header: rec.Header()}).Cookies())
		if rec.Code < 300 || rec.Code > 399 {
			return rec
		}
		next, err := u.Parse(rec.Header().Get("Location"))
		require.NoError(t, err)
		rawURL = next.String()
	}
	t.Fatalf("a redirect loop from %s", rawURL)
	return nil
}

// cookie is the browser's cookie name for host, "" when it has none.
func (s *signOutSites) cookie(host, name string) string {
	for _, c := range s.jar.Cookies(&url.URL{Scheme: "http", Host: host, Path: "/"}) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// signOutShop and signOutCheckout sign out everywhere, as the defaults do.
var (
	signOutShop     = source.with("signOutEverywhere", true)
	signOutCheckout = receiver.with("signOutEverywhere", true, "allowInsecureTargets", true)
)

// TestSignOutEverywhereInterpreted: a session handed from the shop to
// the checkout ends on both, whichever of them the user signs out on,
// and the browser ends on the page the sign-out answered with.
func TestSignOutEverywhereInterpreted(t *testing.T) {
	tests := []struct {
		name, on, end string
	}{
		{"on the source", shopHost, "http://shop.test/bye"},
		{"on the target", checkoutHost, "http://checkout.test/bye"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSignOutSites(t, signOutShop, signOutCheckout)
			rec := s.open(t, "http://shop.test/login?next="+url.QueryEscape("http://checkout.test/welcome"))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Equal(t, "sess-signout-4b4b", s.cookie(checkoutHost, cookieName), "handed over")
			assert.Contains(t, s.cookie(shopHost, "si_peers"), "~http://checkout.test", "the shop records where it went")
			assert.Contains(t, s.cookie(checkoutHost, "si_peers"), "~http://shop.test", "the checkout records where it came from")

			s.visited = nil
			rec = s.open(t, "http://"+tt.on+"/logout")
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Len(t, s.visited, 3, "the sign-out, one hop, the page: %v", s.visited)
			other := checkoutHost
			if tt.on == checkoutHost {
				other = shopHost
			}
			assert.True(t, strings.HasPrefix(s.visited[1], "http://"+other+"/_session/signout?_hs_="), s.visited[1])
			assert.Equal(t, tt.end, s.visited[2])
			for _, host := range []string{shopHost, checkoutHost} {
				assert.Empty(t, s.cookie(host, cookieName), "signed out on %s", host)
				assert.Empty(t, s.cookie(host, "si_peers"), "no record left on %s", host)
			}
		})
	}
}

// TestSignOutHopInterpreted: one hop of the chain, as the target's
// interpreted instance answers it: the cookies expired and the chain
// passed on; the same link again clears nothing and only ends the chain.
func TestSignOutHopInterpreted(t *testing.T) {
	s := newSignOutSites(t, signOutShop, signOutCheckout)
	s.open(t, "http://shop.test/login?next="+url.QueryEscape("http://checkout.test/welcome"))
	s.visited = nil
	s.open(t, "http://shop.test/logout")
	require.Len(t, s.visited, 3, "%v", s.visited)
	hop := strings.TrimPrefix(s.visited[1], "http://checkout.test")
	markSensitive(tokenIn(t, s.visited[1]))

	again := serve(t, s.sites[checkoutHost], navigation(checkoutHost, hop, clientAddr, cookieName+"=sess-signout-4b4b"))
	assert.Equal(t, http.StatusSeeOther, again.Code)
	assert.Equal(t, "http://shop.test/bye", again.Header().Get("Location"), "a replay ends the chain where it would have")
	assert.Empty(t, again.Header().Values("Set-Cookie"), "and clears nothing")

	other := serve(t, s.sites[checkoutHost], navigation(checkoutHost, hop, otherAddr, ""))
	assert.Equal(t, http.StatusSeeOther, other.Code)
	assert.Empty(t, other.Header().Values("Set-Cookie"), "another client clears nothing")
}

// TestSignOutLinkRefusals: links the chain did not make clear nothing
// and redirect nowhere; the backend never sees them. (The endpoint is
// the path with the token parameter: without it, the path is the app's.)
func TestSignOutLinkRefusals(t *testing.T) {
	forged := issue(t, source, clientAddr, "sess-forged-1a1a") // a hand-off token: another purpose
	tests := []struct {
		name   string
		method string
		target string
		fetch  string // Sec-Fetch-Mode
		code   int
		page   bool // the "not valid" page
	}{
		{"an empty token", http.MethodGet, "/_session/signout?_hs_=", "navigate", http.StatusBadRequest, true},
		{"two tokens", http.MethodGet, "/_session/signout?_hs_=a&_hs_=b", "navigate", http.StatusBadRequest, false},
		{"garbage", http.MethodGet, "/_session/signout?_hs_=garbage", "navigate", http.StatusBadRequest, true},
		{"a hand-off token", http.MethodGet, "/_session/signout?_hs_=" + forged, "navigate", http.StatusBadRequest, true},
		{"cut", http.MethodGet, "/_session/signout?_hs_=" + forged[:len(forged)-4], "navigate", http.StatusBadRequest, true},
		{"POST", http.MethodPost, "/_session/signout?_hs_=" + forged, "navigate", http.StatusMethodNotAllowed, false},
		{"fetch", http.MethodGet, "/_session/signout?_hs_=" + forged, "cors", http.StatusBadRequest, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &backend{}
			h := build(t, signOutCheckout, b)
			r := request(tt.method, checkoutHost, tt.target, clientAddr, cookieName+"=sess-kept-2c2c")
			r.Header.Set("Sec-Fetch-Mode", tt.fetch)
			rec := serve(t, h, r)
			assert.Equal(t, tt.code, rec.Code, rec.Body.String())
			assert.Empty(t, rec.Header().Values("Set-Cookie"), "nothing cleared")
			assert.Empty(t, rec.Header().Get("Location"), "redirected nowhere")
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Zero(t, b.calls(), "the backend never sees the sign-out endpoint")
			if tt.page {
				assert.Contains(t, rec.Body.String(), "This sign-out link is not valid")
				assert.Contains(t, rec.Body.String(), `href="http://checkout.test/"`)
			}
		})
	}
}

// TestSignOutOffInterpreted: with signOutEverywhere off no record is
// kept and a sign-out stays where it happened.
func TestSignOutOffInterpreted(t *testing.T) {
	s := newSignOutSites(t, source, receiver.with("allowInsecureTargets", true))
	s.open(t, "http://shop.test/login?next="+url.QueryEscape("http://checkout.test/welcome"))
	assert.Empty(t, s.cookie(shopHost, "si_peers"))
	s.visited = nil
	s.open(t, "http://shop.test/logout")
	assert.Equal(t, []string{"http://shop.test/logout", "http://shop.test/bye"}, s.visited)
	assert.Equal(t, "sess-signout-4b4b", s.cookie(checkoutHost, cookieName), "the checkout keeps its copy")
}
