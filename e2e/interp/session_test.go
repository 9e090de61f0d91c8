package interp

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTooLargeSessionInterpreted checks, in the interpreter, that a session
// whose cookies together exceed the token's budget gets no token, without
// a 5xx: the redirect goes on as the backend wrote it and the handoff
// sends the user on without the session, with a debug line that says why.
func TestTooLargeSessionInterpreted(t *testing.T) {
	names := []any{"a", "b", "c"}
	big := strings.Repeat("v", 3000)
	cookie := "a=" + big + "; b=" + big + "; c=" + big
	markSensitive(big)
	cfg := source.with("cookieNames", names)

	b := &backend{respond: redirectTo("http://" + checkoutHost + "/welcome")}
	p := sessionInjector(t)
	rec := serve(t, build(t, cfg, b), navigation(shopHost, "/login", clientAddr, cookie))
	assert.Equal(t, http.StatusFound, rec.Code)
	assert.Equal(t, "http://"+checkoutHost+"/welcome", rec.Header().Get("Location"))

	rec = serve(t, build(t, cfg, b), navigation(shopHost, "/_session/handoff?to=http://checkout.test/pay", clientAddr, cookie))
	assert.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "http://checkout.test/pay", rec.Header().Get("Location"))
	assert.Contains(t, p.Stdout.String()+p.Stderr.String(), "over the 6111 a token of 8192 characters holds")
}

// sessionNames are the cookies of a framework session the tests below
// carry: cookie-session's pair and a remember-me cookie.
var sessionNames = []any{"session", "session.sig", "remember"}

// severalCookies makes cfg carry sessionNames, with cookie.maxAge 600 for
// a cookie whose lifetime the source did not see.
func severalCookies(cfg settings) settings {
	return cfg.with("cookieNames", sessionNames, "cookie", settings{"maxAge": "600"})
}

// handOver has an interpreted source instance (cfg) answer a navigation
// on shop.test carrying cookie: through a login redirect to checkout.test
// that sets setCookies when redirect is true, else through the handoff
// endpoint. It returns the token the redirect carries, or "" when it
// carries none, and the source's answer.
func handOver(t *testing.T, cfg settings, cookie string, redirect bool, setCookies ...string) (string, *httptest.ResponseRecorder) {
	t.Helper()
	target := "/_session/handoff?to=" + url.QueryEscape("http://"+checkoutHost+"/welcome")
	b := &backend{}
	if redirect {
		target = "/login"
		b.respond = redirectTo("http://"+checkoutHost+"/welcome", setCookies...)
	}
	rec := serve(t, build(t, cfg, b), navigation(shopHost, target, clientAddr, cookie))
	require.Contains(t, []int{http.StatusFound, http.StatusSeeOther}, rec.Code, rec.Body.String())
	loc := rec.Header().Get("Location")
	require.True(t, strings.HasPrefix(loc, "http://"+checkoutHost+"/welcome"), loc)
	token := tokenIn(t, loc)
	markSensitive(token)
	return token, rec
}

