package load

import (
	"os"
	"testing"
	"time"
)

// Duration returns the duration set in the environment variable name (a
// Go duration such as "10s"), or def when it is unset, so that a developer
// can shorten a load test locally; a value that is not a positive duration
// ends the test.
func Duration(t testing.TB, name string, def time.Duration) time.Duration {
	t.Helper()
	s, ok := os.LookupEnv(name)
	if !ok || s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a positive Go duration such as 10s", name, s)
	}
	return d
}
