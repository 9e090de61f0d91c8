package interp

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// puller is checkout.test pulling the session from shop.test on /account,
// over plain HTTP as these tests run.
var puller = receiver.with("allowInsecureTargets", true, "pull", map[string]any{"from": "http://shop.test", "paths": []any{"/account"}})

const pullStart = "http://shop.test/_session/pull?return="

// startPull has the interpreted target start a pull for target and
// returns the state cookie's value and the Location to the source.
func startPull(t *testing.T, h http.Handler, target string) (string, string) {
	t.Helper()
	rec := serve(t, h, navigation(checkoutHost, target, clientAddr, ""))
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	loc := rec.Header().Get("Location")
	require.True(t, strings.HasPrefix(loc, pullStart+url.QueryEscape("http://checkout.test"+target)+"&state="), loc)
	cookies := (&http.Response{Header: rec.Header()}).Cookies()
	require.Len(t, cookies, 1)
	require.Equal(t, "si_pull", cookies[0].Name)
	assert.Equal(t, []string{"si_pull=" + cookies[0].Value + "; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"}, rec.Header().Values("Set-Cookie"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
	markSensitive(cookies[0].Value, loc[strings.Index(loc, "&state=")+len("&state="):])
	return cookies[0].Value, loc
}

// answerPull has the interpreted source answer a Location of startPull.
func answerPull(t *testing.T, src http.Handler, location, cookie string) *httptest.ResponseRecorder {
	t.Helper()
	path := strings.TrimPrefix(location, "http://shop.test")
	return serve(t, src, navigation(shopHost, path, clientAddr, cookie))
}

// TestPullFlows runs the pull between interpreted instances: started on
// checkout.test, answered by shop.test, finished on checkout.test.
func TestPullFlows(t *testing.T) {
	const session = "sess-pull-5e5e"
	markSensitive(session)
	const clearState = "si_pull=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
	tests := []struct {
		name    string
		cfg     settings
		signed  bool
		cookie  func(nonce string) string // the Cookie header the answer arrives with
		code    int
		cookies []string // Set-Cookie after clearState
		served  bool     // the page itself
		reason  string   // refusal page
		noState bool     // no state cookie arrives: none to clear
	}{
		{name: "signed in", signed: true, code: http.StatusSeeOther, cookies: []string{sessionCookie(session)}},
		{name: "anonymous", code: http.StatusSeeOther, cookies: []string{"si_nopull=1; Path=/; Max-Age=600; HttpOnly; SameSite=Lax"}},
		{name: "anonymous, not remembered", cfg: puller.with("pull", map[string]any{"from": "http://shop.test", "paths": "/account", "noSessionFor": "0"}),
			code: http.StatusOK, served: true},
		{name: "no state cookie", signed: true, cookie: func(string) string { return "" }, code: http.StatusOK, served: true, noState: true},
		{name: "another browser's state cookie", signed: true, cookie: func(string) string { return "si_pull=AAAAAAAAAAAAAAAAAAAAAA" }, code: http.StatusOK, served: true},
		{name: "refused with dieOnHandshakeFailure", cfg: dying(puller), signed: true, cookie: func(string) string { return "" }, code: http.StatusForbidden, reason: "wrong browser", noState: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := puller
			if tt.cfg != nil {
				cfg = tt.cfg
			}
			b := &backend{}
			dst := build(t, cfg, b)
			src := build(t, source, &backend{})
			nonce, loc := startPull(t, dst, "/account/orders?x=1")
			assert.Zero(t, b.calls())

			cookie := ""
			if tt.signed {
				cookie = cookieName + "=" + session
			}
			rec := answerPull(t, src, loc, cookie)
			require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
			answerURL := rec.Header().Get("Location")
			require.True(t, strings.HasPrefix(answerURL, "http://checkout.test/account/orders?x=1&"+tokenParam+"="), answerURL)
			markSensitive(tokenIn(t, answerURL))

			back := "si_pull=" + nonce
			if tt.cookie != nil {
				back = tt.cookie(nonce)
			}
			rec = serve(t, dst, navigation(checkoutHost, strings.TrimPrefix(answerURL, "http://checkout.test"), clientAddr, back))
			assert.Equal(t, tt.code, rec.Code, rec.Body.String())
			want := append([]string{clearState}, tt.cookies...)
			if tt.noState {
				want = want[1:]
				if len(want) == 0 {
					want = nil
				}
			}
			assert.Equal(t, want, rec.Header().Values("Set-Cookie"), "the state cookie the browser sent is always cleared")
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			switch {
			case tt.served:
				require.Equal(t, 1, b.calls(), "the page itself: no 303 that would start the pull again")
				assert.Equal(t, "x=1", b.last(t).rawQuery)
				assert.Empty(t, rec.Header().Get("Location"))
			case tt.reason != "":
				assert.Zero(t, b.calls())
				assert.Contains(t, rec.Body.String(), "session handoff refused: "+tt.reason)
			default:
				assert.Zero(t, b.calls())
				assert.Equal(t, "http://checkout.test/account/orders?x=1", rec.Header().Get("Location"))
			}
		})
	}
}

// TestPullNotStarted: only a navigation under pull.paths without a
// session, a pull in flight or a remembered answer starts a pull.
func TestPullNotStarted(t *testing.T) {
	tests := []struct {
		name string
		req  *http.Request
	}{
		{"another path", navigation(checkoutHost, "/accounts", clientAddr, "")},
		{"signed in", navigation(checkoutHost, "/account", clientAddr, cookieName+"=sess-x")},
		{"a pull in flight", navigation(checkoutHost, "/account", clientAddr, "si_pull=abc")},
		{"no session remembered", navigation(checkoutHost, "/account", clientAddr, "si_nopull=1")},
		{"a fetch", func() *http.Request {
			r := navigation(checkoutHost, "/account", clientAddr, "")
			r.Header.Set("Sec-Fetch-Mode", "cors")
			return r
		}()},
		{"a POST", func() *http.Request {
			r := navigation(checkoutHost, "/account", clientAddr, "")
			r.Method = http.MethodPost
			return r
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &backend{}
			rec := serve(t, build(t, puller, b), tt.req)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, 1, b.calls())
			assert.Empty(t, rec.Header().Values("Set-Cookie"))
		})
	}
}

