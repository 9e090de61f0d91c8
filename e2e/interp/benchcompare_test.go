package interp

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/session-injector/sessioninjector/e2e/bench"
	"github.com/session-injector/sessioninjector/e2e/gopath"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadRevision extracts a revision of the repository and loads its plugin
// in an interpreter of its own, from a GOPATH of its own.
func loadRevision(tb testing.TB, rev string) (*Plugin, revision) {
	tb.Helper()
	r, err := extractRevision(repoRoot(tb), rev, tb.TempDir())
	require.NoError(tb, err)
	goPath := tb.TempDir()
	require.NoError(tb, gopath.Install(r.Dir, goPath, pluginModule), "revision %s", rev)
	p, err := Load(goPath, pluginModule)
	require.NoError(tb, err, "revision %s (%s)", rev, r.Commit)
	return p, r
}

// TestBenchCompare measures benchPaths in two revisions of the plugin
// loaded side by side in this process: the working tree and BENCH_BASE (a
// git revision, extracted with git archive), each in its own interpreter
// and GOPATH, next to the empty interpreted plugin, for BENCH_ROUNDS
// interleaved rounds in which base and new take turns going first. It
// writes e2e/out/bench/compare.md and compare.json. It fails only on wrong
// answers, never on speed. make bench-compare BASE=<rev> runs it.
func TestBenchCompare(t *testing.T) {
	rev := os.Getenv("BENCH_BASE")
	if rev == "" {
		t.Skip("a benchmark comparison: BENCH_BASE=<git revision> (make bench-compare BASE=<rev>) runs it")
	}
	if raceEnabled {
		t.Skip("timings under -race mean nothing")
	}
	settings, err := bench.SettingsFromEnv()
	require.NoError(t, err)
	base, baseRev := loadRevision(t, rev)
	sides := []struct {
		name string
		mw   middleware
	}{{"base", interpretedBy(base)}, {"new", interpretedSI}}
	rep := compareReport{Machine: bench.ThisMachine(), Base: baseRev, Rounds: settings.Rounds, Benchtime: flag.Lookup("test.benchtime").Value.String()}

	emptyNs := make([]float64, 0, settings.Rounds)
	type figures struct {
		ns, over []float64
		last     testing.BenchmarkResult
	}
	got := make([][2]figures, len(benchPaths))
	for round := 1; round <= settings.Rounds; round++ {
		e := float64(measure(t, "empty-plugin", emptyPlugin).NsPerOp())
		emptyNs = append(emptyNs, e)
		for i, p := range benchPaths {
			for k := range sides {
				s := (k + round) % 2 // base first in even rounds, new first in odd ones
				r := measure(t, sides[s].name+" "+p.name, func(b *testing.B) { p.run(benchLoop(b), sides[s].mw) })
				v := float64(r.NsPerOp())
				f := &got[i][s]
				f.ns, f.over, f.last = append(f.ns, v), append(f.over, (v-e)/1000), r
				t.Logf("round %d/%d %-4s %-28s %9.0f ns/op, %7.1f µs over the empty plugin (%.0f ns/op)", round, settings.Rounds, sides[s].name, p.name, v, (v-e)/1000, e)
			}
		}
	}
	rep.Machine.Finish()
	side := func(f figures) compareSide {
		return compareSide{
			NsPerOp: bench.Median(f.ns), OverEmptyUs: bench.Median(f.over), PerRoundUs: f.over,
			AllocsPerOp: f.last.AllocsPerOp(), BytesPerOp: f.last.AllocedBytesPerOp(),
		}
	}
	for i, p := range benchPaths {
		cp := comparePath{Name: p.name, EmptyNsPerOp: bench.Median(emptyNs), Base: side(got[i][0]), New: side(got[i][1])}
		cp.Ratio, cp.RatioPerRound = pairedRatio(cp.Base.PerRoundUs, cp.New.PerRoundUs)
		rep.Paths = append(rep.Paths, cp)
	}
	md := rep.markdown()
	path, err := bench.WriteReport("compare", md, rep)
	require.NoError(t, err)
	fmt.Printf("\n%s\nwritten: %s (and .json)\n", md, path)
}

// TestBenchCompareSides keeps make bench-compare working under go test: a
// revision (HEAD) extracted and loaded next to the working tree's plugin,
// configured by a map that holds a key it does not know (dropped, as
// Traefik's decoder drops it), answers every measured path.
func TestBenchCompareSides(t *testing.T) {
	base, r := loadRevision(t, "HEAD")

	withUnknown := settings{}
	for k, v := range benchSettings {
		withUnknown[k] = v
	}
	withUnknown["aSettingOfAnotherRevision"] = "x"
	for _, p := range []*Plugin{base, sessionInjector(t)} {
		want, err := p.CreateConfig(benchSettings)
		require.NoError(t, err)
		got, err := p.CreateConfig(withUnknown)
		require.NoError(t, err, "an unknown key is dropped, not refused")
		wantJSON, err := json.Marshal(want.Interface())
		require.NoError(t, err)
		gotJSON, err := json.Marshal(got.Interface())
		require.NoError(t, err)
		assert.JSONEq(t, string(wantJSON), string(gotJSON))
	}

	for _, p := range benchPaths {
		t.Run(p.name+"/base-"+r.Commit, func(t *testing.T) { p.run(loop{TB: t, n: 3}, interpretedBy(base)) })
		t.Run(p.name+"/new", func(t *testing.T) { p.run(loop{TB: t, n: 3}, interpretedSI) })
	}
}
