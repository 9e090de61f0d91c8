package interp

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refusalCase makes a request that must be refused, and the configuration
// of the instance that receives it (dieOnHandshakeFailure added by the test).
type refusalCase struct {
	name   string
	reason string
	setup  func(t *testing.T) (*http.Request, settings)
	// early: the query itself is refused, before the request is asked
	// whether it is a navigation.
	early bool
}

func refusalCases() []refusalCase {
	const session = "sess-refused-a0b1"
	markSensitive(session)
	fresh := func(t *testing.T) string { return issue(t, source, clientAddr, session) }
	at := func(host, rawQuery, remote string) *http.Request {
		return navigation(host, "/welcome?a=1&"+rawQuery, remote, "")
	}
	return []refusalCase{
		{"replay", "already used", func(t *testing.T) (*http.Request, settings) {
			token := fresh(t)
			first := serve(t, build(t, receiver, &backend{}), arrival(token, clientAddr, ""))
			require.Equal(t, http.StatusSeeOther, first.Code, "the first redemption succeeds")
			return arrival(token, clientAddr, ""), receiver
		}, false},
		{"wrong client address", "wrong client", func(t *testing.T) (*http.Request, settings) {
			return arrival(fresh(t), otherAddr, ""), receiver
		}, false},
		{"another host", "invalid", func(t *testing.T) (*http.Request, settings) {
			return at("other.test", tokenParam+"="+fresh(t), clientAddr), receiver
		}, false},
		{"tampered", "invalid", func(t *testing.T) (*http.Request, settings) {
			token := []byte(fresh(t))
			i := len(token) / 2
			if token[i] == 'A' {
				token[i] = 'B'
			} else {
				token[i] = 'A'
			}
			return arrival(string(token), clientAddr, ""), receiver
		}, false},
		{"truncated", "invalid", func(t *testing.T) (*http.Request, settings) {
			token := fresh(t)
			return arrival(token[:len(token)-4], clientAddr, ""), receiver
		}, false},
		{"truncated below the header", "invalid", func(t *testing.T) (*http.Request, settings) {
			return arrival(fresh(t)[:20], clientAddr, ""), receiver
		}, false},
		{"unknown secret", "invalid", func(t *testing.T) (*http.Request, settings) {
			return arrival(fresh(t), clientAddr, ""), receiver.with("secret", otherSecret)
		}, false},
		{"expired", "expired", func(t *testing.T) (*http.Request, settings) {
			token := issue(t, source.with("tokenLifetime", "50ms"), clientAddr, session)
			time.Sleep(80 * time.Millisecond)
			return arrival(token, clientAddr, ""), receiver
		}, false},
		{"expired by the receiver's shorter lifetime", "expired", func(t *testing.T) (*http.Request, settings) {
			token := fresh(t)
			time.Sleep(80 * time.Millisecond)
			return arrival(token, clientAddr, ""), receiver.with("tokenLifetime", "0.05")
		}, false},
		{"duplicated parameter", "invalid", func(t *testing.T) (*http.Request, settings) {
			token := fresh(t)
			return at(checkoutHost, tokenParam+"="+token+"&"+tokenParam+"="+token, clientAddr), receiver
		}, true},
		{"duplicated, one percent-encoded", "invalid", func(t *testing.T) (*http.Request, settings) {
			token := fresh(t)
			return at(checkoutHost, tokenParam+"="+token+"&%5Fhs%5F="+token, clientAddr), receiver
		}, true},
		{"oversize", "invalid", func(t *testing.T) (*http.Request, settings) {
			return arrival(strings.Repeat("A", 9000), clientAddr, ""), receiver
		}, false},
		{"empty", "invalid", func(t *testing.T) (*http.Request, settings) {
			return arrival("", clientAddr, ""), receiver
		}, false},
		{"standard base64 alphabet", "invalid", func(t *testing.T) (*http.Request, settings) {
			// The appended "+/" makes it non-URL-safe even when the random
			// token happens to hold no '-' or '_'.
			token := strings.NewReplacer("-", "+", "_", "/").Replace(fresh(t)) + "+/"
			return at(checkoutHost, tokenParam+"="+token, clientAddr), receiver
		}, false},
		{"malformed query", "invalid", func(t *testing.T) (*http.Request, settings) {
			return at(checkoutHost, tokenParam+"="+fresh(t)+"&"+tokenParam+"=%zz", clientAddr), receiver
		}, true},
	}
}

