package e2e

import (
	"context"
	"html"
	"net"
	"net/url"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// chromiumTimeout bounds one headless Chromium run.
const chromiumTimeout = 60 * time.Second

// dumpDOM opens page (a data: URL) in a fresh headless Chromium whose *.test
// hosts resolve to e's Traefik, lets it navigate (forms, redirects) and
// returns the DOM of the page it ends on.
func (e *env) dumpDOM(t *testing.T, page string) string {
	t.Helper()
	bin := harness.Chromium(t)
	_, port, err := net.SplitHostPort(e.tr.WebAddr)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), chromiumTimeout)
	defer cancel()
	args := []string{
		// No sandbox: the pages are the test's own, and CI containers (or root)
		// often cannot provide one.
		"--no-sandbox",
		"--headless", "--disable-gpu", "--no-first-run", "--disable-extensions",
		"--user-data-dir=" + t.TempDir(),
		"--host-resolver-rules=MAP *.test 127.0.0.1:" + port,
		"--disable-features=HttpsUpgrades",
		"--virtual-time-budget=10000",
		"--dump-dom", page,
	}
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

	t.Run("a token from another secret leaves the browser signed out", func(t *testing.T) {
		dom := e.dumpDOM(t, autoSubmit("http://"+shopOther+"/login", url.Values{"name": {"Pat"}, "next": {checkout}}))
		assert.NotContains(t, dom, "Signed in as Pat")
		assert.Contains(t, dom, "session handoff refused: invalid")
	})
}
