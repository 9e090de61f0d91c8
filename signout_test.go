package sessioninjector

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	checkoutOrigin = "https://checkout.example.org"
	thirdHost      = "a.example.net"
	thirdOrigin    = "https://" + thirdHost
)

// signOutEverywhere turns sign out everywhere on, as the defaults do.
func signOutEverywhere(c *Config) { c.SignOutEverywhere = true }

// siteApp is a backend with a sign-in and the usual ways to sign out:
// /login sets the session and redirects to ?next=, /logout deletes it
// and redirects to /bye, /logout-page deletes it on a 200 page, /clear
// sends Clear-Site-Data; any other path shows the Cookie header it got.
func siteApp(session string) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			rw.Header().Add("Set-Cookie", "_session_id="+session+"; Path=/; HttpOnly")
			rw.Header().Set("Location", r.URL.Query().Get("next"))
			rw.WriteHeader(http.StatusFound)
		case "/logout":
			rw.Header().Add("Set-Cookie", "_session_id=; Path=/; Max-Age=0")
			rw.Header().Set("Location", "/bye?see=you")
			rw.WriteHeader(http.StatusFound)
		case "/logout-page":
			rw.Header().Add("Set-Cookie", "_session_id=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
			rw.WriteHeader(http.StatusOK)
			_, _ = rw.Write([]byte("signed out"))
		case "/clear":
			rw.Header().Set("Clear-Site-Data", `"cache", "cookies"`)
			rw.Header().Set("Location", "/bye")
			rw.WriteHeader(http.StatusSeeOther)
		case "/flash":
			rw.Header().Add("Set-Cookie", "flash=saved; Path=/")
			rw.Header().Set("Location", "/bye")
			rw.WriteHeader(http.StatusFound)
		default:
			_, _ = rw.Write([]byte(r.Host + " cookie: " + r.Header.Get("Cookie")))
		}
	}
}

// signOutRig is the shop (a source), the checkout and a.example.net
// (targets), each signing out everywhere, and a browser between them.
type signOutRig struct {
	shop, checkout, third *handler
	servers               map[string]http.Handler
	jar                   *cookiejar.Jar
	visited               []string // every URL the browser opened
	log                   *logBuffer
}

func newSignOutRig(t *testing.T, edit func(*Config)) *signOutRig {
	t.Helper()
	log := &logBuffer{}
	build := func(session string, extra func(*Config)) *handler {
		h, _ := newTestHandler(t, siteApp(session), func(c *Config) {
			signOutEverywhere(c)
			if extra != nil {
				extra(c)
			}
			if edit != nil {
				edit(c)
			}
		})
		h.debugf = log.logf
		return h
	}
	g := &signOutRig{log: log}
	g.shop = build("s1", sourceConfig)
	g.checkout = build("c1", func(c *Config) { c.TargetDomains = []string{shopHost} })
	g.third = build("t1", nil)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	g.jar = jar
	g.servers = map[string]http.Handler{shopHost: g.shop, checkout: g.checkout, thirdHost: g.third}
	return g
}

// open navigates to rawURL over HTTPS and follows every redirect as a
// browser does, keeping cookies; it returns the last answer.
func (g *signOutRig) open(t *testing.T, rawURL string) *httptest.ResponseRecorder {
	t.Helper()
	for hop := 0; hop < 20; hop++ {
		u, err := url.Parse(rawURL)
		require.NoError(t, err)
		g.visited = append(g.visited, rawURL)
		r := httpsNav(u.Host, u.RequestURI(), "")
		for _, c := range g.jar.Cookies(u) {
			r.AddCookie(c)
		}
		rec := serve(g.servers[u.Host], r)
		g.jar.SetCookies(u, (&http.Response{Header: rec.Header()}).Cookies())
		if !redirectCodes[rec.Code] {
			return rec
		}
		next, err := u.Parse(rec.Header().Get("Location"))
		require.NoError(t, err)
		rawURL = next.String()
	}
	t.Fatalf("a redirect loop from %s", rawURL)
	return nil
}

