package load

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// loadWorkers is how many goroutines send the mixed load at once.
const loadWorkers = 8

// maxRSSGrowth is how much Traefik's resident memory may grow between the
// end of the warm-up and the end of the mixed load: the mix repeats
// itself, so growth beyond noise would be a leak.
const maxRSSGrowth = 0.20

// TestLoadMixed sends every kind of traffic at once for
// E2E_LOAD_DURATION (60 s by default): valid tokens redeemed once by GET
// and POST, replays, tampered, truncated, duplicated, random and oversized
// tokens, redirects to allowed and disallowed hosts, and plain
// navigations and subresources. Nothing may answer 5xx, every valid token
// is redeemed exactly once and nothing else is, no token reaches the
// backend or a Location to a host that is not a target, the log stays
// clean, and Traefik's memory stays flat after the warm-up.
func TestLoadMixed(t *testing.T) {
	duration := Duration(t, "E2E_LOAD_DURATION", 60*time.Second)
	warmUp := duration / 4

	backend := StartBackend(t, startApp(t))
	tr := harness.Start(t, harness.Options{Dynamic: loadConfig(backend.URL, nil)})
	c := NewClient(tr, "", loadWorkers)
	defer c.Close()
	tl := NewTally()

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	sampler := &RSSSampler{}
	sampling, stopSampling := context.WithCancel(context.Background())
	go sampler.Run(sampling, tr)
	defer stopSampling()

	var wg sync.WaitGroup
	for id := range loadWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := NewWorker(id, c, tl)
			if w.SignIn() != nil {
				return
			}
			ops := loadSchedule(w, mixedOps)
			for i := 0; ctx.Err() == nil; i++ {
				ops[i%len(ops)].run(w)
			}
		}()
	}
	wg.Wait()
	endRSS, endErr := tr.RSS()
	stopSampling()

	tl.Log(t)
	requests, _, _, redeemed := tl.Totals()
	t.Logf("%d requests in %s (%d redemptions), %d reached the backend", requests, duration, redeemed, backend.Requests())
	tl.AssertClean(t)
	for _, kind := range []string{"redeem", "redeem-post", "redeem-redirected", "replay", "tampered", "truncated",
		"duplicated", "random", "token-8KiB", "token-100KiB", "redirect-allowed", "redirect-disallowed",
		"redirect-untouched", "plain-navigation", "plain-subresource", "plain-lookalike", "backend-sample"} {
		assert.Positive(t, tl.Requests(kind), "no %s request was sent: the mix is too short", kind)
	}
	assert.Zero(t, backend.Leaks(), "requests that reached the backend with a token; the first: %s", backend.FirstLeak())
	assert.Empty(t, harness.ScanLog(tr.Log(), nil), "plugin errors or panics in Traefik's log")
	AssertRefusalsLogged(t, tr, tl.Refused())

	require.NoError(t, sampler.Err(), "RSS samples")
	require.NoError(t, endErr, "RSS at the end")
	warmRSS, ok := sampler.After(warmUp)
	require.True(t, ok, "no RSS sample after the %s warm-up", warmUp)
	t.Logf("Traefik RSS: %.1f MiB after the %s warm-up, %.1f MiB at the end (%+.1f%%); %s",
		MiB(warmRSS), warmUp, MiB(endRSS), 100*(float64(endRSS)/float64(warmRSS)-1), sampler.Summary())
	// Only growth counts: memory the runtime hands back to the system is
	// not a defect.
	assert.LessOrEqual(t, float64(endRSS), float64(warmRSS)*(1+maxRSSGrowth),
		"Traefik's RSS grew by more than %.0f%% after the warm-up", 100*maxRSSGrowth)
}
