package load

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// racers is how many requests redeem one token at once.
const racers = 100

// TestLoadReplayRace redeems each of a few tokens with racers concurrent
// requests, by GET and by POST (both answered by the plugin with a 303;
// a POST body never reaches the backend with the session): exactly one succeeds, every other is refused with 403
// "already used", and nothing answers 5xx.
func TestLoadReplayRace(t *testing.T) {
	tr := harness.Start(t, harness.Options{Dynamic: loadConfig(startApp(t), nil)})
	c := NewClient(tr, "", racers)
	defer c.Close()
	session, err := c.SignInOn(shopHost, "racer")
	require.NoError(t, err)
	warmConnections(t, c, "http://"+checkoutHost+"/_debug/request")
	total := NewTally()

	rounds := []struct {
		name   string
		method string
		status int // of the winner
	}{
		{"GET 1", http.MethodGet, http.StatusSeeOther},
		{"GET 2", http.MethodGet, http.StatusSeeOther},
		{"GET 3", http.MethodGet, http.StatusSeeOther},
		{"POST 1", http.MethodPost, http.StatusSeeOther},
		{"POST 2", http.MethodPost, http.StatusSeeOther},
	}
	for i, round := range rounds {
		t.Run(round.name, func(t *testing.T) {
			target := fmt.Sprintf("http://%s/_debug/request?round=%d", checkoutHost, i)
			rep, err := c.Do(Request{URL: HandoffURL(shopHost, target), Session: session})
			require.NoError(t, err)
			loc, err := CheckMinted(rep, target)
			require.NoError(t, err)

			var form url.Values
			if round.method == http.MethodPost {
				form = url.Values{"field": {"v"}}
			}
			tl := NewTally()
			start := make(chan struct{})
			var wg sync.WaitGroup
			for range racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					rep, err := c.Do(Request{Method: round.method, URL: loc, Form: form})
					if !tl.Sent("race", rep, err) {
						return
					}
					total.Sent("race", rep, err)
					switch {
					case rep.SessionSet() == session && rep.Status == round.status:
						tl.Redemption("race")
					case rep.Refusal() == "already used":
					default:
						tl.Check("race", fmt.Errorf("neither the winner nor refused as already used: %v", rep))
					}
				}()
			}
			close(start)
			wg.Wait()

			tl.Log(t)
			requests, serverErrors, transportErrors, redeemed := tl.Totals()
			assert.Equal(t, racers, requests, "answered requests")
			assert.Zero(t, serverErrors, "5xx answers")
			assert.Zero(t, transportErrors, "transport errors")
			assert.Equal(t, 1, redeemed, "redemptions of one token")
			assert.Equal(t, racers-1, tl.Status("race", http.StatusForbidden), "refusals")
			assert.Equal(t, map[string]int{"already used": racers - 1}, tl.Refused())
			violations, messages := tl.Violations()
			assert.Zero(t, violations, "unexpected answers; the first ones: %v", messages)
		})
	}
	AssertRefusalsLogged(t, tr, total.Refused())
	assert.Empty(t, harness.ScanLog(tr.Log(), nil), "plugin errors or panics in Traefik's log")
}

// warmConnections opens racers connections to u's host at once and leaves
// them idle in c, so that a race starts without dialling.
func warmConnections(t *testing.T, c *Client, u string) {
	t.Helper()
	var g errgroup.Group
	for range racers {
		g.Go(func() error {
			rep, err := c.Do(Request{URL: u, Fetch: true})
			if err == nil && rep.Status != http.StatusOK {
				err = fmt.Errorf("GET %s: %v", u, rep)
			}
			return err
		})
	}
	require.NoError(t, g.Wait(), "warming connections")
}
