package interp

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTokenRedeemedCleanURL: a token issued by one interpreted instance on
// shop.test is redeemed by another on checkout.test, which answers with a
// 303 to the clean URL and the session cookie; the backend is not called.
func TestTokenRedeemedCleanURL(t *testing.T) {
	const session = "sess-clean-1d8e"
	tests := []struct {
		name     string
		req      func(token string) *http.Request
		wantLoc  string
		wantSetC string
	}{
		{
			name:     "plain HTTP",
			req:      func(token string) *http.Request { return arrival(token, clientAddr, "") },
			wantLoc:  "http://checkout.test/welcome?a=1",
			wantSetC: sessionCookie(session),
		},
		{
			name: "behind TLS termination",
			req: func(token string) *http.Request {
				r := arrival(token, clientAddr, "")
				r.Header.Set("X-Forwarded-Proto", "https")
				return r
			},
			wantLoc:  "https://checkout.test/welcome?a=1",
			wantSetC: cookieName + "=" + session + "; Path=/; HttpOnly; Secure; SameSite=Lax",
		},
		{
			name: "HEAD",
			req: func(token string) *http.Request {
				r := arrival(token, clientAddr, "")
				r.Method = http.MethodHead
				return r
			},
			wantLoc:  "http://checkout.test/welcome?a=1",
			wantSetC: sessionCookie(session),
		},
		{
			name: "only the token in the query",
			req: func(token string) *http.Request {
				return navigation(checkoutHost, "/?"+tokenParam+"="+token, clientAddr, "")
			},
			wantLoc:  "http://checkout.test/",
			wantSetC: sessionCookie(session),
		},
		{
			name: "a path that looks like a host stays on this host",
			req: func(token string) *http.Request {
				r := navigation(checkoutHost, "/x?"+tokenParam+"="+token, clientAddr, "")
				r.URL.Path = "//evil.test/x"
				return r
			},
			wantLoc:  "http://checkout.test//evil.test/x",
			wantSetC: sessionCookie(session),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := issue(t, source, clientAddr, session)
			b := &backend{}
			rec := serve(t, build(t, receiver, b), tt.req(token))

			require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
			assert.Zero(t, b.calls(), "the backend is not called on a clean-URL redirect")
			assert.Equal(t, tt.wantLoc, rec.Header().Get("Location"))
			assert.Equal(t, []string{tt.wantSetC}, rec.Header().Values("Set-Cookie"), "host-only, HttpOnly, SameSite=Lax")
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
		})
	}
}

// TestTokenRedeemedPassThrough: with cleanURL off (or a POST), the backend
// gets the request without the token and with the injected session cookie,
// which replaces a stale one of the same name.
func TestTokenRedeemedPassThrough(t *testing.T) {
	const session = "sess-pass-62ac"
	tests := []struct {
		name        string
		cfg         settings
		method      string
		cookie      string
		query       string // before the token
		wantQuery   string
		wantCookies []string
	}{
		{
			name: "cleanURL off", cfg: receiver.with("cleanURL", "false"), method: http.MethodGet,
			query: "a=1&", wantQuery: "a=1", wantCookies: []string{cookieName + "=" + session},
		},
		{
			name: "stale cookie replaced, others kept", cfg: receiver.with("cleanURL", "false"), method: http.MethodGet,
			cookie: "theme=dark; " + cookieName + "=sess-stale-0000; lang=fr", query: "a=1&",
			wantQuery: "a=1", wantCookies: []string{cookieName + "=" + session + "; theme=dark; lang=fr"},
		},
		{
			name: "token first, other parameters kept in order", cfg: receiver.with("cleanURL", "false"), method: http.MethodGet,
			query: "", wantQuery: "b=2&c=%2F", wantCookies: []string{cookieName + "=" + session},
		},
		{
			name: "HEAD with cleanURL off", cfg: receiver.with("cleanURL", "false"), method: http.MethodHead,
			query: "a=1&", wantQuery: "a=1", wantCookies: []string{cookieName + "=" + session},
		},
	}
	markSensitive("sess-stale-0000")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := issue(t, source, clientAddr, session)
			rawQuery := tt.query + tokenParam + "=" + token
			if tt.query == "" {
				rawQuery += "&b=2&c=%2F"
			}
			b := &backend{}
			r := request(tt.method, checkoutHost, "/welcome?"+rawQuery, clientAddr, tt.cookie)
			r.Header.Set("Sec-Fetch-Mode", "navigate")
			rec := serve(t, build(t, tt.cfg, b), r)

			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Equal(t, 1, b.calls())
			got := b.last(t)
			assert.Equal(t, tt.wantQuery, got.rawQuery)
			assert.Equal(t, "/welcome?"+tt.wantQuery, got.requestURI)
			assert.NotContains(t, got.requestURI, tokenParam)
			assert.Equal(t, tt.wantCookies, got.cookies)
			assert.Equal(t, []string{sessionCookie(session)}, rec.Header().Values("Set-Cookie"))
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
		})
	}
}

