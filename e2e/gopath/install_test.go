package gopath

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeTree writes files (slash paths to contents) under a new folder.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	}
	return dir
}

// listTree returns the slash paths of the files under root, sorted.
func listTree(t *testing.T, root string) []string {
	t.Helper()
	var got []string
	require.NoError(t, filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(root, path)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	}))
	sort.Strings(got)
	return got
}

func TestInstallCopiesOnlyWhatTraefikLoads(t *testing.T) {
	src := writeTree(t, map[string]string{
		"go.mod":                         "module example.com/p\n",
		"go.sum":                         "example.org/v v1.0.0 h1:x\n",
		".traefik.yml":                   "type: middleware\n",
		"p.go":                           "package p\n",
		"p_test.go":                      "package p\n",
		".hidden.go":                     "package p\n",
		"_ignored.go":                    "package p\n",
		"README.md":                      "readme",
		"internal/x/x.go":                "package x\n",
		"internal/x/x_test.go":           "package x\n",
		"vendor/modules.txt":             "# none\n",
		"vendor/example.org/v/v.go":      "package v\n",
		"vendor/example.org/v/LICENSE":   "license\n",
		"vendor/example.org/v/v_test.go": "package v\n",
		"e2e/go.mod":                     "module example.com/p/e2e\n",
		"e2e/e.go":                       "package e\n",
		"demo/app/go.mod":                "module example.com/p/demo/app\n",
		"demo/app/main.go":               "package main\n",
		"testdata/t.go":                  "package t\n",
		"internal/testdata/t.go":         "package t\n",
		"_tools/tools.go":                "package tools\n",
		".git/config":                    "",
		".github/x.go":                   "package x\n",
	})
	dir := t.TempDir()
	require.NoError(t, Install(src, dir, "example.com/p"))

	root := filepath.Join(dir, "src", "example.com", "p")
	assert.Equal(t, root, Dir(dir, "example.com/p"))
	assert.Equal(t, []string{
		".traefik.yml", "go.mod", "go.sum", "internal/x/x.go", "p.go",
		"vendor/example.org/v/LICENSE", "vendor/example.org/v/v.go", "vendor/example.org/v/v_test.go", "vendor/modules.txt",
	}, listTree(t, root))
	body, err := os.ReadFile(filepath.Join(root, "p.go"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(body), "package p"))
}

func TestInstallRefusesAModuleWithoutManifest(t *testing.T) {
	src := writeTree(t, map[string]string{"go.mod": "module example.com/p\n", "p.go": "package p\n"})
	err := Install(src, t.TempDir(), "example.com/p")
	require.Error(t, err)
	assert.Contains(t, err.Error(), src, "the error names the folder")
	assert.Contains(t, err.Error(), "example.com/p", "the error names the module")
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestInstallReplacesAnEarlierCopy(t *testing.T) {
	dir := t.TempDir()
	for _, body := range []string{"package p // first\n", "package p // second\n"} {
		src := writeTree(t, map[string]string{".traefik.yml": "type: middleware\n", "go.mod": "module example.com/p\n", "p.go": body})
		require.NoError(t, Install(src, dir, "example.com/p"))
		got, err := os.ReadFile(filepath.Join(Dir(dir, "example.com/p"), "p.go"))
		require.NoError(t, err)
		assert.Equal(t, body, string(got))
	}
}

// TestInstallTwoRevisionsSideBySide: the same module installed into two
// folders (two GOPATHs, as bench-compare does) keeps each its own files.
func TestInstallTwoRevisionsSideBySide(t *testing.T) {
	files := func(body string) map[string]string {
		return map[string]string{".traefik.yml": "type: middleware\n", "go.mod": "module example.com/p\n", "p.go": body}
	}
	a, b := t.TempDir(), t.TempDir()
	require.NoError(t, Install(writeTree(t, files("package p // a\n")), a, "example.com/p"))
	require.NoError(t, Install(writeTree(t, files("package p // b\n")), b, "example.com/p"))
	for dir, want := range map[string]string{a: "package p // a\n", b: "package p // b\n"} {
		got, err := os.ReadFile(filepath.Join(Dir(dir, "example.com/p"), "p.go"))
		require.NoError(t, err)
		assert.Equal(t, want, string(got))
	}
}

// TestInstallThisRepository installs the plugin itself: its manifest,
// go.mod and Go files, none of its tests, nested modules or testdata.
func TestInstallThisRepository(t *testing.T) {
	src, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, Install(src, dir, "example.com/si"))
	got := listTree(t, Dir(dir, "example.com/si"))
	assert.Contains(t, got, ManifestFile)
	assert.Contains(t, got, "go.mod")
	assert.Contains(t, got, "plugin.go")
	for _, f := range got {
		assert.False(t, strings.HasSuffix(f, "_test.go") && !strings.HasPrefix(f, "vendor/"), "test file %s", f)
		for _, prefix := range []string{"e2e/", "demo/", "testdata/", "scripts/", ".ci/"} {
			assert.False(t, strings.HasPrefix(f, prefix), "%s is not part of the plugin", f)
		}
	}
}