// TestSeveralCookiesInterpreted: issue 13's session of several cookies, as
// Yaegi runs it. The cookies a login redirect sets (with their lifetimes)
// and those the request carries are sealed together, the primary first;
// the target sets each host-only and injects them into the request,
// replacing stale copies and deleting a stale secondary the session no
// longer has; an absent secondary is not carried; without the primary
// there is no token.
func TestSeveralCookiesInterpreted(t *testing.T) {
	markSensitive("V-9a9a", "S-9b9b", "R-9c9c", "anon-9d9d", "STALE-9e9e", "OLD-9f9f", "OLDSIG-9090")
	tests := []struct {
		name       string
		cookie     string // on shop.test
		redirect   bool   // a login redirect, else the handoff endpoint
		setCookies []string
		noToken    string // the debug line when no token is issued
		target     string // the Cookie header on checkout.test
		wantSet    []string
		wantSeen   map[string]string // the cookies the backend gets
	}{
		{
			name: "a login redirect's Set-Cookie lines and a request cookie", cookie: "remember=R-9c9c; session=anon-9d9d", redirect: true,
			setCookies: []string{"session=V-9a9a; Path=/; Max-Age=1209600; HttpOnly", "session.sig=S-9b9b; Path=/; Max-Age=1209600", "theme=dark"},
			target:     "remember=STALE-9e9e; session=OLD-9f9f; a=1; session.sig=OLDSIG-9090",
			wantSet: []string{
				"session=V-9a9a; Max-Age=1209600; Path=/; HttpOnly; SameSite=Lax",
				"session.sig=S-9b9b; Max-Age=1209600; Path=/; HttpOnly; SameSite=Lax",
				"remember=R-9c9c; Max-Age=600; Path=/; HttpOnly; SameSite=Lax",
			},
			wantSeen: map[string]string{"session": "V-9a9a", "session.sig": "S-9b9b", "remember": "R-9c9c", "a": "1"},
		},
		{
			name: "request cookies through the handoff endpoint", cookie: "session=V-9a9a; theme=dark; session.sig=S-9b9b; remember=R-9c9c",
			wantSet: []string{
				"session=V-9a9a; Max-Age=600; Path=/; HttpOnly; SameSite=Lax",
				"session.sig=S-9b9b; Max-Age=600; Path=/; HttpOnly; SameSite=Lax",
				"remember=R-9c9c; Max-Age=600; Path=/; HttpOnly; SameSite=Lax",
			},
			wantSeen: map[string]string{"session": "V-9a9a", "session.sig": "S-9b9b", "remember": "R-9c9c"},
		},
		{
			name: "an absent secondary is not carried, and its stale copy is deleted", cookie: "session=V-9a9a; session.sig=S-9b9b",
			target: "a=1; remember=STALE-9e9e; session=OLD-9f9f",
			wantSet: []string{
				"session=V-9a9a; Max-Age=600; Path=/; HttpOnly; SameSite=Lax",
				"session.sig=S-9b9b; Max-Age=600; Path=/; HttpOnly; SameSite=Lax",
				"remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
			},
			wantSeen: map[string]string{"session": "V-9a9a", "session.sig": "S-9b9b", "a": "1"},
		},
		{
			name: "the primary alone", cookie: "session=V-9a9a",
			wantSet:  []string{"session=V-9a9a; Max-Age=600; Path=/; HttpOnly; SameSite=Lax"},
			wantSeen: map[string]string{"session": "V-9a9a"},
		},
		{
			name: "an empty secondary is absent", cookie: "session=V-9a9a; session.sig=",
			wantSet:  []string{"session=V-9a9a; Max-Age=600; Path=/; HttpOnly; SameSite=Lax"},
			wantSeen: map[string]string{"session": "V-9a9a"},
		},
		{
			name: "no token without the primary", cookie: "session.sig=S-9b9b; remember=R-9c9c",
			noToken: "no token issued: no session cookie session",
		},
		{
			name: "no token when the redirect sets only a secondary and the request has no primary", cookie: "remember=R-9c9c", redirect: true,
			setCookies: []string{"session.sig=S-9b9b; Max-Age=60"},
			noToken:    "no token issued: no session cookie session",
		},
		{
			name: "no token when the redirect deletes the primary", cookie: "session=V-9a9a; session.sig=S-9b9b", redirect: true,
			setCookies: []string{"session=; Max-Age=0", "session.sig=S-9b9b; Max-Age=60"},
			noToken:    "no token issued: no session cookie session",
		},
	}
	p := sessionInjector(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(p.Stdout.String())
			token, _ := handOver(t, severalCookies(source), tt.cookie, tt.redirect, tt.setCookies...)
			if tt.noToken != "" {
				assert.Empty(t, token)
				assert.Contains(t, p.Stdout.String()[before:], tt.noToken)
				return
			}
			require.NotEmpty(t, token)

			b := &backend{}
			h := build(t, severalCookies(receiver).with("cleanURL", "false"), b)
			rec := serve(t, h, arrival(token, clientAddr, tt.target))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Equal(t, tt.wantSet, rec.Header().Values("Set-Cookie"))
			for _, line := range rec.Header().Values("Set-Cookie") {
				assert.NotContains(t, line, "Domain=", "host-only")
			}
			require.Equal(t, 1, b.calls())
			seen := b.last(t)
			assert.Len(t, seen.cookies, 1, "one Cookie header")
			assert.Equal(t, tt.wantSeen, cookieValues(seen.cookies), "each cookie once, the session's replacing stale copies")
			assert.Equal(t, "a=1", seen.rawQuery)

			// The same token through a clean-URL receiver: a 303 with the same cookies.
			again, _ := handOver(t, severalCookies(source), tt.cookie, tt.redirect, tt.setCookies...)
			rec = serve(t, build(t, severalCookies(receiver), &backend{}), arrival(again, clientAddr, tt.target))
			require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
			assert.Equal(t, tt.wantSet, rec.Header().Values("Set-Cookie"))
		})
	}
}

