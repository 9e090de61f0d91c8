package interp

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/session-injector/sessioninjector"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outcome is what a client and a backend observe of one exchange, with
// token values (random) replaced by <T>.
type outcome struct {
	Code        int
	Location    string
	SetCookie   []string
	Cache       string
	Body        string
	Backend     bool
	BackendURI  string
	BackendCook []string
}

var tokenValue = regexp.MustCompile(`(_hs_=)[A-Za-z0-9_-]{20,}`)

// exchange runs r through h in front of respond, and records the outcome.
func exchange(t *testing.T, h func(http.Handler) http.Handler, respond func(http.ResponseWriter, *http.Request), r *http.Request) outcome {
	t.Helper()
	b := &backend{respond: respond}
	rec := serve(t, h(b), r)
	o := outcome{
		Code:      rec.Code,
		Location:  tokenValue.ReplaceAllString(rec.Header().Get("Location"), "$1<T>"),
		SetCookie: rec.Header().Values("Set-Cookie"),
		Cache:     rec.Header().Get("Cache-Control"),
		Body:      rec.Body.String(),
		Backend:   b.calls() > 0,
	}
	if o.Backend {
		o.BackendURI = b.last(t).requestURI
		o.BackendCook = b.last(t).cookies
	}
	return o
}

// compiledAndInterpreted returns builders for the compiled plugin and the
// interpreted one, from the same settings.
func compiledAndInterpreted(t *testing.T, cfg settings) (compiled, interpreted func(http.Handler) http.Handler) {
	t.Helper()
	compiled = func(next http.Handler) http.Handler {
		c, err := decodeCompiled(cfg)
		require.NoError(t, err)
		h, err := sessioninjector.New(context.Background(), next, c, "diff")
		require.NoError(t, err)
		return quiet(t, h)
	}
	interpreted = func(next http.Handler) http.Handler { return build(t, cfg, next) }
	return compiled, interpreted
}

// quiet runs the compiled plugin with its debug lines (written to the
// process's standard output) discarded.
func quiet(t *testing.T, h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		devNull, err := os.Open(os.DevNull)
		require.NoError(t, err)
		saved := os.Stdout
		os.Stdout = devNull
		defer func() {
			os.Stdout = saved
			_ = devNull.Close()
		}()
		h.ServeHTTP(rw, r)
	})
}

// Locations a backend may redirect to, from the security notes' corpus.
var diffLocations = []string{
	"http://checkout.test/", "HTTP://CHECKOUT.TEST/x", "http://checkout.test./x", "http://checkout.test:443/x",
	"http://checkout.test:0443/", "http://checkout.test:/x", "https://checkout.test:99999/", "http://[::1]/",
	"http://checkout.test@evil.test/", "http://evil.test\\@checkout.test/", "//checkout.test/x", "///checkout.test/x",
	"/\\checkout.test", "/\t/checkout.test", "https:/checkout.test", "https:checkout.test", "javascript:alert(1)",
	"http://ch%65ckout.test/", "http://checkout%2Etest/", "http://xn--bcher-kva.example.net/", "http://bücher.example.net/",
	"http://.example.net/", "http://a..example.net/", "http://example.net/", "http://sub.example.net./",
	"http://checkout.test/?_hs_=x#y", "http://checkout.test/#frag?x", "http://checkout.test?x=1", "http://checkout.test#f",
	"http://checkout.test/%zz?%zz#%zz", "http://checkout.test/a b", "http://checkout.test.evil.test", "http://evilcheckout.test",
	"http://checkout.test/?%5Fhs%5F=old&a=1", "http://checkout.test/?a=1&&b=2&", "http://checkout.test/\u2028",
}

var diffCookies = []string{
	"", cookieName + "=abc", cookieName + "=", cookieName + "=a b", cookieName + `="quoted"`,
	cookieName + "=x; " + cookieName + "=y", cookieName + "=a\x7f", cookieName + "=" + strings.Repeat("v", 5000),
	"other=1", cookieName + "=é",
}

var diffSetCookies = [][]string{
	nil,
	{cookieName + "=fresh; Path=/"},
	{cookieName + "=; Max-Age=0"},
	{cookieName + "=x; Max-Age=-1"},
	{cookieName + "=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT"},
	{cookieName + "=one", cookieName + "=two"},
	{cookieName + "=bad value"},
	{"other=1; Path=/"},
	{cookieName + " =; Max-Age=0"},
	{cookieName + " = fresh; Max-Age=60"},
}

var diffHosts = []string{"shop.test", "SHOP.TEST", "shop.test.", "shop.test:8080", "checkout.test", "[::1]:80", ""}

