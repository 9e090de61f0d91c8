package interp

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
