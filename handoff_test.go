package sessioninjector

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHandoff(t *testing.T) {
	tests := []struct {
		desc      string
		method    string
		query     string
		session   string
		status    int
		wantToken bool
		location  string
		https     bool
		header    http.Header
		edit      func(*Config)
		body      string // the refusal's text, when it matters
	}{
		{desc: "signed in", method: http.MethodGet, query: "to=" + url.QueryEscape("https://checkout.example.org/cart?x=1#top"), session: "s1",
			status: http.StatusSeeOther, wantToken: true, location: "https://checkout.example.org/cart?x=1&_hs_="},
		{desc: "HEAD", method: http.MethodHead, query: "to=https://checkout.example.org/", session: "s1", status: http.StatusSeeOther, wantToken: true},
		{desc: "signed out", method: http.MethodGet, query: "to=https://checkout.example.org/", status: http.StatusSeeOther, location: "https://checkout.example.org/"},
		{desc: "own host not a target", method: http.MethodGet, query: "to=https://shop.example.com/x", session: "s1", status: http.StatusBadRequest},
		{desc: "POST", method: http.MethodPost, query: "to=https://checkout.example.org/", session: "s1", status: http.StatusMethodNotAllowed},
		{desc: "missing to", method: http.MethodGet, session: "s1", status: http.StatusBadRequest},
		{desc: "empty to", method: http.MethodGet, query: "to=", session: "s1", status: http.StatusBadRequest},
		{desc: "two to", method: http.MethodGet, query: "to=https://checkout.example.org/&to=https://evil.example/", session: "s1", status: http.StatusBadRequest},
		{desc: "relative", method: http.MethodGet, query: "to=/account", session: "s1", status: http.StatusBadRequest},
		{desc: "protocol-relative", method: http.MethodGet, query: "to=//checkout.example.org/", session: "s1", status: http.StatusBadRequest},
		{desc: "not allowed", method: http.MethodGet, query: "to=https://evil.example/", session: "s1", status: http.StatusBadRequest},
		{desc: "userinfo", method: http.MethodGet, query: "to=" + url.QueryEscape("https://checkout.example.org@evil.example/"), session: "s1", status: http.StatusBadRequest},
		{desc: "user and password", method: http.MethodGet, query: "to=" + url.QueryEscape("https://u:p@checkout.example.org/"), session: "s1", status: http.StatusBadRequest},
		{desc: "control characters", method: http.MethodGet, query: "to=" + url.QueryEscape("https://checkout.example.org/\r\nX: y"), session: "s1", status: http.StatusBadRequest},
		{desc: "javascript", method: http.MethodGet, query: "to=" + url.QueryEscape("javascript:alert(1)"), session: "s1", status: http.StatusBadRequest},
		{desc: "ftp", method: http.MethodGet, query: "to=ftp://checkout.example.org/", session: "s1", status: http.StatusBadRequest},
		{desc: "semicolon query", method: http.MethodGet, query: "to=https://checkout.example.org/;x", session: "s1", status: http.StatusBadRequest},
		{desc: "http target after https", method: http.MethodGet, query: "to=http://checkout.example.org/x", session: "s1", https: true, status: http.StatusBadRequest,
			body: "session handoff: 'to' must be an https:// URL: an http:// target after a request over HTTPS\n"},
		{desc: "http target after https, insecure targets allowed", method: http.MethodGet, query: "to=http://checkout.example.org/x", session: "s1", https: true,
			edit: func(c *Config) { c.AllowInsecureTargets = true }, status: http.StatusBadRequest},
		{desc: "http target over http", method: http.MethodGet, query: "to=http://checkout.example.org/x", session: "s1", status: http.StatusBadRequest,
			body: "session handoff: 'to' must be an https:// URL: an http:// target that is not a loopback host (allowInsecureTargets is off)\n"},
		{desc: "http target over http, insecure targets allowed", method: http.MethodGet, query: "to=http://checkout.example.org/x", session: "s1",
			edit: func(c *Config) { c.AllowInsecureTargets = true }, status: http.StatusSeeOther, wantToken: true, location: "http://checkout.example.org/x?_hs_="},
		{desc: "http localhost target over http", method: http.MethodGet, query: "to=http://checkout.localhost:8080/x", session: "s1",
			edit: func(c *Config) { c.TargetDomains = []string{"checkout.localhost"} }, status: http.StatusSeeOther, wantToken: true, location: "http://checkout.localhost:8080/x?_hs_="},
		{desc: "https target after https", method: http.MethodGet, query: "to=https://checkout.example.org/x", session: "s1", https: true,
			status: http.StatusSeeOther, wantToken: true, location: "https://checkout.example.org/x?_hs_="},
		{desc: "script", method: http.MethodGet, query: "to=https://checkout.example.org/x", session: "s1",
			header: http.Header{"Sec-Fetch-Mode": {"no-cors"}, "Sec-Fetch-Dest": {"script"}}, status: http.StatusSeeOther, location: "https://checkout.example.org/x"},
		{desc: "image", method: http.MethodGet, query: "to=https://checkout.example.org/x", session: "s1",
			header: http.Header{"Sec-Fetch-Mode": {"no-cors"}, "Sec-Fetch-Dest": {"image"}}, status: http.StatusSeeOther, location: "https://checkout.example.org/x"},
		{desc: "fetch", method: http.MethodGet, query: "to=https://checkout.example.org/x", session: "s1",
			header: http.Header{"Sec-Fetch-Mode": {"cors"}}, status: http.StatusSeeOther, location: "https://checkout.example.org/x"},
		{desc: "no Sec-Fetch, no HTML", method: http.MethodGet, query: "to=https://checkout.example.org/x", session: "s1",
			header: http.Header{"Accept": {"*/*"}}, status: http.StatusSeeOther, location: "https://checkout.example.org/x"},
		{desc: "a foreign token in to is dropped, signed out", method: http.MethodGet, query: "to=" + url.QueryEscape("https://checkout.example.org/x?_hs_=ATTACKER&a=1#f"),
			status: http.StatusSeeOther, location: "https://checkout.example.org/x?a=1#f"},
		{desc: "a foreign encoded token in to is dropped", method: http.MethodGet, query: "to=" + url.QueryEscape("https://checkout.example.org/x?%5fhs_=ATTACKER"),
			status: http.StatusSeeOther, location: "https://checkout.example.org/x"},
		{desc: "a foreign token in to is replaced, signed in", method: http.MethodGet, query: "to=" + url.QueryEscape("https://checkout.example.org/x?_hs_=ATTACKER"), session: "s1",
			status: http.StatusSeeOther, wantToken: true, location: "https://checkout.example.org/x?_hs_="},
		{desc: "a foreign token in to is dropped for a script", method: http.MethodGet, query: "to=" + url.QueryEscape("https://checkout.example.org/?_hs_=ATTACKER"), session: "s1",
			header: http.Header{"Sec-Fetch-Mode": {"no-cors"}}, status: http.StatusSeeOther, location: "https://checkout.example.org/"},
		{desc: "to over the cap", method: http.MethodGet, query: "to=https://checkout.example.org/?q=" + strings.Repeat("a", maxTargetURLBytes), session: "s1",
			status: http.StatusBadRequest, body: handoffToTooLarge},
		{desc: "to with too many parameters", method: http.MethodGet, query: "to=" + url.QueryEscape("https://checkout.example.org/?"+strings.Repeat("a&", maxQueryParts)), session: "s1",
			status: http.StatusBadRequest, body: handoffToTooLarge},
		{desc: "query over the cap", method: http.MethodGet, query: "to=https://checkout.example.org/&x=" + strings.Repeat("a", maxQueryBytes), session: "s1",
			status: http.StatusBadRequest, body: handoffQueryTooLarge},
		{desc: "session over the browser limit", method: http.MethodGet, query: "to=https://checkout.example.org/", session: strings.Repeat("s", maxCookieBytes),
			status: http.StatusSeeOther, location: "https://checkout.example.org/"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			backend := &recorder{}
			h, _ := newTestHandler(t, backend, func(c *Config) {
				sourceConfig(c)
				if test.edit != nil {
					test.edit(c)
				}
			})
			r := request(test.method, shopHost, "/_session/handoff?"+test.query, "192.0.2.10:1", test.session)
			for k, v := range test.header {
				r.Header[k] = v
			}
			if test.https {
				r.Header.Set("X-Forwarded-Proto", "https")
			}
			rec := serve(h, r)
			assert.Equal(t, 0, backend.calls, "the backend never sees the handoff")
			assert.Equal(t, test.status, rec.Code, rec.Body.String())
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
			loc := rec.Header().Get("Location")
			switch {
			case test.status != http.StatusSeeOther:
				assert.Empty(t, loc)
				assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
				if test.status == http.StatusMethodNotAllowed {
					assert.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))
				}
				if test.body != "" {
					assert.Equal(t, test.body, rec.Body.String())
				}
			case test.wantToken:
				assert.True(t, strings.HasPrefix(loc, test.location), loc)
				assert.Equal(t, 1, strings.Count(loc, "_hs_="), loc)
				target, _, ok := targetHost(h.targets, loc, false)
				require.True(t, ok)
				_, err := openToken(h.codec, tokenFrom(t, loc, "_hs_"), target)
				require.NoError(t, err)
			default:
				assert.Equal(t, test.location, loc)
			}
		})
	}
}

