package sessioninjector

import (
	"net/http"
	"net/http/httptest"
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
	cl := claims{createdMs: 1, lifetimeMs: 5000, target: checkout, clientIP: "192.0.2.10", session: "0123456789abcdef0123456789abcdef"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if seal(src.codec, &cl) == "" {
			b.Fatal("no token")
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	src, _ := benchHandlers(b)
	cl := claims{createdMs: 1, lifetimeMs: 5000, target: checkout, clientIP: "192.0.2.10", session: "0123456789abcdef0123456789abcdef"}
	token := seal(src.codec, &cl)
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
	token, _ := issue(src, r, checkout, "0123456789abcdef0123456789abcdef")
	req := request(http.MethodGet, checkout, "/?_hs_="+token, client, "")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, why := verify(dst, req, token); why != nil {
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
		tokens[i], _ = issue(src, r, checkout, "0123456789abcdef0123456789abcdef")
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
		propagate(src, h, r)
	}
}
