package harness

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/session-injector/sessioninjector/e2e/gopath"
)

// PluginModule is the module path of the session injector plugin.
const PluginModule = "github.com/session-injector/sessioninjector"

// Plugin is a local Yaegi plugin that Traefik loads from plugins-local.
type Plugin struct {
	// Name is the key under experimental.localPlugins, used in dynamic
	// configuration as middlewares.<mw>.plugin.<Name>.
	Name string
	// Module is the plugin's module path.
	Module string
	// Dir holds the plugin's go.mod and .traefik.yml.
	Dir string
}

// SessionInjector is the plugin in the repository root, named
// "sessioninjector".
func SessionInjector() (Plugin, error) {
	root, err := RepoRoot()
	if err != nil {
		return Plugin{}, err
	}
	return Plugin{Name: "sessioninjector", Module: PluginModule, Dir: root}, nil
}

// Noop is the do-nothing plugin in e2e/testdata/noop, named "noop".
func Noop() (Plugin, error) {
	root, err := RepoRoot()
	if err != nil {
		return Plugin{}, err
	}
	return Plugin{
		Name:   "noop",
		Module: "github.com/session-injector/noop",
		Dir:    filepath.Join(root, "e2e", "testdata", "noop"),
	}, nil
}

// RepoRoot finds the plugin repository: the nearest directory, from the
// working directory up, whose go.mod declares PluginModule.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if modulePath(filepath.Join(dir, "go.mod")) == PluginModule {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod for %s above the working directory", PluginModule)
		}
		dir = parent
	}
}

// modulePath returns the module line of a go.mod file, or "".
func modulePath(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// Install copies what Traefik loads of p (see gopath.Install) into
// <workDir>/plugins-local/src/<module>.
func (p Plugin) Install(workDir string) error {
	if err := gopath.Install(p.Dir, filepath.Join(workDir, "plugins-local"), p.Module); err != nil {
		return fmt.Errorf("plugin %s: %w", p.Name, err)
	}
	return nil
}
