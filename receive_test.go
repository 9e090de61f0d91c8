package sessioninjector

import (
	"encoding/base64"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const client = "192.0.2.10:4444"

func receiverConfig(c *Config) { c.CleanURL = false }

func TestReceiveInjectsSession(t *testing.T) {
	src, _ := newTestHandler(t, nil, sourceConfig)
	backend := &recorder{}
	dst, clock := newTestHandler(t, backend, receiverConfig)
	clock.t = time.UnixMilli(src.now().UnixMilli() + 1000)
	token := issueToken(t, src, client, "sess-42")

	r := request(http.MethodGet, "Checkout.Example.org.:443", "/cart?a=1&_hs_="+token+"&b=2", client, "")
	r.Header.Set("Cookie", "theme=dark; _session_id=stale")
	rec := serve(dst, r)

	require.Equal(t, 1, backend.calls)
	assert.Equal(t, "a=1&b=2", backend.req.URL.RawQuery)
	assert.Equal(t, "/cart?a=1&b=2", backend.req.RequestURI)
	assert.Equal(t, "_session_id=sess-42; theme=dark", backend.req.Header.Get("Cookie"))
	assert.Equal(t, []string{"_session_id=sess-42; Path=/; HttpOnly; SameSite=Lax"}, rec.Header()["Set-Cookie"])
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
}

func TestReceiveBackendSetCookieComesLater(t *testing.T) {
	src, _ := newTestHandler(t, nil, sourceConfig)
	backend := &recorder{respond: func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Add("Set-Cookie", "_session_id=rotated; Path=/")
		rw.WriteHeader(http.StatusOK)
	}}
	dst, _ := newTestHandler(t, backend, receiverConfig)
	rec := serve(dst, request(http.MethodGet, checkout, "/?_hs_="+issueToken(t, src, client, "s1"), client, ""))
	cookies := rec.Header()["Set-Cookie"]
	require.Len(t, cookies, 2)
	assert.True(t, strings.HasPrefix(cookies[1], "_session_id=rotated"), "the backend's own cookie comes last and wins")
}

func TestReceiveCleanURL(t *testing.T) {
	tests := []struct {
		desc     string
		method   string
		target   string
		https    bool
		redirect bool
		location string
	}{
		{desc: "GET", method: http.MethodGet, target: "/cart?a=1&_hs_=TOKEN", redirect: true, location: "http://checkout.example.org/cart?a=1"},
		{desc: "HEAD over https", method: http.MethodHead, target: "/?_hs_=TOKEN", https: true, redirect: true, location: "https://checkout.example.org/"},
		{desc: "path that looks like a host", method: http.MethodGet, target: "//evil.example/x?_hs_=TOKEN", redirect: true, location: "http://checkout.example.org//evil.example/x"},
		{desc: "escaped path kept", method: http.MethodGet, target: "/a%2Fb?_hs_=TOKEN&z", redirect: true, location: "http://checkout.example.org/a%2Fb?z"},
		{desc: "POST is redeemed by a 303, its body never reaches the backend", method: http.MethodPost, target: "/pay?_hs_=TOKEN", redirect: true, location: "http://checkout.example.org/pay"},
		{desc: "PUT likewise", method: http.MethodPut, target: "/pay?a=1&_hs_=TOKEN", redirect: true, location: "http://checkout.example.org/pay?a=1"},
		{desc: "a malformed pair of another key does not refuse", method: http.MethodGet, target: "/s?x=%zz&_hs_=TOKEN", redirect: true, location: "http://checkout.example.org/s?x=%zz"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			src, _ := newTestHandler(t, nil, sourceConfig)
			backend := &recorder{}
			dst, _ := newTestHandler(t, backend, nil)
			token := issueToken(t, src, client, "s1")
			r := request(test.method, checkout, strings.Replace(test.target, "TOKEN", token, 1), client, "")
			if test.https {
				r.Header.Set("X-Forwarded-Proto", "https")
			}
			rec := serve(dst, r)
			if !test.redirect {
				assert.Equal(t, 1, backend.calls)
				assert.Equal(t, http.StatusOK, rec.Code)
				return
			}
			assert.Equal(t, 0, backend.calls)
			assert.Equal(t, http.StatusSeeOther, rec.Code)
			assert.Equal(t, test.location, rec.Header().Get("Location"))
			assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
			setCookie := rec.Header().Get("Set-Cookie")
			assert.True(t, strings.HasPrefix(setCookie, "_session_id=s1; Path=/; HttpOnly"), setCookie)
			assert.Equal(t, test.https, strings.Contains(setCookie, "; Secure"))
			assert.NotContains(t, setCookie, "Domain=", "host-only")
		})
	}
}

