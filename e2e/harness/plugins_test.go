package harness

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInstallIntoPluginsLocal: Traefik reads local plugins from
// plugins-local/src/<module> under its working directory. What is copied
// there is gopath.Install's concern, tested with it.
func TestInstallIntoPluginsLocal(t *testing.T) {
	src := t.TempDir()
	for name, body := range map[string]string{".traefik.yml": "type: middleware\n", "go.mod": "module example.com/p\n", "p.go": "package p\n"} {
		require.NoError(t, os.WriteFile(filepath.Join(src, name), []byte(body), 0o644))
	}
	work := t.TempDir()
	require.NoError(t, Plugin{Name: "p", Module: "example.com/p", Dir: src}.Install(work))
	body, err := os.ReadFile(filepath.Join(work, "plugins-local", "src", "example.com", "p", "p.go"))
	require.NoError(t, err)
	assert.Equal(t, "package p\n", string(body))
}

func TestInstallNamesThePlugin(t *testing.T) {
	err := Plugin{Name: "broken", Module: "example.com/b", Dir: t.TempDir()}.Install(t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "plugin broken")
}

// TestShippedPluginsInstall installs the repository's two plugins as the
// harness does before starting Traefik.
func TestShippedPluginsInstall(t *testing.T) {
	for _, get := range []func() (Plugin, error){SessionInjector, Noop} {
		p, err := get()
		require.NoError(t, err)
		work := t.TempDir()
		require.NoError(t, p.Install(work), p.Name)
		_, err = os.Stat(filepath.Join(work, "plugins-local", "src", filepath.FromSlash(p.Module), ".traefik.yml"))
		assert.NoError(t, err, p.Name)
	}
}
