package interp

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/session-injector/sessioninjector/e2e/gopath"
)

// pluginModule is the session injector's module path, as in its .traefik.yml.
const pluginModule = "github.com/session-injector/sessioninjector"

var (
	goPath   string // temporary GOPATH shared by every plugin of this test binary
	loadOnce sync.Once
	loaded   *Plugin
	loadErr  error
	loadTime time.Duration
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "interp-gopath-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	goPath = dir
	code := m.Run()
	if loaded != nil {
		if found := leaks(loaded); len(found) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: %d token or session values appear in the plugin's log\n", len(found))
			code = 1
		}
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot is the plugin's repository, two levels above this package.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ManifestFile)); err != nil {
		tb.Fatalf("plugin repository not found: %v", err)
	}
	return root
}

// sessionInjector returns the interpreted plugin, installed and evaluated
// once per test binary: interpreting the package takes a while.
func sessionInjector(tb testing.TB) *Plugin {
	tb.Helper()
	loadOnce.Do(func() {
		start := time.Now()
		if loadErr = gopath.Install(repoRoot(tb), goPath, pluginModule); loadErr != nil {
			return
		}
		loaded, loadErr = Load(goPath, pluginModule)
		loadTime = time.Since(start)
	})
	if loadErr != nil {
		tb.Fatalf("loading the plugin like Traefik: %v", loadErr)
	}
	return loaded
}
