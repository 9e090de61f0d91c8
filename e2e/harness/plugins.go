package harness

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

// Install copies what Traefik needs of p (go.mod, go.sum, .traefik.yml,
// the non-test Go files of the module's packages, vendor/) into
// <workDir>/plugins-local/src/<module>. Nested modules (folders with their
// own go.mod), testdata and hidden folders are left out.
func (p Plugin) Install(workDir string) error {
	dst := filepath.Join(workDir, "plugins-local", "src", filepath.FromSlash(p.Module))
	if _, err := os.Stat(filepath.Join(p.Dir, ".traefik.yml")); err != nil {
		return fmt.Errorf("plugin %s: %w", p.Name, err)
	}
	return filepath.WalkDir(p.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(p.Dir, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel == "." {
				return nil
			}
			if rel == "vendor" {
				return copyTree(path, filepath.Join(dst, "vendor"))
			}
			if skipDir(path, d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !wanted(rel, d.Name()) {
			return nil
		}
		return copyFile(path, filepath.Join(dst, rel))
	})
}

// skipDir reports whether a folder is not part of the plugin's module.
func skipDir(path, name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" {
		return true
	}
	_, err := os.Stat(filepath.Join(path, "go.mod"))
	return err == nil
}

// wanted reports whether a file (rel to the module root) is copied.
func wanted(rel, name string) bool {
	switch rel {
	case "go.mod", "go.sum", ".traefik.yml":
		return true
	}
	return strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go")
}

// copyTree copies every regular file under src to dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copyFile(path, filepath.Join(dst, rel))
	})
}

// copyFile copies one file, creating dst's folder.
func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		return errors.Join(fmt.Errorf("copy %s: %w", src, err), out.Close())
	}
	return out.Close()
}
