package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// racers is how many requests redeem one token at once.
const racers = 100

// TestLoadReplayRace redeems each of a few tokens with racers concurrent
// requests, by GET (answered by the plugin) and by POST (passed on to the
// backend): exactly one succeeds, every other is refused with 403
// "already used", and nothing answers 5xx.
func TestLoadReplayRace(t *testing.T) {
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	tr := harness.Start(t, harness.Options{Dynamic: loadConfig(app, nil)})
	c := newLoadClient(tr, "", racers)
	defer c.close()
	session, err := c.signInOn(shopHost, "racer")
	require.NoError(t, err)
	warmConnections(t, c, "http://"+checkoutHost+"/_debug/request")
	total := newTally()

	rounds := []struct {
		name   string
		method string
		status int // of the winner
	}{
		{"GET 1", http.MethodGet, http.StatusSeeOther},
		{"GET 2", http.MethodGet, http.StatusSeeOther},
		{"GET 3", http.MethodGet, http.StatusSeeOther},
		{"POST 1", http.MethodPost, http.StatusOK},
		{"POST 2", http.MethodPost, http.StatusOK},
	}
	for i, round := range rounds {
		t.Run(round.name, func(t *testing.T) {
			target := fmt.Sprintf("http://%s/_debug/request?round=%d", checkoutHost, i)
			rep, err := c.do(loadRequest{url: handoffURL(shopHost, target), session: session})
			require.NoError(t, err)
			loc, err := checkMinted(rep, target)
			require.NoError(t, err)

			var form url.Values
			if round.method == http.MethodPost {
				form = url.Values{"field": {"v"}}
			}
			tl := newTally()
			start := make(chan struct{})
			var wg sync.WaitGroup
			for range racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					rep, err := c.do(loadRequest{method: round.method, url: loc, form: form})
					if !tl.sent("race", rep, err) {
						return
					}
					total.sent("race", rep, err)
					switch {
					case rep.sessionSet() == session && rep.status == round.status:
						tl.redemption("race")
					case rep.refusal() == "already used":
					default:
						tl.check("race", fmt.Errorf("neither the winner nor refused as already used: %v", rep))
					}
				}()
			}
			close(start)
			wg.Wait()

			tl.log(t)
			requests, serverErrors, transportErrors, redeemed := tl.totals()
			assert.Equal(t, racers, requests, "answered requests")
			assert.Zero(t, serverErrors, "5xx answers")
			assert.Zero(t, transportErrors, "transport errors")
			assert.Equal(t, 1, redeemed, "redemptions of one token")
			assert.Equal(t, racers-1, tl.status("race", http.StatusForbidden), "refusals")
			assert.Equal(t, map[string]int{"already used": racers - 1}, tl.refused())
			assert.Zero(t, tl.violations, "unexpected answers; the first ones: %v", tl.messages)
		})
	}
	assertRefusalsLogged(t, tr, total.refused())
	assert.Empty(t, harness.ScanLog(tr.Log(), nil), "plugin errors or panics in Traefik's log")
}

// warmConnections opens racers connections to u's host at once and leaves
// them idle in c, so that a race starts without dialling.
func warmConnections(t *testing.T, c *loadClient, u string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, racers)
	for range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := c.do(loadRequest{url: u, fetch: true})
			if err == nil && rep.status != http.StatusOK {
				err = fmt.Errorf("GET %s: %v", u, rep)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "warming connections")
	}
}
