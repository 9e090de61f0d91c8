package browser

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// The size of every test tab's viewport, in CSS pixels at scale 1.
const (
	ViewportWidth  = 1200
	ViewportHeight = 800
)

// StartTimeout bounds how long a browser may take to start.
const StartTimeout = 30 * time.Second

// Flags are the boolean Chromium switches of every test browser.
var Flags = []string{
	"headless",
	// No sandbox: the pages are the tests' own, and CI containers (or
	// root) often cannot provide one.
	"no-sandbox",
	"disable-gpu",
	"disable-quic",
	"no-first-run",
	"disable-background-networking",
	"disable-component-update",
	"disable-sync",
	"disable-extensions",
}

// HostResolverRules is the --host-resolver-rules value that sends every
// host under harness.TestDomain to the port of webAddr on 127.0.0.1.
func HostResolverRules(webAddr string) (string, error) {
	host, port, err := net.SplitHostPort(webAddr)
	if err != nil {
		return "", fmt.Errorf("web entry point %q: %w", webAddr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("web entry point %q: want a loopback IP address", webAddr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("web entry point %q: bad port", webAddr)
	}
	return "MAP *" + harness.TestDomain + " " + net.JoinHostPort(host, port), nil
}

// AllocatorOptions are the chromedp options that run the Chromium at bin
// with Flags, a window of the viewport's size, and the test hosts resolved
// to webAddr. chromedp gives every browser a fresh user-data-dir and
// removes it, and the browser's leftover processes, when it ends.
func AllocatorOptions(bin, webAddr string) ([]chromedp.ExecAllocatorOption, error) {
	rules, err := HostResolverRules(webAddr)
	if err != nil {
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(bin)}
	for _, f := range Flags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	return append(opts,
		// Plain HTTP stays plain HTTP: the test hosts have no certificates.
		chromedp.Flag("disable-features", "HttpsUpgrades"),
		chromedp.Flag("host-resolver-rules", rules),
		chromedp.WindowSize(ViewportWidth, ViewportHeight),
	), nil
}

// Start starts a headless Chromium (CHROMIUM_BIN, else chromium in PATH)
// whose test hosts reach Traefik's web entry point webAddr, and returns the
// context of its first tab. The browser is closed at cleanup. Without
// Chromium the test is skipped, or fails under CI=true.
func Start(t testing.TB, webAddr string) context.Context {
	t.Helper()
	bin := harness.Chromium(t)
	opts, err := AllocatorOptions(bin, webAddr)
	if err != nil {
		t.Fatal(err)
	}
	output := &limitedBuffer{}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, chromedp.CombinedOutput(output))...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	stop := func() {
		cancel()      // closes the tab and, as its first, the browser
		cancelAlloc() // waits until the browser has exited
	}
	// The first action starts the browser and binds its life to the
	// context it runs with, so it runs with ctx and is timed apart.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx, viewport()) }()
	select {
	case err := <-started:
		if err != nil {
			stop()
			t.Fatalf("start %s: %v\n%s", bin, err, output)
		}
	case <-time.After(StartTimeout):
		stop()
		t.Fatalf("%s did not start within %s:\n%s", bin, StartTimeout, output)
	}
	t.Cleanup(stop)
	return ctx
}

// Isolated opens a tab of the browser of ctx in a browser context of its
// own, with cookies and storage apart from every other tab's, closed at
// cleanup.
func Isolated(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tab, viewport()); err != nil {
		t.Fatalf("open an isolated tab: %v", err)
	}
	return tab
}

// viewport sets a tab's viewport to exactly ViewportWidth×ViewportHeight:
// the window size includes the browser's own frame.
func viewport() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(ViewportWidth, ViewportHeight)
}
