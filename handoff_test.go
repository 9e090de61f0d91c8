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
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			backend := &recorder{}
			h, _ := newTestHandler(t, backend, sourceConfig)
			r := request(test.method, shopHost, "/_session/handoff?"+test.query, "192.0.2.10:1", test.session)
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
			case test.wantToken:
				assert.True(t, strings.HasPrefix(loc, test.location), loc)
				_, err := openToken(h.codec, tokenFrom(t, loc, "_hs_"), checkout)
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
