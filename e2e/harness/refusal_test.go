package harness

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sessioninjector "github.com/session-injector/sessioninjector"
)

// pluginRefusal answers a request carrying a forged token with the plugin
// itself (dieOnHandshakeFailure), as a navigation or not.
func pluginRefusal(t *testing.T, nav bool) *httptest.ResponseRecorder {
	t.Helper()
	cfg := sessioninjector.CreateConfig()
	cfg.Secret = SecretMain
	cfg.DieOnHandshakeFailure = true
	cfg.BindClientIP = false
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("a refused request reached the backend") })
	h, err := sessioninjector.New(context.Background(), next, cfg, "refusal-test")
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodGet, "http://"+CheckoutHost+"/cart?"+TokenParam+"=forged&x=1", nil)
	if nav {
		r.Header.Set("Sec-Fetch-Mode", "navigate")
		r.Header.Set("Sec-Fetch-Dest", "document")
	} else {
		r.Header.Set("Sec-Fetch-Mode", "cors")
		r.Header.Set("Sec-Fetch-Dest", "empty")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	require.Equal(t, http.StatusForbidden, rec.Code, rec.Body.String())
	return rec
}

func TestRefusalReasonReadsThePluginsAnswers(t *testing.T) {
	page := pluginRefusal(t, true)
	require.True(t, strings.HasPrefix(page.Header().Get("Content-Type"), "text/html"), "a navigation gets the page")
	assert.Equal(t, "invalid", RefusalReason(page.Code, page.Header(), page.Body.String()))

	plain := pluginRefusal(t, false)
	require.True(t, strings.HasPrefix(plain.Header().Get("Content-Type"), "text/plain"), "a fetch gets plain text")
	assert.Equal(t, "not a navigation", RefusalReason(plain.Code, plain.Header(), plain.Body.String()), "a token is for navigations only")
}

func TestRefusalReason(t *testing.T) {
	plain := http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "Cache-Control": {"no-store"}}
	html := http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Cache-Control": {"no-store"},
		"Content-Security-Policy": {"default-src 'none'; style-src 'unsafe-inline'"}}
	page := func(reason string) string {
		return "<!doctype html><p><a href=\"http://checkout.test/\">Continue</a></p><p><small>" + RefusalText + reason + "</small></p>"
	}
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   string
	}{
		{"plain text", http.StatusForbidden, plain, RefusalText + "already used\n", "already used"},
		{"page", http.StatusForbidden, html, page("wrong client"), "wrong client"},
		{"not a 403", http.StatusOK, plain, RefusalText + "expired\n", ""},
		{"cacheable", http.StatusForbidden, http.Header{"Content-Type": plain["Content-Type"]}, RefusalText + "expired\n", ""},
		{"plain text without its newline", http.StatusForbidden, plain, RefusalText + "expired", ""},
		{"plain text with more after it", http.StatusForbidden, plain, RefusalText + "expired\nand more\n", ""},
		{"another 403", http.StatusForbidden, plain, "forbidden\n", ""},
		{"page without its policy", http.StatusForbidden, http.Header{"Content-Type": html["Content-Type"], "Cache-Control": {"no-store"}}, page("expired"), ""},
		{"page naming two categories", http.StatusForbidden, html, page("expired") + page("invalid"), ""},
		{"an app's page quoting the words", http.StatusForbidden, html, "<p>" + RefusalText + "expired</p>", ""},
		{"no content type", http.StatusForbidden, http.Header{"Cache-Control": {"no-store"}}, RefusalText + "expired\n", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, RefusalReason(tt.status, tt.header, tt.body), tt.name)
	}
	assert.Equal(t, "already used", HopRefusal(Hop{Status: http.StatusForbidden, Header: plain, Body: RefusalText + "already used\n"}))
}

func TestAssertRefusedAcceptsThePluginsPage(t *testing.T) {
	rec := pluginRefusal(t, true)
	h := Hop{Method: http.MethodGet, URL: "http://" + CheckoutHost + "/cart?" + TokenParam + "=forged&x=1",
		Status: rec.Code, Header: rec.Header(), Body: rec.Body.String()}
	b := fakeSite(t)
	assert.Empty(t, failures(func(t testing.TB) { AssertRefused(t, b.WithT(t), h, "invalid") }))
	assert.Len(t, failures(func(t testing.TB) { AssertRefused(t, b.WithT(t), h, "expired") }), 1, "another reason")
}
