package sessioninjector

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPullEndpoint(t *testing.T) {
	const back = "https://checkout.example.org/account?x=1#top"
	state := strings.Repeat("S", 92)
	q := func(ret, st string) string { return "return=" + url.QueryEscape(ret) + "&state=" + st }
	tests := []struct {
		desc     string
		method   string
		query    string
		session  string
		http     bool
		header   http.Header
		edit     func(*Config)
		status   int
		location string // the Location before the answer; "" with an error
		answered bool
		body     string
	}{
		{desc: "with a session", query: q(back, state), session: "s1", status: http.StatusSeeOther, location: "https://checkout.example.org/account?x=1&_hs_=", answered: true},
		{desc: "without a session", query: q(back, state), status: http.StatusSeeOther, location: "https://checkout.example.org/account?x=1&_hs_=", answered: true},
		{desc: "HEAD", method: http.MethodHead, query: q(back, state), session: "s1", status: http.StatusSeeOther, answered: true, location: "https://checkout.example.org/account?x=1&_hs_="},
		{desc: "parameters in the other order", query: "state=" + state + "&return=" + url.QueryEscape("https://checkout.example.org/a"), status: http.StatusSeeOther, answered: true,
			location: "https://checkout.example.org/a?_hs_="},
		{desc: "a state of 512 characters", query: q(back, strings.Repeat("a", maxStateChars)), status: http.StatusSeeOther, answered: true, location: "https://checkout.example.org/account?x=1&_hs_="},
		{desc: "a wildcard target", query: q("https://a.example.net/", state), session: "s1", status: http.StatusSeeOther, answered: true, location: "https://a.example.net/?_hs_="},
		{desc: "a foreign token in return is replaced", query: q("https://checkout.example.org/a?_hs_=ATTACKER", state), session: "s1", status: http.StatusSeeOther,
			answered: true, location: "https://checkout.example.org/a?_hs_="},
		{desc: "POST", method: http.MethodPost, query: q(back, state), session: "s1", status: http.StatusMethodNotAllowed},
		{desc: "a fetch", query: q(back, state), session: "s1", header: http.Header{"Sec-Fetch-Mode": {"cors"}}, status: http.StatusBadRequest},
		{desc: "an image", query: q(back, state), session: "s1", header: http.Header{"Sec-Fetch-Mode": {"no-cors"}}, status: http.StatusBadRequest},
		{desc: "missing return", query: "state=" + state + "&to=" + url.QueryEscape(back), status: http.StatusBadRequest, body: "session pull: exactly one 'return' parameter is required\n"},
		{desc: "empty return", query: q("", state) + "&to=" + url.QueryEscape(back), status: http.StatusBadRequest, body: "session pull: exactly one 'return' parameter is required\n"},
		{desc: "two returns", query: q(back, state) + "&return=" + url.QueryEscape("https://evil.example/"), status: http.StatusBadRequest},
		{desc: "a malformed query", query: q(back, state) + "&x=%zz", status: http.StatusBadRequest},
		{desc: "missing state", query: "return=" + url.QueryEscape(back), status: http.StatusBadRequest, body: pullBadState},
		{desc: "empty state", query: q(back, ""), status: http.StatusBadRequest, body: pullBadState},
		{desc: "two states", query: q(back, state) + "&state=" + state, status: http.StatusBadRequest, body: pullBadState},
		{desc: "a state over 512 characters", query: q(back, strings.Repeat("a", maxStateChars+1)), status: http.StatusBadRequest, body: pullBadState},
		{desc: "a state outside base64url", query: q(back, "abc%2Bdef"), status: http.StatusBadRequest, body: pullBadState},
		{desc: "a padded state", query: q(back, "abc%3D"), status: http.StatusBadRequest, body: pullBadState},
		{desc: "a state with a dot", query: q(back, "abc.def"), status: http.StatusBadRequest, body: pullBadState},
		{desc: "a relative return", query: q("/account", state), status: http.StatusBadRequest},
		{desc: "a protocol-relative return", query: q("//checkout.example.org/", state), status: http.StatusBadRequest},
		{desc: "a host not allowed", query: q("https://evil.example/", state), session: "s1", status: http.StatusBadRequest,
			body: "session pull: 'return' must be an absolute http(s) URL to an allowed host\n"},
		{desc: "the source itself", query: q("https://shop.example.com/", state), session: "s1", status: http.StatusBadRequest},
		{desc: "a look-alike host", query: q("https://checkout.example.org.evil.example/", state), session: "s1", status: http.StatusBadRequest},
		{desc: "userinfo", query: q("https://checkout.example.org@evil.example/", state), session: "s1", status: http.StatusBadRequest},
		{desc: "a backslash", query: q("https://checkout.example.org\\@evil.example/", state), session: "s1", status: http.StatusBadRequest},
		{desc: "javascript", query: q("javascript:alert(1)", state), session: "s1", status: http.StatusBadRequest},
		{desc: "an http return after https", query: q("http://checkout.example.org/account", state), session: "s1", status: http.StatusBadRequest,
			body: "session pull: 'return' must be an https:// URL: an http:// target after a request over HTTPS\n"},
		{desc: "an http return after https, insecure targets allowed", query: q("http://checkout.example.org/account", state), session: "s1",
			edit: func(c *Config) { c.AllowInsecureTargets = true }, status: http.StatusBadRequest},
		{desc: "an http return over http, not loopback", query: q("http://checkout.example.org/account", state), http: true, session: "s1", status: http.StatusBadRequest},
		{desc: "an http loopback return over http", query: q("http://checkout.localhost:8080/account", state), http: true, session: "s1",
			edit: func(c *Config) { c.TargetDomains = []string{"checkout.localhost"} }, status: http.StatusSeeOther, answered: true,
			location: "http://checkout.localhost:8080/account?_hs_="},
		{desc: "a return over the cap", query: q("https://checkout.example.org/?q="+strings.Repeat("a", maxTargetURLBytes), state), status: http.StatusBadRequest, body: pullReturnTooLarge},
		{desc: "a query over the cap", query: q(back, state) + "&x=" + strings.Repeat("a", maxQueryBytes), status: http.StatusBadRequest, body: pullQueryTooLarge},
		{desc: "a session too large for a browser gets no answer", query: q(back, state), session: strings.Repeat("s", maxCookieBytes), status: http.StatusSeeOther,
			location: "https://checkout.example.org/account?x=1#top"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			backend := &recorder{}
			src, _ := newTestHandler(t, backend, func(c *Config) {
				sourceConfig(c)
				if test.edit != nil {
					test.edit(c)
				}
			})
			method := test.method
			if method == "" {
				method = http.MethodGet
			}
			r := request(method, shopHost, "/_session/pull?"+test.query, client, test.session)
			r.Header.Set("Sec-Fetch-Mode", "navigate")
			if !test.http {
				r.Header.Set("X-Forwarded-Proto", "https")
			}
			for k, v := range test.header {
				r.Header[k] = v
			}
			rec := serve(src, r)
			assert.Equal(t, 0, backend.calls, "the backend never sees the pull endpoint")
			assert.Equal(t, test.status, rec.Code, rec.Body.String())
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
			assert.Empty(t, rec.Header().Values("Set-Cookie"))
			loc := rec.Header().Get("Location")
			switch {
			case test.status != http.StatusSeeOther:
				assert.Empty(t, loc)
				assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
				if test.status == http.StatusMethodNotAllowed {
					assert.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))
				}
				if test.body != "" {
					assert.Equal(t, test.body, rec.Body.String())
				}
			case test.answered:
				require.True(t, strings.HasPrefix(loc, test.location), loc)
				assert.Equal(t, 1, strings.Count(loc, "_hs_="), loc)
				host, _, ok := targetHost(src.targets, loc, false)
				require.True(t, ok)
				plain, _, err := openAs(src.codec, pullAnswer, tokenFrom(t, loc, "_hs_"), host)
				require.NoError(t, err, "sealed for the return URL's host")
				f := strings.SplitN(plain, "\n", 5)
				require.Len(t, f, 5)
				assert.Empty(t, f[3], "no issuer: the source does not sign out everywhere")
				assert.Equal(t, "192.0.2.10", f[1], "bound to the client")
				sent, _ := url.ParseQuery(test.query)
				assert.Equal(t, sent.Get("state"), f[2], "the state comes back as it was sent")
				if test.session != "" {
					assert.Equal(t, "-1 _session_id="+test.session, f[4])
				} else {
					assert.Equal(t, noSessionMark, f[4])
				}
				_, err = openToken(src.codec, tokenFrom(t, loc, "_hs_"), host)
				assert.Error(t, err, "a pull answer never opens as a handoff token")
				if strings.Contains(test.query, "top") {
					assert.True(t, strings.HasSuffix(loc, "#top"), "the fragment stays last: %q", loc)
				}
			default:
				assert.Equal(t, test.location, loc)
			}
		})
	}
}

