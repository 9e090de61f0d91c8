package sessioninjector

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCookieFits(t *testing.T) {
	tests := []struct {
		value string
		want  bool
	}{
		{value: "abc123", want: true},
		{value: "a-b_c.d~e!f#$%&'()*+/:<=>?@[]^`{|}", want: true},
		{value: strings.Repeat("a", maxCookieBytes-len("n=")), want: true},
		{value: strings.Repeat("a", maxCookieBytes-len("n=")+1)},
		{value: ""},
		{value: "a;b"},
		{value: "a b"},
		{value: "a,b"},
		{value: `a"b`},
		{value: `a\b`},
		{value: "a\r\nSet-Cookie: x=1"},
		{value: "a\x00"},
		{value: "a\x7f"},
		{value: "caf\u00e9"},
		{value: "\xff"},
	}
	for _, test := range tests {
		assert.Equal(t, test.want, cookieFits("n", test.value), "%q", test.value)
	}
}

func TestCookieSpec(t *testing.T) {
	tests := []struct {
		desc         string
		name         string
		cookie       CookieConfig
		plain, https string
	}{
		{
			desc:   "defaults",
			name:   "_session_id",
			cookie: CreateConfig().Cookie,
			plain:  "_session_id=v; Path=/; HttpOnly; SameSite=Lax",
			https:  "_session_id=v; Path=/; HttpOnly; Secure; SameSite=Lax",
		},
		{
			desc:   "secure always, strict, max-age, domain, path",
			name:   "sid",
			cookie: CookieConfig{Path: "/app", Domain: ".Example.org", Secure: "true", HTTPOnly: true, SameSite: "Strict", MaxAge: 3600},
			plain:  "sid=v; Max-Age=3600; Path=/app; Domain=example.org; HttpOnly; Secure; SameSite=Strict",
			https:  "sid=v; Max-Age=3600; Path=/app; Domain=example.org; HttpOnly; Secure; SameSite=Strict",
		},
		{
			desc:   "secure never, no httpOnly, empty path",
			name:   "sid",
			cookie: CookieConfig{Secure: "false", SameSite: "lax"},
			plain:  "sid=v; Path=/; SameSite=Lax",
			https:  "sid=v; Path=/; SameSite=Lax",
		},
		{
			desc:   "CRD boolean decoded as 1",
			name:   "sid",
			cookie: CookieConfig{Secure: "1"},
			plain:  "sid=v; Path=/; Secure; SameSite=Lax",
			https:  "sid=v; Path=/; Secure; SameSite=Lax",
		},
		{
			desc:   "none forces Secure under auto",
			name:   "sid",
			cookie: CookieConfig{Secure: "auto", SameSite: "None"},
			plain:  "sid=v; Path=/; Secure; SameSite=None",
			https:  "sid=v; Path=/; Secure; SameSite=None",
		},
		{
			desc:   "__Host- forces Secure under auto",
			name:   "__Host-sid",
			cookie: CookieConfig{Path: "/", Secure: "auto", HTTPOnly: true},
			plain:  "__Host-sid=v; Path=/; HttpOnly; Secure; SameSite=Lax",
			https:  "__Host-sid=v; Path=/; HttpOnly; Secure; SameSite=Lax",
		},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			spec, err := cookieSpecFor(test.name, test.cookie)
			require.NoError(t, err)
			c := &sessionCookie{name: test.name, value: "v", age: ageUnknown}
			assert.Equal(t, test.plain, setCookie(spec, c, false))
			assert.Equal(t, test.https, setCookie(spec, c, true))

			parsed := (&http.Response{Header: http.Header{"Set-Cookie": {setCookie(spec, c, true)}}}).Cookies()
			require.Len(t, parsed, 1, "net/http must parse what we write")
			assert.Equal(t, test.name, parsed[0].Name)
		})
	}
}

func TestCookieSpecErrors(t *testing.T) {
	tests := []struct {
		desc   string
		name   string
		cookie CookieConfig
		err    string
	}{
		{desc: "empty name", name: "", err: `cookieNames[0]: "" is not a valid cookie name`},
		{desc: "name with space", name: "a b", err: `cookieNames[0]: "a b"`},
		{desc: "name with =", name: "a=b", err: "cookieNames[0]"},
		{desc: "long name", name: strings.Repeat("n", maxCookieName+1), err: "cookieNames[0]"},
		{desc: "unknown sameSite", name: "s", cookie: CookieConfig{SameSite: "relaxed"}, err: `cookie.sameSite: "relaxed"`},
		{desc: "unknown secure", name: "s", cookie: CookieConfig{Secure: "maybe"}, err: `cookie.secure: "maybe"`},
		{desc: "none without secure", name: "s", cookie: CookieConfig{Secure: "false", SameSite: "none"}, err: "cookie.secure"},
		{desc: "__Host- with domain", name: "__Host-s", cookie: CookieConfig{Domain: "example.org"}, err: "__Host-"},
		{desc: "__Host- with path", name: "__Host-s", cookie: CookieConfig{Path: "/app"}, err: "__Host-"},
		{desc: "__Host- not secure", name: "__Host-s", cookie: CookieConfig{Secure: "false"}, err: "cookie.secure"},
		{desc: "__Secure- not secure", name: "__Secure-s", cookie: CookieConfig{Secure: "false"}, err: "cookie.secure"},
		{desc: "relative path", name: "s", cookie: CookieConfig{Path: "app"}, err: `cookie.path: "app"`},
		{desc: "path with semicolon", name: "s", cookie: CookieConfig{Path: "/a;Domain=evil"}, err: "cookie.path"},
		{desc: "bad domain", name: "s", cookie: CookieConfig{Domain: "exa mple.org"}, err: `cookie.domain: "exa mple.org"`},
		{desc: "negative maxAge", name: "s", cookie: CookieConfig{MaxAge: -1}, err: "cookie.maxAge: -1"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			_, err := cookieSpecFor(test.name, test.cookie)
			require.Error(t, err)
			assert.Contains(t, err.Error(), test.err)
		})
	}
}

