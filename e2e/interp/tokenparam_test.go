package interp

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQueryMentioningTheTokenName: a query that merely contains the token
// parameter's name (in a value, inside another parameter's name, or in an
// encoded return URL) carries no token and must pass to the backend
// unchanged. With the default dieOnHandshakeFailure the plugin answers 403
// instead: ServeHTTP routes any RawQuery containing the substring "_hs_"
// to receive, and verify refuses "0 token parameters, want exactly one".
func TestQueryMentioningTheTokenName(t *testing.T) {
	for _, q := range []string{
		"q=my_hs_notes",
		"x_hs_=1",
		"utm_hs_campaign=spring",
		"next=%2Fcart%3F_hs_%3Dabc", // a login return URL that held a token
	} {
		t.Run(q, func(t *testing.T) {
			b := &backend{}
			rec := serve(t, build(t, receiver, b), navigation(checkoutHost, "/search?"+q, clientAddr, ""))
			assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Equal(t, 1, b.calls())
			assert.Equal(t, q, b.last(t).rawQuery)
		})
	}
}

// TestPercentEncodedTokenName: "%5Fhs%5F=<token>" is the token parameter
// to url.ParseQuery (and to withoutParam, which strips it), but ServeHTTP
// only looks for the literal "_hs_", so a valid token under the encoded
// name is neither redeemed nor stripped and reaches the backend (and its
// access log) in the query.
func TestPercentEncodedTokenName(t *testing.T) {
	token := issue(t, source, clientAddr, "sess-encoded-2c2c")
	for _, name := range []string{"%5Fhs%5F", "%5fhs_", "_h%73_"} {
		t.Run(name, func(t *testing.T) {
			b := &backend{}
			serve(t, build(t, receiver, b), navigation(checkoutHost, "/welcome?"+name+"="+token, clientAddr, ""))
			if b.calls() > 0 {
				assert.False(t, strings.Contains(b.last(t).rawQuery, token), "the token reached the backend under %q", name)
			}
		})
	}
}