// TestPullEndpoint: the interpreted source's endpoint refuses what it
// cannot answer with a plain 4xx, and never reaches the backend.
func TestPullEndpoint(t *testing.T) {
	const state = "c3RhdGUtb2YtdGhlLXRhcmdldA"
	back := url.QueryEscape("http://checkout.test/account")
	tests := []struct {
		name   string
		method string
		query  string
		fetch  bool
		code   int
	}{
		{name: "answered", query: "return=" + back + "&state=" + state, code: http.StatusSeeOther},
		{name: "a host not allowed", query: "return=" + url.QueryEscape("http://evil.test/") + "&state=" + state, code: http.StatusBadRequest},
		{name: "a look-alike", query: "return=" + url.QueryEscape("http://checkout.test@evil.test/") + "&state=" + state, code: http.StatusBadRequest},
		{name: "two returns", query: "return=" + back + "&return=" + back + "&state=" + state, code: http.StatusBadRequest},
		{name: "no return", query: "state=" + state + "&x=%20", code: http.StatusBadRequest},
		{name: "no state", query: "return=" + back, code: http.StatusBadRequest},
		{name: "a state outside base64url", query: "return=" + back + "&state=a%2Bb", code: http.StatusBadRequest},
		{name: "a state too long", query: "return=" + back + "&state=" + strings.Repeat("a", 513), code: http.StatusBadRequest},
		{name: "a fetch", query: "return=" + back + "&state=" + state, fetch: true, code: http.StatusBadRequest},
		{name: "POST", method: http.MethodPost, query: "return=" + back + "&state=" + state, code: http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &backend{}
			r := navigation(shopHost, "/_session/pull?"+tt.query, clientAddr, cookieName+"=sess-endpoint-1")
			markSensitive("sess-endpoint-1")
			if tt.method != "" {
				r.Method = tt.method
			}
			if tt.fetch {
				r.Header.Set("Sec-Fetch-Mode", "cors")
			}
			rec := serve(t, build(t, source, b), r)
			assert.Equal(t, tt.code, rec.Code, rec.Body.String())
			assert.Zero(t, b.calls())
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
			if tt.code == http.StatusSeeOther {
				loc := rec.Header().Get("Location")
				assert.True(t, strings.HasPrefix(loc, "http://checkout.test/account?"+tokenParam+"="), loc)
				markSensitive(tokenIn(t, loc))
			} else {
				assert.Empty(t, rec.Header().Get("Location"))
				assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
			}
		})
	}
}

// TestPullAnswerIsNoHandoffToken: a pull answer is refused where no pull
// is configured, and a handoff token still redeems where one is.
func TestPullAnswerIsNoHandoffToken(t *testing.T) {
	const session = "sess-purpose-7a7a"
	src := build(t, source, &backend{})
	nonce, loc := startPull(t, build(t, puller, &backend{}), "/account")
	rec := answerPull(t, src, loc, cookieName+"="+session)
	answerURL := rec.Header().Get("Location")
	markSensitive(session, tokenIn(t, answerURL))

	rec = serve(t, build(t, receiver, &backend{}), navigation(checkoutHost, strings.TrimPrefix(answerURL, "http://checkout.test"), clientAddr, "si_pull="+nonce))
	assertRefusalRedirect(t, rec, "http://checkout.test/account")

	rec = serve(t, build(t, puller, &backend{}), arrival(issue(t, source, clientAddr, session), clientAddr, ""))
	assert.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, []string{sessionCookie(session)}, rec.Header().Values("Set-Cookie"))
}
