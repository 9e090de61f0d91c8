package interp

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/session-injector/sessioninjector/e2e/bench"
	"github.com/stretchr/testify/require"
)

// interpTargets are the bounds, in µs over the empty interpreted
// plugin, keyed by a word of the benchmark path's name.
var interpTargets = []struct {
	word string
	us   float64
}{{"c1", 2}, {"c2", 6}, {"seal", 25}, {"redeem", 30}}

// targetFor returns the bound for a path, or 0 for none.
func targetFor(path string) float64 {
	for _, t := range interpTargets {
		if strings.Contains(strings.ToLower(path), t.word) {
			return t.us
		}
	}
	return 0
}

// interpPath is one measured path in the report.
type interpPath struct {
	Name string `json:"name"`
	// NsPerOp and EmptyNsPerOp are medians over the rounds.
	NsPerOp      float64 `json:"nsPerOp"`
	EmptyNsPerOp float64 `json:"emptyNsPerOp"`
	// OverEmptyUs is the median over the rounds of this path's time minus
	// the empty plugin's in the same round, in µs.
	OverEmptyUs float64   `json:"overEmptyUs"`
	PerRoundUs  []float64 `json:"perRoundUs"`
	AllocsPerOp int64     `json:"allocsPerOp"`
	BytesPerOp  int64     `json:"bytesPerOp"`
	TargetUs    float64   `json:"targetUs,omitempty"`
	Met         *bool     `json:"met,omitempty"`
}

// interpReport is the content of interp.md and interp.json.
type interpReport struct {
	Machine   bench.Machine `json:"machine"`
	Rounds    int           `json:"rounds"`
	Benchtime string        `json:"benchtime"`
	Paths     []interpPath  `json:"paths"`
}

// TestBenchReport runs BenchmarkInterp's paths interleaved with the empty
// interpreted plugin for BENCH_ROUNDS rounds (each benchmark for
// -benchtime) and writes e2e/out/bench/interp.md and interp.json: the
// median µs each path adds over the empty plugin, next to its target. It
// reports; it never fails on the machine's speed. BENCH=1 runs it.
func TestBenchReport(t *testing.T) {
	if os.Getenv("BENCH") != "1" {
		t.Skip("a benchmark report: BENCH=1 (make bench) runs it")
	}
	if raceEnabled {
		t.Skip("timings under -race mean nothing")
	}
	settings, err := bench.SettingsFromEnv()
	require.NoError(t, err)
	rep := interpReport{Machine: bench.ThisMachine(), Rounds: settings.Rounds, Benchtime: flag.Lookup("test.benchtime").Value.String()}

	emptyNs := make([]float64, 0, settings.Rounds)
	ns := make([][]float64, len(benchPaths))
	over := make([][]float64, len(benchPaths))
	last := make([]testing.BenchmarkResult, len(benchPaths))
	for round := 1; round <= settings.Rounds; round++ {
		e := float64(measure(t, "empty-plugin", emptyPlugin).NsPerOp())
		emptyNs = append(emptyNs, e)
		for i, p := range benchPaths {
			last[i] = measure(t, p.name, func(b *testing.B) { p.run(benchLoop(b), interpretedSI) })
			v := float64(last[i].NsPerOp())
			ns[i] = append(ns[i], v)
			over[i] = append(over[i], (v-e)/1000)
			t.Logf("round %d/%d %-28s %9.0f ns/op, %7.1f µs over the empty plugin (%0.f ns/op)", round, settings.Rounds, p.name, v, (v-e)/1000, e)
		}
	}
	rep.Machine.Finish()
	for i, p := range benchPaths {
		ip := interpPath{
			Name: p.name, NsPerOp: bench.Median(ns[i]), EmptyNsPerOp: bench.Median(emptyNs),
			OverEmptyUs: bench.Median(over[i]), PerRoundUs: over[i],
			AllocsPerOp: last[i].AllocsPerOp(), BytesPerOp: last[i].AllocedBytesPerOp(), TargetUs: targetFor(p.name),
		}
		if ip.TargetUs != 0 {
			met := ip.OverEmptyUs <= ip.TargetUs
			ip.Met = &met
		}
		rep.Paths = append(rep.Paths, ip)
	}
	md := rep.markdown()
	path, err := bench.WriteReport("interp", md, rep)
	require.NoError(t, err)
	fmt.Printf("\n%s\nwritten: %s (and .json)\n", md, path)
}

// emptyPlugin serves navigations through the empty interpreted plugin: the
// interpreter's own cost per middleware, subtracted from every path.
func emptyPlugin(b *testing.B) {
	h, err := interpretedNoop(b).Build(context.Background(), nil, "noop", okBackend)
	require.NoError(b, err)
	runSame(benchLoop(b), h, navRequest(true), http.StatusOK)
}

// measure runs one benchmark; a benchmark that fails (a wrong answer) fails t.
func measure(t *testing.T, name string, f func(*testing.B)) testing.BenchmarkResult {
	t.Helper()
	r := testing.Benchmark(f)
	if r.N == 0 {
		t.Fatalf("benchmark %s failed (run BenchmarkInterp for its message)", name)
	}
	return r
}

// markdown renders the report.
func (rep interpReport) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# sessioninjector in Traefik's interpreter (yaegi v0.16.1), in process\n\n%s\n\n", rep.Machine.Header())
	fmt.Fprintf(&b, "One request at a time through the plugin as Traefik loads it, next to an empty interpreted plugin, "+
		"%d interleaved rounds, each benchmark for %s. \"Over empty\" is the median of the per-round differences: "+
		"what the plugin's own code costs per request, the interpreter's fixed cost per middleware excluded.\n\n",
		rep.Rounds, rep.Benchtime)
	b.WriteString("| path | ns/op | empty plugin ns/op | µs over empty | per round (min–max) | allocs/op | B/op | target | |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, p := range rep.Paths {
		lo, hi := p.PerRoundUs[0], p.PerRoundUs[0]
		for _, x := range p.PerRoundUs {
			lo, hi = min(lo, x), max(hi, x)
		}
		target, verdict := "—", ""
		if p.Met != nil {
			target, verdict = fmt.Sprintf("≤ %g µs", p.TargetUs), bench.Verdict(*p.Met)
		}
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %.1f | %.1f–%.1f | %d | %d | %s | %s |\n",
			p.Name, p.NsPerOp, p.EmptyNsPerOp, p.OverEmptyUs, lo, hi, p.AllocsPerOp, p.BytesPerOp, target, verdict)
	}
	return b.String()
}