// cookie is the value of the browser's cookie name for origin, "" when it has none.
func (g *signOutRig) cookie(origin, name string) string {
	u, _ := url.Parse(origin + "/")
	for _, c := range g.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// signIn signs in on the shop and follows the login redirect to host, which then holds the session too.
func (g *signOutRig) signIn(t *testing.T, host string) {
	t.Helper()
	rec := g.open(t, shopOrigin+"/login?next="+url.QueryEscape("https://"+host+"/welcome"))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "s1", g.cookie("https://"+host, "_session_id"), "the session reached %s", host)
}

func TestSignOutEverywhere(t *testing.T) {
	t.Run("on the source: the target is signed out, the browser ends at the source's page", func(t *testing.T) {
		g := newSignOutRig(t, nil)
		g.signIn(t, checkout)
		assert.NotEmpty(t, g.cookie(shopOrigin, "__Host-si_peers"), "the shop recorded where the session went")
		assert.NotEmpty(t, g.cookie(checkoutOrigin, "__Host-si_peers"), "the checkout recorded where it came from")
		g.visited = nil
		rec := g.open(t, shopOrigin+"/logout")
		assert.Equal(t, http.StatusOK, rec.Code)
		require.Len(t, g.visited, 3, "logout, the checkout's sign-out, the page: %v", g.visited)
		assert.True(t, strings.HasPrefix(g.visited[1], checkoutOrigin+"/_session/signout?_hs_="), g.visited[1])
		assert.Equal(t, shopOrigin+"/bye?see=you", g.visited[2], "the Location the shop's app gave")
		assert.Empty(t, g.cookie(shopOrigin, "_session_id"))
		assert.Empty(t, g.cookie(checkoutOrigin, "_session_id"))
		assert.Empty(t, g.cookie(shopOrigin, "__Host-si_peers"))
		assert.Empty(t, g.cookie(checkoutOrigin, "__Host-si_peers"))
		assert.NotContains(t, g.log.String(), "s1", "no cookie value in the log")
	})
	t.Run("on the target: the source is signed out", func(t *testing.T) {
		g := newSignOutRig(t, nil)
		g.signIn(t, checkout)
		g.visited = nil
		rec := g.open(t, checkoutOrigin+"/logout")
		assert.Equal(t, http.StatusOK, rec.Code)
		require.Len(t, g.visited, 3, "%v", g.visited)
		assert.True(t, strings.HasPrefix(g.visited[1], shopOrigin+"/_session/signout?_hs_="), g.visited[1])
		assert.Equal(t, checkoutOrigin+"/bye?see=you", g.visited[2])
		assert.Empty(t, g.cookie(shopOrigin, "_session_id"))
		assert.Empty(t, g.cookie(checkoutOrigin, "_session_id"))
	})
	t.Run("on one target: the source, then every other target it handed the session to", func(t *testing.T) {
		g := newSignOutRig(t, nil)
		g.signIn(t, checkout)
		g.signIn(t, thirdHost)
		g.visited = nil
		g.open(t, checkoutOrigin+"/logout")
		require.Len(t, g.visited, 4, "%v", g.visited)
		assert.True(t, strings.HasPrefix(g.visited[1], shopOrigin+"/_session/signout?"), g.visited[1])
		assert.True(t, strings.HasPrefix(g.visited[2], thirdOrigin+"/_session/signout?"), g.visited[2])
		assert.Equal(t, checkoutOrigin+"/bye?see=you", g.visited[3])
		for _, origin := range []string{shopOrigin, checkoutOrigin, thirdOrigin} {
			assert.Empty(t, g.cookie(origin, "_session_id"), origin)
		}
	})
	t.Run("a sign-out page answered 200 signs out here only: only redirects are watched", func(t *testing.T) {
		g := newSignOutRig(t, nil)
		g.signIn(t, checkout)
		g.visited = nil
		rec := g.open(t, shopOrigin+"/logout-page")
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, []string{shopOrigin + "/logout-page"}, g.visited)
		assert.Empty(t, g.cookie(shopOrigin, "_session_id"))
		assert.Equal(t, "s1", g.cookie(checkoutOrigin, "_session_id"))
	})
	t.Run("Clear-Site-Data with cookies ends the session", func(t *testing.T) {
		g := newSignOutRig(t, nil)
		g.signIn(t, checkout)
		g.visited = nil
		g.open(t, shopOrigin+"/clear")
		require.Len(t, g.visited, 3, "%v", g.visited)
		assert.Empty(t, g.cookie(checkoutOrigin, "_session_id"))
	})
	t.Run("a response that sets another cookie starts nothing", func(t *testing.T) {
		g := newSignOutRig(t, nil)
		g.signIn(t, checkout)
		g.visited = nil
		g.open(t, shopOrigin+"/flash")
		assert.Equal(t, []string{shopOrigin + "/flash", shopOrigin + "/bye"}, g.visited)
		assert.Equal(t, "s1", g.cookie(checkoutOrigin, "_session_id"))
	})
	t.Run("a browser without a record signs out here only", func(t *testing.T) {
		g := newSignOutRig(t, nil)
		g.signIn(t, checkout)
		u, _ := url.Parse(shopOrigin + "/")
		g.jar.SetCookies(u, []*http.Cookie{{Name: "__Host-si_peers", Value: "", MaxAge: -1}})
		g.visited = nil
		g.open(t, shopOrigin+"/logout")
		assert.Equal(t, []string{shopOrigin + "/logout", shopOrigin + "/bye?see=you"}, g.visited)
		assert.Equal(t, "s1", g.cookie(checkoutOrigin, "_session_id"))
	})
	t.Run("a forged record signs out here only, and is deleted", func(t *testing.T) {
		g := newSignOutRig(t, nil)
		g.signIn(t, checkout)
		u, _ := url.Parse(shopOrigin + "/")
		g.jar.SetCookies(u, []*http.Cookie{{Name: "__Host-si_peers", Value: strings.Repeat("A", recordMACChars) + "~https://evil.example"}})
		g.visited = nil
		g.open(t, shopOrigin+"/logout")
		assert.Equal(t, []string{shopOrigin + "/logout", shopOrigin + "/bye?see=you"}, g.visited)
		assert.Empty(t, g.cookie(shopOrigin, "__Host-si_peers"))
		assert.Contains(t, g.log.String(), "does not verify")
	})
	t.Run("off: no record, no chain", func(t *testing.T) {
		g := newSignOutRig(t, func(c *Config) { c.SignOutEverywhere = false })
		g.signIn(t, checkout)
		assert.Empty(t, g.cookie(shopOrigin, "__Host-si_peers"))
		g.visited = nil
		g.open(t, shopOrigin+"/logout")
		assert.Len(t, g.visited, 2)
		assert.Equal(t, "s1", g.cookie(checkoutOrigin, "_session_id"))
	})
}

