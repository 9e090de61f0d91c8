package harness

import "strings"

// ScanLog returns the lines of a Traefik log that show a plugin problem:
// a panic, any mention of the interpreter or of a failed plugin load, or
// an error-level line about a plugin, a middleware or a router. Lines containing one of
// allow are ignored.
func ScanLog(log string, allow []string) []string {
	var bad []string
	for _, line := range strings.Split(log, "\n") {
		if line == "" || containsAny(line, allow) {
			continue
		}
		if problem(line) {
			bad = append(bad, line)
		}
	}
	return bad
}

// problem reports whether one log line shows a plugin problem.
func problem(line string) bool {
	lower := strings.ToLower(line)
	if containsAny(lower, []string{"panic", "yaegi", "failed to import plugin", "plugins are disabled", "failed to create plugin"}) {
		return true
	}
	if !containsAny(line, []string{" ERR ", " FTL ", " PNC ", "level=error", "level=fatal"}) {
		return false
	}
	return containsAny(lower, []string{"plugin", "middleware", "sessioninjector", "routername="})
}

// containsAny reports whether s contains one of subs.
func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
