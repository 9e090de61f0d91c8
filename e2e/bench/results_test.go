package bench

import (
	"fmt"
	"strings"
	"time"
)

// roundResult is one route's figures in one round.
type roundResult struct {
	RPS        float64 `json:"rps"`
	P50ms      float64 `json:"p50ms"`
	P99ms      float64 `json:"p99ms"`
	Requests   int     `json:"requests"`
	Seconds    float64 `json:"seconds"`
	Unexpected int     `json:"unexpected"`
	Errors     int     `json:"errors"`
	// EndedEarly: the token pool ran out before the duration was over;
	// the figures cover the time measured.
	EndedEarly bool `json:"endedEarly,omitempty"`
}

// newRoundResult summarizes a sample.
func newRoundResult(s Sample) roundResult {
	return roundResult{
		RPS:        s.RPS(),
		P50ms:      Ms(Percentile(s.Latencies, 50)),
		P99ms:      Ms(Percentile(s.Latencies, 99)),
		Requests:   s.Requests,
		Seconds:    s.Elapsed.Seconds(),
		Unexpected: s.Unexpected,
		Errors:     s.Errors,
		EndedEarly: s.EndedEarly,
	}
}

// routeResult is one route over every round; RPS, P50ms and P99ms are
// medians over the rounds.
type routeResult struct {
	Name       string        `json:"name"`
	About      string        `json:"about"`
	RPS        float64       `json:"rps"`
	P50ms      float64       `json:"p50ms"`
	P99ms      float64       `json:"p99ms"`
	Unexpected int           `json:"unexpected"`
	Errors     int           `json:"errors"`
	Problem    string        `json:"problem,omitempty"`
	Rounds     []roundResult `json:"rounds"`
}

// add records a round.
func (r *routeResult) add(s Sample) roundResult {
	rr := newRoundResult(s)
	r.Rounds = append(r.Rounds, rr)
	r.Unexpected += s.Unexpected
	r.Errors += s.Errors
	if r.Problem == "" {
		r.Problem = s.Problem
	}
	r.RPS = Median(r.each(func(x roundResult) float64 { return x.RPS }))
	r.P50ms = Median(r.each(func(x roundResult) float64 { return x.P50ms }))
	r.P99ms = Median(r.each(func(x roundResult) float64 { return x.P99ms }))
	return rr
}

// each returns one figure of every round.
func (r *routeResult) each(f func(roundResult) float64) []float64 {
	out := make([]float64, len(r.Rounds))
	for i, x := range r.Rounds {
		out[i] = f(x)
	}
	return out
}

// ratio is a comparison between two routes, computed per round (the two
// runs seconds apart) and reported as the median over the rounds.
type ratio struct {
	Name  string `json:"name"`
	About string `json:"about"`
	// Num and Den are route names; the figure is Num's throughput over
	// Den's, or with p99Diff Num's p99 minus Den's in milliseconds.
	Num     string `json:"num"`
	Den     string `json:"den"`
	P99Diff bool   `json:"p99Diff,omitempty"`
	// Target is a lower bound on the ratio, or an upper bound in ms on
	// the p99 difference; 0 for none.
	Target float64 `json:"target,omitempty"`
}

// ratios are the comparisons reported, with their targets.
var ratios = []ratio{
	{Name: "C1/B", About: "subresource through the plugin vs. the empty plugin", Num: "C1", Den: "B", Target: 0.97},
	{Name: "C2/B", About: "navigation through the plugin vs. the empty plugin", Num: "C2", Den: "B", Target: 0.90},
	{Name: "D-clean/C2", About: "redemption (303) vs. a navigation", Num: "D-clean", Den: "C2", Target: 0.7},
	{Name: "D-raw/C2", About: "redemption passed to the backend vs. a navigation", Num: "D-raw", Den: "C2", Target: 0.7},
	{Name: "E/R", About: "sealed redirect vs. the same redirect without middleware", Num: "E", Den: "R", Target: 0.7},
	{Name: "B/A", About: "empty Yaegi plugin vs. no middleware (the interpreter's floor)", Num: "B", Den: "A"},
	{Name: "D-redis/D-clean", About: "single use in Redis vs. in memory", Num: "D-redis", Den: "D-clean", Target: 0.8},
	{Name: "D-redis − D-clean p99", About: "p99 added by Redis, ms", Num: "D-redis", Den: "D-clean", P99Diff: true, Target: 1},
}

// ratioResult is a ratio's figures.
type ratioResult struct {
	ratio
	Value    float64   `json:"value"`
	PerRound []float64 `json:"perRound"`
	// Met is nil without a target.
	Met *bool `json:"met,omitempty"`
}

