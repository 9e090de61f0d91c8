package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Hosts of the security suite, each in front of secBackend.
const (
	secShop     = "shop-sec.test"        // hands sessions over plain HTTP (allowInsecureTargets)
	secStrict   = "shop-strict.test"     // the default: no token to a non-loopback http:// target
	secCheckout = "checkout-sec.test"    // receives; a client may hold 2 replay entries
	secPass     = "checkout-pass.test"   // cleanURL off: redemptions pass on to the backend
	secLenient  = "checkout-soft.test"   // dieOnHandshakeFailure off
	secPlain    = "plain-sec.test"       // no middleware: the cost of a request without the plugin
	secSession  = "sess-security-5e5e01" // the session the tests hand over
)

// secBackend answers the security suite's requests: /redirect answers with
// the status, Location, Set-Cookie and Clear-Site-Data its query names;
// anything else is recorded and answered 200 with headers that ask for
// caching and full referrers.
type secBackend struct {
	mu   sync.Mutex
	seen []secRequest
}

// secRequest is what the backend received.
type secRequest struct {
	Method, Host, RawQuery, Cookie, Body string
}

func (b *secBackend) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/redirect" {
		q := r.URL.Query()
		if v := q.Get("setcookie"); v != "" {
			rw.Header().Add("Set-Cookie", v)
		}
		if v := q.Get("clear"); v != "" {
			rw.Header().Set("Clear-Site-Data", v)
		}
		rw.Header().Set("Location", q.Get("to"))
		status := http.StatusFound
		switch q.Get("status") {
		case "307":
			status = http.StatusTemporaryRedirect
		case "308":
			status = http.StatusPermanentRedirect
		}
		rw.WriteHeader(status)
		return
	}
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	b.seen = append(b.seen, secRequest{Method: r.Method, Host: r.Host, RawQuery: r.URL.RawQuery, Cookie: r.Header.Get("Cookie"), Body: string(body)})
	b.mu.Unlock()
	rw.Header().Set("Cache-Control", "public, max-age=600")
	rw.Header().Set("Referrer-Policy", "unsafe-url")
	_, _ = io.WriteString(rw, "page")
}

// requests returns what the backend received for host.
func (b *secBackend) requests(host string) []secRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []secRequest
	for _, r := range b.seen {
		if r.Host == host {
			out = append(out, r)
		}
	}
	return out
}

// secEnv is one Traefik that trusts X-Forwarded-Proto (as behind a load
// balancer terminating TLS) in front of one secBackend.
type secEnv struct {
	tr      *harness.Traefik
	backend *secBackend
}

func newSecEnv(t *testing.T) *secEnv {
	t.Helper()
	b := &secBackend{}
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	targets := []string{secCheckout, secPass, secLenient}
	route := func(mw, host string) harness.Router {
		r := harness.Router{Rule: hostRule(host), Service: "sec"}
		if mw != "" {
			r.Middlewares = []string{mw}
		}
		return r
	}
	tr := harness.Start(t, harness.Options{
		TrustForwardedHeaders: true,
		Dynamic: harness.Dynamic{
			Routers: map[string]harness.Router{
				"sec-shop": route("sec-shop", secShop), "sec-strict": route("sec-strict", secStrict),
				"sec-checkout": route("sec-checkout", secCheckout), "sec-pass": route("sec-pass", secPass),
				"sec-lenient": route("sec-lenient", secLenient), "sec-plain": route("", secPlain),
			},
			Middlewares: map[string]harness.Middleware{
				"sec-shop":     injector(secretMain, targets, map[string]any{"allowInsecureTargets": true}),
				"sec-strict":   injector(secretMain, targets, map[string]any{"allowInsecureTargets": false}),
				"sec-checkout": injector(secretMain, nil, map[string]any{"replayPerClient": 2}),
				"sec-pass":     injector(secretMain, nil, map[string]any{"cleanURL": false}),
				"sec-lenient":  injector(secretMain, nil, map[string]any{"dieOnHandshakeFailure": false}),
			},
			Services: map[string]harness.Service{"sec": {URL: srv.URL}},
		},
	})
	return &secEnv{tr: tr, backend: b}
}

// secResponse is one answer, body read.
type secResponse struct {
	Status int
	Header http.Header
	Body   string
}

// do sends one request from client address ip (127.0.0.2 when empty) with
// a browser's navigation headers, changed by header (an empty value
// removes one).
func (e *secEnv) do(t *testing.T, ip, method, target, body string, header http.Header) secResponse {
	t.Helper()
	if ip == "" {
		ip = "127.0.0.2"
	}
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	req.Header.Set("Sec-Fetch-Dest", "document")
	for k, v := range header {
		if len(v) == 1 && v[0] == "" {
			req.Header.Del(k)
			continue
		}
		req.Header[k] = v
	}
	resp, err := e.tr.Client(ip).Do(req)
	require.NoError(t, err, "%s %s", method, target)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return secResponse{Status: resp.StatusCode, Header: resp.Header, Body: string(data)}
}

