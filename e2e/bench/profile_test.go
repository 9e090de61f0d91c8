package bench

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestProfileThroughTraefik loads the routes named in BENCH_PROFILE
// (comma-separated, such as "R,E") one after the other through one
// Traefik, each for BENCH_PROFILE_DURATION (10s), and takes a CPU profile
// of Traefik over each load: e2e/out/bench/profile-<route>.pprof, for
// `go tool pprof -top`. It also writes profile.md and profile.json with
// each route's throughput and Traefik's CPU time per request, measured
// from /proc over the same load. The interpreted plugin shows in the
// profile as yaegi's frames under the route's middleware.
func TestProfileThroughTraefik(t *testing.T) {
	names := os.Getenv("BENCH_PROFILE")
	if names == "" {
		t.Skip("a CPU profile of Traefik under load: BENCH_PROFILE=R,E (make bench-profile) runs it")
	}
	chosen, err := routesNamed(names)
	require.NoError(t, err)
	window, err := envDuration("BENCH_PROFILE_DURATION", 10*time.Second)
	require.NoError(t, err)
	if window < time.Second || window%time.Second != 0 {
		t.Fatalf("BENCH_PROFILE_DURATION=%q: want whole seconds, at least 1s", window)
	}
	settings, err := SettingsFromEnv()
	require.NoError(t, err)
	out, err := OutDir()
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(out, 0o755))
	machine := ThisMachine()
	run, tr := startRun(t, settings, &machine, true)
	rep := profileReport{Machine: machine, Concurrency: settings.Concurrency, Seconds: window.Seconds()}
	for _, r := range chosen {
		var pool *tokenPool
		if r.redeems {
			pool = run.mint(r, window+time.Second)
		}
		prof := make(chan error, 1)
		file := filepath.Join(out, "profile-"+r.name+".pprof")
		go func() { prof <- fetchProfile(tr.APIAddr, window, file) }()
		before, err := tr.CPUTime()
		require.NoError(t, err)
		s := run.load(r, pool, window)
		after, err := tr.CPUTime()
		require.NoError(t, err)
		require.NoError(t, <-prof, "profile of %s", r.name)
		if s.Unexpected+s.Errors > 0 {
			t.Errorf("%s: %d unexpected answers, %d errors; first: %s", r.name, s.Unexpected, s.Errors, s.Problem)
		}
		p := profiledRoute{Name: r.name, About: r.about, RPS: s.RPS(), Profile: filepath.Base(file)}
		if s.Requests > 0 {
			p.CPUMicrosPerRequest = float64(after-before) / float64(time.Microsecond) / float64(s.Requests)
		}
		p.CoresBusy = float64(after-before) / float64(s.Elapsed)
		rep.Routes = append(rep.Routes, p)
		t.Logf("%-8s %6.0f req/s  Traefik %6.1f µs CPU per request, %.2f cores", r.name, p.RPS, p.CPUMicrosPerRequest, p.CoresBusy)
	}
	machine.Finish()
	rep.Machine = machine
	path, err := WriteReport("profile", rep.markdown(), rep)
	require.NoError(t, err)
	fmt.Printf("\n%s\nwritten: %s (and .json, and the profiles beside it)\n", rep.markdown(), path)
}

// routesNamed returns the routes named in a comma-separated list, in the
// list's order.
func routesNamed(list string) ([]route, error) {
	var out []route
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(routes, func(r route) bool { return r.name == name })
		if i < 0 {
			known := make([]string, len(routes))
			for j, r := range routes {
				known[j] = r.name
			}
			return nil, fmt.Errorf("BENCH_PROFILE: no route %q (routes: %s)", name, strings.Join(known, ", "))
		}
		out = append(out, routes[i])
	}
	return out, nil
}

// fetchProfile takes a CPU profile of Traefik over d and writes it to file.
func fetchProfile(apiAddr string, d time.Duration, file string) error {
	client := &http.Client{Timeout: d + 30*time.Second}
	resp, err := client.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", apiAddr, int(d/time.Second)))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /debug/pprof/profile: %s: %.200s", resp.Status, body)
	}
	return os.WriteFile(file, body, 0o644)
}

// profileReport is what TestProfileThroughTraefik measured.
type profileReport struct {
	Machine     Machine         `json:"machine"`
	Concurrency int             `json:"concurrency"`
	Seconds     float64         `json:"seconds"`
	Routes      []profiledRoute `json:"routes"`
}

// profiledRoute is one route's load under the profiler.
type profiledRoute struct {
	Name                string  `json:"name"`
	About               string  `json:"about"`
	RPS                 float64 `json:"rps"`
	CPUMicrosPerRequest float64 `json:"cpuMicrosPerRequest"`
	CoresBusy           float64 `json:"coresBusy"`
	Profile             string  `json:"profile"`
}

// markdown renders the report.
func (rep profileReport) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Traefik profiled under load\n\n%s\n\n", rep.Machine.Header())
	fmt.Fprintf(&b, "Each route loaded alone for %.0fs by %d closed-loop workers while Traefik's CPU profiler ran "+
		"(which slows it a little). CPU is Traefik's user and system time over the load, from /proc, "+
		"divided by the responses; the difference between two routes is what one costs over the other. "+
		"Read a profile with `go tool pprof -top e2e/out/bench/<file>`.\n\n", rep.Seconds, rep.Concurrency)
	b.WriteString("| route | what | req/s | Traefik CPU µs per request | cores busy | profile |\n")
	b.WriteString("|---|---|--:|--:|--:|---|\n")
	for _, r := range rep.Routes {
		fmt.Fprintf(&b, "| %s | %s | %.0f | %.1f | %.2f | %s |\n", r.Name, r.About, r.RPS, r.CPUMicrosPerRequest, r.CoresBusy, r.Profile)
	}
	return b.String()
}

func TestRoutesNamed(t *testing.T) {
	tests := map[string]struct {
		list    string
		want    []string
		wantErr string
	}{
		"in the list's order": {list: "E,R", want: []string{"E", "R"}},
		"spaces around names": {list: " B , C2", want: []string{"B", "C2"}},
		"unknown route":       {list: "R,X", wantErr: `no route "X" (routes: A, B, C1`},
		"empty name":          {list: "R,", wantErr: `no route ""`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := routesNamed(tt.list)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			var names []string
			for _, r := range got {
				names = append(names, r.name)
			}
			require.Equal(t, tt.want, names)
		})
	}
}