// maxAgeOf returns the Max-Age a Set-Cookie line gives, or -1 without one.
func maxAgeOf(t *testing.T, line string) int {
	t.Helper()
	for _, attr := range strings.Split(line, ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(attr), "Max-Age="); ok {
			n, err := strconv.Atoi(v)
			require.NoError(t, err, line)
			return n
		}
	}
	return -1
}

// TestSessionLifetimesInterpreted: a carried cookie lives on the target as
// long as the source's Set-Cookie said, never longer: Max-Age carried (and
// reduced by the seconds the token took), Expires turned into a Max-Age,
// capped at 400 days, a browser-session cookie staying one; cookie.maxAge
// only for a cookie whose lifetime the source did not see (0: a
// browser-session cookie).
func TestSessionLifetimesInterpreted(t *testing.T) {
	const attrs = "; Path=/; HttpOnly; SameSite=Lax"
	markSensitive("V-8a8a", "S-8b8b")
	inTwoHours := func() string { return time.Now().Add(2 * time.Hour).UTC().Format(http.TimeFormat) }
	tests := []struct {
		name     string
		set      string // the login redirect's Set-Cookie for the primary, if any
		maxAge   string // cookie.maxAge
		wait     time.Duration
		min, max int // the primary's Max-Age on the target; -1: none
		wantSig  string
	}{
		{name: "Max-Age carried", set: "session=V-8a8a; Max-Age=3600; Path=/", maxAge: "600", min: 3600, max: 3600, wantSig: "; Max-Age=600"},
		{name: "Max-Age reduced by the token's travel", set: "session=V-8a8a; Max-Age=3600", maxAge: "600", wait: 1100 * time.Millisecond, min: 3598, max: 3599, wantSig: "; Max-Age=600"},
		{name: "Max-Age over 400 days", set: "session=V-8a8a; Max-Age=99999999", maxAge: "600", min: 34560000, max: 34560000, wantSig: "; Max-Age=600"},
		{name: "Expires", set: "session=V-8a8a; Expires=" + inTwoHours(), maxAge: "600", min: 7190, max: 7200, wantSig: "; Max-Age=600"},
		{name: "Max-Age wins over Expires", set: "session=V-8a8a; Expires=" + inTwoHours() + "; Max-Age=60", maxAge: "600", min: 60, max: 60, wantSig: "; Max-Age=600"},
		{name: "a browser-session cookie stays one, whatever cookie.maxAge", set: "session=V-8a8a; Path=/", maxAge: "600", min: -1, max: -1, wantSig: "; Max-Age=600"},
		{name: "not seen by the source: cookie.maxAge", maxAge: "900", min: 900, max: 900, wantSig: "; Max-Age=900"},
		{name: "not seen by the source, cookie.maxAge 0: a browser-session cookie", maxAge: "0", min: -1, max: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := func(base settings) settings {
				return base.with("cookieNames", "session,session.sig", "cookie", settings{"maxAge": tt.maxAge})
			}
			var set []string
			if tt.set != "" {
				set = []string{tt.set}
			}
			token, _ := handOver(t, cfg(source), "session=V-8a8a; session.sig=S-8b8b", true, set...)
			require.NotEmpty(t, token)
			time.Sleep(tt.wait)
			rec := serve(t, build(t, cfg(receiver), &backend{}), arrival(token, clientAddr, ""))
			require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
			lines := rec.Header().Values("Set-Cookie")
			require.Len(t, lines, 2)
			require.True(t, strings.HasPrefix(lines[0], "session=V-8a8a"), lines[0])
			age := maxAgeOf(t, lines[0])
			assert.True(t, age >= tt.min && age <= tt.max, "Max-Age %d, want %d to %d: %s", age, tt.min, tt.max, lines[0])
			if age >= 0 {
				assert.Equal(t, "session=V-8a8a; Max-Age="+strconv.Itoa(age)+attrs, lines[0], "Max-Age first")
			} else {
				assert.Equal(t, "session=V-8a8a"+attrs, lines[0])
			}
			assert.NotContains(t, lines[0], "Expires", "a lifetime is written as Max-Age")
			assert.Equal(t, "session.sig=S-8b8b"+tt.wantSig+attrs, lines[1], "the request's cookie: cookie.maxAge")
		})
	}
}

