package harness

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true), where a missing
// tool fails the test instead of skipping it.
func InCI() bool {
	return os.Getenv("CI") == "true"
}

// Missing skips the test for want of something it needs, or fails it under CI.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

var traefikOnce struct {
	sync.Once
	path string
	err  string
}

// TraefikBinary returns the path of the Traefik binary: $TRAEFIK_BIN, or
// else the path printed last by scripts/traefik.sh (which builds Traefik the
// first time). Without a binary the test is skipped, or fails under CI.
func TraefikBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("TRAEFIK_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			Missing(t, "TRAEFIK_BIN=%s: %v", p, err)
		}
		return p
	}
	traefikOnce.Do(func() {
		root, err := RepoRoot()
		if err != nil {
			traefikOnce.err = err.Error()
			return
		}
		cmd := exec.Command("bash", filepath.Join(root, "scripts", "traefik.sh"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			traefikOnce.err = "scripts/traefik.sh: " + err.Error() + ": " + stderr.String()
			return
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		traefikOnce.path = strings.TrimSpace(lines[len(lines)-1])
	})
	if traefikOnce.path == "" {
		Missing(t, "no Traefik binary: %s", traefikOnce.err)
	}
	return traefikOnce.path
}

// Chromium returns the path of a Chromium binary: $CHROMIUM_BIN, or the
// first of chromium, chromium-browser, google-chrome found in PATH. Without
// one the test is skipped, or fails under CI.
func Chromium(t testing.TB) string {
	t.Helper()
	return Tool(t, "CHROMIUM_BIN", "chromium", "chromium-browser", "google-chrome")
}

// Tool returns the path of an external program: the value of the
// environment variable env when set, else the first of names found in PATH.
// Without one the test is skipped, or fails under CI.
func Tool(t testing.TB, env string, names ...string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		if _, err := os.Stat(p); err != nil {
			Missing(t, "%s=%s: %v", env, p, err)
		}
		return p
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	Missing(t, "none of %v found in PATH (or set %s)", names, env)
	return ""
}