// hopURL signs in through the rig and returns the first hop of a sign-out on the shop, unfollowed.
func hopURL(t *testing.T, g *signOutRig) string {
	t.Helper()
	g.signIn(t, checkout)
	u, _ := url.Parse(shopOrigin + "/logout")
	r := httpsNav(shopHost, "/logout", "")
	for _, c := range g.jar.Cookies(u) {
		r.AddCookie(c)
	}
	rec := serve(g.shop, r)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	hop := rec.Header().Get("Location")
	require.True(t, strings.HasPrefix(hop, checkoutOrigin+"/_session/signout?_hs_="), hop)
	return hop
}

// openHop opens a sign-out link on the checkout with the browser's cookies, unfollowed.
func openHop(g *signOutRig, rawURL string, edit func(*http.Request)) *httptest.ResponseRecorder {
	u, _ := url.Parse(rawURL)
	r := httpsNav(u.Host, u.RequestURI(), "")
	for _, c := range g.jar.Cookies(u) {
		r.AddCookie(c)
	}
	if edit != nil {
		edit(r)
	}
	return serve(g.servers[u.Host], r)
}

func TestSignOutLinkRefusals(t *testing.T) {
	forged := checkoutOrigin + "/_session/signout?_hs_="
	otherKey, _ := newTestHandler(t, nil, func(c *Config) { c.Secret = testSecret2 })
	tests := []struct {
		desc   string
		link   func(t *testing.T, g *signOutRig) string
		edit   func(*http.Request)
		status int
		// location is where a refusal that opened goes: the chain's end.
		location string
		body     string
	}{
		{desc: "garbage", link: func(*testing.T, *signOutRig) string { return forged + "garbage" }, status: http.StatusBadRequest, body: "This sign-out link is not valid"},
		{desc: "a hand-off token", link: func(t *testing.T, g *signOutRig) string {
			return forged + issueToken(t, g.shop, client, "s1")
		}, status: http.StatusBadRequest, body: "Nothing was changed"},
		{desc: "sealed for another host", link: func(t *testing.T, g *signOutRig) string {
			return forged + sealAs(g.shop.codec, signOutHop, shopHost, "1800000000000030000\n192.0.2.10\nhttps://evil.example/\n\n")
		}, status: http.StatusBadRequest},
		{desc: "sealed under another key", link: func(t *testing.T, g *signOutRig) string {
			return forged + sealAs(otherKey.codec, signOutHop, checkout, "1800000000000030000\n192.0.2.10\nhttps://evil.example/\n\n")
		}, status: http.StatusBadRequest},
		{desc: "a pull state", link: func(t *testing.T, g *signOutRig) string {
			return forged + sealAs(g.shop.codec, pullState, checkout, "1800000000000\nnonce")
		}, status: http.StatusBadRequest},
		{desc: "two tokens", link: func(t *testing.T, g *signOutRig) string {
			hop := hopURL(t, g)
			return hop + "&_hs_=" + tokenFrom(t, hop, "_hs_")
		}, status: http.StatusBadRequest, body: "exactly one '_hs_' parameter"},
		{desc: "not a navigation", link: hopURL, edit: func(r *http.Request) {
			r.Header.Set("Sec-Fetch-Mode", "no-cors")
		}, status: http.StatusBadRequest, body: "only a top-level navigation"},
		{desc: "POST", link: hopURL, edit: func(r *http.Request) { r.Method = http.MethodPost }, status: http.StatusMethodNotAllowed},
		{desc: "another client", link: hopURL, edit: func(r *http.Request) { r.RemoteAddr = "198.51.100.7:4000" },
			status: http.StatusSeeOther, location: shopOrigin + "/bye?see=you"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			g := newSignOutRig(t, nil)
			link := test.link(t, g)
			if test.location == "" {
				g.signIn(t, checkout)
			}
			rec := openHop(g, link, test.edit)
			assert.Equal(t, test.status, rec.Code)
			assert.Empty(t, rec.Header()["Set-Cookie"], "nothing cleared")
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, test.location, rec.Header().Get("Location"), "redirects nowhere the chain did not name")
			if test.body != "" {
				assert.Contains(t, rec.Body.String(), test.body)
			}
			assert.Equal(t, "s1", g.cookie(checkoutOrigin, "_session_id"), "still signed in")
		})
	}
}

