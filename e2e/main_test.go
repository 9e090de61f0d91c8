// Package e2e runs the session injector in a real Traefik in front of the
// demo app, over loopback, and checks the journeys and refusals a browser
// would meet. Hosts ending in .test are routed to Traefik by the clients'
// dialer.
package e2e

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
