package load

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// RSSSampler records a Traefik's resident memory once a second.
type RSSSampler struct {
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

// Run samples tr until ctx is done.
func (s *RSSSampler) Run(ctx context.Context, tr *harness.Traefik) {
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
		s.record(time.Since(s.start), rss, err)
	}
}

// record keeps one sample, or the first error.
func (s *RSSSampler) record(at time.Duration, rss int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil && s.err == nil {
		s.err = err
	}
	if err == nil {
		s.samples = append(s.samples, rssSample{at: at, rss: rss})
	}
}

// Err returns the first error met while sampling, if any.
func (s *RSSSampler) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// After returns the first sample taken at least d after the start.
func (s *RSSSampler) After(d time.Duration) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.samples {
		if v.at >= d {
			return v.rss, true
		}
	}
	return 0, false
}

// Summary returns the number of samples and the smallest and largest in MiB.
func (s *RSSSampler) Summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.samples) == 0 {
		return "no samples"
	}
	lo, hi := s.samples[0].rss, s.samples[0].rss
	for _, v := range s.samples {
		lo, hi = min(lo, v.rss), max(hi, v.rss)
	}
	return fmt.Sprintf("%d samples from %.1f to %.1f MiB", len(s.samples), MiB(lo), MiB(hi))
}

// MiB converts bytes to MiB.
func MiB(n int64) float64 {
	return float64(n) / (1 << 20)
}
