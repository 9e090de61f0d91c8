//go:build race

package interp

// raceEnabled reports a -race build: yaegi v0.16.1 races with itself (see
// TestConcurrentRedemption) the first time an interpreted path runs on
// several goroutines at once.
const raceEnabled = true
