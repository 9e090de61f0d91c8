package browser

import (
	"context"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// journeyTimeout bounds one journey in the browser.
const journeyTimeout = 60 * time.Second

// demoScreenshotEnv names a file that gets the screenshot of the checkout
// after a hand-off (relative paths from the repository root); unset, only
// e2e/out/screenshots/ gets it.
const demoScreenshotEnv = "DEMO_SCREENSHOT"

// pageState is what the tests read of the page in the browser: the
// address bar and what the demo page says.
type pageState struct {
	Href     string `json:"href"`  // location.href: the address bar
	Ready    string `json:"ready"` // document.readyState
	Title    string `json:"title"`
	User     string `json:"user"`     // "Signed in as …"
	Origin   string `json:"origin"`   // where the session cookie came from
	Cookie   string `json:"cookie"`   // the cookie as the page shows it
	TokenURL string `json:"tokenURL"` // the hand-off's first URL, token elided
	CleanURL string `json:"cleanURL"` // where the plugin's 303 pointed
	Text     string `json:"text"`     // the body's text
}

// pageStateJS yields a pageState.
const pageStateJS = `(() => {
	const text = id => { const el = document.getElementById(id); return el ? el.textContent.trim() : ""; };
	return {href: location.href, ready: document.readyState, title: document.title,
		user: text("user"), origin: text("origin"), cookie: text("cookie-value"),
		tokenURL: text("hop-token-url"), cleanURL: text("hop-clean-url"),
		text: document.body ? document.body.innerText : ""};
})()`

// waitForPage waits until the tab has loaded a page that done accepts.
func waitForPage(ctx context.Context, t *testing.T, what string, done func(pageState) bool) pageState {
	t.Helper()
	st, err := WaitFor(ctx, pageStateJS, func(st pageState) bool { return st.Ready == "complete" && done(st) })
	require.NoError(t, err, "waiting for %s", what)
	return st
}

// titled accepts a page with the given title.
func titled(title string) func(pageState) bool {
	return func(st pageState) bool { return st.Title == title }
}

// autoSubmit is a data: page that posts a form to action at once.
func autoSubmit(action string, fields url.Values) string {
	form := `<form id="f" method="post" action="` + html.EscapeString(action) + `">`
	for k, vs := range fields {
		for _, v := range vs {
			form += `<input type="hidden" name="` + html.EscapeString(k) + `" value="` + html.EscapeString(v) + `">`
		}
	}
	form += `</form><script>document.getElementById("f").submit()</script>`
	return "data:text/html," + url.PathEscape(form)
}

// shortened is a cookie value as the demo pages show it.
func shortened(v string) string {
	if len(v) <= 14 {
		return v
	}
	return v[:6] + "…" + v[len(v)-4:]
}

// saveScreenshot checks a screenshot and writes it to
// e2e/out/screenshots/name.png (not under version control), and to the
// file DEMO_SCREENSHOT names when it is set.
func saveScreenshot(t *testing.T, name string, shot []byte) {
	t.Helper()
	img, err := DecodePNG(shot)
	require.NoError(t, err)
	assert.Equal(t, ViewportWidth, img.Bounds().Dx(), "screenshot width")
	assert.Equal(t, ViewportHeight, img.Bounds().Dy(), "screenshot height")

	out, err := harness.SaveDir()
	require.NoError(t, err)
	paths := []string{filepath.Join(out, "screenshots", name+".png")}
	if demo := os.Getenv(demoScreenshotEnv); demo != "" {
		if !filepath.IsAbs(demo) {
			root, err := harness.RepoRoot()
			require.NoError(t, err)
			demo = filepath.Join(root, demo)
		}
		paths = append(paths, demo)
	}
	for _, path := range paths {
		require.NoError(t, SaveScreenshot(path, shot))
		saved, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, shot, saved, "the saved %s", path)
		t.Logf("screenshot: %s", path)
	}
}

// TestChromium runs the journeys in a real browser, whose navigation
// headers, SameSite rules and redirect handling are the ones that matter.
// handoffURL signs a user in on shop over HTTP and returns the tokened URL
// of shop's hand-off to target, for a browser on the same address to open.
func handoffURL(t *testing.T, tr *harness.Traefik, shop, target string) string {
	t.Helper()
	n := harness.NewNavigator(t, tr.Client(""))
	n.SignIn(shop, "Lea")
	loc := n.Handoff(shop, target)
	require.NotEmpty(t, harness.Token(loc), "hand-off Location %q", loc)
	return loc
}