// TestDifferentialRedirects sends the same redirects through the compiled
// and the interpreted plugin: whatever one does, the other must do.
func TestDifferentialRedirects(t *testing.T) {
	compiled, interpreted := compiledAndInterpreted(t, source)
	n, sealed := 0, 0
	for _, loc := range diffLocations {
		for _, host := range diffHosts {
			for ci, cookie := range diffCookies {
				for si, setCookies := range diffSetCookies {
					if ci%3 != si%3 && host != "shop.test" { // keep the cross product small
						continue
					}
					respond := redirectTo(loc, setCookies...)
					req := func() *http.Request { return navigation(host, "/go", clientAddr, cookie) }
					want := exchange(t, compiled, respond, req())
					got := exchange(t, interpreted, respond, req())
					n++
					if strings.Contains(want.Location, "<T>") {
						sealed++
					}
					if !assert.Equal(t, want, got, "Location %q, Host %q, Cookie %q, Set-Cookie %q", loc, host, cookie, setCookies) {
						return
					}
				}
			}
		}
	}
	t.Logf("%d redirects compared, %d sealed", n, sealed)
	assert.Greater(t, sealed, 0)
	assert.Less(t, sealed, n)
}

// TestDifferentialHandoff compares the handoff endpoint for every 'to'.
func TestDifferentialHandoff(t *testing.T) {
	compiled, interpreted := compiledAndInterpreted(t, source)
	for _, to := range append(diffLocations, "", "%zz", "http://checkout.test/&to=http://evil.test/") {
		for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPost} {
			for _, cookie := range diffCookies[:4] {
				req := func() *http.Request {
					return request(method, shopHost, "/_session/handoff?to="+url.QueryEscape(to), clientAddr, cookie)
				}
				want := exchange(t, compiled, nil, req())
				got := exchange(t, interpreted, nil, req())
				if !assert.Equal(t, want, got, "%s to=%q cookie=%q", method, to, cookie) {
					return
				}
			}
		}
	}
}

// TestDifferentialRedemption compares redemptions of tokens sealed by the
// compiled plugin (each side has its own replay cache, so each redeems the
// same token once) across hosts, client addresses and queries.
func TestDifferentialRedemption(t *testing.T) {
	configs := map[string]settings{
		"defaults":                 receiver,
		"cleanURL off, die off":    receiver.with("cleanURL", "false", "dieOnHandshakeFailure", "false"),
		"depth 1, /24":             receiver.with("ipStrategy", settings{"depth": "1"}, "ipv4Prefix", "24"),
		"excluded proxies, secure": receiver.with("ipStrategy", settings{"excludedIPs": "10.0.0.0/8, 127.0.0.1"}, "cookie", settings{"secure": "true", "maxAge": "60"}),
		"unbound, reusable":        receiver.with("bindClientIP", "false", "singleUse", "false"),
	}
	issuer, _ := compiledAndInterpreted(t, source)
	seal := func(remote, xff string) string {
		b := &backend{respond: redirectTo("http://checkout.test/welcome")}
		r := navigation(shopHost, "/", remote, cookieName+"=sess-diff-3b3b")
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		rec := serve(t, issuer(b), r)
		return tokenIn(t, rec.Header().Get("Location"))
	}
	markSensitive("sess-diff-3b3b")
	hosts := []string{"checkout.test", "CHECKOUT.TEST", "checkout.test.", "checkout.test:8443", "other.test"}
	remotes := []string{"127.0.0.2:1", "[::ffff:127.0.0.2]:1", "127.0.0.2", "127.0.0.9:1", "[::1]:1", "garbage", ""}
	xffs := []string{"", "127.0.0.2", "203.0.113.5, 127.0.0.2", "10.1.1.1, 127.0.0.2, 10.0.0.1"}
	queries := []string{"%s", "a=1&%s&b=2", "%s&%s", "%s;x=1", "%s#frag", "x=%%zz&%s"}
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			outcomes := map[string]int{}
			defer func() {
				t.Logf("outcomes: %v", outcomes)
				assert.Greater(t, len(outcomes), 1, "both redemptions and refusals")
			}()
			compiled, interpreted := compiledAndInterpreted(t, cfg)
			for _, host := range hosts {
				for ri, remote := range remotes {
					xff := xffs[ri%len(xffs)]
					for _, q := range queries {
						token := seal("127.0.0.2:1", xff)
						markSensitive(token)
						param := tokenParam + "=" + token
						rawQuery := fmt.Sprintf(q, param)
						if strings.Count(q, "%s") == 2 {
							rawQuery = fmt.Sprintf(q, param, param)
						}
						req := func() *http.Request {
							r := httptest.NewRequest(http.MethodGet, "/welcome", nil)
							r.Host = host
							r.RemoteAddr = remote
							r.URL.RawQuery = rawQuery
							r.RequestURI = "/welcome?" + rawQuery
							r.Header.Set("Cookie", "theme=dark; "+cookieName+"=stale")
							r.Header.Set("Sec-Fetch-Mode", "navigate")
							if xff != "" {
								r.Header.Set("X-Forwarded-For", xff)
							}
							return r
						}
						want := exchange(t, compiled, nil, req())
						got := exchange(t, interpreted, nil, req())
						outcomes[fmt.Sprintf("%d, session set: %v", want.Code, len(want.SetCookie) > 0)]++
						if !assert.Equal(t, want, got, "host %q remote %q xff %q query %q", host, remote, xff, q) {
							return
						}
					}
				}
			}
		})
	}
}
