package e2e

import (
	"bytes"
	"context"
	"html"
	"image"
	_ "image/png" // decode screenshots
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// chromiumTimeout bounds one headless Chromium run.
const chromiumTimeout = 60 * time.Second

// chromiumFlags are the flags of every headless Chromium the tests run: a
// fresh profile in userDataDir, and *.test hosts resolved to the Traefik
// web entry point webAddr.
func chromiumFlags(t *testing.T, userDataDir, webAddr string) []string {
	t.Helper()
	_, port, err := net.SplitHostPort(webAddr)
	require.NoError(t, err)
	return []string{
		// No sandbox: the pages are the test's own, and CI containers (or root)
		// often cannot provide one.
		"--no-sandbox",
		"--headless", "--disable-gpu", "--no-first-run", "--disable-extensions",
		"--user-data-dir=" + userDataDir,
		"--host-resolver-rules=MAP *.test 127.0.0.1:" + port,
		"--disable-features=HttpsUpgrades",
		"--window-size=1024,768",
	}
}

// dumpDOM opens page (a data: URL) in a fresh headless Chromium whose *.test
// hosts resolve to e's Traefik, lets it navigate (forms, redirects) and
// returns the DOM of the page it ends on.
func (e *env) dumpDOM(t *testing.T, page string) string {
	t.Helper()
	bin := harness.Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), chromiumTimeout)
	defer cancel()
	args := append(chromiumFlags(t, t.TempDir(), e.tr.WebAddr), "--virtual-time-budget=10000", "--dump-dom", page)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr limitedBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "chromium: %s", stderr.String())
	return string(out)
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

// limitedBuffer keeps the first 64 KiB written to it.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 64<<10 - len(l.b); room > 0 {
		if len(p) < room {
			room = len(p)
		}
		l.b = append(l.b, p[:room]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }

// pageState is what the driven tests read of the page in the browser.
type pageState struct {
	Href  string `json:"href"`  // location.href: the address bar
	Ready string `json:"ready"` // document.readyState
	Title string `json:"title"`
	User  string `json:"user"` // the demo's "Signed in as …" line
}

// pageStateJS yields a pageState.
const pageStateJS = `(() => {
	const u = document.getElementById("user");
	return {href: location.href, ready: document.readyState, title: document.title, user: u ? u.textContent.trim() : ""};
})()`

// waitForPage waits until the page has loaded a document titled title, and
// returns its state.
func waitForPage(ctx context.Context, t *testing.T, page *cdpPage, title string) pageState {
	t.Helper()
	var st pageState
	err := page.waitFor(ctx, pageStateJS, &st, func() bool { return st.Ready == "complete" && st.Title == title })
	require.NoError(t, err, "waiting for the %s page", title)
	return st
}

// saveScreenshot writes a PNG screenshot under e2e/out/screenshots/ (not
// under version control) and checks the file is a PNG image of some size
// with more than one colour, not an empty frame. It returns the file's path.
func saveScreenshot(t *testing.T, name string, data []byte) string {
	t.Helper()
	out, err := harness.SaveDir()
	require.NoError(t, err)
	dir := filepath.Join(out, "screenshots")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	path := filepath.Join(dir, name+".png")
	require.NoError(t, os.WriteFile(path, data, 0o644))

	saved, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NotEmpty(t, saved, "empty screenshot %s", path)
	assert.Equal(t, "image/png", http.DetectContentType(saved), "screenshot %s", path)
	img, format, err := image.Decode(bytes.NewReader(saved))
	require.NoError(t, err, "screenshot %s", path)
	assert.Equal(t, "png", format)
	bounds := img.Bounds()
	require.False(t, bounds.Empty(), "screenshot %s has no pixels", path)
	colours := map[[4]uint32]bool{}
	for y := bounds.Min.Y; y < bounds.Max.Y && len(colours) < 2; y += 4 {
		for x := bounds.Min.X; x < bounds.Max.X && len(colours) < 2; x += 4 {
			r, g, b, a := img.At(x, y).RGBA()
			colours[[4]uint32{r, g, b, a}] = true
		}
	}
	assert.Len(t, colours, 2, "screenshot %s is a single colour: nothing rendered", path)
	return path
}

