package sessioninjector

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func benchHandlers(b *testing.B) (src, dst *handler) {
	b.Helper()
	cfg := sourceFuzzConfig()
	src, err := newHandler(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Location", "https://checkout.example.org/pay?x=1")
		rw.WriteHeader(http.StatusFound)
	}), cfg, "bench")
	if err != nil {
		b.Fatal(err)
	}
	dst, err = newHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), fuzzConfig(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	dst.replay = newReplayCache()
	dst.replayCap = 1 << 30
	return src, dst
}

func BenchmarkSeal(b *testing.B) {
	src, _ := benchHandlers(b)
	cl := claims{createdMs: 1, lifetimeMs: 5000, target: checkout, clientIP: "192.0.2.10", session: encodeCookies(oneCookie("0123456789abcdef0123456789abcdef"))}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if token, _ := seal(src.codec, &cl); token == "" {
			b.Fatal("no token")
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	src, _ := benchHandlers(b)
	cl := claims{createdMs: 1, lifetimeMs: 5000, target: checkout, clientIP: "192.0.2.10", session: encodeCookies(oneCookie("0123456789abcdef0123456789abcdef"))}
	token := sealed(b, src.codec, &cl)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := openToken(src.codec, token, checkout); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify is open plus every check of a redemption but the single-use record.
func BenchmarkVerify(b *testing.B) {
	src, dst := benchHandlers(b)
	dst.singleUse = false
	r := request(http.MethodGet, shopHost, "/", client, "")
	token, _ := issue(src, r, checkout, oneCookie("0123456789abcdef0123456789abcdef"))
	req := request(http.MethodGet, checkout, "/?_hs_="+token, client, "")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, why := verify(dst, req, token); why != nil {
			b.Fatal(why.detail)
		}
	}
}

// BenchmarkRedeem is a full redemption with cleanURL: verify, record, Set-Cookie, 303.
func BenchmarkRedeem(b *testing.B) {
	src, dst := benchHandlers(b)
	r := request(http.MethodGet, shopHost, "/", client, "")
	tokens := make([]string, b.N)
	for i := range tokens {
		tokens[i], _ = issue(src, r, checkout, oneCookie("0123456789abcdef0123456789abcdef"))
	}
	rec := httptest.NewRecorder()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := request(http.MethodGet, checkout, "/?_hs_="+tokens[i], client, "")
		for k := range rec.Header() {
			delete(rec.Header(), k)
		}
		dst.ServeHTTP(rec, req)
	}
}

func BenchmarkPassThrough(b *testing.B) {
	src, _ := benchHandlers(b)
	src.next = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	cases := []struct {
		name string
		mode string
	}{{name: "subresource", mode: "no-cors"}, {name: "navigation", mode: "navigate"}}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := request(http.MethodGet, shopHost, "/page?x=1", client, "s1")
			r.Header.Set("Sec-Fetch-Mode", c.mode)
			rec := httptest.NewRecorder()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				src.ServeHTTP(rec, r)
			}
		})
	}
}

func BenchmarkRewriteLocation(b *testing.B) {
	src, _ := benchHandlers(b)
	r := request(http.MethodGet, shopHost, "/", client, "s1")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h := http.Header{"Location": {"https://checkout.example.org/pay?x=1#f"}}
		propagate(src, h, r, http.StatusFound)
	}
}

// BenchmarkLargeInputs feeds the four inputs an attacker controls in bulk
// (a handoff's `to`, a redirect's Location, a query whose token is refused
// and stripped, a redemption's Cookie header) at growing sizes: past the
// caps the middleware answers without looping, so its cost stays flat in
// the size (under the interpreter the loops it no longer runs cost 100 to
// 250 times these figures).
func BenchmarkLargeInputs(b *testing.B) {
	cases := []struct {
		name  string
		serve func(b *testing.B, size int) (http.Handler, *http.Request, int)
	}{
		{name: "handoff-to", serve: func(b *testing.B, size int) (http.Handler, *http.Request, int) {
			h := benchHandler(b, sourceFuzzConfig(), nil)
			to := "https://checkout.example.org/?" + strings.Repeat("a&", size/2)
			return h, request(http.MethodGet, shopHost, "/_session/handoff?to="+url.QueryEscape(to), client, "s1"), http.StatusBadRequest
		}},
		{name: "redirect-location", serve: func(b *testing.B, size int) (http.Handler, *http.Request, int) {
			loc := "https://checkout.example.org/?" + strings.Repeat("a&", size/2)
			return benchHandler(b, sourceFuzzConfig(), redirectTo(loc)), request(http.MethodGet, shopHost, "/", client, "s1"), http.StatusFound
		}},
		{name: "refused-query", serve: func(b *testing.B, size int) (http.Handler, *http.Request, int) {
			cfg := fuzzConfig()
			cfg.DieOnHandshakeFailure = false
			return benchHandler(b, cfg, nil), request(http.MethodGet, checkout, "/?_hs_=bad&"+strings.Repeat("a&", size/2), client, ""), http.StatusForbidden
		}},
		{name: "redeemed-cookies", serve: func(b *testing.B, size int) (http.Handler, *http.Request, int) {
			src := benchHandler(b, sourceFuzzConfig(), nil)
			token, _ := issue(src, request(http.MethodGet, shopHost, "/", client, ""), checkout, oneCookie("s1"))
			cfg := fuzzConfig()
			cfg.CleanURL, cfg.SingleUse = false, false
			r := request(http.MethodGet, checkout, "/?_hs_="+token, client, "")
			r.Header.Set("Cookie", strings.Repeat("c=1; ", size/5))
			return benchHandler(b, cfg, nil), r, http.StatusSeeOther
		}},
	}
	for _, c := range cases {
		for _, size := range []int{16 << 10, 256 << 10, 1 << 20} {
			b.Run(fmt.Sprintf("%s/%dKiB", c.name, size>>10), func(b *testing.B) {
				h, r, want := c.serve(b, size)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, r)
					if rec.Code != want {
						b.Fatalf("answered %d, want %d", rec.Code, want)
					}
				}
			})
		}
	}
}

// benchHandler builds a handler with a quiet log and its own replay cache.
func benchHandler(b *testing.B, cfg *Config, respond func(http.ResponseWriter, *http.Request)) *handler {
	b.Helper()
	h, err := newHandler(&recorder{respond: respond}, cfg, "bench")
	if err != nil {
		b.Fatal(err)
	}
	h.debugf = func(string, ...interface{}) {}
	h.replay = newReplayCache()
	return h
}