// withSession is a header set carrying the handed-over session cookie.
func withSession(extra ...string) http.Header {
	h := http.Header{"Cookie": {"_session_id=" + secSession}}
	for i := 0; i+1 < len(extra); i += 2 {
		h[extra[i]] = []string{extra[i+1]}
	}
	return h
}

// secHandoffURL is shop-sec.test's handoff endpoint to `to`.
func secHandoffURL(shop, to string) string {
	return "http://" + shop + "/_session/handoff?to=" + url.QueryEscape(to)
}

// redirectURL has the backend on host answer with a redirect as described.
func redirectURL(host string, q url.Values) string {
	return "http://" + host + "/redirect?" + q.Encode()
}

// freshToken has shop-sec.test hand a session to target and returns the Location with its token.
func (e *secEnv) freshToken(t *testing.T, ip, target string) string {
	t.Helper()
	resp := e.do(t, ip, http.MethodGet, secHandoffURL(secShop, target), "", withSession())
	require.Equal(t, http.StatusSeeOther, resp.Status, resp.Body)
	loc := resp.Header.Get("Location")
	require.NotEmpty(t, harness.Token(loc), "no token in %q", loc)
	return loc
}

// TestSecurityInTraefik attacks the plugin in the real Traefik, one rule of
// the security model at a time.
func TestSecurityInTraefik(t *testing.T) {
	e := newSecEnv(t)
	checkoutURL := "http://" + secCheckout + "/account"

	t.Run("no token to an http target after HTTPS", func(t *testing.T) {
		resp := e.do(t, "", http.MethodGet, secHandoffURL(secShop, checkoutURL), "", withSession("X-Forwarded-Proto", "https"))
		assert.Equal(t, http.StatusBadRequest, resp.Status)
		assert.Contains(t, resp.Body, "after a request over HTTPS")
		assert.Empty(t, resp.Header.Get("Location"))

		resp = e.do(t, "", http.MethodGet, redirectURL(secShop, url.Values{"to": {checkoutURL}}), "", withSession("X-Forwarded-Proto", "https"))
		assert.Equal(t, http.StatusFound, resp.Status)
		assert.Equal(t, checkoutURL, resp.Header.Get("Location"), "the redirect is left as it is")
	})

	t.Run("no token to a non-loopback http target by default", func(t *testing.T) {
		resp := e.do(t, "", http.MethodGet, secHandoffURL(secStrict, checkoutURL), "", withSession())
		assert.Equal(t, http.StatusBadRequest, resp.Status)
		assert.Contains(t, resp.Body, "allowInsecureTargets")
		resp = e.do(t, "", http.MethodGet, redirectURL(secStrict, url.Values{"to": {checkoutURL}}), "", withSession())
		assert.Equal(t, checkoutURL, resp.Header.Get("Location"))
	})

	t.Run("no token minted for a script or an image", func(t *testing.T) {
		for _, dest := range []string{"script", "image"} {
			resp := e.do(t, "", http.MethodGet, secHandoffURL(secShop, checkoutURL), "", withSession("Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", dest, "Accept", "*/*"))
			assert.Equal(t, http.StatusSeeOther, resp.Status, dest)
			assert.Equal(t, checkoutURL, resp.Header.Get("Location"), dest)
		}
	})

	t.Run("no token consumed by a subresource, and it is not burned", func(t *testing.T) {
		loc := e.freshToken(t, "", checkoutURL)
		resp := e.do(t, "", http.MethodGet, loc, "", http.Header{"Sec-Fetch-Mode": {"no-cors"}, "Sec-Fetch-Dest": {"image"}, "Accept": {"image/*"}})
		assert.Equal(t, http.StatusForbidden, resp.Status)
		assert.Contains(t, resp.Body, "not a navigation")
		assert.Empty(t, resp.Header.Values("Set-Cookie"))
		resp = e.do(t, "", http.MethodGet, loc, "", nil)
		assert.Equal(t, http.StatusSeeOther, resp.Status, "the navigation still redeems it: %s", resp.Body)
	})

	t.Run("no token replayed into a POST body by 307 or 308", func(t *testing.T) {
		for _, status := range []string{"307", "308"} {
			resp := e.do(t, "", http.MethodPost, redirectURL(secShop, url.Values{"to": {checkoutURL}, "status": {status}}), "amount=100", withSession())
			assert.Equal(t, checkoutURL, resp.Header.Get("Location"), status)
		}
		resp := e.do(t, "", http.MethodPost, redirectURL(secShop, url.Values{"to": {checkoutURL}}), "amount=100", withSession())
		assert.NotEmpty(t, harness.Token(resp.Header.Get("Location")), "a 302 after a POST is followed with a GET and keeps its token")
	})

	t.Run("a POST carrying a token never reaches the backend", func(t *testing.T) {
		for _, host := range []string{secCheckout, secPass} {
			loc := e.freshToken(t, "", "http://"+host+"/pay?a=1")
			before := len(e.backend.requests(host))
			resp := e.do(t, "", http.MethodPost, loc, "amount=100", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
			assert.Equal(t, http.StatusSeeOther, resp.Status, host)
			assert.Equal(t, "http://"+host+"/pay?a=1", resp.Header.Get("Location"), host)
			assert.Contains(t, strings.Join(resp.Header.Values("Set-Cookie"), "\n"), "_session_id="+secSession, host)
			assert.Len(t, e.backend.requests(host), before, "%s: the body went nowhere", host)
		}
	})

	t.Run("sign-outs by Clear-Site-Data and legacy dates hand nothing over", func(t *testing.T) {
		for name, q := range map[string]url.Values{
			"Clear-Site-Data cookies": {"clear": {`"cookies"`}},
			"Clear-Site-Data all":     {"clear": {`"*"`}},
			"RFC 850 date":            {"setcookie": {"_session_id=deleted; Expires=Thursday, 01-Jan-70 00:00:01 GMT"}},
			"asctime date":            {"setcookie": {"_session_id=deleted; Expires=Thu Jan  1 00:00:01 1970"}},
			"unreadable date":         {"setcookie": {"_session_id=deleted; Expires=never"}},
		} {
			q.Set("to", checkoutURL)
			resp := e.do(t, "", http.MethodGet, redirectURL(secShop, q), "", withSession())
			assert.Equal(t, checkoutURL, resp.Header.Get("Location"), name)
		}
	})

	t.Run("a token the plugin did not mint is never forwarded", func(t *testing.T) {
		resp := e.do(t, "", http.MethodGet, secHandoffURL(secShop, checkoutURL+"?_hs_=ATTACKER&x=1"), "", nil)
		assert.Equal(t, http.StatusSeeOther, resp.Status)
		assert.Equal(t, checkoutURL+"?x=1", resp.Header.Get("Location"))
		resp = e.do(t, "", http.MethodGet, redirectURL(secShop, url.Values{"to": {checkoutURL + "?%5Fhs%5F=ATTACKER"}}), "", nil)
		assert.Equal(t, checkoutURL, resp.Header.Get("Location"))
	})

	t.Run("a query that only mentions the parameter passes", func(t *testing.T) {
		resp := e.do(t, "", http.MethodGet, "http://"+secCheckout+"/search?q=my_hs_notes&x=100%", "", nil)
		assert.Equal(t, http.StatusOK, resp.Status, resp.Body)
		reqs := e.backend.requests(secCheckout)
		require.NotEmpty(t, reqs)
		assert.Equal(t, "q=my_hs_notes&x=100%", reqs[len(reqs)-1].RawQuery)
	})

	t.Run("a session browsers would drop gets no token", func(t *testing.T) {
		big := strings.Repeat("s", 4096-len("_session_id="))
		resp := e.do(t, "", http.MethodGet, secHandoffURL(secShop, checkoutURL), "", http.Header{"Cookie": {"_session_id=" + big + "x"}})
		assert.Equal(t, checkoutURL, resp.Header.Get("Location"), "4097 bytes with the name")
		resp = e.do(t, "", http.MethodGet, secHandoffURL(secShop, checkoutURL), "", http.Header{"Cookie": {"_session_id=" + big}})
		assert.NotEmpty(t, harness.Token(resp.Header.Get("Location")), "4096 bytes with the name")
	})

	t.Run("tokened pages are never cached nor sent on as referrers", func(t *testing.T) {
		// A refused token on a navigation, sent on to the URL without it.
		loc := e.freshToken(t, "", "http://"+secLenient+"/page")
		bad := strings.Replace(loc, "_hs_=", "_hs_=A", 1)
		resp := e.do(t, "127.0.0.3", http.MethodGet, bad, "", nil)
		assert.Equal(t, http.StatusSeeOther, resp.Status)
		assert.Equal(t, "http://"+secLenient+"/page", resp.Header.Get("Location"))
		assert.Equal(t, []string{"no-store"}, resp.Header.Values("Cache-Control"))
		assert.Equal(t, []string{"no-referrer"}, resp.Header.Values("Referrer-Policy"))
		// A refused token on a fetch, stripped and passed on.
		resp = e.do(t, "127.0.0.3", http.MethodGet, bad, "", http.Header{"Sec-Fetch-Mode": {"cors"}, "Sec-Fetch-Dest": {"empty"}, "Accept": {"*/*"}})
		assert.Equal(t, http.StatusOK, resp.Status)
		assert.Equal(t, []string{"no-store"}, resp.Header.Values("Cache-Control"))
		assert.Equal(t, []string{"no-referrer"}, resp.Header.Values("Referrer-Policy"))
		// A redeemed token passed on with cleanURL off, over a stale cookie.
		resp = e.do(t, "", http.MethodGet, e.freshToken(t, "", "http://"+secPass+"/page"), "", http.Header{"Cookie": {"a=1; _session_id=stale; b=2"}})
		assert.Equal(t, http.StatusOK, resp.Status)
		assert.Equal(t, []string{"no-store"}, resp.Header.Values("Cache-Control"), "the backend's caching replaced")
		assert.Equal(t, []string{"no-referrer"}, resp.Header.Values("Referrer-Policy"), "the backend's policy replaced")
		reqs := e.backend.requests(secPass)
		require.NotEmpty(t, reqs)
		assert.Equal(t, "_session_id="+secSession+"; a=1; b=2", reqs[len(reqs)-1].Cookie, "the stale cookie replaced, not doubled")
	})

	t.Run("one client cannot hold more than its share of the replay cache", func(t *testing.T) {
		const greedy, other = "127.0.0.4", "127.0.0.5"
		for i := 0; i < 2; i++ {
			resp := e.do(t, greedy, http.MethodGet, e.freshToken(t, greedy, checkoutURL), "", nil)
			require.Equal(t, http.StatusSeeOther, resp.Status, resp.Body)
		}
		resp := e.do(t, greedy, http.MethodGet, e.freshToken(t, greedy, checkoutURL), "", nil)
		assert.Equal(t, http.StatusForbidden, resp.Status)
		assert.Contains(t, resp.Body, "unavailable")
		resp = e.do(t, other, http.MethodGet, e.freshToken(t, other, checkoutURL), "", nil)
		assert.Equal(t, http.StatusSeeOther, resp.Status, "another client still redeems: %s", resp.Body)
	})
}

// TestBulkyInputsInTraefik sends the inputs that made the interpreted
// plugin loop for a tenth of a second to most of a second and checks each is
// answered in about the time Traefik takes to pass the same request to a
// backend without the plugin.
func TestBulkyInputsInTraefik(t *testing.T) {
	e := newSecEnv(t)
	amps := strings.Repeat("a&", 150_000)
	cookies := "_session_id=stale; " + strings.Repeat("c=1; ", 60_000)
	tests := []struct {
		name   string
		host   string // the request goes to this host, and to secPlain for the baseline
		target string // path and query
		header http.Header
		want   int
	}{
		{name: "handoff to", host: secShop, target: "/_session/handoff?to=" + url.QueryEscape("http://"+secCheckout+"/?"+amps+"_hs_=x"), header: withSession(), want: http.StatusBadRequest},
		{name: "redirect Location", host: secShop, target: "/redirect?to=" + url.QueryEscape("http://"+secCheckout+"/?"+amps+"_hs_=x"), header: withSession(), want: http.StatusFound},
		{name: "refused query led on", host: secLenient, target: "/page?_hs_=bad&" + amps, want: http.StatusSeeOther},
		{name: "refused query on a fetch", host: secLenient, target: "/page?_hs_=bad&" + amps, header: http.Header{"Sec-Fetch-Mode": {"cors"}, "Sec-Fetch-Dest": {"empty"}}, want: http.StatusForbidden},
		{name: "redemption with many cookies", host: secPass, header: http.Header{"Cookie": {cookies}}, want: http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if target == "" {
				loc := e.freshToken(t, "", "http://"+tt.host+"/page")
				target = strings.TrimPrefix(loc, "http://"+tt.host)
			}
			baseline := timed(func() { e.do(t, "", http.MethodGet, "http://"+secPlain+target, "", tt.header) })
			var resp secResponse
			took := timed(func() { resp = e.do(t, "", http.MethodGet, "http://"+tt.host+target, "", tt.header) })
			assert.Equal(t, tt.want, resp.Status, resp.Body)
			assert.Empty(t, harness.Token(resp.Header.Get("Location")))
			if tt.host == secLenient && resp.Status == http.StatusSeeOther {
				assert.Equal(t, "http://"+secLenient+"/page", resp.Header.Get("Location"), "a query over the caps leads to the path alone")
			}
			t.Logf("%s: %s with the plugin, %s without", tt.name, took, baseline)
			assert.Less(t, took, 2*baseline+100*time.Millisecond, "no interpreted loop over the input")
		})
	}
}

// timed returns how long f takes.
func timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}
