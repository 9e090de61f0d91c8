package sessioninjector

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedirectPropagation(t *testing.T) {
	const remote = "192.0.2.10:5555"
	tests := []struct {
		desc       string
		status     int
		location   string
		setCookies []string
		session    string // request cookie
		wantClaims string // the token's cookies, when not the default ones
		host       string
		header     http.Header
		https      bool   // the request arrived over HTTPS
		method     string // GET unless set
		edit       func(*Config)
		wantToken  bool
		wantPrefix string // Location before the token
		wantSuffix string // after the token
		wantPlain  string // Location without a token, when not the backend's byte for byte
		// clearSiteData is the response's Clear-Site-Data header.
		clearSiteData string
	}{
		{desc: "cookie in request", status: 302, location: "https://checkout.example.org/pay", session: "s1", wantToken: true, wantPrefix: "https://checkout.example.org/pay?_hs_="},
		{desc: "every redirect status", status: 301, location: "https://checkout.example.org/", session: "s1", wantToken: true},
		{desc: "303", status: 303, location: "https://checkout.example.org/", session: "s1", wantToken: true},
		{desc: "307", status: 307, location: "https://checkout.example.org/", session: "s1", wantToken: true},
		{desc: "308", status: 308, location: "https://checkout.example.org/", session: "s1", wantToken: true},
		{desc: "304 is no redirect", status: 304, location: "https://checkout.example.org/", session: "s1"},
		{desc: "300 is no redirect", status: 300, location: "https://checkout.example.org/", session: "s1"},
		{desc: "200 with Location", status: 200, location: "https://checkout.example.org/", session: "s1"},
		{desc: "query and fragment", status: 302, location: "https://checkout.example.org/pay?a=1&b=2#frag", session: "s1", wantToken: true,
			wantPrefix: "https://checkout.example.org/pay?a=1&b=2&_hs_=", wantSuffix: "#frag"},
		{desc: "existing token replaced", status: 302, location: "https://checkout.example.org/?_hs_=old&a=1&_hs_=older", session: "s1", wantToken: true,
			wantPrefix: "https://checkout.example.org/?a=1&_hs_="},
		{desc: "protocol-relative over https", status: 302, location: "//checkout.example.org/x", session: "s1", https: true, wantToken: true, wantPrefix: "//checkout.example.org/x?_hs_="},
		{desc: "protocol-relative over http", status: 302, location: "//checkout.example.org/x", session: "s1"},
		{desc: "http target after https", status: 302, location: "http://checkout.example.org/", session: "s1", https: true},
		{desc: "http target after https, insecure targets allowed", status: 302, location: "http://checkout.example.org/", session: "s1", https: true,
			edit: func(c *Config) { c.AllowInsecureTargets = true }},
		{desc: "http target over http", status: 302, location: "http://checkout.example.org/", session: "s1"},
		{desc: "http target over http, insecure targets allowed", status: 302, location: "http://checkout.example.org/", session: "s1",
			edit: func(c *Config) { c.AllowInsecureTargets = true }, wantToken: true},
		{desc: "http localhost target", status: 302, location: "http://checkout.localhost:8080/", session: "s1",
			edit: func(c *Config) { c.TargetDomains = []string{"checkout.localhost"} }, wantToken: true},
		{desc: "http loopback address target", status: 302, location: "http://127.0.0.1:8080/", session: "s1",
			edit: func(c *Config) { c.TargetDomains = []string{"127.0.0.1"} }, wantToken: true},
		{desc: "http localhost target after https", status: 302, location: "http://checkout.localhost/", session: "s1", https: true,
			edit: func(c *Config) { c.TargetDomains = []string{"checkout.localhost"} }},
		{desc: "302 after POST", status: 302, method: http.MethodPost, location: "https://checkout.example.org/", session: "s1", wantToken: true},
		{desc: "303 after POST", status: 303, method: http.MethodPost, location: "https://checkout.example.org/", session: "s1", wantToken: true},
		{desc: "307 after POST", status: 307, method: http.MethodPost, location: "https://checkout.example.org/", session: "s1"},
		{desc: "308 after PUT", status: 308, method: http.MethodPut, location: "https://checkout.example.org/", session: "s1"},
		{desc: "307 after HEAD", status: 307, method: http.MethodHead, location: "https://checkout.example.org/", session: "s1", wantToken: true},
		{desc: "Location over the cap", status: 302, location: "https://checkout.example.org/?q=" + strings.Repeat("a", maxTargetURLBytes), session: "s1"},
		{desc: "Location with too many parameters", status: 302, location: "https://checkout.example.org/?" + strings.Repeat("a&", maxQueryParts), session: "s1"},
		{desc: "foreign token stripped without a session", status: 302, location: "https://checkout.example.org/x?_hs_=ATTACKER&a=1#f", wantPlain: "https://checkout.example.org/x?a=1#f"},
		{desc: "foreign encoded token stripped", status: 302, location: "https://checkout.example.org/x?%5Fhs%5F=ATTACKER", wantPlain: "https://checkout.example.org/x"},
		{desc: "foreign token stripped after https", status: 302, location: "http://checkout.example.org/?_hs_=ATTACKER", https: true, session: "s1", wantPlain: "http://checkout.example.org/"},
		{desc: "foreign token stripped, 307 after POST", status: 307, method: http.MethodPost, location: "https://checkout.example.org/?_hs_=X&b", session: "s1", wantPlain: "https://checkout.example.org/?b"},
		{desc: "session over the browser limit", status: 302, location: "https://checkout.example.org/", session: strings.Repeat("s", maxCookieBytes-len("_session_id=")+1)},
		{desc: "session at the browser limit", status: 302, location: "https://checkout.example.org/", session: strings.Repeat("s", maxCookieBytes-len("_session_id=")), wantToken: true},
		{desc: "port and case", status: 302, location: "HTTPS://Checkout.Example.org:8443/", session: "s1", wantToken: true, wantPrefix: "HTTPS://Checkout.Example.org:8443/?_hs_="},
		{desc: "wildcard target", status: 302, location: "https://pay.example.net/", session: "s1", wantToken: true},
		{desc: "login sets the session", status: 302, location: "https://checkout.example.org/", setCookies: []string{"_session_id=fresh; Path=/; HttpOnly"}, wantToken: true},
		{desc: "logout deletes it", status: 302, location: "https://checkout.example.org/", session: "s1", setCookies: []string{"_session_id=; Max-Age=0"}},
		{desc: "logout with expiry", status: 302, location: "https://checkout.example.org/", session: "s1", setCookies: []string{"_session_id=gone; Expires=Thu, 01 Jan 1970 00:00:00 GMT"}},
		{desc: "logout with an RFC 850 expiry", status: 302, location: "https://checkout.example.org/", session: "s1", setCookies: []string{"_session_id=deleted; Expires=Thursday, 01-Jan-70 00:00:01 GMT"}},
		{desc: "logout with an asctime expiry", status: 302, location: "https://checkout.example.org/", session: "s1", setCookies: []string{"_session_id=deleted; Expires=Thu Jan  1 00:00:01 1970"}},
		{desc: "logout with a two-digit year", status: 302, location: "https://checkout.example.org/", session: "s1", setCookies: []string{"_session_id=deleted; Expires=Thu, 01-Jan-70 00:00:01 GMT"}},
		{desc: "unreadable expiry", status: 302, location: "https://checkout.example.org/", session: "s1", setCookies: []string{"_session_id=fresh; Expires=some day"}},
		{desc: "login with a future RFC 850 expiry", status: 302, location: "https://checkout.example.org/", setCookies: []string{"_session_id=fresh; Expires=Friday, 01-Jan-44 00:00:00 GMT"}, wantToken: true,
			wantClaims: "34560000 _session_id=fresh"},
		{desc: "logout by Clear-Site-Data cookies", status: 302, location: "https://checkout.example.org/", session: "s1", clearSiteData: `"cache", "cookies"`},
		{desc: "logout by Clear-Site-Data all", status: 302, location: "https://checkout.example.org/", session: "s1", clearSiteData: `"*"`},
		{desc: "Clear-Site-Data of the cache only", status: 302, location: "https://checkout.example.org/", session: "s1", clearSiteData: `"cache"`, wantToken: true},
		{desc: "another cookie set, the request's session", status: 302, location: "https://checkout.example.org/", session: "s1", setCookies: []string{"flash=saved; Path=/"}, wantToken: true,
			wantClaims: "-1 _session_id=s1"},
		{desc: "a cookie whose name starts like the session's", status: 302, location: "https://checkout.example.org/", session: "s1", setCookies: []string{"_session_idx=1", "_session_id2=2"}, wantToken: true,
			wantClaims: "-1 _session_id=s1"},
		{desc: "another cookie set, no session", status: 302, location: "https://checkout.example.org/", setCookies: []string{"flash=saved"}},
		{desc: "another cookie set with Clear-Site-Data of the cache", status: 302, location: "https://checkout.example.org/", session: "s1", setCookies: []string{"flash=saved"},
			clearSiteData: `"cache"`, wantToken: true, wantClaims: "-1 _session_id=s1"},
		{desc: "another cookie set with Clear-Site-Data cookies", status: 302, location: "https://checkout.example.org/", session: "s1", setCookies: []string{"flash=saved"}, clearSiteData: `"cookies"`},
		{desc: "no session", status: 302, location: "https://checkout.example.org/"},
		{desc: "invalid session value", status: 302, location: "https://checkout.example.org/", session: `a\b`},
		{desc: "own host", status: 302, location: "https://shop.example.com/other", session: "s1"},
		{desc: "relative", status: 302, location: "/account", session: "s1"},
		{desc: "disallowed host", status: 302, location: "https://evil.example.org/", session: "s1"},
		{desc: "look-alike", status: 302, location: "https://checkout.example.org.evil.com/", session: "s1"},
		{desc: "userinfo", status: 302, location: "https://checkout.example.org@evil.com/", session: "s1"},
		{desc: "backslash", status: 302, location: "/\\checkout.example.org", session: "s1"},
		{desc: "javascript", status: 302, location: "javascript:location='//checkout.example.org'", session: "s1"},
		{desc: "percent-encoded host", status: 302, location: "https://checkout%2Eexample.org/", session: "s1"},
		{desc: "fetch request", status: 302, location: "https://checkout.example.org/", session: "s1", header: http.Header{"Sec-Fetch-Mode": {"cors"}}},
		{desc: "navigate request", status: 302, location: "https://checkout.example.org/", session: "s1", header: http.Header{"Sec-Fetch-Mode": {"navigate"}}, wantToken: true},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			backend := &recorder{respond: func(rw http.ResponseWriter, _ *http.Request) {
				for _, c := range test.setCookies {
					rw.Header().Add("Set-Cookie", c)
				}
				if test.clearSiteData != "" {
					rw.Header().Set("Clear-Site-Data", test.clearSiteData)
				}
				rw.Header().Set("Location", test.location)
				rw.WriteHeader(test.status)
			}}
			h, _ := newTestHandler(t, backend, func(c *Config) {
				sourceConfig(c)
				if test.edit != nil {
					test.edit(c)
				}
			})
			method := test.method
			if method == "" {
				method = http.MethodGet
			}
			r := request(method, shopHost, "/go", remote, test.session)
			for k, v := range test.header {
				r.Header[k] = v
			}
			if test.https {
				r.Header.Set("X-Forwarded-Proto", "https")
			}
			rec := serve(h, r)
			assert.Equal(t, test.status, rec.Code)
			loc := rec.Header().Get("Location")
			if !test.wantToken {
				want := test.location
				if test.wantPlain != "" {
					want = test.wantPlain
				}
				assert.Equal(t, want, loc, "Location left byte for byte, but for a token we did not mint")
				assert.NotContains(t, loc, "_hs_=")
				assert.Empty(t, rec.Header().Get("Referrer-Policy"))
				return
			}
			assert.True(t, strings.HasPrefix(loc, test.wantPrefix), loc)
			assert.True(t, strings.HasSuffix(loc, test.wantSuffix), loc)
			assert.Equal(t, 1, strings.Count(loc, "_hs_="))
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))

			target, _, ok := targetHost(h.targets, test.location, true)
			require.True(t, ok)
			cl, err := openToken(h.codec, tokenFrom(t, loc, "_hs_"), target)
			require.NoError(t, err)
			assert.Equal(t, "192.0.2.10", cl.clientIP)
			switch {
			case test.wantClaims != "":
				assert.Equal(t, test.wantClaims, cl.session, "the lifetime the response gives, capped at 400 days")
			case test.session != "":
				assert.Equal(t, "-1 _session_id="+test.session, cl.session, "the request's cookie, its lifetime unknown")
			default:
				assert.Equal(t, "0 _session_id=fresh", cl.session, "the response's browser-session cookie")
			}
		})
	}
}

