package sessioninjector

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCookieNameList(t *testing.T) {
	tests := []struct {
		desc  string
		name  string
		names []string
		want  []string
	}{
		{desc: "default", want: []string{"_session_id"}},
		{desc: "the shorthand", name: " sid ", want: []string{"sid"}},
		{desc: "a list", names: []string{"session", " session.sig"}, want: []string{"session", "session.sig"}},
		{desc: "both, naming the same primary", name: "session", names: []string{"session", "session.sig"}, want: []string{"session", "session.sig"}},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			got, err := cookieNameList(test.name, test.names)
			require.NoError(t, err)
			assert.Equal(t, test.want, got)
		})
	}
}

func TestEncodeDecodeCookies(t *testing.T) {
	names := []string{"session", "session.sig", "remember"}
	cookies := []sessionCookie{{"session", "V=1", 100}, {"remember", "R", ageUnknown}, {"session.sig", "S", 0}}
	got, why := decodeCookies(encodeCookies(cookies), names, 0)
	require.Nil(t, why)
	assert.Equal(t, cookies, got)

	got, why = decodeCookies(encodeCookies(cookies), names, 30_500)
	require.Nil(t, why)
	assert.Equal(t, 70, got[0].age, "less the seconds the token took")
	assert.Equal(t, ageUnknown, got[1].age)
	assert.Equal(t, 0, got[2].age, "a browser-session cookie stays one")

	got, why = decodeCookies("5 session=V", names, 60_000)
	require.Nil(t, why)
	assert.Equal(t, 1, got[0].age, "never 0, which would make it outlive its source")
}

func TestDecodeCookiesRefusals(t *testing.T) {
	names := []string{"session", "session.sig"}
	tests := []struct {
		desc   string
		claims string
		detail string
	}{
		{desc: "empty", claims: "", detail: "session value"},
		{desc: "no age", claims: "session=V", detail: "session value"},
		{desc: "bad age", claims: "x session=V", detail: "session value"},
		{desc: "age below -1", claims: "-2 session=V", detail: "session value"},
		{desc: "age over 400 days", claims: "34560001 session=V", detail: "session value"},
		{desc: "empty value", claims: "-1 session=", detail: "session value"},
		{desc: "value with a space", claims: "-1 session=a b", detail: "session value"},
		{desc: "value with a semicolon", claims: "-1 session=a;b", detail: "session value"},
		{desc: "name and value over 4096 bytes", claims: "-1 session=" + strings.Repeat("v", 4096-len("session")), detail: "session value"},
		{desc: "not the primary first", claims: "-1 session.sig=S\n-1 session=V", detail: `first cookie "session.sig" is not the primary "session"`},
		{desc: "a name not configured", claims: "-1 session=V\n-1 other=O", detail: `cookie "other", which is not one of cookieNames`},
		{desc: "a cookie twice", claims: "-1 session=V\n-1 session=W", detail: `cookie "session" twice`},
		{desc: "more cookies than names", claims: "-1 session=V\n-1 session.sig=S\n-1 x=y", detail: "more than the 2 cookies"},
		{desc: "a trailing newline", claims: "-1 session=V\n", detail: "session value"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			got, why := decodeCookies(test.claims, names, 0)
			require.NotNil(t, why)
			assert.Nil(t, got)
			assert.Equal(t, reasonInvalid, why.category)
			assert.Contains(t, why.detail, test.detail)
		})
	}
}

// severalConfig makes an instance carry a cookie-session pair and a remember-me cookie.
func severalConfig(c *Config) {
	c.CookieNames = []string{"session", "session.sig", "remember"}
	c.Cookie.MaxAge = 600
}