func TestReceiveRefusals(t *testing.T) {
	src, _ := newTestHandler(t, nil, sourceConfig)
	otherKey, _ := newTestHandler(t, nil, func(c *Config) { sourceConfig(c); c.Secret = testSecret2 })
	unbound, _ := newTestHandler(t, nil, func(c *Config) { sourceConfig(c); c.BindClientIP = false })
	good := issueToken(t, src, client, "s1")
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	raw[len(raw)-1] ^= 1
	tampered := base64.RawURLEncoding.EncodeToString(raw)

	tests := []struct {
		desc     string
		query    string
		host     string
		remote   string
		edit     func(*Config)
		header   http.Header
		before   func(t *testing.T, dst *handler, clock *testClock)
		category string
	}{
		{desc: "tampered", query: "_hs_=" + tampered, category: reasonInvalid},
		{desc: "truncated", query: "_hs_=" + good[:len(good)-4], category: reasonInvalid},
		{desc: "empty", query: "_hs_=", category: reasonInvalid},
		{desc: "bare parameter", query: "_hs_", category: reasonInvalid},
		{desc: "garbage", query: "_hs_=%00%FF<script>", category: reasonInvalid},
		{desc: "oversized token", query: "_hs_=" + strings.Repeat("A", maxTokenChars+1), category: reasonInvalid},
		{desc: "oversized query", query: "_hs_=" + strings.Repeat("A", 100_000), category: reasonTooLarge},
		{desc: "too many parameters", query: "_hs_=" + good + strings.Repeat("&a", maxQueryParts), category: reasonTooLarge},
		{desc: "too many parameters, none of them a token", query: "x=%zz&_hs_" + strings.Repeat("&a", maxQueryParts), category: reasonTooLarge},
		{desc: "malformed value of the token", query: "_hs_=" + good + "%zz", category: reasonInvalid},
		{desc: "malformed value of the encoded token", query: "%5Fhs%5F=%zz", category: reasonInvalid},
		{desc: "token after a semicolon", query: "x=1;_hs_=" + good, category: reasonInvalid},
		{desc: "good token and a malformed second one", query: "_hs_=" + good + "&%5Fhs_=%zz", category: reasonInvalid},
		{desc: "script", query: "_hs_=" + good, header: http.Header{"Sec-Fetch-Mode": {"no-cors"}, "Sec-Fetch-Dest": {"script"}}, category: reasonNotNavigation},
		{desc: "fetch", query: "_hs_=" + good, header: http.Header{"Sec-Fetch-Mode": {"cors"}}, category: reasonNotNavigation},
		{desc: "image without Sec-Fetch", query: "_hs_=" + good, header: http.Header{"Accept": {"image/avif,image/webp,*/*"}}, category: reasonNotNavigation},
		{desc: "WebSocket", query: "_hs_=" + good, header: http.Header{"Upgrade": {"websocket"}, "Sec-Fetch-Mode": {"websocket"}}, category: reasonNotNavigation},
		{desc: "client share of the replay cache full", query: "_hs_=" + good, edit: func(c *Config) { c.ReplayPerClient = 1 }, category: reasonUnavailable,
			before: func(_ *testing.T, dst *handler, clock *testClock) {
				redeemID(dst.replay, "other", "192.0.2.10", clock.t.UnixMilli()+60_000, clock.t.UnixMilli(), 100, 1)
			}},
		{desc: "duplicated", query: "_hs_=" + good + "&_hs_=" + good, category: reasonInvalid},
		{desc: "duplicated encoded", query: "_hs_=" + good + "&%5Fhs%5F=" + good, category: reasonInvalid},
		{desc: "duplicated, the last empty", query: "_hs_=" + good + "&_hs_=", category: reasonInvalid},
		{desc: "semicolon", query: "_hs_=" + good + ";x=1", category: reasonInvalid},
		{desc: "unknown secret", query: "_hs_=" + issueToken(t, otherKey, client, "s1"), category: reasonInvalid},
		{desc: "another host", query: "_hs_=" + good, host: "other.example.org", category: reasonInvalid},
		{desc: "another client", query: "_hs_=" + good, remote: "192.0.2.11:4444", category: reasonWrongClient},
		{desc: "an address the bound one is a prefix of", query: "_hs_=" + good, remote: "192.0.2.100:4444", category: reasonWrongClient},
		{desc: "another family", query: "_hs_=" + good, remote: "[2001:db8::1]:4444", category: reasonWrongClient},
		{desc: "unbound token, bound receiver", query: "_hs_=" + issueToken(t, unbound, client, "s1"), category: reasonWrongClient},
		{desc: "no client address", query: "_hs_=" + good, edit: func(c *Config) { c.IPStrategy.Depth = 2 }, category: reasonWrongClient},
		{desc: "replayed", query: "_hs_=" + good, category: reasonReplayed, before: func(t *testing.T, dst *handler, _ *testClock) {
			rec := serve(dst, request(http.MethodGet, checkout, "/?_hs_="+good, client, ""))
			require.Equal(t, http.StatusSeeOther, rec.Code)
		}},
		{desc: "expired at the boundary", query: "_hs_=" + good, category: reasonExpired, before: func(_ *testing.T, _ *handler, clock *testClock) {
			clock.t = clock.t.Add(5 * time.Second)
		}},
		{desc: "sender lifetime shorter", query: "_hs_=" + good, edit: func(c *Config) { c.TokenLifetime = "1m" }, category: reasonExpired,
			before: func(_ *testing.T, _ *handler, clock *testClock) { clock.t = clock.t.Add(5 * time.Second) }},
		{desc: "receiver lifetime shorter", query: "_hs_=" + good, edit: func(c *Config) { c.TokenLifetime = "1s" }, category: reasonExpired,
			before: func(_ *testing.T, _ *handler, clock *testClock) { clock.t = clock.t.Add(time.Second) }},
		{desc: "dated in the future", query: "_hs_=" + good, category: reasonInvalid, before: func(_ *testing.T, _ *handler, clock *testClock) {
			clock.t = clock.t.Add(-2001 * time.Millisecond)
		}},
		{desc: "replay cache full", query: "_hs_=" + good, edit: func(c *Config) { c.ReplayCacheSize = 1 }, category: reasonUnavailable,
			before: func(_ *testing.T, dst *handler, clock *testClock) {
				redeemID(dst.replay, "other", "c1", clock.t.UnixMilli()+60_000, clock.t.UnixMilli(), 1, 0)
			}},
	}
	// Each refusal in three settings: dieOnHandshakeFailure (a page for a
	// navigation, plain text for anything else), and without it a GET
	// navigation (a 303 to the URL without the token) and a form's POST
	// (stripped and passed on).
	for _, test := range tests {
		for _, mode := range []string{"403", "303", "POST"} {
			t.Run(test.desc+" ("+mode+")", func(t *testing.T) {
				// The backend asks for caching and full referrers: the tokened URL gets neither.
				backend := &recorder{respond: func(rw http.ResponseWriter, _ *http.Request) {
					rw.Header().Set("Cache-Control", "public, max-age=600")
					rw.Header().Set("Referrer-Policy", "unsafe-url")
					_, _ = rw.Write([]byte("page"))
				}}
				dst, clock := newTestHandler(t, backend, func(c *Config) {
					c.DieOnHandshakeFailure = mode == "403"
					if test.edit != nil {
						test.edit(c)
					}
				})
				if test.before != nil {
					test.before(t, dst, clock)
				}
				backend.calls = 0
				host, remote := test.host, test.remote
				if host == "" {
					host = checkout
				}
				if remote == "" {
					remote = client
				}
				method := http.MethodGet
				if mode == "POST" {
					method = http.MethodPost
				}
				r := request(method, host, "/p?keep=1&"+test.query, remote, "")
				r.Header.Set("Cookie", "_session_id=mine")
				for k, v := range test.header {
					r.Header[k] = v
				}
				nav := navigation(r.Header)
				clean := "http://" + host + "/p?keep=1"
				if test.category == reasonTooLarge {
					clean = "http://" + host + "/p"
				}
				rec := serve(dst, r)
				assert.Empty(t, rec.Header()["Set-Cookie"], "no cookie set on failure")
				assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
				assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
				switch {
				case mode == "303" && nav:
					assert.Equal(t, http.StatusSeeOther, rec.Code)
					assert.Equal(t, clean, rec.Header().Get("Location"), "on to the URL without the token")
					assert.Equal(t, 0, backend.calls)
				case nav && (mode == "403" || test.category == reasonTooLarge):
					assert.Equal(t, http.StatusForbidden, rec.Code)
					assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
					assert.Contains(t, rec.Header().Get("Content-Security-Policy"), "default-src 'none'")
					assert.Contains(t, rec.Body.String(), refusalWords[test.category], "the reason in plain words")
					assert.Contains(t, rec.Body.String(), `<a href="`+html.EscapeString(clean)+`">`, "a way on")
					assert.Contains(t, rec.Body.String(), "session handoff refused: "+test.category)
					assert.NotContains(t, rec.Body.String(), "_hs_")
					assert.Equal(t, 0, backend.calls)
				case mode == "403" || test.category == reasonTooLarge:
					assert.Equal(t, http.StatusForbidden, rec.Code)
					assert.Equal(t, "session handoff refused: "+test.category+"\n", rec.Body.String())
					assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
					assert.Equal(t, 0, backend.calls)
				default:
					require.Equal(t, 1, backend.calls)
					assert.Equal(t, http.StatusOK, rec.Code)
					assert.Equal(t, []string{"no-store"}, rec.Header()["Cache-Control"], "the backend's caching replaced")
					assert.Equal(t, []string{"no-referrer"}, rec.Header()["Referrer-Policy"], "the backend's policy replaced")
					assert.Equal(t, "page", rec.Body.String())
					assert.NotContains(t, backend.req.URL.RawQuery, "hs")
					assert.NotContains(t, backend.req.RequestURI, "_hs_")
					assert.Contains(t, backend.req.URL.RawQuery, "keep=1")
					assert.Equal(t, "_session_id=mine", backend.req.Header.Get("Cookie"), "nothing injected")
				}
			})
		}
	}
}

