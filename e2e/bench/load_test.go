package bench

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGeneratorCountsUnexpectedAnswers(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		if served.Add(1)%10 == 0 {
			rw.WriteHeader(http.StatusTeapot)
			return
		}
		_, _ = rw.Write([]byte("ok"))
	}))
	defer srv.Close()

	var sent atomic.Int64
	target := Target{
		Next: func() (*http.Request, bool) {
			if sent.Add(1) > 100 {
				return nil, false
			}
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/x", nil)
			return req, err == nil
		},
		Check: func(resp *http.Response, body []byte) error {
			if resp.StatusCode != http.StatusOK || string(body) != "ok" {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return nil
		},
	}
	gen := NewGenerator(4)
	defer gen.Close()
	s := gen.Run(target, time.Minute)
	assert.True(t, s.EndedEarly, "the requests ran out before the minute")
	assert.Equal(t, 100, s.Requests)
	assert.Len(t, s.Latencies, 100)
	assert.Equal(t, 10, s.Unexpected)
	assert.Zero(t, s.Errors)
	assert.True(t, strings.Contains(s.Problem, "418"), "problem %q", s.Problem)
	assert.Greater(t, s.RPS(), 0.0)
}

func TestGeneratorStopsAtTheDuration(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	target := Target{
		Next: func() (*http.Request, bool) {
			req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
			return req, err == nil
		},
		Check: func(*http.Response, []byte) error { return nil },
	}
	gen := NewGenerator(2)
	defer gen.Close()
	s := gen.Run(target, 100*time.Millisecond)
	assert.False(t, s.EndedEarly)
	assert.Greater(t, s.Requests, 0)
	assert.Less(t, s.Elapsed, 5*time.Second)
}

func TestPercentileAndMedian(t *testing.T) {
	ds := make([]time.Duration, 0, 100)
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50*time.Millisecond, Percentile(ds, 50))
	assert.Equal(t, 99*time.Millisecond, Percentile(ds, 99))
	assert.Equal(t, 100*time.Millisecond, Percentile(ds, 100))
	assert.Equal(t, time.Duration(0), Percentile(nil, 99))
	assert.Equal(t, 2.0, Median([]float64{3, 1, 2}))
	assert.Equal(t, 2.5, Median([]float64{4, 1, 2, 3}))
	assert.Equal(t, 0.0, Median(nil))
}

func TestSettingsFromEnvNamesTheBadValue(t *testing.T) {
	t.Setenv("BENCH_DURATION", "3")
	_, err := SettingsFromEnv()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `BENCH_DURATION="3"`)

	t.Setenv("BENCH_DURATION", "2s")
	t.Setenv("BENCH_ROUNDS", "7")
	s, err := SettingsFromEnv()
	require.NoError(t, err)
	assert.Equal(t, 2*time.Second, s.Duration)
	assert.Equal(t, 7, s.Rounds)
	assert.Equal(t, DefaultSettings.Concurrency, s.Concurrency)
}
