package interp

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// PackageDir is where a module's sources live in a GOPATH layout.
func PackageDir(goPath, module string) string {
	return filepath.Join(goPath, "src", filepath.FromSlash(module))
}

// Install copies what a plugin ships to Traefik from srcDir into
// <goPath>/src/<module>/: its non-test .go files, go.mod and .traefik.yml.
// Subdirectories are not copied: the plugin is a single package.
func Install(srcDir, goPath, module string) error {
	entries, err := os.ReadDir(srcDir)
	if err != nil {
		return err
	}
	files := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !shipped(name) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(srcDir, name))
		if err != nil {
			return err
		}
		files[name] = string(b)
	}
	if _, ok := files[ManifestFile]; !ok {
		return fmt.Errorf("%s: no %s", srcDir, ManifestFile)
	}
	return WriteFiles(goPath, module, files)
}

func shipped(name string) bool {
	if name == "go.mod" || name == ManifestFile {
		return true
	}
	return strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go")
}

// WriteFiles writes files (base name to content) into <goPath>/src/<module>/,
// for plugins made up by tests.
func WriteFiles(goPath, module string, files map[string]string) error {
	dir := PackageDir(goPath, module)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, content := range files {
		if filepath.Base(name) != name {
			return fmt.Errorf("%q: a plain file name is required", name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}
