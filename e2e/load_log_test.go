package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// refusalMarker starts the category of a refusal in the plugin's log line
// `sessioninjector "<middleware>": handoff refused (<category>): <detail>`.
const refusalMarker = "handoff refused ("

// loggedRefusals counts the refusals in Traefik's log by category.
func loggedRefusals(tr *harness.Traefik) map[string]int {
	out := map[string]int{}
	for _, line := range strings.Split(tr.Log(), "\n") {
		_, rest, ok := strings.Cut(line, refusalMarker)
		if !ok {
			continue
		}
		if category, _, ok := strings.Cut(rest, ")"); ok {
			out[category]++
		}
	}
	return out
}

// assertRefusalsLogged asserts that Traefik's log holds one refusal line
// per refusal the clients saw, category by category: the plugin refused
// nothing the clients did not see, and logged every refusal. Plugin output
// reaches the log asynchronously, so it waits up to 10 s for the counts to
// agree.
func assertRefusalsLogged(t *testing.T, tr *harness.Traefik, seen map[string]int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		logged := loggedRefusals(tr)
		if assert.ObjectsAreEqual(seen, logged) || time.Now().After(deadline) {
			assert.Equal(t, seen, logged, "refusals seen by the clients (expected) and logged by the plugin (actual)")
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}