func TestSeveralCookiesThroughALoginRedirect(t *testing.T) {
	backend := &recorder{respond: redirectTo("https://checkout.example.org/pay",
		"session=V; Path=/; Max-Age=1209600; HttpOnly", "session.sig=S; Path=/; Max-Age=1209600", "theme=dark")}
	src, _ := newTestHandler(t, backend, func(c *Config) { sourceConfig(c); severalConfig(c) })
	r := request(http.MethodPost, shopHost, "/login", client, "")
	r.Header.Set("Cookie", "remember=R; session=anonymous")
	rec := serve(src, r)
	require.Equal(t, http.StatusFound, rec.Code)
	loc := rec.Header().Get("Location")
	token := tokenFrom(t, loc, "_hs_")

	final := &recorder{}
	dst, clock := newTestHandler(t, final, severalConfig)
	clock.t = clock.t.Add(1500 * time.Millisecond)
	rec = serve(dst, request(http.MethodGet, checkout, "/pay?_hs_="+token, client, ""))
	require.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "http://checkout.example.org/pay", rec.Header().Get("Location"))
	assert.Equal(t, []string{
		"session=V; Max-Age=1209599; Path=/; HttpOnly; SameSite=Lax",
		"session.sig=S; Max-Age=1209599; Path=/; HttpOnly; SameSite=Lax",
		"remember=R; Max-Age=600; Path=/; HttpOnly; SameSite=Lax",
	}, rec.Header()["Set-Cookie"], "the lifetimes the login gave, less the token's travel; cookie.maxAge for the one it did not set")
}

func TestSeveralCookiesInjected(t *testing.T) {
	src, _ := newTestHandler(t, nil, func(c *Config) { sourceConfig(c); severalConfig(c) })
	r := request(http.MethodGet, shopHost, "/", client, "")
	r.Header.Set("Cookie", "session=V; session.sig=S")
	token, ok := issue(src, r, checkout, requestCookies(r, src.cookie.names))
	require.True(t, ok)

	backend := &recorder{}
	dst, _ := newTestHandler(t, backend, func(c *Config) { severalConfig(c); c.CleanURL = false })
	r = request(http.MethodGet, checkout, "/p?_hs_="+token, client, "")
	r.Header.Set("Cookie", "remember=STALE; session.sig=OLD; a=1")
	rec := serve(dst, r)
	require.Equal(t, 1, backend.calls)
	assert.Equal(t, []string{
		"session=V; Max-Age=600; Path=/; HttpOnly; SameSite=Lax",
		"session.sig=S; Max-Age=600; Path=/; HttpOnly; SameSite=Lax",
		"remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
	}, rec.Header()["Set-Cookie"], "a stale secondary cookie does not outlive the session that replaced it")
	got := backend.req.Cookies()
	byName := map[string]string{}
	for _, c := range got {
		byName[c.Name] = c.Value
	}
	assert.Equal(t, map[string]string{"session": "V", "session.sig": "S", "a": "1"}, byName)
	assert.Len(t, got, 3, "one of each")
}

func TestExistingSession(t *testing.T) {
	tests := []struct {
		desc     string
		existing string
		cookie   string
		set      bool
	}{
		{desc: "replace", existing: "replace", cookie: "_session_id=mine", set: true},
		{desc: "keep, with a session", existing: "keep", cookie: "_session_id=mine"},
		{desc: "keep, with an empty cookie", existing: "keep", cookie: "_session_id=", set: true},
		{desc: "keep, without a session", existing: "keep", cookie: "other=1", set: true},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			src, _ := newTestHandler(t, nil, sourceConfig)
			token := issueToken(t, src, client, "s1")
			dst, _ := newTestHandler(t, &recorder{}, func(c *Config) { c.OnExistingSession = test.existing; dies(c) })
			r := request(http.MethodGet, checkout, "/p?_hs_="+token, client, "")
			r.Header.Set("Cookie", test.cookie)
			rec := serve(dst, r)
			assert.Equal(t, http.StatusSeeOther, rec.Code)
			assert.Equal(t, "http://checkout.example.org/p", rec.Header().Get("Location"))
			if test.set {
				assert.Equal(t, []string{"_session_id=s1; Path=/; HttpOnly; SameSite=Lax"}, rec.Header()["Set-Cookie"])
			} else {
				assert.Empty(t, rec.Header()["Set-Cookie"], "the host's own session stays")
			}
			again := request(http.MethodGet, checkout, "/p?_hs_="+token, client, "")
			assert.Equal(t, http.StatusForbidden, serve(dst, again).Code, "the token is spent either way")
		})
	}
}