func TestReceiveRotation(t *testing.T) {
	old, _ := newTestHandler(t, nil, sourceConfig)
	token := issueToken(t, old, client, "s1")
	dst, _ := newTestHandler(t, &recorder{}, func(c *Config) {
		c.Secret = testSecret2
		c.PreviousSecrets = []string{testSecret}
	})
	rec := serve(dst, request(http.MethodGet, checkout, "/?_hs_="+token, client, ""))
	assert.Equal(t, http.StatusSeeOther, rec.Code)
}

func TestReceiveOptions(t *testing.T) {
	tests := []struct {
		desc   string
		edit   func(*Config)
		remote string
		twice  bool
	}{
		{desc: "single use off", edit: func(c *Config) { c.SingleUse = false }, twice: true},
		{desc: "binding off", edit: func(c *Config) { c.BindClientIP = false }, remote: "203.0.113.50:1"},
		{desc: "ipv4 prefix 24", edit: func(c *Config) { c.IPv4Prefix = 24 }, remote: "192.0.2.99:1"},
		{desc: "mapped address", remote: "[::ffff:192.0.2.10]:9"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			src, _ := newTestHandler(t, nil, sourceConfig)
			token := issueToken(t, src, client, "s1")
			dst, _ := newTestHandler(t, &recorder{}, test.edit)
			remote := test.remote
			if remote == "" {
				remote = client
			}
			for i := 0; i < 1+map[bool]int{true: 1}[test.twice]; i++ {
				rec := serve(dst, request(http.MethodGet, checkout, "/?_hs_="+token, remote, ""))
				assert.Equal(t, http.StatusSeeOther, rec.Code, "attempt %d: %s", i, rec.Body.String())
			}
		})
	}
}

