package interp

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReplayPerClient: one client holds at most its share of the
// process-wide replay cache; another client still redeems. Past its share
// a client's redemption is refused as unavailable: a 403 page with
// dieOnHandshakeFailure, by default a 303 on without the session.
func TestReplayPerClient(t *testing.T) {
	const greedy, other = "127.0.9.1:1", "127.0.9.2:1"
	cfg := dying(receiver).with("replayPerClient", "3")
	h := build(t, cfg, &backend{})
	for i := 0; i < 3; i++ {
		rec := serve(t, h, arrival(issue(t, source, greedy, fmt.Sprintf("sess-share-%04d", i)), greedy, ""))
		require.Equal(t, http.StatusSeeOther, rec.Code, "redemption %d: %s", i, rec.Body.String())
	}
	rec := serve(t, h, arrival(issue(t, source, greedy, "sess-share-last"), greedy, ""))
	assertRefusalPage(t, rec, "unavailable", "http://checkout.test/welcome?a=1")
	led := build(t, cfg.with("dieOnHandshakeFailure", false), &backend{})
	rec = serve(t, led, arrival(issue(t, source, greedy, "sess-share-last"), greedy, ""))
	assertRefusalRedirect(t, rec, "http://checkout.test/welcome?a=1")
	rec = serve(t, h, arrival(issue(t, source, other, "sess-share-other"), other, ""))
	assert.Equal(t, http.StatusSeeOther, rec.Code, "another client is not locked out")
}

// TestSecurityRulesInterpreted runs the rules of the security model through
// the interpreter: each case is a request and what must come of it.
func TestSecurityRulesInterpreted(t *testing.T) {
	const session = "sess-rules-77aa"
	tls := func(r *http.Request) { r.Header.Set("X-Forwarded-Proto", "https") }
	script := func(r *http.Request) {
		r.Header.Set("Sec-Fetch-Mode", "no-cors")
		r.Header.Set("Sec-Fetch-Dest", "script")
		r.Header.Del("Accept")
	}
	tests := []struct {
		name      string
		cfg       settings
		respond   func(http.ResponseWriter, *http.Request)
		req       func(t *testing.T) *http.Request
		wantCode  int
		wantLoc   string // exact Location, when no token is expected
		wantToken bool
		// wantBackend is the query the backend gets, when it is called.
		wantBackend *string
	}{
		{
			name: "handoff over https to an http target", cfg: source, wantCode: http.StatusBadRequest,
			req: func(*testing.T) *http.Request {
				r := navigation(shopHost, "/_session/handoff?to="+url.QueryEscape("http://checkout.test/x"), clientAddr, cookieName+"="+session)
				tls(r)
				return r
			},
		},
		{
			name: "handoff over http to an http target without allowInsecureTargets", cfg: source.with("allowInsecureTargets", "false"), wantCode: http.StatusBadRequest,
			req: func(*testing.T) *http.Request {
				return navigation(shopHost, "/_session/handoff?to="+url.QueryEscape("http://checkout.test/x"), clientAddr, cookieName+"="+session)
			},
		},
		{
			name: "redirect over https to an http target", cfg: source, respond: redirectTo("http://checkout.test/x"),
			wantCode: http.StatusFound, wantLoc: "http://checkout.test/x",
			req: func(*testing.T) *http.Request {
				r := navigation(shopHost, "/", clientAddr, cookieName+"="+session)
				tls(r)
				return r
			},
		},
		{
			name: "handoff for a script", cfg: source, wantCode: http.StatusSeeOther, wantLoc: "http://checkout.test/x",
			req: func(*testing.T) *http.Request {
				r := navigation(shopHost, "/_session/handoff?to="+url.QueryEscape("http://checkout.test/x"), clientAddr, cookieName+"="+session)
				script(r)
				return r
			},
		},
		{
			name: "token consumed by a script", cfg: dying(receiver), wantCode: http.StatusForbidden,
			req: func(t *testing.T) *http.Request {
				r := arrival(issue(t, source, clientAddr, session), clientAddr, "")
				script(r)
				return r
			},
		},
		{
			name: "token consumed by a script, dieOnHandshakeFailure false", cfg: receiver, wantCode: http.StatusOK, wantBackend: ptr("a=1"),
			req: func(t *testing.T) *http.Request {
				r := arrival(issue(t, source, clientAddr, session), clientAddr, "")
				script(r)
				return r
			},
		},
		{
			name: "307 after a POST", cfg: source, respond: func(rw http.ResponseWriter, _ *http.Request) {
				rw.Header().Set("Location", "http://checkout.test/pay")
				rw.WriteHeader(http.StatusTemporaryRedirect)
			},
			wantCode: http.StatusTemporaryRedirect, wantLoc: "http://checkout.test/pay",
			req: func(*testing.T) *http.Request {
				r := navigation(shopHost, "/pay", clientAddr, cookieName+"="+session)
				r.Method = http.MethodPost
				return r
			},
		},
		{
			name: "sign-out by Clear-Site-Data", cfg: source, respond: func(rw http.ResponseWriter, _ *http.Request) {
				rw.Header().Set("Clear-Site-Data", `"cookies"`)
				rw.Header().Set("Location", "http://checkout.test/bye")
				rw.WriteHeader(http.StatusFound)
			},
			wantCode: http.StatusFound, wantLoc: "http://checkout.test/bye",
			req: func(*testing.T) *http.Request {
				return navigation(shopHost, "/logout", clientAddr, cookieName+"="+session)
			},
		},
		{
			name: "sign-out with an RFC 850 date", cfg: source,
			respond:  redirectTo("http://checkout.test/bye", cookieName+"=deleted; Expires=Thursday, 01-Jan-70 00:00:01 GMT"),
			wantCode: http.StatusFound, wantLoc: "http://checkout.test/bye",
			req: func(*testing.T) *http.Request {
				return navigation(shopHost, "/logout", clientAddr, cookieName+"="+session)
			},
		},
		{
			name: "a foreign token is not forwarded", cfg: source, wantCode: http.StatusSeeOther, wantLoc: "http://checkout.test/x?a=1",
			req: func(*testing.T) *http.Request {
				return navigation(shopHost, "/_session/handoff?to="+url.QueryEscape("http://checkout.test/x?_hs_=ATTACKER&a=1"), clientAddr, "")
			},
		},
		{
			name: "a query that mentions the name", cfg: receiver, wantCode: http.StatusOK,
			req: func(*testing.T) *http.Request {
				return navigation(checkoutHost, "/search?q=my_hs_notes&x=100%", clientAddr, "")
			},
		},
		{
			name: "a session over the browser limit", cfg: source, respond: redirectTo("http://checkout.test/x"),
			wantCode: http.StatusFound, wantLoc: "http://checkout.test/x",
			req: func(*testing.T) *http.Request {
				return navigation(shopHost, "/", clientAddr, cookieName+"="+strings.Repeat("s", 4096-len(cookieName)))
			},
		},
		{
			name: "a session at the browser limit", cfg: source, respond: redirectTo("http://checkout.test/x"),
			wantCode: http.StatusFound, wantToken: true,
			req: func(*testing.T) *http.Request {
				return navigation(shopHost, "/", clientAddr, cookieName+"="+strings.Repeat("s", 4095-len(cookieName)))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &backend{respond: tt.respond}
			rec := serve(t, build(t, tt.cfg, b), tt.req(t))
			assert.Equal(t, tt.wantCode, rec.Code, rec.Body.String())
			if tt.wantBackend != nil {
				require.Equal(t, 1, b.calls())
				assert.Equal(t, *tt.wantBackend, b.last(t).rawQuery)
				assert.Empty(t, b.last(t).cookies, "no session")
				assert.Empty(t, rec.Header().Values("Set-Cookie"))
			}
			loc := rec.Header().Get("Location")
			if tt.wantToken {
				assert.NotEmpty(t, tokenIn(t, loc), loc)
				return
			}
			assert.NotContains(t, loc, tokenParam+"=")
			if tt.wantLoc != "" {
				assert.Equal(t, tt.wantLoc, loc)
			}
		})
	}
}