func TestNoTokenForATooLargeSession(t *testing.T) {
	var logged []string
	src, _ := newTestHandler(t, nil, func(c *Config) { sourceConfig(c); severalConfig(c) })
	src.debugf = func(format string, args ...interface{}) { logged = append(logged, fmt.Sprintf(format, args...)) }
	big := strings.Repeat("v", 3100)
	tests := []struct {
		desc    string
		cookies []sessionCookie
		ok      bool
		log     string
	}{
		{desc: "one large cookie", cookies: []sessionCookie{{"session", big, -1}}, ok: true},
		{desc: "two large cookies", cookies: []sessionCookie{{"session", big, -1}, {"session.sig", big, -1}}, log: "the session's 2 cookies make 6259 bytes of claims, over the 6111 a token of 8192 characters holds"},
		{desc: "a cookie over 4096 bytes", cookies: []sessionCookie{{"session", "V", -1}, {"remember", big + big, -1}}, log: "cookie remember is 6209 bytes with its name, over the 4096 browsers keep"},
		{desc: "no primary", log: "no session cookie session"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			logged = nil
			token, ok := issue(src, request(http.MethodGet, shopHost, "/", client, ""), checkout, test.cookies)
			assert.Equal(t, test.ok, ok)
			if !test.ok {
				assert.Empty(t, token)
				require.Len(t, logged, 1)
				assert.Contains(t, logged[0], "no token issued: "+test.log)
				assert.NotContains(t, logged[0], "vvvv", "never a value")
				return
			}
			assert.LessOrEqual(t, len(token), maxTokenChars)
		})
	}
}

func TestLargestTokenFitsTheQueryCaps(t *testing.T) {
	src, _ := newTestHandler(t, nil, func(c *Config) { sourceConfig(c); severalConfig(c) })
	// Three cookies whose claims fill the plaintext budget to the byte.
	fixed := len("1800000000000005000\n192.0.2.10\n\n") + len("-1 session=\n-1 session.sig=\n-1 remember=")
	value := strings.Repeat("v", (maxPlainBytes-fixed)/3)
	last := value + strings.Repeat("w", maxPlainBytes-fixed-3*len(value))
	cookies := []sessionCookie{{"session", value, -1}, {"session.sig", value, -1}, {"remember", last, -1}}
	token, ok := issue(src, request(http.MethodGet, shopHost, "/", client, ""), checkout, cookies)
	require.True(t, ok)
	assert.Equal(t, maxTokenChars, len(token), "the budget is exact")

	dst, _ := newTestHandler(t, &recorder{}, severalConfig)
	target := "/" + strings.Repeat("p", maxTargetURLBytes-len("https://checkout.example.org/?_hs_=")) + "?_hs_=" + token
	rec := serve(dst, request(http.MethodGet, checkout, target, client, ""))
	assert.Equal(t, http.StatusSeeOther, rec.Code, "the longest URL with the longest token is redeemed")
	assert.Len(t, rec.Header()["Set-Cookie"], 3)
}