// TestTokenRedeemedByOtherMethods: a token on a POST or PUT navigation
// (a 307 or 308 replaying a form) is redeemed with a 303 to the clean URL,
// with cleanURL on or off: its body never reaches the backend with an
// injected session.
func TestTokenRedeemedByOtherMethods(t *testing.T) {
	const session = "sess-post-9d1e"
	for _, cfg := range []settings{receiver, receiver.with("cleanURL", "false")} {
		for _, method := range []string{http.MethodPost, http.MethodPut} {
			t.Run(method+" cleanURL "+fmt.Sprint(cfg["cleanURL"]), func(t *testing.T) {
				b := &backend{}
				r := httptest.NewRequest(method, "/pay?a=1&"+tokenParam+"="+issue(t, source, clientAddr, session), strings.NewReader("amount=100"))
				r.Host, r.RemoteAddr = checkoutHost, clientAddr
				r.Header.Set("Sec-Fetch-Mode", "navigate")
				rec := serve(t, build(t, cfg, b), r)
				assert.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
				assert.Zero(t, b.calls(), "the body never reaches the backend")
				assert.Equal(t, "http://"+checkoutHost+"/pay?a=1", rec.Header().Get("Location"))
				assert.Equal(t, []string{sessionCookie(session)}, rec.Header().Values("Set-Cookie"))
			})
		}
	}
}

// TestRotation: a token sealed under the old secret opens on an instance
// that lists it in previousSecrets, and on no other: there it is refused
// with 403 (dieOnHandshakeFailure) or, by default, the navigation is led
// on to the URL without the token, without a session.
func TestRotation(t *testing.T) {
	const session = "sess-rotate-31f5"
	old := source.with("secret", otherSecret)
	tests := []struct {
		name     string
		receiver settings
		wantCode int
		opened   bool
	}{
		{"old secret in previousSecrets", receiver.with("previousSecrets", []any{"ignored-but-long-enough-0123456789abcdef", otherSecret}), http.StatusSeeOther, true},
		{"previousSecrets as a comma list", receiver.with("previousSecrets", otherSecret+","+testSecret), http.StatusSeeOther, true},
		{"old secret still current", receiver.with("secret", otherSecret), http.StatusSeeOther, true},
		{"old secret dropped", dying(receiver), http.StatusForbidden, false},
		{"old secret dropped, dieOnHandshakeFailure false", receiver.with("dieOnHandshakeFailure", false), http.StatusSeeOther, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := issue(t, old, clientAddr, session)
			b := &backend{}
			rec := serve(t, build(t, tt.receiver, b), arrival(token, clientAddr, ""))
			assert.Equal(t, tt.wantCode, rec.Code, rec.Body.String())
			assert.Zero(t, b.calls())
			switch {
			case tt.opened:
				assert.Equal(t, []string{sessionCookie(session)}, rec.Header().Values("Set-Cookie"))
			case tt.wantCode == http.StatusForbidden:
				assertRefusalPage(t, rec, "invalid", "http://checkout.test/welcome?a=1")
			default:
				assertRefusalRedirect(t, rec, "http://checkout.test/welcome?a=1")
			}
		})
	}
}
