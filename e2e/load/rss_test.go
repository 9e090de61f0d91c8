package load

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRSSSampler(t *testing.T) {
	var s RSSSampler
	assert.Equal(t, "no samples", s.Summary())
	_, ok := s.After(0)
	assert.False(t, ok, "no sample yet")

	s.record(500*time.Millisecond, 10<<20, nil)
	s.record(1500*time.Millisecond, 0, assert.AnError)
	s.record(2*time.Second, 30<<20, nil)
	s.record(3*time.Second, 20<<20, nil)
	rss, ok := s.After(time.Second)
	assert.True(t, ok)
	assert.Equal(t, int64(30<<20), rss, "the first sample at or after 1s")
	_, ok = s.After(4 * time.Second)
	assert.False(t, ok)
	assert.Equal(t, "3 samples from 10.0 to 30.0 MiB", s.Summary())
	assert.ErrorIs(t, s.Err(), assert.AnError)
	assert.InDelta(t, 1.5, MiB(3<<19), 1e-9)
}