// requestKinds are the requests a refused token can arrive with: a GET
// or HEAD navigation (led on to the URL without the token by default), a
// navigation with another method, and a fetch, which is no navigation and
// is refused for that before its token is looked at.
var requestKinds = []struct {
	name       string
	edit       func(r *http.Request)
	navigation bool
	getOrHead  bool
}{
	{name: "GET navigation", edit: func(*http.Request) {}, navigation: true, getOrHead: true},
	{name: "HEAD navigation", edit: func(r *http.Request) { r.Method = http.MethodHead }, navigation: true, getOrHead: true},
	{name: "POST navigation", edit: func(r *http.Request) { r.Method = http.MethodPost }, navigation: true},
	{name: "fetch", edit: func(r *http.Request) {
		r.Header.Set("Sec-Fetch-Mode", "cors")
		r.Header.Set("Accept", "*/*")
	}},
}

// TestRefusals: every bad token is refused by the interpreted receiver,
// and the log says why. With dieOnHandshakeFailure true a navigation gets
// the HTML page naming the reason and linking to the URL without the
// token, any other request the plain-text 403; by default a GET or HEAD
// navigation is sent there with a 303 (following it never brings the
// refusal back), and any other request reaches the backend stripped of
// the token, without a session.
func TestRefusals(t *testing.T) {
	p := sessionInjector(t)
	for _, die := range []bool{true, false} {
		for _, kind := range requestKinds {
			for _, tc := range refusalCases() {
				t.Run(fmt.Sprintf("%s/%s/die=%v", tc.name, kind.name, die), func(t *testing.T) {
					r, cfg := tc.setup(t)
					kind.edit(r)
					reason := tc.reason
					if !kind.navigation && !tc.early {
						reason = "not a navigation"
					}
					next := "http://" + r.Host + "/welcome?a=1"
					cfg = cfg.with("dieOnHandshakeFailure", die)
					b := &backend{}
					h := build(t, cfg, b)
					logged := len(p.Stdout.String())
					rec := serve(t, h, r)

					assert.Empty(t, rec.Header().Values("Set-Cookie"), "no session cookie on a refusal")
					assert.Contains(t, p.Stdout.String()[logged:], `sessioninjector "si-`+t.Name()+`": handoff refused (`+reason+`)`)
					switch {
					case die && kind.navigation:
						assertRefusalPage(t, rec, reason, next)
						assert.Zero(t, b.calls())
					case die:
						assertPlainRefusal(t, rec, reason)
						assert.Zero(t, b.calls())
					case kind.getOrHead:
						assertRefusalRedirect(t, rec, next)
						assert.Zero(t, b.calls())
						again := serve(t, h, navigation(r.Host, strings.TrimPrefix(next, "http://"+r.Host), r.RemoteAddr, ""))
						assert.Equal(t, http.StatusOK, again.Code, "the URL led to is no refusal: %s", again.Body.String())
						assert.Equal(t, 1, b.calls())
					default:
						require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
						require.Equal(t, 1, b.calls())
						got := b.last(t)
						assert.NotContains(t, got.rawQuery, tokenParam)
						assert.NotContains(t, strings.ToLower(got.rawQuery), "%5fhs%5f")
						assert.NotContains(t, got.requestURI, tokenParam)
						assert.True(t, strings.HasPrefix(got.rawQuery, "a=1"), "other parameters kept: %q", got.rawQuery)
						assert.Empty(t, got.cookies, "no session injected")
						assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "the tokened URL stays out of caches")
					}
				})
			}
		}
	}
}
