package load

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// The demo app binary, built by the first test that needs it into a
// directory TestMain removes at the end.
var (
	demoDir   string
	demoOnce  sync.Once
	demoApp   string
	demoError error
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	demoDir, err = os.MkdirTemp("", "e2e-load-demo-app-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(demoDir)
	return m.Run()
}

// startApp builds the demo app once and starts it for the shop and the
// checkout; it returns the app's URL.
func startApp(t *testing.T) string {
	t.Helper()
	demoOnce.Do(func() { demoApp, demoError = harness.BuildDemoApp(demoDir) })
	if demoError != nil {
		t.Fatal(demoError)
	}
	return harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
}

// loadConfig is a shop and a checkout, each handing sessions to the other,
// in front of backendURL, with tokens that live 30 s so that a busy machine
// never expires one between its minting and its redemption, and extra
// settings merged into both. Every worker redeems from one client
// address, so the per-client share of the replay cache is off.
func loadConfig(backendURL string, extra map[string]any) harness.Dynamic {
	return harness.ShopCheckout(harness.ShopCheckoutOptions{
		App:             backendURL,
		CheckoutTargets: []string{shopHost},
		Settings:        harness.Merged(map[string]any{"tokenLifetime": "30s", "replayPerClient": 0}, extra),
	})
}

// flip changes the character in the middle of s to another one of the
// base64url alphabet.
func flip(s string) string {
	i := len(s) / 2
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}
