package bench

import (
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/session-injector/sessioninjector/e2e/harness"
	"github.com/stretchr/testify/require"
)

// TestThroughTraefik loads one Traefik (the pinned build) with every route
// of routes side by side, in interleaved rounds, and writes
// e2e/out/bench/traefik.md and traefik.json. It reports figures and
// targets, and fails only when a route got answers other than expected
// (then the figures would measure errors). BENCH=1 runs it.
func TestThroughTraefik(t *testing.T) {
	if os.Getenv("BENCH") != "1" {
		t.Skip("a load benchmark of several minutes: BENCH=1 (make bench) runs it")
	}
	settings, err := SettingsFromEnv()
	require.NoError(t, err)
	start := time.Now()
	machine := ThisMachine()

	run, _ := startRun(t, settings, &machine, false)
	results := make([]*routeResult, len(routes))
	byName := map[string]*routeResult{}
	for i, r := range routes {
		results[i] = &routeResult{Name: r.name, About: r.about}
		byName[r.name] = results[i]
	}
	for round := 1; round <= settings.Rounds; round++ {
		pools := run.mintAll(settings.Duration)
		for i, r := range routes {
			rr := results[i].add(run.load(r, pools[r.name], settings.Duration))
			run.rates[r.name] = math.Max(run.rates[r.name], rr.RPS)
			t.Logf("round %d/%d %-8s %6.0f req/s  p50 %6.2f ms  p99 %6.2f ms  %d unexpected",
				round, settings.Rounds, r.name, rr.RPS, rr.P50ms, rr.P99ms, rr.Unexpected+rr.Errors)
		}
	}

	machine.Finish()
	rep := traefikReport{Machine: machine, Settings: settings, Routes: results, WallSeconds: time.Since(start).Seconds()}
	for _, r := range ratios {
		rep.Ratios = append(rep.Ratios, r.compute(byName))
	}
	md := rep.markdown()
	path, err := WriteReport("traefik", md, rep)
	require.NoError(t, err)
	fmt.Printf("\n%s\nwritten: %s (and .json)\n", md, path)
	if bad := rep.failed(); len(bad) > 0 {
		t.Errorf("unexpected answers, the figures mean nothing:\n%s", strings.Join(bad, "\n"))
	}
}

// startRun starts redis-server, the backend and the pinned Traefik with
// every route (pprof: with Traefik's profiling handlers on), warms every
// route up and returns the runner and Traefik, all stopped when t ends.
func startRun(t *testing.T, settings Settings, machine *Machine, pprof bool) (*runner, *harness.Traefik) {
	redis := harness.StartRedis(t)
	backend := startBackend(t)
	noop, err := harness.Noop()
	require.NoError(t, err)
	si, err := harness.SessionInjector()
	require.NoError(t, err)
	// INFO, as production runs: at DEBUG Traefik logs a line per proxied request.
	tr := harness.Start(t, harness.Options{
		Plugins: []harness.Plugin{noop, si}, Dynamic: dynamic(backend, redis.Addr), LogLevel: "INFO", Pprof: pprof,
	})
	machine.Traefik = traefikVersion(harness.TraefikBinary(t))
	gen := NewGenerator(settings.Concurrency)
	t.Cleanup(gen.Close)
	run := &runner{t: t, gen: gen, webAddr: tr.WebAddr, settings: settings, rates: map[string]float64{}}
	run.warmUp()
	return run, tr
}

// runner loads routes through one Traefik.
type runner struct {
	t        *testing.T
	gen      *Generator
	webAddr  string
	settings Settings
	// rates is the highest throughput seen per route, to size token pools.
	rates map[string]float64
}

// warmUp loads every route once, unmeasured, in the rounds' order.
func (run *runner) warmUp() {
	for _, r := range routes {
		var pool *tokenPool
		if r.redeems {
			pool = run.mint(r, run.settings.Warmup)
		}
		s := run.load(r, pool, run.settings.Warmup)
		if s.Unexpected+s.Errors > 0 {
			run.t.Fatalf("warm-up of %s: %d unexpected answers, %d errors; first: %s", r.name, s.Unexpected, s.Errors, s.Problem)
		}
		run.rates[r.name] = s.RPS()
		run.t.Logf("warm-up  %-8s %6.0f req/s", r.name, s.RPS())
	}
}

// mintAll mints a token pool for every redeeming route, enough for d.
func (run *runner) mintAll(d time.Duration) map[string]*tokenPool {
	pools := map[string]*tokenPool{}
	for _, r := range routes {
		if r.redeems {
			pools[r.name] = run.mint(r, d)
		}
	}
	return pools
}

// mint mints enough tokens for r to run for d at the best rate seen yet
// (on r, or on any route before r's first run), with a margin.
func (run *runner) mint(r route, d time.Duration) *tokenPool {
	rate := run.rates[r.name]
	if rate == 0 {
		for _, x := range run.rates {
			rate = math.Max(rate, x)
		}
	}
	n := int(rate*d.Seconds()*1.6) + 4*run.settings.Concurrency
	pool, took, err := mint(run.gen, run.webAddr, r.host, n)
	require.NoError(run.t, err)
	run.t.Logf("minted   %-8s %6d tokens in %s", r.name, n, took.Round(time.Millisecond))
	return pool
}

// load runs r for d: each request from pool when r redeems tokens.
func (run *runner) load(r route, pool *tokenPool, d time.Duration) Sample {
	return run.gen.Run(Target{Next: run.requests(r, pool), Check: r.check}, d)
}

// requests returns r's request source.
func (run *runner) requests(r route, pool *tokenPool) func() (*http.Request, bool) {
	base := "http://" + run.webAddr
	return func() (*http.Request, bool) {
		target := r.path
		if r.redeems {
			var ok bool
			if target, ok = pool.take(); !ok {
				return nil, false
			}
		}
		req, err := http.NewRequest(http.MethodGet, base+target, nil)
		if err != nil {
			panic(err) // the targets are built above and valid
		}
		req.Host = r.host
		req.Header = r.header.Clone()
		return req, true
	}
}

// traefikVersion names the Traefik build: the version scripts/traefik.sh
// pinned (its cache folder, traefik-<version>) and what the binary says.
func traefikVersion(bin string) string {
	pinned := "unknown version"
	if v, ok := strings.CutPrefix(filepath.Base(filepath.Dir(bin)), "traefik-"); ok {
		pinned = v
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		return pinned
	}
	var fields []string
	for _, line := range strings.Split(string(out), "\n") {
		key, value, ok := strings.Cut(line, ":")
		if ok && (strings.TrimSpace(key) == "Version" || strings.TrimSpace(key) == "Go version") {
			fields = append(fields, strings.ToLower(strings.TrimSpace(key))+" "+strings.TrimSpace(value))
		}
	}
	return pinned + " (binary: " + strings.Join(fields, ", ") + ")"
}
