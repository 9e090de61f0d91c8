package interp

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHandoffEndpoint calls the interpreted handoff endpoint on shop.test:
// the backend never sees these requests, and every answer is no-store.
func TestHandoffEndpoint(t *testing.T) {
	const session = "sess-handoff-77b0"
	markSensitive(session)
	to := "https://checkout.test/pay?order=42#top"
	tests := []struct {
		name       string
		method     string
		query      string
		cookie     string
		wantCode   int
		wantToken  bool
		wantPlain  string // exact Location when no token is expected
		wantPrefix string
		cfg        settings // instead of source
	}{
		{
			name: "with a session", method: http.MethodGet, query: "to=" + url.QueryEscape(to), cookie: cookieName + "=" + session,
			wantCode: http.StatusSeeOther, wantToken: true, wantPrefix: "https://checkout.test/pay?order=42&_hs_=",
		},
		{
			name: "HEAD with a session", method: http.MethodHead, query: "to=" + url.QueryEscape(to), cookie: cookieName + "=" + session,
			wantCode: http.StatusSeeOther, wantToken: true, wantPrefix: "https://checkout.test/pay?order=42&_hs_=",
		},
		{name: "without a session", method: http.MethodGet, query: "to=" + url.QueryEscape(to), wantCode: http.StatusSeeOther, wantPlain: to},
		{
			name: "to its own host, allowed", method: http.MethodGet, query: "to=http://shop.test/x", cookie: cookieName + "=" + session,
			cfg: source.with("targetDomains", "checkout.test,shop.test"), wantCode: http.StatusSeeOther, wantPlain: "http://shop.test/x",
		},
		{name: "disallowed host", method: http.MethodGet, query: "to=https://evil.test/", cookie: cookieName + "=" + session, wantCode: http.StatusBadRequest},
		{name: "relative to", method: http.MethodGet, query: "to=/pay", cookie: cookieName + "=" + session, wantCode: http.StatusBadRequest},
		{name: "protocol-relative to", method: http.MethodGet, query: "to=//checkout.test/pay", cookie: cookieName + "=" + session, wantCode: http.StatusBadRequest},
		{name: "userinfo look-alike", method: http.MethodGet, query: "to=" + url.QueryEscape("https://checkout.test@evil.test/"), wantCode: http.StatusBadRequest},
		{name: "missing to", method: http.MethodGet, query: "", wantCode: http.StatusBadRequest},
		{name: "empty to", method: http.MethodGet, query: "to=", wantCode: http.StatusBadRequest},
		{name: "two to", method: http.MethodGet, query: "to=https://checkout.test/&to=https://evil.test/", wantCode: http.StatusBadRequest},
		{name: "malformed query", method: http.MethodGet, query: "to=%zz", wantCode: http.StatusBadRequest},
		{name: "POST", method: http.MethodPost, query: "to=" + url.QueryEscape(to), cookie: cookieName + "=" + session, wantCode: http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &backend{}
			cfg := source
			if tt.cfg != nil {
				cfg = tt.cfg
			}
			h := build(t, cfg, b)
			target := "/_session/handoff"
			if tt.query != "" {
				target += "?" + tt.query
			}
			r := request(tt.method, shopHost, target, clientAddr, tt.cookie)
			r.Header.Set("Sec-Fetch-Mode", "navigate")
			rec := serve(t, h, r)

			assert.Equal(t, tt.wantCode, rec.Code, rec.Body.String())
			assert.Zero(t, b.calls(), "the backend must not see handoff requests")
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
			loc := rec.Header().Get("Location")
			switch {
			case tt.wantToken:
				require.True(t, strings.HasPrefix(loc, tt.wantPrefix), "Location %q", loc)
				assert.True(t, strings.HasSuffix(loc, "#top"), "fragment last: %q", loc)
				markSensitive(tokenIn(t, loc))
				assert.NotEmpty(t, tokenIn(t, loc))
			case tt.wantCode == http.StatusSeeOther:
				assert.Equal(t, tt.wantPlain, loc)
			default:
				assert.Empty(t, loc)
				assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
			}
			if tt.wantCode == http.StatusMethodNotAllowed {
				assert.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))
			}
		})
	}
}

// TestHandoffDisabled checks that an empty handoffPath, or a receive-only
// instance, passes the endpoint's path to the backend.
func TestHandoffDisabled(t *testing.T) {
	for name, cfg := range map[string]settings{
		"empty handoffPath": source.with("handoffPath", ""),
		"receive only":      receiver,
	} {
		t.Run(name, func(t *testing.T) {
			b := &backend{}
			rec := serve(t, build(t, cfg, b), request(http.MethodGet, shopHost, "/_session/handoff?to=http://checkout.test/", clientAddr, ""))
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, 1, b.calls())
		})
	}
}
