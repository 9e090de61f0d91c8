package harness

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInstallCopiesOnlyWhatTraefikLoads(t *testing.T) {
	src := t.TempDir()
	files := map[string]string{
		"go.mod":                    "module example.com/p\n",
		".traefik.yml":              "type: middleware\n",
		"p.go":                      "package p\n",
		"p_test.go":                 "package p\n",
		"README.md":                 "readme",
		"internal/x/x.go":           "package x\n",
		"vendor/modules.txt":        "# none\n",
		"vendor/example.org/v/v.go": "package v\n",
		"e2e/go.mod":                "module example.com/p/e2e\n",
		"e2e/e.go":                  "package e\n",
		"testdata/t.go":             "package t\n",
		".git/config":               "",
	}
	for name, body := range files {
		path := filepath.Join(src, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	}
	work := t.TempDir()
	require.NoError(t, Plugin{Name: "p", Module: "example.com/p", Dir: src}.Install(work))

	root := filepath.Join(work, "plugins-local", "src", "example.com", "p")
	var got []string
	require.NoError(t, filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(root, path)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	}))
	sort.Strings(got)
	assert.Equal(t, []string{".traefik.yml", "go.mod", "internal/x/x.go", "p.go", "vendor/example.org/v/v.go", "vendor/modules.txt"}, got)
	body, err := os.ReadFile(filepath.Join(root, "p.go"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(body), "package p"))
}
