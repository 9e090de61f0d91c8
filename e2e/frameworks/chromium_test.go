package frameworks

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/browser"
	"github.com/session-injector/sessioninjector/e2e/harness"
)

// chromiumApps are the apps whose sign-in TestChromium walks in a real
// browser: a server-side session and a session kept in two cookies.
var chromiumApps = []string{"django", "cookie-session"}

// chromiumJourneyTimeout bounds one journey in the browser.
const chromiumJourneyTimeout = 60 * time.Second

// chromiumPage is what the test reads of the page in the browser.
type chromiumPage struct {
	Href  string `json:"href"`
	Ready string `json:"ready"`
	Text  string `json:"text"`
	Form  bool   `json:"form"` // the sign-in form is on the page
}

const chromiumPageJS = `({href: location.href, ready: document.readyState,
	text: document.body ? document.body.innerText : "",
	form: !!document.querySelector('form[action="/login"] input[name="username"]')})`

// TestChromium signs in through each chosen app's real form in headless
// Chromium, on the shop with next set to the checkout, and checks that
// the browser arrives signed in on the checkout, at the clean URL, holding
// the session's cookies host-only for the checkout.
func TestChromium(t *testing.T) {
	harness.Chromium(t) // skip early (or fail under CI) without it
	byName := map[string]App{}
	for _, a := range Apps() {
		byName[a.Name] = a
	}
	for _, name := range chromiumApps {
		app, ok := byName[name]
		require.True(t, ok, "no app %s", name)
		t.Run(name, func(t *testing.T) {
			site := StartSite(t, app)
			tab := browser.Start(t, site.Traefik.WebAddr)
			ctx, cancel := context.WithTimeout(tab, chromiumJourneyTimeout)
			defer cancel()

			require.NoError(t, browser.Open(ctx, ShopURL+"/login?next="+url.QueryEscape(checkoutAccount)))
			st := waitForChromium(ctx, t, "the sign-in form", func(p chromiumPage) bool { return p.Form })
			assert.Contains(t, st.Text, "Sign in on "+harness.ShopHost)
			require.NoError(t, chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="username"]`), "alice"),
				chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="password"]`), "alice-password"),
				chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
			), "fill in the form and press Sign in")

			st = waitForChromium(ctx, t, "the checkout's account page", func(p chromiumPage) bool {
				return strings.HasPrefix(p.Href, CheckoutURL+"/") && strings.Contains(p.Text, "Host: ")
			})
			assert.Contains(t, st.Text, "Signed in as alice")
			assert.Contains(t, st.Text, "Host: "+harness.CheckoutHost)
			assert.Equal(t, checkoutAccount, st.Href, "the address bar shows the clean URL")
			assert.NotContains(t, st.Href, harness.TokenParam)

			for _, name := range app.CookieNames {
				c, err := browser.Cookie(ctx, CheckoutURL+"/", name)
				if !assert.NoError(t, err, "the browser holds %s for the checkout", name) {
					continue
				}
				assert.Equal(t, harness.CheckoutHost, c.Domain, "%s host-only (no leading dot)", name)
				assert.Equal(t, "/", c.Path, name)
				assert.True(t, c.HTTPOnly, "%s HttpOnly", name)
				assert.False(t, c.Secure, "%s not Secure over plain HTTP", name)
				shop, err := browser.Cookie(ctx, ShopURL+"/", name)
				if assert.NoError(t, err, "the browser holds %s for the shop", name) {
					assert.Equal(t, shop.Value, c.Value, "%s carried from the shop", name)
					assert.Equal(t, shop.Session, c.Session, "%s persistent on both hosts or on neither", name)
				}
			}
		})
	}
}

// waitForChromium waits until the tab has loaded a page that done accepts.
func waitForChromium(ctx context.Context, t *testing.T, what string, done func(chromiumPage) bool) chromiumPage {
	t.Helper()
	st, err := browser.WaitFor(ctx, chromiumPageJS, func(p chromiumPage) bool { return p.Ready == "complete" && done(p) })
	require.NoError(t, err, "waiting for %s", what)
	return st
}
