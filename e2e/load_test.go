package e2e

import (
	"context"
	"fmt"
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

// loadConfig is a shop and a checkout behind the load backend, with
// tokens that live 30 s so that a busy machine never expires one between
// its minting and its redemption.
func loadConfig(backendURL string, extra map[string]any) harness.Dynamic {
	settings := map[string]any{"tokenLifetime": "30s"}
	for k, v := range extra {
		settings[k] = v
	}
	return harness.Dynamic{
		Routers: map[string]harness.Router{
			"shop":     {Rule: hostRule(shopHost), Middlewares: []string{"shop"}, Service: "backend"},
			"checkout": {Rule: hostRule(checkoutHost), Middlewares: []string{"checkout"}, Service: "backend"},
		},
		Middlewares: map[string]harness.Middleware{
			"shop":     injector(secretMain, []string{checkoutHost}, settings),
			"checkout": injector(secretMain, []string{shopHost}, settings),
		},
		Services: map[string]harness.Service{"backend": {URL: backendURL}},
	}
}

// rssSampler records Traefik's resident memory once a second.
type rssSampler struct {
	mu      sync.Mutex
	start   time.Time
	samples []rssSample
	err     error
}

// rssSample is one reading of the resident memory, in bytes.
type rssSample struct {
	at  time.Duration // since the sampler started
	rss int64
}

// run samples tr until ctx is done.
func (s *rssSampler) run(ctx context.Context, tr *harness.Traefik) {
	s.mu.Lock()
	s.start = time.Now()
	s.mu.Unlock()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		rss, err := tr.RSS()
		s.mu.Lock()
		if err != nil && s.err == nil {
			s.err = err
		}
		if err == nil {
			s.samples = append(s.samples, rssSample{at: time.Since(s.start), rss: rss})
		}
		s.mu.Unlock()
	}
}

// after returns the first sample taken at least d after the start.
func (s *rssSampler) after(d time.Duration) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.samples {
		if v.at >= d {
			return v.rss, true
		}
	}
	return 0, false
}

// summary returns the number of samples and the smallest and largest in MiB.
func (s *rssSampler) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.samples) == 0 {
		return "no samples"
	}
	lo, hi := s.samples[0].rss, s.samples[0].rss
	for _, v := range s.samples {
		lo, hi = min(lo, v.rss), max(hi, v.rss)
	}
	return fmt.Sprintf("%d samples from %.1f to %.1f MiB", len(s.samples), mib(lo), mib(hi))
}

// mib converts bytes to MiB.
func mib(n int64) float64 {
	return float64(n) / (1 << 20)
}

// TestLoadMixed sends every kind of traffic at once for
// E2E_LOAD_DURATION (60 s by default): valid tokens redeemed once by GET
// and POST, replays, tampered, truncated, duplicated, random and oversized
// tokens, redirects to allowed and disallowed hosts, and plain
// navigations and subresources. Nothing may answer 5xx, every valid token
// is redeemed exactly once and nothing else is, no token reaches the
// backend or a Location to a host that is not a target, the log stays
// clean, and Traefik's memory stays flat after the warm-up.
func TestLoadMixed(t *testing.T) {
	duration := loadDuration(t, "E2E_LOAD_DURATION", 60*time.Second)
	warmUp := duration / 4

	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	backend := startLoadBackend(t, app)
	tr := harness.Start(t, harness.Options{Dynamic: loadConfig(backend.URL, nil)})
	c := newLoadClient(tr, "", loadWorkers)
	defer c.close()
	tl := newTally()

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	sampler := &rssSampler{}
	sampling, stopSampling := context.WithCancel(context.Background())
	go sampler.run(sampling, tr)
	defer stopSampling()

	var wg sync.WaitGroup
	for id := range loadWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newLoadWorker(id, c, tl)
			if w.signIn() != nil {
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

	tl.log(t)
	requests, _, _, redeemed := tl.totals()
	t.Logf("%d requests in %s (%d redemptions), %d reached the backend", requests, duration, redeemed, backend.requests.Load())
	tl.assertClean(t)
	for _, kind := range []string{"redeem", "redeem-post", "redeem-redirected", "replay", "tampered", "truncated",
		"duplicated", "random", "token-8KiB", "token-100KiB", "redirect-allowed", "redirect-disallowed",
		"redirect-untouched", "plain-navigation", "plain-subresource", "plain-lookalike", "backend-sample"} {
		assert.Positive(t, tl.requests(kind), "no %s request was sent: the mix is too short", kind)
	}
	assert.Zero(t, backend.leaks.Load(), "requests that reached the backend with a token; the first: %s", backend.firstLeaked())
	assert.Empty(t, harness.ScanLog(tr.Log(), nil), "plugin errors or panics in Traefik's log")
	assertRefusalsLogged(t, tr, tl.refused())

	require.NoError(t, sampler.err, "RSS samples")
	require.NoError(t, endErr, "RSS at the end")
	warmRSS, ok := sampler.after(warmUp)
	require.True(t, ok, "no RSS sample after the %s warm-up", warmUp)
	t.Logf("Traefik RSS: %.1f MiB after the %s warm-up, %.1f MiB at the end (%+.1f%%); %s",
		mib(warmRSS), warmUp, mib(endRSS), 100*(float64(endRSS)/float64(warmRSS)-1), sampler.summary())
	// Only growth counts: memory the runtime hands back to the system is
	// not a defect.
	assert.LessOrEqual(t, float64(endRSS), float64(warmRSS)*(1+maxRSSGrowth),
		"Traefik's RSS grew by more than %.0f%% after the warm-up", 100*maxRSSGrowth)
}
