package interp

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRedirectRewriting drives backend redirects through the interpreted
// middleware on shop.test: a redirect to an allowed target gains a token
// carrying the right session, anything else keeps its Location byte for byte.
func TestRedirectRewriting(t *testing.T) {
	const session = "sess-redirect-4f1c"
	tests := []struct {
		name       string
		cookie     string   // request Cookie header
		location   string   // backend's Location
		setCookies []string // backend's Set-Cookie lines
		header     map[string]string
		wantToken  string // session the token carries; "" means Location untouched
		wantPrefix string // Location before the token
		wantSuffix string // Location after the token
	}{
		{
			name: "session from the request cookie", cookie: "a=b; " + cookieName + "=" + session,
			location: "http://checkout.test/cart", wantToken: session,
			wantPrefix: "http://checkout.test/cart?_hs_=",
		},
		{
			name: "query merged and fragment kept last", cookie: cookieName + "=" + session,
			location: "https://checkout.test:8443/cart?x=1&y=%2F#step-2", wantToken: session,
			wantPrefix: "https://checkout.test:8443/cart?x=1&y=%2F&_hs_=", wantSuffix: "#step-2",
		},
		{
			name: "a stale token parameter is replaced", cookie: cookieName + "=" + session,
			location: "http://checkout.test/?_hs_=old&x=1", wantToken: session,
			wantPrefix: "http://checkout.test/?x=1&_hs_=",
		},
		{
			name: "wildcard target", cookie: cookieName + "=" + session,
			location: "http://pay.example.net/", wantToken: session,
			wantPrefix: "http://pay.example.net/?_hs_=",
		},
		{
			name: "login: session from the response's Set-Cookie", cookie: "",
			setCookies: []string{"theme=dark; Path=/", cookieName + "=sess-login-9a2e; Path=/; HttpOnly"},
			location:   "http://checkout.test/after-login", wantToken: "sess-login-9a2e",
			wantPrefix: "http://checkout.test/after-login?_hs_=",
		},
		{
			name: "login replaces an older session", cookie: cookieName + "=sess-old-0001",
			setCookies: []string{cookieName + "=sess-new-0002; Path=/"},
			location:   "http://checkout.test/", wantToken: "sess-new-0002",
			wantPrefix: "http://checkout.test/?_hs_=",
		},
		{
			name: "logout deletes the session", cookie: cookieName + "=" + session,
			setCookies: []string{cookieName + "=; Path=/; Max-Age=0"},
			location:   "http://checkout.test/bye",
		},
		{
			name: "logout by past expiry", cookie: cookieName + "=" + session,
			setCookies: []string{cookieName + "=x; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"},
			location:   "http://checkout.test/bye",
		},
		{
			name: "logout with a blank before =, as browsers read it", cookie: cookieName + "=" + session,
			setCookies: []string{cookieName + " =; Path=/; Max-Age=0"},
			location:   "http://checkout.test/bye",
		},
		{name: "no session", location: "http://checkout.test/cart"},
		{name: "disallowed host", cookie: cookieName + "=" + session, location: "http://evil.test/steal"},
		{name: "same host", cookie: cookieName + "=" + session, location: "http://shop.test/other"},
		{name: "relative", cookie: cookieName + "=" + session, location: "/cart?x=1#f"},
		{name: "userinfo look-alike", cookie: cookieName + "=" + session, location: "http://checkout.test@evil.test/"},
		{name: "suffix look-alike", cookie: cookieName + "=" + session, location: "http://checkout.test.evil.test/"},
		{name: "protocol-relative elsewhere", cookie: cookieName + "=" + session, location: "//evil.test/x"},
		{name: "backslash", cookie: cookieName + "=" + session, location: "/\\checkout.test/x"},
		{name: "tab in URL", cookie: cookieName + "=" + session, location: "http://checkout.test/\tx"},
		{name: "javascript", cookie: cookieName + "=" + session, location: "javascript:alert(1)//checkout.test"},
		{
			name: "not a navigation (fetch)", cookie: cookieName + "=" + session,
			location: "http://checkout.test/cart", header: map[string]string{"Sec-Fetch-Mode": "cors"},
		},
	}
	markSensitive(session, "sess-login-9a2e", "sess-old-0001", "sess-new-0002")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &backend{respond: redirectTo(tt.location, tt.setCookies...)}
			h := build(t, source, b)
			r := navigation(shopHost, "/go", clientAddr, tt.cookie)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			rec := serve(t, h, r)

			require.Equal(t, http.StatusFound, rec.Code)
			assert.Equal(t, tt.setCookies, rec.Header().Values("Set-Cookie"), "the backend's cookies pass unchanged")
			loc := rec.Header().Values("Location")
			require.Len(t, loc, 1)
			if tt.wantToken == "" {
				assert.Equal(t, tt.location, loc[0], "Location must be untouched")
				assert.Empty(t, rec.Header().Get("Cache-Control"))
				return
			}
			require.True(t, strings.HasPrefix(loc[0], tt.wantPrefix), "Location %q, want prefix %q", loc[0], tt.wantPrefix)
			require.True(t, strings.HasSuffix(loc[0], tt.wantSuffix), "Location %q, want suffix %q", loc[0], tt.wantSuffix)
			token := strings.TrimSuffix(strings.TrimPrefix(loc[0], tt.wantPrefix), tt.wantSuffix)
			markSensitive(token)
			assert.Regexp(t, `^[A-Za-z0-9_-]{40,}$`, token)
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))

			// The token opens on its target only, and carries the expected session.
			target := normalizeTestHost(t, loc[0])
			recv := &backend{}
			rr := serve(t, build(t, receiver.with("cleanURL", "false"), recv),
				navigation(target, "/?"+tokenParam+"="+token, clientAddr, ""))
			require.Equal(t, http.StatusOK, rr.Code, rr.Body.String())
			assert.Equal(t, []string{cookieName + "=" + tt.wantToken}, recv.last(t).cookies)
		})
	}
}

// normalizeTestHost is the host name of an absolute URL, without port.
func normalizeTestHost(t *testing.T, rawURL string) string {
	t.Helper()
	rest := rawURL[strings.Index(rawURL, "//")+2:]
	host := rest[:strings.IndexAny(rest, "/?#")]
	host, _, _ = strings.Cut(host, ":")
	return host
}