func TestInjectCookie(t *testing.T) {
	tests := []struct {
		desc    string
		cookies []string
		want    string
	}{
		{desc: "no cookies", want: "_session_id=new"},
		{desc: "others kept in order", cookies: []string{"a=1; b=2"}, want: "_session_id=new; a=1; b=2"},
		{desc: "stale replaced", cookies: []string{"a=1; _session_id=old; b=2"}, want: "_session_id=new; a=1; b=2"},
		{desc: "every stale one replaced", cookies: []string{"_session_id=old1", "x=1;_session_id=old2"}, want: "_session_id=new; x=1"},
		{desc: "similar names kept", cookies: []string{"_session_idx=1; x_session_id=2"}, want: "_session_id=new; _session_idx=1; x_session_id=2"},
		{desc: "bare name dropped", cookies: []string{"_session_id; a=1"}, want: "_session_id=new; a=1"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			h := http.Header{}
			if test.cookies != nil {
				h["Cookie"] = test.cookies
			}
			injectCookie(h, "_session_id", "new")
			assert.Equal(t, []string{test.want}, h["Cookie"])
			r := &http.Request{Header: h}
			c, err := r.Cookie("_session_id")
			require.NoError(t, err)
			assert.Equal(t, "new", c.Value)
		})
	}
}

func TestRedirectCookies(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	req := []sessionCookie{{name: "_session_id", value: "req", age: ageUnknown}}
	tests := []struct {
		desc       string
		setCookies []string
		want       []sessionCookie
	}{
		{desc: "none", want: req},
		{desc: "other cookie", setCookies: []string{"theme=dark"}, want: req},
		{desc: "a name that only starts alike", setCookies: []string{"_session_id_x=1"}, want: req},
		{desc: "login, a browser-session cookie", setCookies: []string{"theme=dark", "_session_id=fresh; Path=/; HttpOnly"}, want: []sessionCookie{{"_session_id", "fresh", 0}}},
		{desc: "login with Max-Age", setCookies: []string{"_session_id=fresh; Max-Age=1209600"}, want: []sessionCookie{{"_session_id", "fresh", 1209600}}},
		{desc: "Max-Age over what browsers keep", setCookies: []string{"_session_id=fresh; Max-Age=99999999"}, want: []sessionCookie{{"_session_id", "fresh", maxCookieAge}}},
		{desc: "login with Expires in an hour", setCookies: []string{"_session_id=fresh; Expires=" + now.Add(time.Hour).UTC().Format(http.TimeFormat)}, want: []sessionCookie{{"_session_id", "fresh", 3600}}},
		{desc: "Max-Age wins over Expires", setCookies: []string{"_session_id=fresh; Max-Age=60; Expires=" + now.Add(time.Hour).UTC().Format(http.TimeFormat)}, want: []sessionCookie{{"_session_id", "fresh", 60}}},
		{desc: "last wins", setCookies: []string{"_session_id=a", "_session_id=b"}, want: []sessionCookie{{"_session_id", "b", 0}}},
		{desc: "empty value"},
		{desc: "max-age zero", setCookies: []string{"_session_id=x; Max-Age=0"}},
		{desc: "max-age negative", setCookies: []string{"_session_id=x; Max-Age=-1"}},
		{desc: "expired", setCookies: []string{"_session_id=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT"}},
		{desc: "future expiry", setCookies: []string{"_session_id=x; Expires=Fri, 01 Jan 2100 00:00:00 GMT"}, want: []sessionCookie{{"_session_id", "x", maxCookieAge}}},
		{desc: "set then deleted", setCookies: []string{"_session_id=x", "_session_id=; Max-Age=0"}},
		{desc: "RFC 850 expiry", setCookies: []string{"_session_id=deleted; Expires=Thursday, 01-Jan-70 00:00:01 GMT"}},
		{desc: "asctime expiry", setCookies: []string{"_session_id=deleted; Expires=Thu Jan  1 00:00:01 1970"}},
		{desc: "two-digit year", setCookies: []string{"_session_id=deleted; Expires=Thu, 01 Jan 70 00:00:01 GMT"}},
		{desc: "dashed two-digit year", setCookies: []string{"_session_id=deleted; Expires=Thu, 01-Jan-70 00:00:01 GMT"}},
		{desc: "future RFC 850 expiry", setCookies: []string{"_session_id=x; Expires=Friday, 01-Jan-44 00:00:00 GMT"}, want: []sessionCookie{{"_session_id", "x", maxCookieAge}}},
		{desc: "future asctime expiry", setCookies: []string{"_session_id=x; Expires=Fri Jan  1 00:00:00 2100"}, want: []sessionCookie{{"_session_id", "x", maxCookieAge}}},
		{desc: "unreadable expiry", setCookies: []string{"_session_id=x; Expires=tomorrow"}},
		{desc: "deleted, with a space before =", setCookies: []string{"_session_id =; Max-Age=0"}},
		{desc: "deleted, with a tab before = and spaces around the line", setCookies: []string{"  _session_id\t= ; Max-Age=0 "}},
		{desc: "login with a space before =", setCookies: []string{"_session_id = fresh; Max-Age=60"}, want: []sessionCookie{{"_session_id", "fresh", 60}}},
		{desc: "emptied, with blanks", setCookies: []string{"_session_id = ; Path=/"}},
		{desc: "a longer name with a space before =", setCookies: []string{"_session_idx =; Max-Age=0"}, want: req},
	}
	tests[9].setCookies = []string{"_session_id=; Path=/"}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			h := http.Header{}
			if test.setCookies != nil {
				h["Set-Cookie"] = test.setCookies
			}
			r := request(http.MethodGet, shopHost, "/", client, "req")
			assert.Equal(t, test.want, redirectCookies(h, r, []string{"_session_id"}, now.UnixMilli()))
		})
	}
}

