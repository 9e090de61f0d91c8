package load

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

// refusalLogWait is how long AssertRefusalsLogged waits for the log to
// catch up with the clients.
const refusalLogWait = 10 * time.Second

// LoggedRefusals counts the refusals in a Traefik log by category.
func LoggedRefusals(log string) map[string]int {
	out := map[string]int{}
	for _, line := range strings.Split(log, "\n") {
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

// AssertRefusalsLogged asserts that tr's log holds one refusal line per
// refusal the clients saw, category by category: the plugin refused
// nothing the clients did not see, and logged every refusal. Plugin output
// reaches the log asynchronously, so it waits up to refusalLogWait for the
// counts to agree.
func AssertRefusalsLogged(t testing.TB, tr *harness.Traefik, seen map[string]int) {
	t.Helper()
	deadline := time.Now().Add(refusalLogWait)
	for {
		logged := LoggedRefusals(tr.Log())
		if assert.ObjectsAreEqual(seen, logged) || time.Now().After(deadline) {
			assert.Equal(t, seen, logged, "refusals seen by the clients (expected) and logged by the plugin (actual)")
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}