// TestChromium runs the journeys in a real browser, whose navigation
// headers, SameSite rules and redirect handling are the ones that matter.
func TestChromium(t *testing.T) {
	harness.Chromium(t) // skip early (or fail under CI) without it
	e := newEnv(t)
	checkout := "http://" + checkoutHost + "/"

	t.Run("sign-in that redirects to the checkout in the same response", func(t *testing.T) {
		dom := e.dumpDOM(t, autoSubmit("http://"+shopHost+"/login", url.Values{"name": {"Nina"}, "next": {checkout}}))
		assert.Contains(t, dom, "<title>Checkout</title>")
		assert.Contains(t, dom, "Signed in as Nina")
	})

	t.Run("sign in, then the hand-off endpoint", func(t *testing.T) {
		handoff := "http://" + shopHost + "/_session/handoff?" + url.Values{"to": {checkout}}.Encode()
		dom := e.dumpDOM(t, autoSubmit("http://"+shopHost+"/login", url.Values{"name": {"Omar"}, "next": {handoff}}))
		assert.Contains(t, dom, "<title>Checkout</title>")
		assert.Contains(t, dom, "Signed in as Omar")
	})

	t.Run("sign in on the shop page and click the hand-off link, driven over CDP", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), chromiumTimeout)
		defer cancel()
		chrome := startCDP(t, chromiumFlags(t, t.TempDir(), e.tr.WebAddr))
		page, err := chrome.newPage()
		require.NoError(t, err)

		require.NoError(t, page.navigate("http://"+shopHost+"/"))
		st := waitForPage(ctx, t, page, "Shop")
		require.Equal(t, "You are not signed in.", st.User)
		loginForm := `document.getElementById("login").form`
		require.NoError(t, page.typeInto(loginForm+`.elements.name`, "Rosa"))
		require.NoError(t, page.click(`document.getElementById("login")`))
		require.NoError(t, page.waitFor(ctx, pageStateJS, &st, func() bool {
			return st.Ready == "complete" && st.User == "Signed in as Rosa"
		}), "signed in on the shop")

		require.NoError(t, page.click(`document.getElementById("handoff")`))
		st = waitForPage(ctx, t, page, "Checkout")
		assert.Equal(t, "Signed in as Rosa", st.User, "signed in on the checkout")
		assert.Equal(t, checkout, st.Href, "the address bar shows the clean URL")
		assert.Empty(t, token(st.Href), "no token in the address bar")

		cookies, err := page.cookies(checkout)
		require.NoError(t, err)
		var session *cdpCookie
		for i := range cookies {
			if cookies[i].Name == "_session_id" {
				session = &cookies[i]
			}
		}
		require.NotNil(t, session, "the browser holds the checkout's session cookie: %+v", cookies)
		assert.NotEmpty(t, session.Value)
		assert.True(t, session.HTTPOnly, "HttpOnly")
		assert.Equal(t, checkoutHost, session.Domain, "host-only")
		assert.Equal(t, "Lax", session.SameSite)
		var scriptCookies string
		require.NoError(t, page.eval("document.cookie", &scriptCookies))
		assert.NotContains(t, scriptCookies, "_session_id", "scripts cannot read the session cookie")
		assert.NotContains(t, scriptCookies, session.Value)

		shot, err := page.screenshot()
		require.NoError(t, err)
		path := saveScreenshot(t, "chromium-handoff-checkout", shot)
		t.Logf("screenshot of the checkout: %s", path)
	})

	t.Run("a token from another secret leaves the browser signed out", func(t *testing.T) {
		dom := e.dumpDOM(t, autoSubmit("http://"+shopOther+"/login", url.Values{"name": {"Pat"}, "next": {checkout}}))
		assert.NotContains(t, dom, "Signed in as Pat")
		assert.Contains(t, dom, "session handoff refused: invalid")
	})
}