func TestChromium(t *testing.T) {
	harness.Chromium(t) // skip early (or fail under CI) without it
	tr := startSite(t)
	browser := Start(t, tr.WebAddr)
	checkout := "http://" + checkoutHost + "/"

	t.Run("sign-in that redirects to the checkout in the same response", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(Isolated(t, browser), journeyTimeout)
		defer cancel()
		require.NoError(t, Open(ctx, autoSubmit("http://"+shopHost+"/login", url.Values{"name": {"Nina"}, "next": {checkout}})))
		st := waitForPage(ctx, t, "the checkout", titled("Checkout"))
		dom, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		require.NoError(t, err)
		assert.Contains(t, dom, "<title>Checkout</title>")
		assert.Contains(t, dom, "Signed in as Nina")
		assert.Equal(t, checkout, st.Href, "the address bar shows the clean URL")
	})

	t.Run("sign in, then the hand-off endpoint", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(Isolated(t, browser), journeyTimeout)
		defer cancel()
		handoff := "http://" + shopHost + "/_session/handoff?" + url.Values{"to": {checkout}}.Encode()
		require.NoError(t, Open(ctx, autoSubmit("http://"+shopHost+"/login", url.Values{"name": {"Omar"}, "next": {handoff}})))
		waitForPage(ctx, t, "the checkout", titled("Checkout"))
		dom, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		require.NoError(t, err)
		assert.Contains(t, dom, "<title>Checkout</title>")
		assert.Contains(t, dom, "Signed in as Omar")
	})

	t.Run("sign in on the shop page and click the hand-off link", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(Isolated(t, browser), journeyTimeout)
		defer cancel()

		require.NoError(t, Open(ctx, "http://"+shopHost+"/"))
		st := waitForPage(ctx, t, "the shop", titled("Shop"))
		require.Equal(t, "You are not signed in.", st.User)
		assert.Equal(t, "none", st.Origin, "no session cookie on the shop yet")
		require.NoError(t, chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS(`#login-form input[name="name"]`), "Rosa"),
			chromedp.Click(chromedp.ID("login")),
		), "type a name and click Sign in")
		st = waitForPage(ctx, t, "the shop, signed in", func(st pageState) bool { return st.User == "Signed in as Rosa" })
		assert.Equal(t, "this host's own", st.Origin, "the shop set its own cookie")
		shopCookie, err := Cookie(ctx, "http://"+shopHost+"/", sessionCookie)
		require.NoError(t, err)

		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("handoff"))), "click the hand-off link")
		st = waitForPage(ctx, t, "the checkout", titled("Checkout"))
		assert.Equal(t, "Signed in as Rosa", st.User, "signed in on the checkout")
		assert.Equal(t, checkout, st.Href, "the address bar shows the clean URL")
		u, err := url.Parse(st.Href)
		require.NoError(t, err)
		assert.Empty(t, u.Query().Get(tokenParam), "no token in the address bar")

		session, err := Cookie(ctx, checkout, sessionCookie)
		require.NoError(t, err, "the browser holds the checkout's session cookie")
		assert.NotEmpty(t, session.Value)
		assert.Equal(t, shopCookie.Value, session.Value, "the shop's session, carried over")
		assert.True(t, session.HTTPOnly, "HttpOnly")
		assert.Equal(t, checkoutHost, session.Domain, "host-only")
		assert.Equal(t, "/", session.Path)
		assert.Equal(t, "Lax", session.SameSite.String())
		assert.False(t, session.Secure, "not Secure over plain HTTP")
		assert.True(t, session.Session, "a session cookie")
		scriptCookies, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.cookie"))
		require.NoError(t, err)
		assert.NotContains(t, scriptCookies, sessionCookie, "scripts cannot read the session cookie")
		assert.NotContains(t, scriptCookies, session.Value)

		// What the page tells a person matches what the browser holds.
		assert.Equal(t, "carried here by the session injector", st.Origin)
		assert.Equal(t, sessionCookie+" = "+shortened(session.Value), st.Cookie, "the cookie the page names")
		assert.Equal(t, checkout+"?"+tokenParam+"=…", st.TokenURL, "the hand-off's first URL, token elided")
		assert.Equal(t, st.Href, st.CleanURL, "the 303 pointed at the address bar's URL")
		assert.Contains(t, st.Text, "The app set this session on "+shopHost)
		assert.NotContains(t, st.Text, session.Value, "the page shows the cookie shortened")

		shot, err := Screenshot(ctx)
		require.NoError(t, err)
		saveScreenshot(t, "chromium-handoff-checkout", shot)
	})

	t.Run("a token from another secret leaves the browser signed out", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(Isolated(t, browser), journeyTimeout)
		defer cancel()
		require.NoError(t, Open(ctx, autoSubmit("http://"+shopOther+"/login", url.Values{"name": {"Pat"}, "next": {checkout}})))
		waitForPage(ctx, t, "the refusal on the checkout", func(st pageState) bool {
			u, err := url.Parse(st.Href)
			return err == nil && u.Host == checkoutHost
		})
		st := waitForPage(ctx, t, "the refusal page", titled("Sign-in not carried over"))
		assert.Contains(t, st.Text, "session handoff refused: invalid", "the page says why")
		assert.NotContains(t, st.Text, "Signed in as Pat")
		link, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("a").href`))
		require.NoError(t, err)
		assert.Equal(t, checkout, link, "the page links to the URL without the token")
		_, err = Cookie(ctx, checkout, sessionCookie)
		assert.Error(t, err, "no session cookie on the checkout")
	})

	// With dieOnHandshakeFailure at its default, a refused token is no dead
	// end: the browser goes on to the page it was headed for, signed out,
	// and the token leaves the address bar.
	lenient := "http://" + checkoutLax + "/?step=2"
	refused := []struct {
		name string
		open func(ctx context.Context, t *testing.T) // opens a token URL in the tab
	}{
		{"a token from another secret", func(ctx context.Context, t *testing.T) {
			require.NoError(t, Open(ctx, handoffURL(t, tr, shopOther, lenient)))
		}},
		{"a token that arrives late", func(ctx context.Context, t *testing.T) {
			loc := handoffURL(t, tr, shopHost, lenient)
			time.Sleep(2200 * time.Millisecond) // past the checkout's 1s
			require.NoError(t, Open(ctx, loc))
		}},
	}
	for _, tt := range refused {
		t.Run(tt.name+" lands signed out on the clean URL by default", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(Isolated(t, browser), journeyTimeout)
			defer cancel()
			tt.open(ctx, t)
			st := waitForPage(ctx, t, "the lenient checkout", func(st pageState) bool {
				u, err := url.Parse(st.Href)
				return err == nil && u.Host == checkoutLax && st.Title == "Checkout"
			})
			assert.Equal(t, lenient, st.Href, "the address bar shows the URL without the token")
			u, err := url.Parse(st.Href)
			require.NoError(t, err)
			_, hasToken := u.Query()[tokenParam]
			assert.False(t, hasToken, "no %s in the address bar", tokenParam)
			assert.Equal(t, "You are not signed in.", st.User)
			assert.Equal(t, "none", st.Origin, "no session cookie on the checkout")
			_, err = Cookie(ctx, lenient, sessionCookie)
			assert.Error(t, err, "no session cookie on the checkout")
		})
	}

	// The pull: a browser that opens the checkout directly, as from a
	// bookmark, gets the shop's session, or is remembered to have none.
	bookmark := "http://" + checkoutPull + "/?from=bookmark"
	t.Run("opening the checkout directly while signed in on the shop pulls the session", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(Isolated(t, browser), journeyTimeout)
		defer cancel()
		require.NoError(t, Open(ctx, autoSubmit("http://"+shopHost+"/login", url.Values{"name": {"Quinn"}, "next": {"http://" + shopHost + "/"}})))
		waitForPage(ctx, t, "the shop, signed in", func(st pageState) bool { return st.Title == "Shop" && st.User == "Signed in as Quinn" })
		shopSession, err := Cookie(ctx, "http://"+shopHost+"/", sessionCookie)
		require.NoError(t, err)

		require.NoError(t, Open(ctx, bookmark))
		st := waitForPage(ctx, t, "the checkout, signed in", func(st pageState) bool {
			return st.Href == bookmark && st.Title == "Checkout" && st.User != ""
		})
		assert.Equal(t, "Signed in as Quinn", st.User)
		assert.Equal(t, "carried here by the session injector", st.Origin)
		c, err := Cookie(ctx, bookmark, sessionCookie)
		require.NoError(t, err, "the session cookie on the checkout")
		assert.Equal(t, shopSession.Value, c.Value)
		assert.Equal(t, checkoutPull, c.Domain, "host-only")
		assert.True(t, c.HTTPOnly)
		_, err = Cookie(ctx, bookmark, "si_pull")
		assert.Error(t, err, "the state cookie is cleared once the pull is done")
	})

	t.Run("opening the checkout directly without a session bounces once, then is remembered", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(Isolated(t, browser), journeyTimeout)
		defer cancel()
		require.NoError(t, Open(ctx, bookmark))
		st := waitForPage(ctx, t, "the checkout, signed out", func(st pageState) bool {
			return st.Href == bookmark && st.Title == "Checkout" && st.User != ""
		})
		assert.Equal(t, "You are not signed in.", st.User)
		memory, err := Cookie(ctx, bookmark, "si_nopull")
		require.NoError(t, err, "no session remembered")
		assert.True(t, memory.HTTPOnly)
		_, err = Cookie(ctx, bookmark, "si_pull")
		assert.Error(t, err, "no pull in flight")
		_, err = Cookie(ctx, bookmark, sessionCookie)
		assert.Error(t, err)
	})
}
