package load

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// withLocation is a reply of status redirecting to loc, setting the
// session cookie to session when it is not empty.
func withLocation(status int, loc, session string) Reply {
	h := http.Header{"Location": {loc}}
	if session != "" {
		h.Set("Set-Cookie", "_session_id="+session+"; Path=/; HttpOnly")
	}
	return Reply{Status: status, Header: h}
}

// signedIn is r with the session cookie set as well.
func signedIn(r Reply) Reply {
	r.Header = r.Header.Clone()
	r.Header.Set("Set-Cookie", "_session_id=s; Path=/; HttpOnly")
	return r
}

func TestTokenHelpers(t *testing.T) {
	loc := "http://checkout.test/p?a=1&_hs_=abc&b=%41"
	assert.Equal(t, "abc", Token(loc))
	assert.Empty(t, Token("http://checkout.test/p?a=1"))
	assert.Empty(t, Token("%zz"), "an unparsable URL has no token")
	assert.Equal(t, "http://checkout.test/p?a=1&_hs_=x%2By&b=%41", WithTokenValue(loc, "x%2By"), "the rest kept byte for byte")
	assert.Equal(t, "http://shop.test/_session/handoff?to=http%3A%2F%2Fcheckout.test%2F%3Fa%3D1", HandoffURL("shop.test", "http://checkout.test/?a=1"))

	tests := []struct {
		query string
		want  bool
	}{
		{"", false},
		{"a=1", false},
		{"q=my_hs_notes", false},
		{"_hs_=", true},
		{"a=1&_hs_=t", true},
		{"%3B_hs_=t&x=%zz", true},
		{"x=%zz&_hs_", true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, CarriesToken(tt.query), "query %q", tt.query)
	}
}

func TestChecks(t *testing.T) {
	const target, session = "http://checkout.test/x", "s1"
	minted := withLocation(http.StatusSeeOther, target+"?_hs_=tok", "")
	tests := []struct {
		name string
		err  error
		ok   bool
	}{
		{"minted", second(CheckMinted(minted, target)), true},
		{"minted without token", second(CheckMinted(withLocation(http.StatusSeeOther, target, ""), target)), false},
		{"minted elsewhere", second(CheckMinted(withLocation(http.StatusSeeOther, "http://evil.test/x?_hs_=t", ""), target)), false},
		{"minted with a 302", second(CheckMinted(withLocation(http.StatusFound, target+"?_hs_=tok", ""), target)), false},
		{"redeemed", CheckRedeemed(withLocation(http.StatusSeeOther, target, session), session, target), true},
		{"redeemed without cookie", CheckRedeemed(withLocation(http.StatusSeeOther, target, ""), session, target), false},
		{"redeemed to another URL", CheckRedeemed(withLocation(http.StatusSeeOther, target+"?y", session), session, target), false},
		{"refused", CheckRefused(refusal("invalid"), "invalid"), true},
		{"refused for another reason", CheckRefused(refusal("expired"), "invalid"), false},
		{"refused but signed in", CheckRefused(signedIn(refusal("invalid")), "invalid"), false},
		{"token for the checkout", CheckTokenTarget(minted), true},
		{"no token", CheckTokenTarget(withLocation(http.StatusFound, "http://evil.test/", "")), true},
		{"token for another host", CheckTokenTarget(withLocation(http.StatusFound, "http://evil.test/?_hs_=t", "")), false},
		{"token over https", CheckTokenTarget(withLocation(http.StatusFound, "https://checkout.test/?_hs_=t", "")), false},
	}
	for _, tt := range tests {
		if tt.ok {
			assert.NoError(t, tt.err, tt.name)
		} else {
			assert.Error(t, tt.err, tt.name)
		}
	}
	loc, err := CheckMinted(minted, target)
	assert.NoError(t, err)
	assert.Equal(t, target+"?_hs_=tok", loc)
}

// second returns the error of a two-result call.
func second(_ string, err error) error { return err }

func TestCheckEcho(t *testing.T) {
	const u = "http://checkout.test/_debug/request?a=1"
	echo := func(uri, query, cookie string) Reply {
		return Reply{Status: http.StatusOK, Body: `{"requestURI":"` + uri + `","rawQuery":"` + query + `","cookie":"` + cookie + `"}`}
	}
	tests := []struct {
		name    string
		rep     Reply
		session string
		ok      bool
	}{
		{"as sent, with the session", echo("/_debug/request?a=1", "a=1", "_session_id=s"), "s", true},
		{"as sent, without session", echo("/_debug/request?a=1", "a=1", "other=1"), "", true},
		{"token reached the backend", echo("/_debug/request?a=1", "a=1&_hs_=t", "_session_id=s"), "s", false},
		{"another URI", echo("/_debug/request?a=2", "a=2", "_session_id=s"), "s", false},
		{"session doubled", echo("/_debug/request?a=1", "a=1", "_session_id=s; _session_id=s"), "s", false},
		{"session missing", echo("/_debug/request?a=1", "a=1", ""), "s", false},
		{"session where none is due", echo("/_debug/request?a=1", "a=1", "_session_id=s"), "", false},
		{"not JSON", Reply{Status: http.StatusOK, Body: "<html>"}, "", false},
		{"not 200", Reply{Status: http.StatusForbidden}, "", false},
	}
	for _, tt := range tests {
		err := CheckEcho(tt.rep, u, tt.session)
		if tt.ok {
			assert.NoError(t, err, tt.name)
		} else {
			assert.Error(t, err, tt.name)
		}
	}
}

func TestReply(t *testing.T) {
	r := refusal("already used")
	assert.Equal(t, "already used", r.Refusal())
	assert.Empty(t, Reply{Status: http.StatusOK, Body: r.Body}.Refusal(), "a refusal is a 403")
	assert.Empty(t, Reply{Status: http.StatusForbidden, Body: "forbidden"}.Refusal(), "a 403 of another kind")
	assert.Equal(t, "s1", withLocation(http.StatusSeeOther, "/", "s1").SessionSet())
	assert.Empty(t, Reply{Header: http.Header{"Set-Cookie": {"other=1"}}}.SessionSet())
	long := Reply{Status: http.StatusOK, Body: strings.Repeat("x", 500), Header: http.Header{}}
	assert.Less(t, len(long.String()), 400, "a reply is described briefly")
}
