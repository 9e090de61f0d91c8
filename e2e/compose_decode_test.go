package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector"
	"github.com/session-injector/sessioninjector/e2e/interp"
)

// pluginConfigFrom decodes one middleware's plugin settings (from decode)
// into the plugin's Config as Traefik would, and checks that it names the
// sessioninjector plugin and that every setting is used.
func pluginConfigFrom(t *testing.T, source string, decode func() (string, map[string]any, error)) *sessioninjector.Config {
	t.Helper()
	plugin, raw, err := decode()
	require.NoError(t, err, source)
	assert.Equal(t, "sessioninjector", plugin, "%s: the plugin name, as in experimental.localPlugins", source)
	cfg, unused, err := decodePluginConfig(raw)
	require.NoError(t, err, source)
	assert.Empty(t, unused, "%s: settings Traefik would drop silently", source)
	return cfg
}

// TestComposeLabelsDecodeLikeFileProvider decodes the app containers'
// labels as Traefik's Docker provider does and compares the plugin's
// configuration with the same middlewares written for the file provider
// in YAML and TOML (testdata/compose).
func TestComposeLabelsDecodeLikeFileProvider(t *testing.T) {
	p := mustLoadCompose(t)
	for _, prof := range composeProfiles {
		t.Run(prof.Expected, func(t *testing.T) {
			labels := p.service(t, prof.App).Labels
			fromLabels, err := decodeRoutingLabels(labels)
			require.NoError(t, err)
			expected := map[string]string{}
			for _, ext := range []string{".yml", ".toml"} {
				data, err := os.ReadFile(filepath.Join("testdata", "compose", prof.Expected+ext))
				require.NoError(t, err)
				expected[ext] = string(data)
				fromFile, err := decodeRoutingFile(string(data), ext)
				require.NoError(t, err)
				assert.Equal(t, fromFile.middlewareNames(), fromLabels.middlewareNames(), "middlewares in the labels and in %s%s", prof.Expected, ext)
			}
			require.Equal(t, []string{"checkout-session", "shop-session"}, fromLabels.middlewareNames())

			for _, mw := range fromLabels.middlewareNames() {
				t.Run(mw, func(t *testing.T) {
					got := pluginConfigFrom(t, "labels", func() (string, map[string]any, error) { return interp.FromLabels(middlewareLabels(labels, mw), mw) })
					for ext, content := range expected {
						want := pluginConfigFrom(t, prof.Expected+ext, func() (string, map[string]any, error) { return interp.FromFile(content, ext, mw) })
						assert.Equal(t, want, got, "labels and %s%s", prof.Expected, ext)
					}
					assert.NoError(t, buildPlugin(got, mw), "New accepts the labels' configuration")
					assert.Equal(t, composeEnv[secretVar], got.Secret, "the secret comes from the environment")
				})
			}
		})
	}
}

// TestComposeLabelsMeanTheDemoFileConfiguration compares the default
// profile's labels with demo/traefik/dynamic.yml, the file provider version
// of the same demo: the same routers, and the same middlewares but for the
// secret (a placeholder there, the environment's here).
func TestComposeLabelsMeanTheDemoFileConfiguration(t *testing.T) {
	p := mustLoadCompose(t)
	labels := p.service(t, "app").Labels
	data, err := os.ReadFile(filepath.Join(p.Dir, "demo", "traefik", "dynamic.yml"))
	require.NoError(t, err)
	demo, err := decodeRoutingFile(string(data), ".yml")
	require.NoError(t, err)
	fromLabels, err := decodeRoutingLabels(labels)
	require.NoError(t, err)

	require.NotEmpty(t, demo.Routers)
	assert.Equal(t, demo.Routers, fromLabels.Routers, "routers")
	assert.Equal(t, len(demo.Services), len(fromLabels.Services), "services")
	for name := range demo.Services {
		assert.Contains(t, fromLabels.Services, name, "service %s", name)
	}
	require.Equal(t, demo.middlewareNames(), fromLabels.middlewareNames(), "middlewares")
	for _, mw := range demo.middlewareNames() {
		t.Run(mw, func(t *testing.T) {
			want := pluginConfigFrom(t, "dynamic.yml", func() (string, map[string]any, error) {
				// interp.FromFile reads middlewares only: take them from
				// the whole file decoded the same way (paerser's file decoder).
				require.Len(t, demo.Middlewares[mw].Plugin, 1)
				for plugin, settings := range demo.Middlewares[mw].Plugin {
					return plugin, settings, nil
				}
				return "", nil, nil
			})
			got := pluginConfigFrom(t, "labels", func() (string, map[string]any, error) { return interp.FromLabels(middlewareLabels(labels, mw), mw) })
			assert.NotEqual(t, want.Secret, got.Secret, "the demo file's placeholder secret is not in the labels")
			want.Secret, got.Secret = "", ""
			assert.Equal(t, want, got)
		})
	}
}
