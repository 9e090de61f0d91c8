package sessioninjector

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPullFinish(t *testing.T) {
	const clearState = "__Host-si_pull=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax"
	tests := []struct {
		desc    string
		session string // on the source
		edit    func(*Config)
		// arrive returns the answer's Location and the Cookie header the browser sends with it.
		arrive  func(t *testing.T, g *pullRig, p pulled) (string, string)
		status  int
		cookies []string // Set-Cookie after clearState
		served  bool     // the page itself, stripped of the token
		refused string   // the refusal category in the log
		noState bool     // the answer arrives without the state cookie: nothing to clear
	}{
		{desc: "with a session", session: "s1", status: http.StatusSeeOther,
			cookies: []string{"_session_id=s1; Path=/; HttpOnly; Secure; SameSite=Lax"}},
		{desc: "with a session, cleanURL off", session: "s1", edit: receiverConfig, status: http.StatusOK, served: true,
			cookies: []string{"_session_id=s1; Path=/; HttpOnly; Secure; SameSite=Lax"}},
		{desc: "no session", status: http.StatusSeeOther,
			cookies: []string{"__Host-si_nopull=1; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=Lax"}},
		{desc: "no session, not remembered", edit: func(c *Config) { c.Pull.NoSessionFor = "0" }, status: http.StatusOK, served: true},
		{desc: "no state cookie", session: "s1", status: http.StatusOK, served: true, refused: reasonWrongBrowser, noState: true,
			arrive: func(_ *testing.T, _ *pullRig, p pulled) (string, string) { return p.loc, "theme=dark" }},
		{desc: "the state cookie under its HTTP name", session: "s1", status: http.StatusOK, served: true, refused: reasonWrongBrowser, noState: true,
			arrive: func(_ *testing.T, _ *pullRig, p pulled) (string, string) { return p.loc, "si_pull=" + p.nonce }},
		{desc: "another browser's nonce", session: "s1", status: http.StatusOK, served: true, refused: reasonWrongBrowser,
			arrive: func(_ *testing.T, _ *pullRig, p pulled) (string, string) {
				return p.loc, "__Host-si_pull=" + pullNonce()
			}},
		{desc: "the state of a pull started in another browser", session: "s1", status: http.StatusOK, served: true, refused: reasonWrongBrowser,
			arrive: func(t *testing.T, g *pullRig, p pulled) (string, string) {
				other, _ := g.start(t, "/account") // the browser's own pull, started after the answered one
				return p.loc, "__Host-si_pull=" + other
			}},
		{desc: "an empty state cookie", session: "s1", status: http.StatusOK, served: true, refused: reasonWrongBrowser,
			arrive: func(_ *testing.T, _ *pullRig, p pulled) (string, string) { return p.loc, "__Host-si_pull=" }},
		{desc: "a state older than 60 s", session: "s1", status: http.StatusOK, served: true, refused: reasonExpired,
			arrive: func(t *testing.T, g *pullRig, p pulled) (string, string) {
				// The answer itself is fresh: the source answers a minute later.
				g.srcClock.t = g.srcClock.t.Add(pullStateMs * time.Millisecond)
				g.dstClock.t = g.srcClock.t
				return g.answer(t, p.start, "s1"), "__Host-si_pull=" + p.nonce
			}},
		{desc: "an expired answer", session: "s1", status: http.StatusOK, served: true, refused: reasonExpired,
			arrive: func(_ *testing.T, g *pullRig, p pulled) (string, string) {
				g.dstClock.t = g.dstClock.t.Add(5 * time.Second)
				return p.loc, "__Host-si_pull=" + p.nonce
			}},
		{desc: "a state sealed for another host", session: "s1", status: http.StatusOK, served: true, refused: reasonWrongBrowser,
			arrive: func(t *testing.T, g *pullRig, p pulled) (string, string) {
				state := sealAs(g.dst.codec, pullState, "other.example", strconv.FormatInt(g.dst.now().UnixMilli(), 10)+"\n"+p.nonce)
				return g.answer(t, pullEndpoint+url.QueryEscape(backURL)+"&state="+state, "s1"), "__Host-si_pull=" + p.nonce
			}},
		{desc: "an answer as the state", session: "s1", status: http.StatusOK, served: true, refused: reasonWrongBrowser,
			arrive: func(t *testing.T, g *pullRig, p pulled) (string, string) {
				inner := tokenFrom(t, p.loc, "_hs_")
				return g.answer(t, pullEndpoint+url.QueryEscape(backURL)+"&state="+inner, "s1"), "__Host-si_pull=" + p.nonce
			}},
		{desc: "an answer sealed for another host", session: "s1", status: http.StatusOK, served: true, refused: reasonInvalid,
			arrive: func(t *testing.T, g *pullRig, p pulled) (string, string) {
				_, state, _ := strings.Cut(p.start, "&state=")
				other := g.answer(t, pullEndpoint+url.QueryEscape("https://a.example.net/account")+"&state="+state, "s1")
				return backURL + "&_hs_=" + tokenFrom(t, other, "_hs_"), "__Host-si_pull=" + p.nonce
			}},
		{desc: "an answer under a key this host does not know", session: "s1", status: http.StatusOK, served: true, refused: reasonInvalid,
			arrive: func(t *testing.T, g *pullRig, p pulled) (string, string) {
				g.src = otherKeySource(t)
				return g.answer(t, p.start, "s1"), "__Host-si_pull=" + p.nonce
			}},
		{desc: "a tampered answer", session: "s1", status: http.StatusOK, served: true, refused: reasonInvalid,
			arrive: func(_ *testing.T, _ *pullRig, p pulled) (string, string) {
				return strings.Replace(p.loc, "_hs_=", "_hs_=A", 1), "__Host-si_pull=" + p.nonce
			}},
		{desc: "another client address", session: "s1", status: http.StatusOK, served: true, refused: reasonWrongClient,
			arrive: func(_ *testing.T, g *pullRig, p pulled) (string, string) {
				g.dst.clients.depth, g.dst.clients.forwarded = 1, true // X-Forwarded-For 198.51.100.7 below
				return p.loc, "__Host-si_pull=" + p.nonce
			}},
		{desc: "a replayed answer", session: "s1", status: http.StatusOK, served: true, refused: reasonReplayed,
			arrive: func(t *testing.T, g *pullRig, p pulled) (string, string) {
				rec := g.finish(t, p.loc, "__Host-si_pull="+p.nonce)
				require.Equal(t, http.StatusSeeOther, rec.Code)
				return p.loc, "__Host-si_pull=" + p.nonce
			}},
		{desc: "refused with dieOnHandshakeFailure", session: "s1", edit: dies, status: http.StatusForbidden, refused: reasonWrongBrowser, noState: true,
			arrive: func(_ *testing.T, _ *pullRig, p pulled) (string, string) { return p.loc, "" }},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			g := newPullRig(t, test.edit)
			nonce, start := g.start(t, "/account/x?y=1")
			require.True(t, strings.HasPrefix(start, pullEndpoint+url.QueryEscape(backURL)+"&state="), start)
			loc := g.answer(t, start, test.session)
			cookie := "theme=dark; __Host-si_pull=" + nonce
			if test.arrive != nil {
				loc, cookie = test.arrive(t, g, pulled{start: start, loc: loc, nonce: nonce})
			}
			path, _ := strings.CutPrefix(loc, "https://"+checkout)
			r := httpsNav(checkout, path, "")
			r.Header.Set("X-Forwarded-For", "198.51.100.7")
			if cookie != "" {
				r.Header.Set("Cookie", cookie)
			}
			calls := g.backend.calls
			rec := serve(g.entry, r)

			assert.Equal(t, test.status, rec.Code, rec.Body.String())
			want := append([]string{clearState}, test.cookies...)
			if test.noState {
				want = want[1:]
				if len(want) == 0 {
					want = nil
				}
			}
			assert.Equal(t, want, rec.Header()["Set-Cookie"], "the state cookie the browser sent is always cleared")
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
			switch {
			case test.served:
				require.Equal(t, calls+1, g.backend.calls, "the page itself is served")
				assert.Empty(t, rec.Header().Get("Location"), "no 303 that could start the pull again")
				assert.Equal(t, "y=1", g.backend.req.URL.RawQuery, "without the token")
				if test.refused != "" || test.cookies == nil {
					assert.NotContains(t, g.backend.req.Header.Get("Cookie"), "_session_id", "no session")
				} else {
					assert.Contains(t, g.backend.req.Header.Get("Cookie"), "_session_id=s1")
				}
			case test.status == http.StatusSeeOther:
				assert.Equal(t, calls, g.backend.calls)
				assert.Equal(t, "https://checkout.example.org/account/x?y=1", rec.Header().Get("Location"))
			default:
				assert.Equal(t, calls, g.backend.calls)
				assert.Contains(t, rec.Body.String(), "session handoff refused: "+test.refused)
				assert.Contains(t, rec.Body.String(), "another browser")
			}
			if test.refused != "" {
				assert.Contains(t, g.log.String(), "pull answer refused ("+test.refused+")")
			} else {
				assert.NotContains(t, g.log.String(), "refused")
			}
			assert.NotContains(t, g.log.String(), nonce, "values are never logged")
			assert.NotContains(t, g.log.String(), tokenFrom(t, loc, "_hs_"), "values are never logged")
		})
	}
}
