package harness

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// Token returns the token in a URL's query (TokenParam), or "".
func Token(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Query().Get(TokenParam)
}

// WithToken returns rawURL with its token replaced by tok (raw, unescaped).
func WithToken(t testing.TB, rawURL, tok string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	q := u.Query()
	q.Set(TokenParam, tok)
	u.RawQuery = q.Encode()
	return u.String()
}

// SessionCookies returns the session cookies (SessionCookie) a hop's
// response sets.
func SessionCookies(h Hop) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range (&http.Response{Header: h.Header}).Cookies() {
		if c.Name == SessionCookie {
			out = append(out, c)
		}
	}
	return out
}
