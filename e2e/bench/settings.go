package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Settings are the load parameters, the same for every route and round.
type Settings struct {
	// Rounds is how many times every route is loaded, interleaved.
	Rounds int
	// Duration is the measured time per route per round.
	Duration time.Duration
	// Warmup is the unmeasured run of every route before the first round.
	Warmup time.Duration
	// Concurrency is the number of closed-loop workers.
	Concurrency int
}

// MarshalJSON writes durations in seconds.
func (s Settings) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Rounds          int     `json:"rounds"`
		DurationSeconds float64 `json:"durationSeconds"`
		WarmupSeconds   float64 `json:"warmupSeconds"`
		Concurrency     int     `json:"concurrency"`
	}{s.Rounds, s.Duration.Seconds(), s.Warmup.Seconds(), s.Concurrency})
}

// DefaultSettings make a full run through Traefik last about four minutes.
var DefaultSettings = Settings{Rounds: 5, Duration: 3 * time.Second, Warmup: time.Second, Concurrency: 8}

// SettingsFromEnv reads BENCH_ROUNDS, BENCH_DURATION, BENCH_WARMUP and
// BENCH_CONCURRENCY over the defaults.
func SettingsFromEnv() (Settings, error) {
	s := DefaultSettings
	var err error
	if s.Rounds, err = envInt("BENCH_ROUNDS", s.Rounds); err != nil {
		return s, err
	}
	if s.Concurrency, err = envInt("BENCH_CONCURRENCY", s.Concurrency); err != nil {
		return s, err
	}
	if s.Duration, err = envDuration("BENCH_DURATION", s.Duration); err != nil {
		return s, err
	}
	if s.Warmup, err = envDuration("BENCH_WARMUP", s.Warmup); err != nil {
		return s, err
	}
	return s, nil
}

// envInt reads a positive integer.
func envInt(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s=%q: want a positive integer", name, v)
	}
	return n, nil
}

// envDuration reads a positive Go duration ("3s", "500ms").
func envDuration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive duration such as 3s or 500ms", name, v)
	}
	return d, nil
}