func TestSignOutLinkSpentAndExpired(t *testing.T) {
	t.Run("replayed: the second use clears nothing and ends the chain", func(t *testing.T) {
		g := newSignOutRig(t, nil)
		hop := hopURL(t, g)
		first := openHop(g, hop, nil)
		assert.Equal(t, http.StatusSeeOther, first.Code)
		assert.NotEmpty(t, first.Header()["Set-Cookie"])
		second := openHop(g, hop, func(r *http.Request) { r.Header.Set("Cookie", "_session_id=again") })
		assert.Equal(t, http.StatusSeeOther, second.Code)
		assert.Empty(t, second.Header()["Set-Cookie"])
		assert.Equal(t, shopOrigin+"/bye?see=you", second.Header().Get("Location"))
		assert.Contains(t, g.log.String(), "sign-out link refused (already used)")
	})
	t.Run("expired", func(t *testing.T) {
		g := newSignOutRig(t, nil)
		hop := hopURL(t, g)
		clock := &testClock{t: g.checkout.now().Add(signOutTokenMs * 1_000_000)}
		g.checkout.now = clock.now
		rec := openHop(g, hop, nil)
		assert.Equal(t, http.StatusSeeOther, rec.Code)
		assert.Empty(t, rec.Header()["Set-Cookie"])
		assert.Equal(t, shopOrigin+"/bye?see=you", rec.Header().Get("Location"))
	})
	t.Run("a valid link expires the session's cookies with their attributes", func(t *testing.T) {
		g := newSignOutRig(t, nil)
		rec := openHop(g, hopURL(t, g), nil)
		assert.Equal(t, http.StatusSeeOther, rec.Code)
		assert.Equal(t, []string{
			"_session_id=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax",
			"__Host-si_peers=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
		}, rec.Header()["Set-Cookie"])
		assert.Equal(t, shopOrigin+"/bye?see=you", rec.Header().Get("Location"))
	})
}

