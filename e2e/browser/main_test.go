package browser

import (
	"os"
	"testing"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// demoApp is the demo app binary, built once by TestMain.
var demoApp string

func TestMain(m *testing.M) {
	os.Exit(harness.RunWithDemoApp(m, &demoApp))
}