// TestOnExistingSessionInterpreted: with onExistingSession keep a token
// that arrives where the host already has the primary cookie is still
// verified and spent, and the host's own cookies stay, untouched; without
// the primary (or with replace, the default) the source's session is set.
func TestOnExistingSessionInterpreted(t *testing.T) {
	markSensitive("V-7a7a", "S-7b7b", "MINE-7c7c", "MINESIG-7d7d", "R0-7e7e")
	tests := []struct {
		name     string
		existing string // onExistingSession; "" leaves the default
		target   string
		kept     bool
	}{
		{name: "default replaces", target: "session=MINE-7c7c; remember=R0-7e7e"},
		{name: "replace", existing: "replace", target: "session=MINE-7c7c; session.sig=MINESIG-7d7d"},
		{name: "keep, with the primary", existing: "keep", target: "session=MINE-7c7c; session.sig=MINESIG-7d7d; remember=R0-7e7e; a=1", kept: true},
		{name: "keep, with only a secondary", existing: "keep", target: "remember=R0-7e7e"},
		{name: "keep, with an empty primary", existing: "keep", target: "session=; remember=R0-7e7e"},
		{name: "keep, without cookies", existing: "keep"},
	}
	p := sessionInjector(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, _ := handOver(t, severalCookies(source), "session=V-7a7a; session.sig=S-7b7b", false)
			cfg := dying(severalCookies(receiver)).with("cleanURL", "false")
			if tt.existing != "" {
				cfg = cfg.with("onExistingSession", tt.existing)
			}
			b := &backend{}
			h := build(t, cfg, b)
			before := len(p.Stdout.String())
			rec := serve(t, h, arrival(token, clientAddr, tt.target))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Equal(t, 1, b.calls())
			seen := b.last(t)
			assert.Equal(t, "a=1", seen.rawQuery, "the token is stripped either way")
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			if tt.kept {
				assert.Empty(t, rec.Header().Values("Set-Cookie"), "the host's own session stays")
				assert.Equal(t, []string{tt.target}, seen.cookies, "untouched, byte for byte")
				assert.Contains(t, p.Stdout.String()[before:], "token redeemed, this host's own session kept (onExistingSession keep)")
			} else {
				lines := rec.Header().Values("Set-Cookie")
				require.GreaterOrEqual(t, len(lines), 2, lines)
				assert.Equal(t, "session=V-7a7a; Max-Age=600; Path=/; HttpOnly; SameSite=Lax", lines[0])
				assert.Equal(t, "session.sig=S-7b7b; Max-Age=600; Path=/; HttpOnly; SameSite=Lax", lines[1])
				got := cookieValues(seen.cookies)
				assert.Equal(t, "V-7a7a", got["session"])
				assert.Equal(t, "S-7b7b", got["session.sig"])
				assert.NotContains(t, got, "remember", "a stale secondary goes with the session it belonged to")
			}
			// Spent either way.
			rec = serve(t, h, arrival(token, clientAddr, tt.target))
			assertRefusalPage(t, rec, "already used", "http://checkout.test/welcome?a=1")
			assert.Equal(t, 1, b.calls())
		})
	}
}

