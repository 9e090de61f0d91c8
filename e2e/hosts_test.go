package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

func TestTargetsNotAllowed(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser("")
	b.SignIn(shopHost, "Grace")

	badTargets := []string{
		"http://evil.test/",
		"http://checkout.test.evil.test/",
		"http://evilcheckout.test/",
		"http://checkout.test@evil.test/",
		"//checkout.test/",
		"/relative",
		"https:/checkout.test/",
		"javascript:alert(1)//checkout.test",
		"ftp://checkout.test/",
		"http://checkout.test\r\nSet-Cookie: x=y/",
		"http://" + shopHost + "/", // the shop is not a target of itself
	}
	for _, to := range badTargets {
		t.Run("hand-off to "+to, func(t *testing.T) {
			h := b.WithT(t).Get("http://" + shopHost + "/_session/handoff?" + url.Values{"to": {to}}.Encode())
			assert.Equal(t, http.StatusBadRequest, h.Status, h.Body)
			assert.Empty(t, h.Header.Get("Location"))
			assert.NotContains(t, h.Body, harness.TokenParam)
		})
	}

	t.Run("hand-off without exactly one to", func(t *testing.T) {
		for _, q := range []string{"", "?to=", "?to=http://checkout.test/&to=http://checkout.test/"} {
			h := b.WithT(t).Get("http://" + shopHost + "/_session/handoff" + q)
			assert.Equal(t, http.StatusBadRequest, h.Status, "query %q: %s", q, h.Body)
		}
	})

	t.Run("hand-off by POST", func(t *testing.T) {
		h := b.WithT(t).Send(http.MethodPost, "http://"+shopHost+"/_session/handoff?to=http://checkout.test/", url.Values{})
		assert.Equal(t, http.StatusMethodNotAllowed, h.Status, h.Body)
	})

	t.Run("a shop that may not hand sessions to the checkout", func(t *testing.T) {
		n := e.newBrowser("").WithT(t)
		n.SignIn(shopNarrow, "Heidi")
		h := n.Get("http://" + shopNarrow + "/_session/handoff?" + url.Values{"to": {"http://" + checkoutHost + "/"}}.Encode())
		assert.Equal(t, http.StatusBadRequest, h.Status, h.Body)

		pay := n.Send(http.MethodPost, "http://"+shopNarrow+"/pay", url.Values{})
		require.Equal(t, http.StatusFound, pay.Status)
		assert.Equal(t, "http://"+checkoutHost+"/?from=pay", pay.Header.Get("Location"), "Location untouched")

		loc := n.Handoff(shopNarrow, "http://"+checkoutAlt+"/")
		assert.NotEmpty(t, harness.Token(loc), "its one allowed target still gets a token")
	})

	t.Run("a plain GET redirect to an allowed target carries a token", func(t *testing.T) {
		h := b.WithT(t).Get("http://" + shopHost + "/_debug/redirect")
		require.Equal(t, http.StatusFound, h.Status)
		assert.NotEmpty(t, harness.Token(h.Header.Get("Location")), "Location %q", h.Header.Get("Location"))
	})

	t.Run("redirects of fetches and subresources carry no token", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, "http://"+shopHost+"/_debug/redirect", nil)
		require.NoError(t, err)
		req.Header.Set("Sec-Fetch-Mode", "cors")
		resp, err := b.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusFound, resp.StatusCode)
		assert.Equal(t, "http://"+checkoutHost+"/", resp.Header.Get("Location"))
	})
}
