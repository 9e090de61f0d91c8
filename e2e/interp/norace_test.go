//go:build !race

package interp

// raceEnabled reports a -race build.
const raceEnabled = false
