package interp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/session-injector/sessioninjector/e2e/bench"
	"github.com/stretchr/testify/assert"
)

// compareSide is one revision's figures for one path.
type compareSide struct {
	NsPerOp     float64   `json:"nsPerOp"`
	OverEmptyUs float64   `json:"overEmptyUs"`
	PerRoundUs  []float64 `json:"perRoundUs"`
	AllocsPerOp int64     `json:"allocsPerOp"`
	BytesPerOp  int64     `json:"bytesPerOp"`
}

// comparePath is one measured path in the comparison.
type comparePath struct {
	Name         string      `json:"name"`
	EmptyNsPerOp float64     `json:"emptyNsPerOp"`
	Base         compareSide `json:"base"`
	New          compareSide `json:"new"`
	// Ratio is the median over the rounds of new/base (µs over empty),
	// each round's pair measured back to back, so that the machine's load
	// drifting between rounds cancels out; RatioPerRound lists them. Rounds
	// where the base is not above the empty plugin are left out; 0 when
	// none is left.
	Ratio         float64   `json:"ratio"`
	RatioPerRound []float64 `json:"ratioPerRound"`
}

// compareReport is the content of compare.md and compare.json.
type compareReport struct {
	Machine   bench.Machine `json:"machine"`
	Base      revision      `json:"base"`
	Rounds    int           `json:"rounds"`
	Benchtime string        `json:"benchtime"`
	Paths     []comparePath `json:"paths"`
}

// pairedRatio returns the median of the rounds' new/base ratios and the
// ratios, leaving out rounds whose base is not above 0; 0 when none is left.
func pairedRatio(base, next []float64) (float64, []float64) {
	var ratios []float64
	for r, b := range base {
		if b > 0 && r < len(next) {
			ratios = append(ratios, next[r]/b)
		}
	}
	if len(ratios) == 0 {
		return 0, nil
	}
	return bench.Median(ratios), ratios
}

func TestPairedRatio(t *testing.T) {
	cases := []struct {
		name       string
		base, next []float64
		want       float64
		rounds     []float64
	}{
		{"one round", []float64{10}, []float64{5}, 0.5, []float64{0.5}},
		{"median of the rounds, not of the medians", []float64{10, 20, 40}, []float64{10, 10, 40}, 1, []float64{1, 0.5, 1}},
		{"a round without cost over the empty plugin is left out", []float64{-1, 10}, []float64{3, 20}, 2, []float64{2}},
		{"no usable round", []float64{0, -2}, []float64{1, 1}, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, rounds := pairedRatio(c.base, c.next)
			assert.InDelta(t, c.want, got, 1e-9)
			assert.Equal(t, c.rounds, rounds)
		})
	}
}

func TestCompareMarkdown(t *testing.T) {
	rep := compareReport{
		Base: revision{Rev: "v1.2.0", Commit: "abc1234", Subject: "older"}, Rounds: 2, Benchtime: "1s",
		Paths: []comparePath{
			{Name: "C1", Base: compareSide{OverEmptyUs: 2}, New: compareSide{OverEmptyUs: 1, AllocsPerOp: 3}, Ratio: 0.5, RatioPerRound: []float64{0.4, 0.6}},
			{Name: "C2", Base: compareSide{OverEmptyUs: -0.1}, New: compareSide{OverEmptyUs: 1}},
		},
	}
	md := rep.markdown()
	assert.Contains(t, md, "# sessioninjector: v1.2.0 (abc1234) against the working tree")
	assert.Contains(t, md, "the differences below are noise", "same plugin files")
	assert.Contains(t, md, "| C1 | 2.0 | 1.0 | 0.50 | 0.40–0.60 | 0/3 | 0/0 |")
	assert.Contains(t, md, "| C2 | -0.1 | 1.0 | — | — | 0/0 | 0/0 |")
	rep.Base.PluginChanged = true
	assert.NotContains(t, rep.markdown(), "noise")
}

// markdown renders the comparison.
func (rep compareReport) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# sessioninjector: %s (%s) against the working tree, in Traefik's interpreter (yaegi v0.16.1)\n\n%s\n\n",
		rep.Base.Rev, rep.Base.Commit, rep.Machine.Header())
	fmt.Fprintf(&b, "Base: %s %q.", rep.Base.Commit, rep.Base.Subject)
	if !rep.Base.PluginChanged {
		b.WriteString(" Its plugin files are the working tree's: the differences below are noise.")
	}
	fmt.Fprintf(&b, "\n\nBoth revisions loaded side by side in one process, each in its own interpreter, next to an empty "+
		"interpreted plugin; %d interleaved rounds, each benchmark for %s, base and new taking turns going first. "+
		"µs are the median over the rounds of the path's time minus the empty plugin's in the same round; "+
		"new/base is the median of the rounds' ratios (each round's pair runs back to back), below 1 when the "+
		"working tree is faster; its spread over the rounds shows how noisy the machine was.\n\n", rep.Rounds, rep.Benchtime)
	b.WriteString("| path | base µs | new µs | new/base | per round (min–max) | allocs/op base/new | B/op base/new |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|\n")
	for _, p := range rep.Paths {
		ratio, spread := "—", "—"
		if len(p.RatioPerRound) > 0 {
			lo, hi := p.RatioPerRound[0], p.RatioPerRound[0]
			for _, x := range p.RatioPerRound {
				lo, hi = min(lo, x), max(hi, x)
			}
			ratio, spread = fmt.Sprintf("%.2f", p.Ratio), fmt.Sprintf("%.2f–%.2f", lo, hi)
		}
		fmt.Fprintf(&b, "| %s | %.1f | %.1f | %s | %s | %d/%d | %d/%d |\n", p.Name, p.Base.OverEmptyUs, p.New.OverEmptyUs,
			ratio, spread, p.Base.AllocsPerOp, p.New.AllocsPerOp, p.Base.BytesPerOp, p.New.BytesPerOp)
	}
	return b.String()
}
