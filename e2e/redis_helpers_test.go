package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Outcomes of a redemption, as classifyRedemption names them.
const (
	outcomeArrived = "arrived"   // 303 to the clean URL with the session cookie
	refusedPrefix  = "refused: " // followed by the refusal reason
)

// redisStore is harness.RedisStore: the settings of a Redis replay store.
var redisStore = harness.RedisStore

// merged is harness.Merged: the union of maps, later ones winning.
var merged = harness.Merged

// mintToken asks the shop at host, through c (signed in), for a hand-off
// to target, and returns the token URL it redirects to.
func mintToken(c *http.Client, host, target string) (string, error) {
	h, err := harness.Navigate(c, http.MethodGet, "http://"+host+harness.HandoffPath+"?"+url.Values{"to": {target}}.Encode(), nil, nil)
	if err != nil {
		return "", err
	}
	loc := h.Header.Get("Location")
	if h.Status != http.StatusSeeOther || harness.Token(loc) == "" {
		return "", fmt.Errorf("hand-off on %s to %s: %d, Location %q: %.200s", host, target, h.Status, loc, h.Body)
	}
	return loc, nil
}

// classifyRedemption names what a GET of a token URL got: outcomeArrived,
// refusedPrefix + reason for a well-formed refusal (harness.HopRefusal) that sets no cookie, or a description
// of anything else (which no test expects).
func classifyRedemption(h harness.Hop) string {
	switch h.Status {
	case http.StatusSeeOther:
		if len(harness.SessionCookies(h)) == 1 && harness.Token(h.Header.Get("Location")) == "" {
			return outcomeArrived
		}
	case http.StatusForbidden:
		if reason := harness.HopRefusal(h); reason != "" && len(harness.SessionCookies(h)) == 0 {
			return refusedPrefix + reason
		}
	}
	return fmt.Sprintf("unexpected %d (Location %q, %d session cookies): %.100s",
		h.Status, h.Header.Get("Location"), len(harness.SessionCookies(h)), h.Body)
}

// signedInClients returns one client per instance, sharing one cookie jar
// signed in on shopHost as name (the demo app behind every instance holds
// the session), each connecting from the default loopback address.
func signedInClients(t *testing.T, trs []*harness.Traefik, name string) []*http.Client {
	t.Helper()
	clients := make([]*http.Client, len(trs))
	for i, tr := range trs {
		clients[i] = tr.Client("")
		clients[i].Jar = clients[0].Jar
	}
	harness.NewNavigator(t, clients[0]).SignIn(shopHost, name)
	return clients
}

// logLine returns the first line of Traefik's log holding every one of
// parts, or "".
func logLine(tr *harness.Traefik, parts ...string) string {
	for _, line := range strings.Split(tr.Log(), "\n") {
		found := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				found = false
				break
			}
		}
		if found {
			return line
		}
	}
	return ""
}

// requireLogLine waits up to a second for a line of Traefik's log holding
// every one of parts (plugin output reaches the log asynchronously).
func requireLogLine(t *testing.T, tr *harness.Traefik, parts ...string) string {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		if line := logLine(tr, parts...); line != "" {
			return line
		}
		if time.Now().After(deadline) {
			require.Failf(t, "no such log line", "no line of Traefik's log holds all of %q", parts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