func TestRedirectOnlyFirstWriteHeaderCounts(t *testing.T) {
	backend := &recorder{respond: func(rw http.ResponseWriter, _ *http.Request) {
		rw.WriteHeader(http.StatusEarlyHints)
		rw.Header().Set("Location", "https://checkout.example.org/")
		rw.WriteHeader(http.StatusFound)
		rw.WriteHeader(http.StatusFound)
	}}
	h, _ := newTestHandler(t, backend, sourceConfig)
	rec := serve(h, request(http.MethodGet, shopHost, "/", "192.0.2.1:1", "s1"))
	assert.Equal(t, 1, strings.Count(rec.Header().Get("Location"), "_hs_="))
}

func TestRedirectWithoutClientAddress(t *testing.T) {
	backend := &recorder{respond: redirectTo("https://checkout.example.org/")}
	h, _ := newTestHandler(t, backend, func(c *Config) {
		sourceConfig(c)
		c.IPStrategy.Depth = 1
	})
	rec := serve(h, request(http.MethodGet, shopHost, "/", "192.0.2.1:1", "s1"))
	assert.Equal(t, "https://checkout.example.org/", rec.Header().Get("Location"), "no token when the client cannot be bound")
}

func TestPropagateRedirectsOff(t *testing.T) {
	backend := &recorder{respond: redirectTo("https://checkout.example.org/")}
	h, _ := newTestHandler(t, backend, func(c *Config) {
		sourceConfig(c)
		c.PropagateRedirects = false
	})
	rec := serve(h, request(http.MethodGet, shopHost, "/", "192.0.2.1:1", "s1"))
	assert.Equal(t, "https://checkout.example.org/", rec.Header().Get("Location"))
	assert.Same(t, rec, backend.rw, "the writer is not wrapped")
}