func TestHandoffDisabled(t *testing.T) {
	for _, edit := range []func(*Config){
		func(c *Config) { sourceConfig(c); c.HandoffPath = "" },
		func(c *Config) {},
	} {
		backend := &recorder{}
		h, _ := newTestHandler(t, backend, edit)
		serve(h, request(http.MethodGet, shopHost, "/_session/handoff?to=https://checkout.example.org/", "192.0.2.1:1", "s1"))
		assert.Equal(t, 1, backend.calls, "the path goes to the backend")
	}
}

func TestHandoffCustomPath(t *testing.T) {
	backend := &recorder{}
	h, _ := newTestHandler(t, backend, func(c *Config) { sourceConfig(c); c.HandoffPath = "/go" })
	rec := serve(h, request(http.MethodGet, shopHost, "/go?to=https://checkout.example.org/", "192.0.2.1:1", "s1"))
	assert.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Contains(t, rec.Header().Get("Location"), "_hs_=")
}

func TestHandoffToOwnHostCarriesNoToken(t *testing.T) {
	h, _ := newTestHandler(t, &recorder{}, func(c *Config) { c.TargetDomains = []string{"*.example.com"} })
	rec := serve(h, request(http.MethodGet, shopHost, "/_session/handoff?to=https://shop.example.com/x", "192.0.2.1:1", "s1"))
	assert.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "https://shop.example.com/x", rec.Header().Get("Location"))
}
