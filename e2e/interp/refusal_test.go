package interp

import (
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
		}},
		{"wrong client address", "wrong client", func(t *testing.T) (*http.Request, settings) {
			return arrival(fresh(t), otherAddr, ""), receiver
		}},
		{"another host", "invalid", func(t *testing.T) (*http.Request, settings) {
			return at("other.test", tokenParam+"="+fresh(t), clientAddr), receiver
		}},
		{"tampered", "invalid", func(t *testing.T) (*http.Request, settings) {
			token := []byte(fresh(t))
			i := len(token) / 2
			if token[i] == 'A' {
				token[i] = 'B'
			} else {
				token[i] = 'A'
			}
			return arrival(string(token), clientAddr, ""), receiver
		}},
		{"truncated", "invalid", func(t *testing.T) (*http.Request, settings) {
			token := fresh(t)
			return arrival(token[:len(token)-4], clientAddr, ""), receiver
		}},
		{"truncated below the header", "invalid", func(t *testing.T) (*http.Request, settings) {
			return arrival(fresh(t)[:20], clientAddr, ""), receiver
		}},
		{"unknown secret", "invalid", func(t *testing.T) (*http.Request, settings) {
			return arrival(fresh(t), clientAddr, ""), receiver.with("secret", otherSecret)
		}},
		{"expired", "expired", func(t *testing.T) (*http.Request, settings) {
			token := issue(t, source.with("tokenLifetime", "50ms"), clientAddr, session)
			time.Sleep(80 * time.Millisecond)
			return arrival(token, clientAddr, ""), receiver
		}},
		{"expired by the receiver's shorter lifetime", "expired", func(t *testing.T) (*http.Request, settings) {
			token := fresh(t)
			time.Sleep(80 * time.Millisecond)
			return arrival(token, clientAddr, ""), receiver.with("tokenLifetime", "0.05")
		}},
		{"duplicated parameter", "invalid", func(t *testing.T) (*http.Request, settings) {
			token := fresh(t)
			return at(checkoutHost, tokenParam+"="+token+"&"+tokenParam+"="+token, clientAddr), receiver
		}},
		{"duplicated, one percent-encoded", "invalid", func(t *testing.T) (*http.Request, settings) {
			token := fresh(t)
			return at(checkoutHost, tokenParam+"="+token+"&%5Fhs%5F="+token, clientAddr), receiver
		}},
		{"oversize", "invalid", func(t *testing.T) (*http.Request, settings) {
			return arrival(strings.Repeat("A", 9000), clientAddr, ""), receiver
		}},
		{"empty", "invalid", func(t *testing.T) (*http.Request, settings) {
			return arrival("", clientAddr, ""), receiver
		}},
		{"standard base64 alphabet", "invalid", func(t *testing.T) (*http.Request, settings) {
			// The appended "+/" makes it non-URL-safe even when the random
			// token happens to hold no '-' or '_'.
			token := strings.NewReplacer("-", "+", "_", "/").Replace(fresh(t)) + "+/"
			return at(checkoutHost, tokenParam+"="+token, clientAddr), receiver
		}},
		{"malformed query", "invalid", func(t *testing.T) (*http.Request, settings) {
			return at(checkoutHost, tokenParam+"="+fresh(t)+"&"+tokenParam+"=%zz", clientAddr), receiver
		}},
	}
}

// TestRefusals: every bad token is refused by the interpreted receiver with
// a 403 and its reason when dieOnHandshakeFailure is true, and stripped
// (backend called, no session injected) when it is false.
func TestRefusals(t *testing.T) {
	p := sessionInjector(t)
	for _, die := range []bool{true, false} {
		for _, tc := range refusalCases() {
			name := tc.name + "/die=false"
			if die {
				name = tc.name + "/die=true"
			}
			t.Run(name, func(t *testing.T) {
				r, cfg := tc.setup(t)
				cfg = cfg.with("dieOnHandshakeFailure", die)
				b := &backend{}
				h := build(t, cfg, b)
				logged := len(p.Stdout.String())
				rec := serve(t, h, r)

				assert.Empty(t, rec.Header().Values("Set-Cookie"), "no session cookie on a refusal")
				assert.Contains(t, p.Stdout.String()[logged:], `sessioninjector "si-`+t.Name()+`": handoff refused (`+tc.reason+`)`)
				if die {
					assert.Equal(t, http.StatusForbidden, rec.Code)
					assert.Equal(t, "session handoff refused: "+tc.reason+"\n", rec.Body.String())
					assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
					assert.Zero(t, b.calls())
					return
				}
				require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
				require.Equal(t, 1, b.calls())
				got := b.last(t)
				assert.NotContains(t, got.rawQuery, tokenParam)
				assert.NotContains(t, strings.ToLower(got.rawQuery), "%5fhs%5f")
				assert.NotContains(t, got.requestURI, tokenParam)
				assert.True(t, strings.HasPrefix(got.rawQuery, "a=1"), "other parameters kept: %q", got.rawQuery)
				assert.Empty(t, got.cookies, "no session injected")
			})
		}
	}
}