func TestWithParam(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: "https://a.example/", want: "https://a.example/?t=V"},
		{in: "https://a.example", want: "https://a.example?t=V"},
		{in: "https://a.example/?", want: "https://a.example/?t=V"},
		{in: "https://a.example/?x=1", want: "https://a.example/?x=1&t=V"},
		{in: "https://a.example/?t=old", want: "https://a.example/?t=V"},
		{in: "https://a.example/?%74=old&x", want: "https://a.example/?x&t=V"},
		{in: "https://a.example/?tt=1&t", want: "https://a.example/?tt=1&t=V"},
		{in: "https://a.example/#f?x", want: "https://a.example/?t=V#f?x"},
		{in: "https://a.example/p?q=1#", want: "https://a.example/p?q=1&t=V#"},
	}
	for _, test := range tests {
		assert.Equal(t, test.want, withParam(test.in, "t", "V"), test.in)
	}
}

// The wrapper must not hide what the real writer can do.
type fullWriter struct {
	*httptest.ResponseRecorder
	hijacked bool
}

func (w *fullWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.hijacked = true
	return nil, nil, nil
}

func TestWrapperKeepsFlusherAndHijacker(t *testing.T) {
	backend := &recorder{respond: func(rw http.ResponseWriter, _ *http.Request) {
		_, _ = rw.Write([]byte("chunk"))
		rw.(http.Flusher).Flush()
		_, _, err := rw.(http.Hijacker).Hijack()
		assert.NoError(t, err)
		assert.NoError(t, http.NewResponseController(rw).Flush())
	}}
	h, _ := newTestHandler(t, backend, sourceConfig)
	w := &fullWriter{ResponseRecorder: httptest.NewRecorder()}
	h.ServeHTTP(w, request(http.MethodGet, shopHost, "/", "192.0.2.1:1", "s1"))
	require.IsType(t, &redirectWriter{}, backend.rw, "a navigation is wrapped")
	assert.True(t, w.Flushed)
	assert.True(t, w.hijacked)
	assert.Equal(t, "chunk", w.Body.String())
}

func TestWrapperHijackUnsupported(t *testing.T) {
	w := &redirectWriter{ResponseWriter: httptest.NewRecorder()}
	_, _, err := w.Hijack()
	assert.ErrorIs(t, err, errNoHijack)
	w.Flush()
}
