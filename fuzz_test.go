package sessioninjector

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzOpenToken feeds arbitrary tokens to the receiving side: it must never
// panic, never answer 5xx, and never accept anything it did not seal.
func FuzzOpenToken(f *testing.F) {
	src, err := newHandler(nil, sourceFuzzConfig(), "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Host, r.RemoteAddr = shopHost, client
	token, _ := issue(src, r, checkout, oneCookie("s1"))
	f.Add(token)
	f.Add("")
	f.Add("AQ")
	f.Add(strings.Repeat("A", 60))
	f.Add(token[:len(token)-1])
	f.Add(token + "\n")
	f.Add("%00")

	receiver := fuzzConfig()
	receiver.DieOnHandshakeFailure = true // every refusal a 403
	dst, err := newHandler(&recorder{}, receiver, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	dst.debugf = func(string, ...interface{}) {}
	f.Fuzz(func(t *testing.T, tok string) {
		cl, err := openToken(dst.codec, tok, checkout)
		if err == nil {
			// Only a token sealed by the source above (in this or another fuzzing process) opens.
			if cl.session != "-1 _session_id=s1" || cl.target != checkout {
				t.Fatalf("accepted a forged token %q: %+v", tok, cl)
			}
			return
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Host, req.RemoteAddr = checkout, client
		req.URL.RawQuery = "_hs_=" + url.QueryEscape(tok)
		rec := httptest.NewRecorder()
		dst.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden || len(rec.Header()["Set-Cookie"]) != 0 {
			t.Fatalf("status %d, Set-Cookie %q for %q", rec.Code, rec.Header()["Set-Cookie"], tok)
		}
	})
}

// FuzzLocation feeds arbitrary Locations to the redirect rewriting: a token
// may only go to an allowed host, and anything else stays byte for byte.
func FuzzLocation(f *testing.F) {
	for _, seed := range []string{
		"https://checkout.example.org/pay?x=1#f", "//checkout.example.org", "/\\checkout.example.org",
		"https://checkout.example.org@evil.com/", "https:/checkout.example.org", "javascript:alert(1)",
		"https://a.example.net:443/", "HTTPS://CHECKOUT.EXAMPLE.ORG./", "https://checkout.example.org%2f@evil/",
		"https://[::1]/", "/\t/checkout.example.org", "https://checkout.example.org/\r\n",
	} {
		f.Add(seed)
	}
	h, err := newHandler(nil, sourceFuzzConfig(), "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	h.debugf = func(string, ...interface{}) {}
	f.Fuzz(func(t *testing.T, loc string) {
		header := http.Header{"Location": {loc}}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Host, r.RemoteAddr = shopHost, client
		r.Header.Set("Cookie", "_session_id=s1")
		propagate(h, header, r, http.StatusFound)
		got := header.Get("Location")
		if got == loc {
			return
		}
		host, _, ok := targetHost(h.targets, loc, true)
		if !ok {
			t.Fatalf("rewrote %q to a host that is not allowed", loc)
		}
		if !h.targets.match(host) || host == shopHost {
			t.Fatalf("token for %q", host)
		}
		// A URL parser must agree on the host (fragments are the browser's own business).
		beforeFragment, _, _ := strings.Cut(got, "#")
		u, err := url.Parse(beforeFragment)
		if err != nil {
			original, _, _ := strings.Cut(loc, "#")
			if _, errOriginal := url.Parse(original); errOriginal == nil {
				t.Fatalf("rewriting broke Location %q: %v", got, err)
			}
			return // a path Go cannot parse but browsers can; the host was checked above
		}
		if u.User != nil || !strings.EqualFold(strings.TrimSuffix(u.Hostname(), "."), host) {
			t.Fatalf("rewritten %q: URL host %q, matched %q", got, u.Hostname(), host)
		}
		if u.Query().Get("_hs_") == "" {
			t.Fatalf("no token in %q", got)
		}
	})
}

// FuzzPullEndpoint feeds arbitrary return and state parameters, and whole
// queries, to the source's pull endpoint: never a panic or a 5xx, a 303
// only to an allowed host with exactly one answer sealed for it, and
// every other answer a plain 4xx.
func FuzzPullEndpoint(f *testing.F) {
	for _, seed := range [][3]string{
		{"https://checkout.example.org/account?x=1#f", "c3RhdGU", ""},
		{"https://evil.example/", "abc", ""},
		{"https://checkout.example.org@evil.example/", "abc", ""},
		{"//checkout.example.org/", "abc", ""},
		{"http://checkout.example.org/", "abc", ""},
		{"https://a.example.net:443/?_hs_=x", strings.Repeat("A", 512), ""},
		{"https://checkout.example.org/", "a+b", ""},
		{"", "", "return=https://checkout.example.org/&return=https://evil.example/&state=a"},
		{"", "", "return=%zz&state=a"},
		{"", "", "state=a;return=https://checkout.example.org/"},
		{"", "", "return=https%3A%2F%2Fcheckout.example.org%2F&state=a&state=b"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	h, err := newHandler(&recorder{}, sourceFuzzConfig(), "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	h.debugf = func(string, ...interface{}) {}
	f.Fuzz(func(t *testing.T, ret, state, raw string) {
		query := raw
		if query == "" {
			query = url.Values{"return": {ret}, "state": {state}}.Encode()
		}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.URL.Path, r.URL.RawQuery = "/_session/pull", query
		r.Host, r.RemoteAddr = shopHost, client
		r.Header.Set("Sec-Fetch-Mode", "navigate")
		r.Header.Set("Cookie", "_session_id=s1")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q", rec.Code, query)
		}
		loc := rec.Header().Get("Location")
		if rec.Code != http.StatusSeeOther {
			if loc != "" || rec.Code < 400 && rec.Code != http.StatusOK {
				t.Fatalf("status %d, Location %q for %q", rec.Code, loc, query)
			}
			return
		}
		host, _, ok := targetHost(h.targets, loc, false)
		if !ok || !h.targets.match(host) || host == shopHost {
			t.Fatalf("answered to %q for %q", loc, query)
		}
		u, err := url.Parse(strings.SplitN(loc, "#", 2)[0])
		if err != nil {
			return // a path Go cannot parse but browsers can; the host was checked above
		}
		answers := u.Query()["_hs_"]
		if len(answers) != 1 || u.User != nil || !strings.EqualFold(strings.TrimSuffix(u.Hostname(), "."), host) {
			t.Fatalf("answer %q for %q", loc, query)
		}
		if _, _, err := openAs(h.codec, pullAnswer, answers[0], host); err != nil {
			t.Fatalf("the answer in %q does not open for %s: %v", loc, host, err)
		}
	})
}

func fuzzConfig() *Config {
	c := CreateConfig()
	c.Secret = testSecret
	return c
}

func sourceFuzzConfig() *Config {
	c := fuzzConfig()
	sourceConfig(c)
	return c
}

// FuzzSignOutEndpoint feeds arbitrary queries and records to the sign-out
// endpoint: a link the chain did not make clears nothing and redirects
// nowhere, and nothing answers 5xx.
func FuzzSignOutEndpoint(f *testing.F) {
	for _, seed := range [][2]string{
		{"_hs_=", ""},
		{"_hs_=AQ&_hs_=AQ", ""},
		{"_hs_=" + strings.Repeat("A", 200), "AAAAAAAAAAAAAAAAAAAAAA~https://evil.example"},
		{"_hs_=%zz", "~"},
		{"x=1;_hs_=a", strings.Repeat("~", 3000)},
	} {
		f.Add(seed[0], seed[1])
	}
	c := fuzzConfig()
	c.TargetDomains = []string{shopHost}
	h, err := newHandler(&recorder{}, c, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	h.debugf = func(string, ...interface{}) {}
	f.Fuzz(func(t *testing.T, query, record string) {
		r := httpsNav(checkout, "/", "_session_id=s1")
		r.URL.Path, r.URL.RawQuery = "/_session/signout", query
		r.AddCookie(&http.Cookie{Name: "__Host-si_peers", Value: record})
		rec := serve(h, r)
		if rec.Code >= 500 || len(rec.Header()["Set-Cookie"]) != 0 || rec.Header().Get("Location") != "" {
			t.Fatalf("status %d, Set-Cookie %q, Location %q for %q", rec.Code, rec.Header()["Set-Cookie"], rec.Header().Get("Location"), query)
		}
	})
}

// FuzzSignOutChain feeds arbitrary Locations to a sign-out on the shop,
// whose record lists the checkout: the chain's first hop goes to the
// checkout, and the hop ends it at an absolute http(s) URL free of
// unsafe characters and of the token parameter.
func FuzzSignOutChain(f *testing.F) {
	for _, seed := range []string{
		"/bye", "", "https://checkout.example.org/x?_hs_=a#f", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
		"http://[::1/", "/%zz", "bye?x=1&_hs_=1", "\x7f", strings.Repeat("/a", 2000),
	} {
		f.Add(seed)
	}
	shop, err := newHandler(&recorder{}, sourceFuzzConfig(), "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	shop.debugf = func(string, ...interface{}) {}
	c := fuzzConfig()
	c.TargetDomains = []string{shopHost}
	hop, err := newHandler(&recorder{}, c, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	hop.debugf = func(string, ...interface{}) {}
	list := checkoutOrigin
	record := recordMAC(shop.codec.sealKey, shopHost, list) + "~" + list
	f.Fuzz(func(t *testing.T, location string) {
		shop.next = &recorder{respond: redirectTo(location, "_session_id=; Path=/; Max-Age=0")}
		r := httpsNav(shopHost, "/logout", "_session_id=s1")
		r.AddCookie(&http.Cookie{Name: "__Host-si_peers", Value: record})
		rec := serve(shop, r)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q", rec.Code, location)
		}
		first := rec.Header().Get("Location")
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(first, checkoutOrigin+"/_session/signout?_hs_=") {
			t.Fatalf("status %d, Location %q for %q: not the checkout's hop", rec.Code, first, location)
		}
		h := httpsNav(checkout, strings.TrimPrefix(first, checkoutOrigin), "_session_id=s1")
		rec = serve(hop, h)
		end := rec.Header().Get("Location")
		u, err := url.Parse(end)
		if rec.Code != http.StatusSeeOther || len(rec.Header()["Set-Cookie"]) == 0 || err != nil ||
			u.Scheme != "https" && u.Scheme != "http" || u.Host == "" || strings.ContainsAny(end, unsafeURLChars) ||
			u.Query().Has("_hs_") {
			t.Fatalf("hop: status %d, Location %q for %q", rec.Code, end, location)
		}
	})
}