func TestReceiveBehindProxy(t *testing.T) {
	src, _ := newTestHandler(t, nil, func(c *Config) { sourceConfig(c); c.IPStrategy.ExcludedIPs = []string{"10.0.0.0/8"} })
	r := request(http.MethodGet, shopHost, "/", "10.0.0.1:1", "s1")
	r.Header.Set("X-Forwarded-For", "198.51.100.7, 10.0.0.2")
	token, ok := issue(src, r, checkout, oneCookie("s1"))
	require.True(t, ok)

	dst, _ := newTestHandler(t, &recorder{}, func(c *Config) { c.IPStrategy.Depth = 1 })
	r = request(http.MethodGet, checkout, "/?_hs_="+token, "10.0.0.9:1", "")
	r.Header.Set("X-Forwarded-For", "198.51.100.7")
	assert.Equal(t, http.StatusSeeOther, serve(dst, r).Code)
}

func TestReceiveConcurrentRedemption(t *testing.T) {
	src, _ := newTestHandler(t, nil, sourceConfig)
	token := issueToken(t, src, client, "s1")
	dst, _ := newTestHandler(t, &recorder{}, dies)
	var ok, replayed atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			dst.ServeHTTP(rec, request(http.MethodGet, checkout, "/?_hs_="+token, client, ""))
			switch rec.Code {
			case http.StatusSeeOther:
				ok.Add(1)
			case http.StatusForbidden:
				replayed.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(1), ok.Load())
	assert.Equal(t, int64(99), replayed.Load())
}