// TestSeveralCookiesRefusedInterpreted: a refused token carrying several
// cookies sets none of them and leaves the host's own cookies alone. By
// default a GET or HEAD navigation gets a 303 to the URL without the
// token, and a POST navigation or a fetch reaches the backend stripped of
// it; with dieOnHandshakeFailure a navigation gets the HTML page and a
// fetch the plain-text 403.
func TestSeveralCookiesRefusedInterpreted(t *testing.T) {
	markSensitive("V-6a6a", "S-6b6b", "MINE-6c6c")
	const own = "session=MINE-6c6c; theme=dark"
	const next = "http://checkout.test/welcome?a=1"
	p := sessionInjector(t)
	for _, die := range []bool{false, true} {
		for _, kind := range requestKinds {
			t.Run(fmt.Sprintf("%s/die=%v", kind.name, die), func(t *testing.T) {
				token, _ := handOver(t, severalCookies(source), "session=V-6a6a; session.sig=S-6b6b", false)
				b := &backend{}
				h := build(t, severalCookies(receiver).with("dieOnHandshakeFailure", die), b)
				r := arrival(token, otherAddr, own) // another client: refused as "wrong client"
				kind.edit(r)
				reason := "wrong client"
				if !kind.navigation {
					reason = "not a navigation"
				}
				before := len(p.Stdout.String())
				rec := serve(t, h, r)
				assert.Contains(t, p.Stdout.String()[before:], "handoff refused ("+reason+")")
				assert.Empty(t, rec.Header().Values("Set-Cookie"))
				switch {
				case die && kind.navigation:
					assertRefusalPage(t, rec, reason, next)
				case die:
					assertPlainRefusal(t, rec, reason)
				case kind.getOrHead:
					assertRefusalRedirect(t, rec, next)
				default:
					require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
					require.Equal(t, 1, b.calls())
					assert.Equal(t, "a=1", b.last(t).rawQuery)
					assert.Equal(t, []string{own}, b.last(t).cookies, "the host's own cookies, untouched")
					return
				}
				assert.Zero(t, b.calls())
			})
		}
	}
}