// TestLargeInputsInterpreted: the inputs an attacker sends in bulk are
// answered without the interpreter looping over them, so a megabyte costs
// about what a kilobyte does. Each bulky request must take well under the
// time the interpreted loops took (0.3 to 1.8 s for these sizes).
func TestLargeInputsInterpreted(t *testing.T) {
	big := strings.Repeat("a&", 300_000)
	cookies := strings.Repeat("c=1; ", 150_000)
	tests := []struct {
		name     string
		cfg      settings
		respond  func(http.ResponseWriter, *http.Request)
		req      func(t *testing.T) *http.Request
		wantCode int
		wantLoc  string
	}{
		{name: "handoff to", cfg: source, wantCode: http.StatusBadRequest, req: func(*testing.T) *http.Request {
			return navigation(shopHost, "/_session/handoff?to="+url.QueryEscape("http://checkout.test/?"+big), clientAddr, cookieName+"=s1")
		}},
		{name: "redirect Location", cfg: source, respond: redirectTo("http://checkout.test/?" + big), wantCode: http.StatusFound, req: func(*testing.T) *http.Request {
			return navigation(shopHost, "/", clientAddr, cookieName+"=s1")
		}},
		{name: "refused query", cfg: receiver.with("dieOnHandshakeFailure", "true"), wantCode: http.StatusForbidden, req: func(*testing.T) *http.Request {
			return navigation(checkoutHost, "/?_hs_=bad&"+big, clientAddr, "")
		}},
		// Without dieOnHandshakeFailure a navigation is led on to the path
		// alone (stripping would loop over the parameters), and a request
		// that cannot be led on is refused.
		{name: "refused query, navigation led on", cfg: receiver.with("dieOnHandshakeFailure", "false"), wantCode: http.StatusSeeOther, wantLoc: "http://checkout.test/p", req: func(*testing.T) *http.Request {
			return navigation(checkoutHost, "/p?_hs_=bad&"+big, clientAddr, "")
		}},
		{name: "refused query, POST", cfg: receiver.with("dieOnHandshakeFailure", "false"), wantCode: http.StatusForbidden, req: func(*testing.T) *http.Request {
			r := navigation(checkoutHost, "/p?_hs_=bad&"+big, clientAddr, "")
			r.Method = http.MethodPost
			r.Header.Set("Sec-Fetch-Mode", "cors")
			return r
		}},
		{name: "redemption with many cookies", cfg: receiver.with("cleanURL", "false"), wantCode: http.StatusSeeOther, req: func(t *testing.T) *http.Request {
			return arrival(issue(t, source, clientAddr, "sess-large-0001"), clientAddr, cookies)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := build(t, tt.cfg, &backend{respond: tt.respond})
			r := tt.req(t)
			start := time.Now()
			rec := serve(t, h, r)
			took := time.Since(start)
			assert.Equal(t, tt.wantCode, rec.Code, rec.Body.String())
			if tt.wantLoc != "" {
				assert.Equal(t, tt.wantLoc, rec.Header().Get("Location"))
			}
			t.Logf("%s: %s", tt.name, took)
			assert.Less(t, took, 250*time.Millisecond, "no interpreted loop over the input")
		})
	}
}

// ptr returns a pointer to v, for optional table fields.
func ptr[T any](v T) *T { return &v }
