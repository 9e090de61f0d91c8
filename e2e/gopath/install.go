package gopath

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ManifestFile is the plugin manifest Traefik requires at a module's root.
const ManifestFile = ".traefik.yml"

// Dir is where a module's sources live in the GOPATH layout rooted at dir.
func Dir(dir, module string) string {
	return filepath.Join(dir, "src", filepath.FromSlash(module))
}

// Install copies what the module in srcDir ships to Traefik into
// <dir>/src/<module>: go.mod, go.sum, .traefik.yml, vendor/ and the
// non-test Go files of its packages. Nested modules (folders with their own
// go.mod), testdata, and folders and Go files whose names start with "." or
// "_" (which the go command ignores) are left out.
func Install(srcDir, dir, module string) error {
	if _, err := os.Stat(filepath.Join(srcDir, ManifestFile)); err != nil {
		return fmt.Errorf("module %s in %s: %w", module, srcDir, err)
	}
	dst := Dir(dir, module)
	return filepath.WalkDir(srcDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(srcDir, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch {
			case rel == ".":
				return nil
			case rel == "vendor":
				if err := copyTree(path, filepath.Join(dst, "vendor")); err != nil {
					return err
				}
				return filepath.SkipDir
			case skipDir(path, d.Name()):
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !shipped(filepath.ToSlash(rel), d.Name()) {
			return nil
		}
		return copyFile(path, filepath.Join(dst, rel))
	})
}

// skipDir reports whether a folder is not part of the module's packages.
func skipDir(path, name string) bool {
	if ignored(name) || name == "testdata" {
		return true
	}
	_, err := os.Stat(filepath.Join(path, "go.mod"))
	return err == nil
}

// shipped reports whether a file (rel to the module root, slash-separated)
// is copied.
func shipped(rel, name string) bool {
	switch rel {
	case "go.mod", "go.sum", ManifestFile:
		return true
	}
	return strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") && !ignored(name)
}

// ignored reports whether the go command ignores a file or folder by name.
func ignored(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// copyTree copies every regular file under src to dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
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