func TestReceiveDoesNotBurnTokenOnWrongClient(t *testing.T) {
	src, _ := newTestHandler(t, nil, sourceConfig)
	token := issueToken(t, src, client, "s1")
	dst, _ := newTestHandler(t, &recorder{}, dies)
	rec := serve(dst, request(http.MethodGet, checkout, "/?_hs_="+token, "203.0.113.1:1", ""))
	assert.Equal(t, http.StatusForbidden, rec.Code, "a link previewer elsewhere is refused")
	rec = serve(dst, request(http.MethodGet, checkout, "/?_hs_="+token, client, ""))
	assert.Equal(t, http.StatusSeeOther, rec.Code, "and did not burn the user's token")
}

func TestReceiveInvalidSessionInToken(t *testing.T) {
	src, _ := newTestHandler(t, nil, sourceConfig)
	dst, clock := newTestHandler(t, &recorder{}, dies)
	for _, session := range []string{"a;b", "a b", "a\r\nX: y", strings.Repeat("x", maxCookieBytes+1)} {
		cl := claims{createdMs: clock.t.UnixMilli(), lifetimeMs: 5000, target: checkout, clientIP: "192.0.2.10", session: "-1 _session_id=" + session}
		token := sealed(t, src.codec, &cl)
		rec := serve(dst, request(http.MethodGet, checkout, "/?_hs_="+token, client, ""))
		assert.Equal(t, http.StatusForbidden, rec.Code, "%q", session)
		assert.Empty(t, rec.Header()["Set-Cookie"])
	}
}

func TestReceiveIgnoresQueriesWithoutTheParameter(t *testing.T) {
	queries := []string{
		"q=my_hs_notes", "x_hs_=1", "next=%2Fcart%3F_hs_%3Dabc", "q=caf%C3%A9",
		"q=my_hs_notes&x=100%", "q=_hs_&x=%zz", "_hs_x=%zz", "x=%zz&y_hs_=1", strings.Repeat("q=_hs_&", maxQueryParts) + "%",
	}
	for _, q := range queries {
		for _, die := range []bool{true, false} {
			backend := &recorder{}
			dst, _ := newTestHandler(t, backend, func(c *Config) { c.DieOnHandshakeFailure = die })
			rec := serve(dst, request(http.MethodGet, checkout, "/search?"+q, client, ""))
			assert.Equal(t, http.StatusOK, rec.Code, q)
			require.Equal(t, 1, backend.calls, q)
			assert.Equal(t, q, backend.req.URL.RawQuery)
		}
	}
}