func TestRedirectCookiesOfSeveral(t *testing.T) {
	names := []string{"session", "session.sig"}
	tests := []struct {
		desc       string
		cookie     string
		setCookies []string
		want       []sessionCookie
	}{
		{desc: "the request's, primary first", cookie: "session.sig=S; theme=x; session=V", want: []sessionCookie{{"session", "V", -1}, {"session.sig", "S", -1}}},
		{desc: "a secondary alone is no session", cookie: "session.sig=S"},
		{desc: "login sets both", setCookies: []string{"session=V; Max-Age=100", "session.sig=S; Max-Age=100"}, want: []sessionCookie{{"session", "V", 100}, {"session.sig", "S", 100}}},
		{desc: "the response's primary, the request's secondary", cookie: "session=old; session.sig=S", setCookies: []string{"session=V; Max-Age=100"}, want: []sessionCookie{{"session", "V", 100}, {"session.sig", "S", -1}}},
		{desc: "a deleted secondary stays behind", cookie: "session=V; session.sig=S", setCookies: []string{"session.sig=; Max-Age=0"}, want: []sessionCookie{{"session", "V", -1}}},
		{desc: "a deleted primary ends it", cookie: "session=V; session.sig=S", setCookies: []string{"session=; Max-Age=0", "session.sig=T"}},
		{desc: "a secondary set without a primary", setCookies: []string{"session.sig=S"}},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if test.cookie != "" {
				r.Header.Set("Cookie", test.cookie)
			}
			h := http.Header{"Set-Cookie": test.setCookies}
			assert.Equal(t, test.want, redirectCookies(h, r, names, 0))
		})
	}
}

func TestRedirectCookiesClearSiteData(t *testing.T) {
	tests := []struct {
		value string
		clear bool
	}{
		{value: `"cookies"`, clear: true},
		{value: `"cache", "cookies", "storage"`, clear: true},
		{value: `"*"`, clear: true},
		{value: `"Cookies"`, clear: true},
		{value: `"cache"`},
		{value: `"storage", "executionContexts"`},
		{value: `cookies`},
	}
	for _, test := range tests {
		t.Run(test.value, func(t *testing.T) {
			r := request(http.MethodGet, shopHost, "/", client, "s1")
			h := http.Header{"Clear-Site-Data": {test.value}, "Set-Cookie": {"_session_id=fresh"}}
			got := redirectCookies(h, r, []string{"_session_id"}, 0)
			if test.clear {
				assert.Empty(t, got, "a sign-out hands nothing over")
			} else {
				assert.Equal(t, []sessionCookie{{"_session_id", "fresh", 0}}, got)
			}
		})
	}
}

func TestTooManyCookies(t *testing.T) {
	tests := []struct {
		desc  string
		lines []string
		want  bool
	}{
		{desc: "none"},
		{desc: "a few", lines: []string{"a=1; b=2"}},
		{desc: "just under", lines: []string{strings.Repeat("a=1; ", maxQueryParts-1) + "z=1"}},
		{desc: "at the cap", lines: []string{strings.Repeat("a=1; ", maxQueryParts) + "z=1"}, want: true},
		{desc: "across lines", lines: []string{strings.Repeat("a=1; ", maxQueryParts/2), strings.Repeat("b=1; ", maxQueryParts/2)}, want: true},
		{desc: "many lines", lines: make([]string, maxQueryParts), want: true},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			assert.Equal(t, test.want, tooManyCookies(http.Header{"Cookie": test.lines}))
		})
	}
}