// TestDecodeSessionFastPath: decodeSession's prefix matches for cookies
// whose lifetimes are unknown read what decodeCookies reads, and refuse
// what it refuses, for one cookie name and for several.
func TestDecodeSessionFastPath(t *testing.T) {
	claims := []string{
		"-1 session=V", "-1 session=a-b_c.d~e!f#$%&'()*+/:<=>?@[]^`{|}", "-1 session==", "-1 session=V=W",
		"-1 session=" + strings.Repeat("v", 4096-len("session=")),
		"-1 session=" + strings.Repeat("v", 4096-len("session")),
		"-1 session=", "-1 session=a b", "-1 session=a;b", "-1 session=a\nb", "-1 session=V\n",
		"-1 session=V\n-1 session.sig=S", "-1 session=V\n-1 session=W", "-1 session.sig=S", "-1 sessionX=V",
		"-1 session", "-1  session=V", "-01 session=V", "5 session=V", "0 session=V", "session=V", "",
		"-1 session=V\n-1 session.sig=S\n-1 remember=R", "-1 session=V\n-1 remember=R\n-1 session.sig=S",
		"-1 session=V\n-1 remember=R", "-1 session=V\n-1 session.sig=S\n-1 session.sig=T", "-1 session=V\n-1 remember=R\n-1 remember=R",
		"-1 session=V\n-1 session.sig=", "-1 session=V\n-1 session.sig=a b", "-1 session=V\n-1 session.sig=S=", "-1 session=\n-1 session.sig=S",
		"-1 session=V\n5 session.sig=S", "-1 session=V\n-1 session.sigX=S", "-1 session=V\n-1 session.si=S", "-1 session=V\n\n-1 session.sig=S",
		"-1 session=V\n-1 session.sig=S\n-1 remember=R\n-1 x=y", "-1 session=V\n-1 session.sig=S\n", "-1 session=V\n-1 session=W\n-1 remember=R",
		"-1 session=V\n-1 session.sig=" + strings.Repeat("s", 4096-len("session.sig=")),
		"-1 session=V\n-1 session.sig=" + strings.Repeat("s", 4096-len("session.sig")),
	}
	for _, names := range [][]string{{"session"}, {"session", "session.sig"}, {"session", "session.sig", "remember"}} {
		spec, err := newCookieSpec(names, CookieConfig{})
		require.NoError(t, err)
		for _, claim := range claims {
			for _, elapsed := range []int64{0, 2500} {
				want, wantWhy := decodeCookies(claim, names, elapsed)
				got, why := decodeSession(spec, claim, elapsed)
				assert.Equal(t, want, got, "%q with %v", claim, names)
				assert.Equal(t, wantWhy, why, "%q with %v", claim, names)
			}
		}
	}
}

// TestIssueRequestFastPath: issueRequest seals what issue seals for the
// cookies requestCookies reads, and issues nothing where issue issues nothing.
func TestIssueRequestFastPath(t *testing.T) {
	headers := []string{
		"", "_session_id=V", "theme=dark; _session_id=V; _session_id=W", "_session_id=", "_session_id=; _session_id=V",
		"_session_id=a b", `_session_id="quoted"`, "_session_id=" + strings.Repeat("v", 4096-len("_session_id=")),
		"_session_id=" + strings.Repeat("v", 4096-len("_session_id")), "other=V",
		"_session_id=V; theme=dark", "theme=dark; _session_id=V; theme=light", "_session_id=V; theme=", "theme=dark",
		`_session_id=V; theme="dark"`, "_session_id=V; theme=" + strings.Repeat("t", 4096-len("theme")),
		"_session_id=V; theme=" + strings.Repeat("t", 4096-len("theme=")), "_session_id=V; remember=R; theme=dark",
	}
	for _, edit := range []func(*Config){sourceConfig, func(c *Config) { sourceConfig(c); c.CookieNames = []string{"_session_id", "theme"} },
		func(c *Config) { sourceConfig(c); c.CookieNames = []string{"_session_id", "remember", "theme"} }} {
		h, _ := newTestHandler(t, nil, edit)
		for _, header := range headers {
			r := request(http.MethodGet, shopHost, "/", client, "")
			if header != "" {
				r.Header.Set("Cookie", header)
			}
			want, wantOK := issue(h, r, checkout, requestCookies(r, h.cookie.names))
			got, ok := issueRequest(h, r, checkout)
			require.Equal(t, wantOK, ok, "%q with %v", header, h.cookie.names)
			if !ok {
				assert.Empty(t, got)
				continue
			}
			wantClaims, err := openToken(h.codec, want, checkout)
			require.NoError(t, err)
			gotClaims, err := openToken(h.codec, got, checkout)
			require.NoError(t, err)
			assert.Equal(t, wantClaims.session, gotClaims.session, "%q with %v", header, h.cookie.names)
			assert.Equal(t, wantClaims.clientIP, gotClaims.clientIP)
		}
	}
}