func TestSignOutSkipsCleartextHops(t *testing.T) {
	g := newSignOutRig(t, func(c *Config) { c.TargetDomains = append(c.TargetDomains, "plain.example.net") })
	g.signIn(t, checkout)
	// The record as a source writes it over HTTPS, with an http:// origin first.
	host := shopHost
	list := "http://plain.example.net|" + checkoutOrigin
	u, _ := url.Parse(shopOrigin + "/")
	g.jar.SetCookies(u, []*http.Cookie{{Name: "__Host-si_peers", Value: recordMAC(g.shop.codec.sealKey, host, list) + "~" + list}})
	g.visited = nil
	g.open(t, shopOrigin+"/logout")
	require.Len(t, g.visited, 3, "%v", g.visited)
	assert.True(t, strings.HasPrefix(g.visited[1], checkoutOrigin+"/_session/signout?"), "no token in clear text after HTTPS")
	assert.Contains(t, g.log.String(), "sign-out: http://plain.example.net skipped: an http:// target after a request over HTTPS")
}

func TestRecordKeepsTheLatestPeers(t *testing.T) {
	h, _ := newTestHandler(t, nil, func(c *Config) { sourceConfig(c); signOutEverywhere(c) })
	value := ""
	for i := 0; i < maxPeers+3; i++ {
		r := httpsNav(shopHost, "/", "")
		if value != "" {
			r.AddCookie(&http.Cookie{Name: "__Host-si_peers", Value: value})
		}
		header := http.Header{}
		recordPeer(h, header, r, "https://t"+string(rune('a'+i))+".example.net", true)
		require.Len(t, header["Set-Cookie"], 1)
		value = strings.TrimPrefix(strings.SplitN(header["Set-Cookie"][0], ";", 2)[0], "__Host-si_peers=")
	}
	peers := splitPeers(peerList(h.codec, shopHost, value))
	require.Len(t, peers, maxPeers)
	assert.Equal(t, "https://td.example.net", peers[0], "the oldest dropped")
	assert.Equal(t, "https://tk.example.net", peers[maxPeers-1])

	header := http.Header{}
	r := httpsNav(shopHost, "/", "")
	r.AddCookie(&http.Cookie{Name: "__Host-si_peers", Value: value})
	recordPeer(h, header, r, "https://tk.example.net", true)
	assert.Empty(t, header["Set-Cookie"], "an origin recorded already writes nothing")
	assert.Empty(t, peerList(h.codec, checkout, value), "a record is bound to its host")
}

// TestRecordListsOnlyOrigins: what is not scheme://host[:port] (a Host
// header behind a catch-all router, sealed into a token's issuer) is
// never recorded, so no list separator, space or path reaches a chain.
func TestRecordListsOnlyOrigins(t *testing.T) {
	h, _ := newTestHandler(t, nil, func(c *Config) { sourceConfig(c); signOutEverywhere(c) })
	tests := []struct {
		origin string
		ok     bool
	}{
		{"https://checkout.example.org", true},
		{"http://127.0.0.1:8080", true},
		{"https://[2001:db8::1]:8443", true},
		{"https://a_b.example", true},
		{"https://evil.example|https://x.example", false},
		{"https://evil.example https://x.example", false},
		{"https://evil.example/path", false},
		{"https://evil.example~", false},
		{"javascript://x", false},
		{"https://", false},
		{"https://Checkout.example.org", false},
		{"https://" + strings.Repeat("a", 300), false},
	}
	for _, test := range tests {
		t.Run(test.origin, func(t *testing.T) {
			header := http.Header{}
			recordPeer(h, header, httpsNav(shopHost, "/", ""), test.origin, true)
			assert.Equal(t, test.ok, len(header["Set-Cookie"]) == 1, header["Set-Cookie"])
		})
	}
}

// TestRecordReplacesAForgedOne: a record that does not verify (planted,
// or left by a retired secret) is written anew, even when it claims to
// list the origin already.
func TestRecordReplacesAForgedOne(t *testing.T) {
	h, _ := newTestHandler(t, nil, func(c *Config) { sourceConfig(c); signOutEverywhere(c) })
	r := httpsNav(shopHost, "/", "")
	r.AddCookie(&http.Cookie{Name: "__Host-si_peers", Value: strings.Repeat("A", recordMACChars) + "~" + checkoutOrigin})
	header := http.Header{}
	recordPeer(h, header, r, checkoutOrigin, true)
	require.Len(t, header["Set-Cookie"], 1)
	value := strings.TrimPrefix(strings.SplitN(header["Set-Cookie"][0], ";", 2)[0], "__Host-si_peers=")
	assert.Equal(t, checkoutOrigin, peerList(h.codec, shopHost, value))
}