// compute evaluates r over the rounds both routes have.
func (r ratio) compute(byName map[string]*routeResult) ratioResult {
	num, den := byName[r.Num], byName[r.Den]
	out := ratioResult{ratio: r}
	for i := 0; i < len(num.Rounds) && i < len(den.Rounds); i++ {
		n, d := num.Rounds[i], den.Rounds[i]
		switch {
		case r.P99Diff:
			out.PerRound = append(out.PerRound, n.P99ms-d.P99ms)
		case d.RPS > 0:
			out.PerRound = append(out.PerRound, n.RPS/d.RPS)
		}
	}
	out.Value = Median(out.PerRound)
	if r.Target != 0 {
		met := out.Value >= r.Target
		if r.P99Diff {
			met = out.Value < r.Target
		}
		out.Met = &met
	}
	return out
}

// targetText is the target as the report shows it.
func (r ratio) targetText() string {
	switch {
	case r.Target == 0:
		return "—"
	case r.P99Diff:
		return fmt.Sprintf("< %g ms", r.Target)
	default:
		return fmt.Sprintf("≥ %g", r.Target)
	}
}

// traefikReport is the content of traefik.md and traefik.json.
type traefikReport struct {
	Machine  Machine        `json:"machine"`
	Settings Settings       `json:"settings"`
	Routes   []*routeResult `json:"routes"`
	Ratios   []ratioResult  `json:"ratios"`
	// Wall is the whole run, minting and warm-up included.
	WallSeconds float64 `json:"wallSeconds"`
}

// failed lists the routes that got unexpected answers or errors.
func (rep traefikReport) failed() []string {
	var out []string
	for _, r := range rep.Routes {
		if r.Unexpected+r.Errors > 0 {
			out = append(out, fmt.Sprintf("%s: %d unexpected answers, %d errors; first: %s", r.Name, r.Unexpected, r.Errors, r.Problem))
		}
	}
	return out
}

// markdown renders the report.
func (rep traefikReport) markdown() string {
	var b strings.Builder
	s := rep.Settings
	fmt.Fprintf(&b, "# sessioninjector through Traefik\n\n%s\n\n", rep.Machine.Header())
	fmt.Fprintf(&b, "Closed loop on loopback: %d workers, each with a keep-alive connection, against one Traefik "+
		"and one in-process Go backend (200 with a %d-byte page, or a 302 to another domain). "+
		"Routes loaded in %d interleaved rounds of %s each, after a %s warm-up per route; "+
		"redemption tokens minted through the handoff endpoint before each round, outside the measured time. "+
		"Traefik logs at INFO, as in production. "+
		"Figures are medians over the rounds; ratios are medians of the per-round ratios. Whole run: %s.\n\n",
		s.Concurrency, len(pageBody), s.Rounds, s.Duration, s.Warmup, time.Duration(rep.WallSeconds*float64(time.Second)).Round(time.Second))
	b.WriteString("| route | what | req/s | p50 ms | p99 ms | req/s per round (min–max) | unexpected |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|\n")
	for _, r := range rep.Routes {
		rps := r.each(func(x roundResult) float64 { return x.RPS })
		lo, hi := minMax(rps)
		early := ""
		for _, x := range r.Rounds {
			if x.EndedEarly {
				early = " (tokens ran out in some rounds)"
			}
		}
		fmt.Fprintf(&b, "| %s | %s%s | %.0f | %.2f | %.2f | %.0f–%.0f | %d |\n",
			r.Name, r.About, early, r.RPS, r.P50ms, r.P99ms, lo, hi, r.Unexpected+r.Errors)
	}
	b.WriteString("\n| figure | what | measured | per round (min–max) | target | |\n")
	b.WriteString("|---|---|--:|--:|--:|---|\n")
	for _, r := range rep.Ratios {
		verdict := ""
		if r.Met != nil {
			verdict = Verdict(*r.Met)
		}
		lo, hi := minMax(r.PerRound)
		format := "%.2f"
		if r.P99Diff {
			format = "%+.2f"
		}
		fmt.Fprintf(&b, "| %s | %s | "+format+" | "+format+"–"+format+" | %s | %s |\n",
			r.Name, r.About, r.Value, lo, hi, r.targetText(), verdict)
	}
	if bad := rep.failed(); len(bad) > 0 {
		b.WriteString("\n**Unexpected answers: the figures above mean nothing.**\n\n")
		for _, line := range bad {
			b.WriteString("- " + line + "\n")
		}
	}
	return b.String()
}

// minMax returns the smallest and largest of xs (0, 0 for none).
func minMax(xs []float64) (lo, hi float64) {
	for i, x := range xs {
		if i == 0 || x < lo {
			lo = x
		}
		if i == 0 || x > hi {
			hi = x
		}
	}
	return lo, hi
}
