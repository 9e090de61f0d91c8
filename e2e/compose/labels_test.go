package compose

import (
	"context"
	"net/http"
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
	cfg := sessioninjector.CreateConfig()
	unused, err := interp.Fill(cfg, raw)
	require.NoError(t, err, source)
	assert.Empty(t, unused, "%s: settings Traefik would drop silently", source)
	return cfg
}

// buildPlugin runs the compiled plugin's New on cfg, which refuses what
// Traefik would refuse when it builds the middleware.
func buildPlugin(cfg *sessioninjector.Config, name string) error {
	_, err := sessioninjector.New(context.Background(), http.NotFoundHandler(), cfg, name)
	return err
}

// TestLabelsDecodeLikeFileProvider decodes the app containers' labels as
// Traefik's Docker provider does and compares the plugin's configuration
// with the same middlewares written for the file provider in YAML and
// TOML (testdata/).
func TestLabelsDecodeLikeFileProvider(t *testing.T) {
	for _, prof := range Profiles {
		t.Run(prof.Expected, func(t *testing.T) {
			p := mustLoad(t, prof.Selects()...)
			labels := mustService(t, p, prof.App).Labels
			fromLabels, err := DecodeRoutingLabels(labels)
			require.NoError(t, err)
			expected := map[string]string{}
			for _, ext := range []string{".yml", ".toml"} {
				data, err := os.ReadFile(filepath.Join("testdata", prof.Expected+ext))
				require.NoError(t, err)
				expected[ext] = string(data)
				fromFile, err := DecodeRoutingFile(string(data), ext)
				require.NoError(t, err)
				assert.Equal(t, fromFile.MiddlewareNames(), fromLabels.MiddlewareNames(), "middlewares in the labels and in %s%s", prof.Expected, ext)
			}
			require.Equal(t, []string{"checkout-session", "shop-session"}, fromLabels.MiddlewareNames())

			for _, mw := range fromLabels.MiddlewareNames() {
				t.Run(mw, func(t *testing.T) {
					got := pluginConfigFrom(t, "labels", func() (string, map[string]any, error) { return interp.FromLabels(MiddlewareLabels(labels, mw), mw) })
					for ext, content := range expected {
						want := pluginConfigFrom(t, prof.Expected+ext, func() (string, map[string]any, error) { return interp.FromFile(content, ext, mw) })
						assert.Equal(t, want, got, "labels and %s%s", prof.Expected, ext)
					}
					assert.NoError(t, buildPlugin(got, mw), "New accepts the labels' configuration")
					assert.Equal(t, testEnv[SecretVar], got.Secret, "the secret comes from the environment")
				})
			}
		})
	}
}

// TestLabelsMeanTheDemoFileConfiguration compares the default profile's
// labels with demo/traefik/dynamic.yml, the file provider version of the
// same demo: the same routers, and the same middlewares but for the secret
// (a placeholder there, the environment's here).
func TestLabelsMeanTheDemoFileConfiguration(t *testing.T) {
	p := mustLoad(t)
	labels := mustService(t, p, "app").Labels
	data, err := os.ReadFile(filepath.Join(p.WorkingDir, "demo", "traefik", "dynamic.yml"))
	require.NoError(t, err)
	demo, err := DecodeRoutingFile(string(data), ".yml")
	require.NoError(t, err)
	fromLabels, err := DecodeRoutingLabels(labels)
	require.NoError(t, err)

	require.NotEmpty(t, demo.Routers)
	assert.Equal(t, demo.Routers, fromLabels.Routers, "routers")
	assert.Equal(t, len(demo.Services), len(fromLabels.Services), "services")
	for name := range demo.Services {
		assert.Contains(t, fromLabels.Services, name, "service %s", name)
	}
	require.Equal(t, demo.MiddlewareNames(), fromLabels.MiddlewareNames(), "middlewares")
	for _, mw := range demo.MiddlewareNames() {
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
			got := pluginConfigFrom(t, "labels", func() (string, map[string]any, error) { return interp.FromLabels(MiddlewareLabels(labels, mw), mw) })
			assert.NotEqual(t, want.Secret, got.Secret, "the demo file's placeholder secret is not in the labels")
			want.Secret, got.Secret = "", ""
			assert.Equal(t, want, got)
		})
	}
}