func TestPullEndpointReach(t *testing.T) {
	query := "?return=" + url.QueryEscape("https://checkout.example.org/") + "&state=abc"
	tests := []struct {
		desc     string
		edit     func(*Config)
		target   string
		endpoint bool
	}{
		{desc: "a source", edit: sourceConfig, target: "/_session/pull" + query, endpoint: true},
		{desc: "a custom path", edit: func(c *Config) { sourceConfig(c); c.PullPath = "/pull" }, target: "/pull" + query, endpoint: true},
		{desc: "the default path moved", edit: func(c *Config) { sourceConfig(c); c.PullPath = "/pull" }, target: "/_session/pull" + query},
		{desc: "disabled", edit: func(c *Config) { sourceConfig(c); c.PullPath = "" }, target: "/_session/pull" + query},
		{desc: "receive only", target: "/_session/pull" + query},
		{desc: "a query without a percent-encoding goes to the backend", edit: sourceConfig, target: "/_session/pull?return=https://checkout.example.org/&state=abc"},
		{desc: "no query goes to the backend", edit: sourceConfig, target: "/_session/pull"},
		{desc: "a percent-encoding and state alone are refused", edit: sourceConfig, target: "/_session/pull?state=abc&x=%20", endpoint: true},
		{desc: "the token parameter alone is refused", edit: sourceConfig, target: "/_session/pull?_hs_=x&_hs_=y", endpoint: true},
		{desc: "an OAuth callback elsewhere goes to the backend", edit: sourceConfig, target: "/callback?code=1&state=abc"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			backend := &recorder{}
			h, _ := newTestHandler(t, backend, test.edit)
			rec := serve(h, httpsNav(shopHost, test.target, "s1"))
			if test.endpoint {
				assert.Equal(t, 0, backend.calls)
				assert.Contains(t, []int{http.StatusSeeOther, http.StatusBadRequest}, rec.Code)
			} else {
				assert.Equal(t, 1, backend.calls)
				assert.Equal(t, http.StatusOK, rec.Code)
			}
		})
	}
}

// backURL is where the pulls of TestPullFinish start.
const backURL = "https://checkout.example.org/account/x?y=1"

// pulled is a pull started and answered: the Location to the source, the
// answer's Location and the state cookie's value.
type pulled struct{ start, loc, nonce string }