// TestLargeSecondaryCookieInterpreted: a secondary cookie that browsers
// would not keep (name and value over 4096 bytes) stops the hand-off, from
// a request cookie or a login redirect's Set-Cookie, and the debug line
// says which cookie and how large, never its value; one at the limit is
// carried.
func TestLargeSecondaryCookieInterpreted(t *testing.T) {
	atLimit := strings.Repeat("L", 4096-len("session.sig="))
	over := strings.Repeat("O", 4097-len("session.sig="))
	markSensitive(atLimit, over, "V-5a5a")
	tests := []struct {
		name     string
		cookie   string
		redirect bool
		set      []string
		noToken  string
	}{
		{name: "a request cookie over the limit", cookie: "session=V-5a5a; session.sig=" + over,
			noToken: "no token issued: cookie session.sig is 4097 bytes with its name, over the 4096 browsers keep"},
		{name: "a Set-Cookie over the limit", cookie: "session=V-5a5a", redirect: true, set: []string{"session.sig=" + over + "; Path=/"},
			noToken: "no token issued: cookie session.sig is 4097 bytes with its name, over the 4096 browsers keep"},
		{name: "a request cookie at the limit", cookie: "session=V-5a5a; session.sig=" + atLimit},
		{name: "a Set-Cookie at the limit", cookie: "session=V-5a5a", redirect: true, set: []string{"session.sig=" + atLimit + "; Max-Age=60"}},
	}
	p := sessionInjector(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(p.Stdout.String())
			token, rec := handOver(t, severalCookies(source), tt.cookie, tt.redirect, tt.set...)
			logged := p.Stdout.String()[before:]
			if tt.noToken != "" {
				assert.Empty(t, token, "the user goes on without the session")
				assert.Equal(t, "http://"+checkoutHost+"/welcome", rec.Header().Get("Location"))
				assert.Contains(t, logged, tt.noToken)
				assert.NotContains(t, logged, "OOOO", "never the value")
				return
			}
			require.NotEmpty(t, token)
			rec = serve(t, build(t, severalCookies(receiver), &backend{}), arrival(token, clientAddr, ""))
			require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
			lines := rec.Header().Values("Set-Cookie")
			require.Len(t, lines, 2)
			assert.True(t, strings.HasPrefix(lines[1], "session.sig="+atLimit+"; Max-Age="), "carried whole")
		})
	}
}

// TestSessionValuesNeverLogged: a full hand-off of several cookies, its
// refusals and a kept session write debug lines, none of which holds a
// cookie value or a token (TestMain checks the whole run the same way).
func TestSessionValuesNeverLogged(t *testing.T) {
	values := []string{"V-4a4a-secretvalue", "S-4b4b-secretsig", "R-4c4c-remember", "MINE-4d4d-own"}
	markSensitive(values...)
	p := sessionInjector(t)
	before, beforeErr := len(p.Stdout.String()), len(p.Stderr.String())
	token, _ := handOver(t, severalCookies(source), "remember="+values[2], true,
		"session="+values[0]+"; Max-Age=60", "session.sig="+values[1]+"; Max-Age=60")
	require.NotEmpty(t, token)
	kept := build(t, severalCookies(receiver).with("onExistingSession", "keep"), &backend{})
	require.Equal(t, http.StatusSeeOther, serve(t, kept, arrival(token, clientAddr, "session="+values[3])).Code)
	assertRefusalRedirect(t, serve(t, kept, arrival(token, clientAddr, "")), "http://checkout.test/welcome?a=1")
	other, _ := handOver(t, severalCookies(source), "session="+values[0]+"; session.sig="+values[1], false)
	serve(t, build(t, dying(severalCookies(receiver)), &backend{}), arrival(other, otherAddr, ""))
	logged := p.Stdout.String()[before:] + p.Stderr.String()[beforeErr:]
	assert.Contains(t, logged, "handoff refused (already used)")
	assert.Contains(t, logged, "handoff refused (wrong client)")
	for _, v := range append(values, token, other) {
		assert.NotContains(t, logged, v)
	}
}

// TestSixteenCookiesInterpreted: the most cookieNames allows, all carried
// in one token from a login redirect's Set-Cookie lines, in order.
func TestSixteenCookiesInterpreted(t *testing.T) {
	names := make([]any, 16)
	var set, want []string
	for i := range names {
		name := fmt.Sprintf("c%02d", i)
		names[i] = name
		value := fmt.Sprintf("v%02d-3a3a", i)
		markSensitive(value)
		set = append(set, name+"="+value+"; Max-Age="+strconv.Itoa(100+i))
		want = append(want, name+"="+value+"; Max-Age="+strconv.Itoa(100+i)+"; Path=/; HttpOnly; SameSite=Lax")
	}
	token, _ := handOver(t, source.with("cookieNames", names), "", true, set...)
	require.NotEmpty(t, token)
	rec := serve(t, build(t, receiver.with("cookieNames", names), &backend{}), arrival(token, clientAddr, ""))
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	assert.Equal(t, want, rec.Header().Values("Set-Cookie"))
}