func TestReceiveEncodedParameterName(t *testing.T) {
	src, _ := newTestHandler(t, nil, sourceConfig)
	for _, name := range []string{"%5Fhs%5F", "%5fhs_", "_h%73_"} {
		backend := &recorder{}
		dst, _ := newTestHandler(t, backend, receiverConfig)
		token := issueToken(t, src, client, "s1")
		rec := serve(dst, request(http.MethodGet, checkout, "/w?a=1&"+name+"="+token, client, ""))
		assert.Equal(t, http.StatusOK, rec.Code, name)
		assert.Equal(t, "a=1", backend.req.URL.RawQuery, "redeemed and stripped under %s", name)
		assert.Len(t, rec.Header()["Set-Cookie"], 1)
	}
}

func TestReceivePassThrough(t *testing.T) {
	tests := []struct {
		desc     string
		method   string
		cookies  string
		redirect bool // answered 303 with the cookie instead of passed on
	}{
		{desc: "GET passes on with the session", method: http.MethodGet, cookies: "theme=dark"},
		{desc: "HEAD passes on", method: http.MethodHead},
		{desc: "POST is answered 303", method: http.MethodPost, redirect: true},
		{desc: "DELETE is answered 303", method: http.MethodDelete, redirect: true},
		{desc: "a Cookie header too long to rewrite is answered 303", method: http.MethodGet, cookies: strings.Repeat("c=1; ", maxQueryParts), redirect: true},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			src, _ := newTestHandler(t, nil, sourceConfig)
			backend := &recorder{respond: func(rw http.ResponseWriter, _ *http.Request) {
				rw.Header().Set("Cache-Control", "public, max-age=600")
				rw.Header().Set("Referrer-Policy", "unsafe-url")
				rw.WriteHeader(http.StatusOK)
			}}
			dst, _ := newTestHandler(t, backend, receiverConfig)
			r := request(test.method, checkout, "/pay?a=1&_hs_="+issueToken(t, src, client, "s1"), client, "")
			if test.cookies != "" {
				r.Header.Set("Cookie", test.cookies)
			}
			rec := serve(dst, r)
			assert.Equal(t, []string{"_session_id=s1; Path=/; HttpOnly; SameSite=Lax"}, rec.Header()["Set-Cookie"])
			assert.Equal(t, []string{"no-store"}, rec.Header()["Cache-Control"])
			assert.Equal(t, []string{"no-referrer"}, rec.Header()["Referrer-Policy"])
			if test.redirect {
				assert.Equal(t, 0, backend.calls, "the request never reaches the backend")
				assert.Equal(t, http.StatusSeeOther, rec.Code)
				assert.Equal(t, "http://checkout.example.org/pay?a=1", rec.Header().Get("Location"))
				return
			}
			require.Equal(t, 1, backend.calls)
			assert.Equal(t, "a=1", backend.req.URL.RawQuery)
			assert.True(t, strings.HasPrefix(backend.req.Header.Get("Cookie"), "_session_id=s1"), backend.req.Header.Get("Cookie"))
		})
	}
}

func TestReceiveWriterKeepsProtectionWhenBackendOnlyWrites(t *testing.T) {
	src, _ := newTestHandler(t, nil, sourceConfig)
	backend := &recorder{respond: func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Referrer-Policy", "unsafe-url")
		_, _ = rw.Write([]byte("a"))
		_, _ = rw.Write([]byte("b"))
	}}
	dst, _ := newTestHandler(t, backend, receiverConfig)
	rec := serve(dst, request(http.MethodGet, checkout, "/?_hs_="+issueToken(t, src, client, "s1"), client, ""))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "ab", rec.Body.String())
	assert.Equal(t, []string{"no-referrer"}, rec.Header()["Referrer-Policy"])
}

func TestReceiveLongTokenOfALargeSession(t *testing.T) {
	src, _ := newTestHandler(t, nil, sourceConfig)
	dst, _ := newTestHandler(t, &recorder{}, nil)
	session := strings.Repeat("s", 3000)
	token := issueToken(t, src, client, session)
	require.Greater(t, len(token), 4000)
	rec := serve(dst, request(http.MethodGet, checkout, "/cart?a=1&_hs_="+token, client, ""))
	assert.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	assert.Equal(t, "http://checkout.example.org/cart?a=1", rec.Header().Get("Location"))
	assert.Contains(t, rec.Header().Get("Set-Cookie"), "_session_id="+session+";")
}
