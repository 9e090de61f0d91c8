package browser

import (
	"fmt"
	"os"
	"testing"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// demoApp is the demo app binary, built once by TestMain.
var demoApp string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "e2e-browser-demo-app-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	demoApp, err = harness.BuildDemoApp(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