// TestWhichNavigationsAreWatched: a receive-only host watches navigations
// only to sign out everywhere; subresources are never watched.
func TestWhichNavigationsAreWatched(t *testing.T) {
	tests := []struct {
		desc    string
		edit    func(*Config)
		fetch   string
		watched bool
	}{
		{desc: "sign out everywhere, a navigation", edit: signOutEverywhere, fetch: "navigate", watched: true},
		{desc: "sign out everywhere, a subresource", edit: signOutEverywhere, fetch: "no-cors"},
		{desc: "receive only, a navigation", fetch: "navigate"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			b := &recorder{}
			h, _ := newTestHandler(t, b, test.edit)
			r := httpsNav(checkout, "/", "_session_id=s1")
			r.Header.Set("Sec-Fetch-Mode", test.fetch)
			serve(h, r)
			_, wrapped := b.rw.(*redirectWriter)
			assert.Equal(t, test.watched, wrapped)
		})
	}
}

func TestChainEnd(t *testing.T) {
	tests := []struct {
		desc, method, target, location, want string
	}{
		{desc: "absolute path", location: "/bye", want: "https://shop.example.com/bye"},
		{desc: "relative path", target: "/account/logout", location: "done", want: "https://shop.example.com/account/done"},
		{desc: "absolute URL", location: "https://checkout.example.org/x?y=1", want: "https://checkout.example.org/x?y=1"},
		{desc: "protocol-relative", location: "//other.example/x", want: "https://other.example/x"},
		{desc: "javascript", location: "javascript:alert(1)", want: "https://shop.example.com/"},
		{desc: "backslash", location: "/\\evil.example", want: "https://shop.example.com/"},
		{desc: "too long", location: "/" + strings.Repeat("x", maxTargetURLBytes), want: "https://shop.example.com/"},
		{desc: "too long once escaped", location: "/" + strings.Repeat("\x8f", maxChainEndBytes/3), want: "https://shop.example.com/"},
		{desc: "a token parameter dropped", location: "/bye?_hs_=x&y=1", want: "https://shop.example.com/bye?y=1"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			method := test.method
			if method == "" {
				method = http.MethodGet
			}
			target := test.target
			if target == "" {
				target = "/logout"
			}
			r := httpsNav(shopHost, target, "")
			r.Method = method
			assert.Equal(t, test.want, chainEnd(r, test.location, shopOrigin, "_hs_", true))
		})
	}
}

func TestSignOutConfigErrors(t *testing.T) {
	tests := []struct {
		desc string
		edit func(*Config)
		err  string
	}{
		{desc: "relative", edit: func(c *Config) { c.SignOutPath = "signout" }, err: `signOutPath: "signout" must be a path starting with /`},
		{desc: "with a query", edit: func(c *Config) { c.SignOutPath = "/s?x" }, err: "signOutPath"},
		{desc: "handoffPath", edit: func(c *Config) { c.SignOutPath = "/_session/handoff" }, err: "is handoffPath or pullPath too"},
		{desc: "pullPath", edit: func(c *Config) { c.SignOutPath = "/_session/pull" }, err: "is handoffPath or pullPath too"},
		{desc: "unset while on", edit: func(c *Config) { c.SignOutPath = " " }, err: "signOutPath: must be set when signOutEverywhere is on"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			cfg := CreateConfig()
			cfg.Secret = testSecret
			test.edit(cfg)
			_, err := New(context.Background(), http.NotFoundHandler(), cfg, "mw")
			require.Error(t, err)
			assert.Contains(t, err.Error(), test.err)
		})
	}
	cfg := CreateConfig()
	cfg.Secret = testSecret
	cfg.SignOutEverywhere = false
	cfg.SignOutPath = ""
	built, err := New(context.Background(), http.NotFoundHandler(), cfg, "mw")
	require.NoError(t, err, "off, no path is needed")
	assert.Equal(t, noRoute, built.(*handler).signOutPath)
}
