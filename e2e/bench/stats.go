package bench

import (
	"slices"
	"time"
)

// Percentile returns the q-th percentile (0 < q <= 100) of ds by the
// nearest-rank method, or 0 for no data. ds is sorted in place.
func Percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	rank := int(q/100*float64(len(ds)) + 0.999999999)
	rank = min(max(rank, 1), len(ds))
	return ds[rank-1]
}

// Median returns the median of xs (the mean of the two middle values for
// an even count), or 0 for no data. xs is left untouched.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Ms converts a duration to milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
