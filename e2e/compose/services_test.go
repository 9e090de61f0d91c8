package compose

import (
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// constraintExpr is the one form of Docker provider constraint the file uses.
var constraintExpr = regexp.MustCompile("^Label\\(\\s*`([^`]+)`\\s*,\\s*`([^`]*)`\\s*\\)$")

// hostRuleExpr reads a rule of a single Host matcher.
var hostRuleExpr = regexp.MustCompile("^Host\\(`([^`]+)`\\)$")

// goModulePath returns the module path declared in <dir>/go.mod.
func goModulePath(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	module := modfile.ModulePath(data)
	require.NotEmpty(t, module, "no module line in %s/go.mod", dir)
	return module
}

// traefikFlags decodes a Traefik service's command as Traefik decodes its
// flags, after checking that every argument is a distinct --flag.
func traefikFlags(t *testing.T, command []string) *harness.StaticFlags {
	t.Helper()
	seen := map[string]bool{}
	for _, arg := range command {
		require.True(t, strings.HasPrefix(arg, "--"), "argument %q is not a --flag", arg)
		name, _, _ := strings.Cut(strings.ToLower(arg), "=")
		require.False(t, seen[name], "flag %s given twice", name)
		seen[name] = true
	}
	f, err := harness.DecodeStaticFlags(command)
	require.NoError(t, err)
	return f
}

// localPlugin returns the name and moduleName of the one local plugin
// Traefik's flags enable.
func localPlugin(t *testing.T, f *harness.StaticFlags) (name, module string) {
	t.Helper()
	require.NotNil(t, f.Experimental, "no --experimental flags")
	require.Len(t, f.Experimental.LocalPlugins, 1, "one --experimental.localPlugins.<name>.moduleName")
	for n, p := range f.Experimental.LocalPlugins {
		name, module = n, p.ModuleName
	}
	require.NotEmpty(t, module, "no --experimental.localPlugins.%s.moduleName", name)
	return name, module
}

// TestTraefikServices checks each Traefik service: the official image, the
// repository mounted read-only where Traefik looks for the local plugin
// named on the command line with go.mod's module path, the Docker provider
// (read-only socket, exposedByDefault off, a constraint that selects this
// profile's app container and no other), and the web entry point
// published on loopback.
func TestTraefikServices(t *testing.T) {
	p := mustLoad(t)
	module := goModulePath(t, p.WorkingDir)
	var tested []string
	for _, prof := range Profiles {
		for _, name := range prof.Traefiks {
			tested = append(tested, name)
			t.Run(name, func(t *testing.T) {
				s := mustService(t, p, name)
				assert.Equal(t, "traefik:v3.6", s.Image)
				f := traefikFlags(t, s.Command)

				plugin, mod := localPlugin(t, f)
				assert.Equal(t, "sessioninjector", plugin)
				assert.Equal(t, module, mod, "moduleName is the module path in go.mod")
				assert.True(t, f.Experimental.AbortOnPluginFailure, "--experimental.abortOnPluginFailure")

				require.Equal(t, "/", s.WorkingDir, "Traefik reads ./plugins-local under its working directory")
				pluginDir := path.Join(s.WorkingDir, "plugins-local", "src", mod)
				var pluginMounts, socketMounts int
				for _, v := range s.Volumes {
					assert.Equal(t, types.VolumeTypeBind, v.Type, "volume %s is a bind mount", v.Target)
					switch v.Target {
					case pluginDir:
						pluginMounts++
						assert.True(t, v.ReadOnly, "the plugin is mounted read-only")
						assert.Equal(t, p.WorkingDir, filepath.Clean(v.Source), "the repository is the plugin")
					case "/var/run/docker.sock":
						socketMounts++
						assert.Equal(t, "/var/run/docker.sock", v.Source)
						assert.True(t, v.ReadOnly, "the Docker socket is mounted read-only")
					default:
						t.Errorf("unexpected volume %s:%s", v.Source, v.Target)
					}
				}
				assert.Equal(t, 1, pluginMounts, "the repository mounted at %s", pluginDir)
				assert.Equal(t, 1, socketMounts, "the Docker socket mounted")

				require.NotNil(t, f.Providers, "no --providers flags")
				require.NotNil(t, f.Providers.Docker, "--providers.docker")
				assert.False(t, f.Providers.Docker.ExposedByDefault, "--providers.docker.exposedByDefault=false")
				require.Contains(t, f.EntryPoints, "web", "entry point web")
				_, webPort, err := net.SplitHostPort(f.EntryPoints["web"].Address)
				require.NoError(t, err, "entry point web")
				require.NotEmpty(t, s.Ports)
				for _, port := range s.Ports {
					assert.Equal(t, webPort, strconv.FormatUint(uint64(port.Target), 10), "port %s publishes the web entry point", port.Published)
					assert.Equal(t, "127.0.0.1", port.HostIP, "port %s is published on loopback only", port.Published)
					assert.NotEmpty(t, port.Published, "a fixed host port the demo's URLs name")
				}

				m := constraintExpr.FindStringSubmatch(f.Providers.Docker.Constraints)
				require.NotNil(t, m, "constraint %q", f.Providers.Docker.Constraints)
				seen := Names(p, func(c types.ServiceConfig) bool {
					return c.Labels["traefik.enable"] == "true" && c.Labels[m[1]] == m[2]
				})
				assert.Equal(t, []string{prof.App}, seen, "the containers this Traefik serves")
				assert.Equal(t, mustService(t, p, prof.App).Profiles, s.Profiles)
			})
		}
	}
	images := Names(p, func(s types.ServiceConfig) bool { return strings.HasPrefix(s.Image, "traefik") })
	assert.ElementsMatch(t, tested, images, "every Traefik service is tested")

	ha1, ha2 := mustService(t, p, "traefik-ha-1"), mustService(t, p, "traefik-ha-2")
	assert.Equal(t, ha1.Command, ha2.Command, "the replicas run the same configuration")
	assert.NotEqual(t, ha1.Ports, ha2.Ports)
}

// TestAppServices checks each app service: built from demo/app, listening
// on the port its labels give Traefik, its public URLs served by its
// routers and published by its profile's Traefik services.
func TestAppServices(t *testing.T) {
	p := mustLoad(t)
	for _, prof := range Profiles {
		t.Run(prof.App, func(t *testing.T) {
			app := mustService(t, p, prof.App)
			require.NotNil(t, app.Build, "service %s is built", prof.App)
			require.NotEmpty(t, app.Build.Context)
			assert.Equal(t, filepath.Join(p.WorkingDir, "demo", "app"), app.Build.Context, "built from demo/app")
			_, err := os.Stat(filepath.Join(app.Build.Context, "Dockerfile"))
			require.NoError(t, err, "build context %s", app.Build.Context)

			h, err := DecodeRoutingLabels(app.Labels)
			require.NoError(t, err)
			_, listenPort, err := net.SplitHostPort(Environment(app, "DEMO_LISTEN"))
			require.NoError(t, err, "DEMO_LISTEN")
			require.NotEmpty(t, h.Services)
			for name, svc := range h.Services {
				require.NotNil(t, svc.LoadBalancer, "service %s", name)
				require.Len(t, svc.LoadBalancer.Servers, 1, "service %s", name)
				assert.Equal(t, listenPort, svc.LoadBalancer.Servers[0].Port, "service %s: the port the app listens on", name)
			}

			published := map[string]bool{}
			for _, name := range prof.Traefiks {
				for _, port := range mustService(t, p, name).Ports {
					published[port.Published] = true
				}
			}
			for router, env := range map[string]string{"shop": "DEMO_SHOP_URL", "checkout": "DEMO_CHECKOUT_URL"} {
				r := h.Routers[router]
				require.NotNil(t, r, "router %s", router)
				assert.Equal(t, []string{"web"}, r.EntryPoints, "router %s", router)
				assert.Contains(t, h.Services, r.Service, "router %s", router)
				m := hostRuleExpr.FindStringSubmatch(r.Rule)
				require.NotNil(t, m, "router %s: rule %q", router, r.Rule)
				u, err := url.Parse(Environment(app, env))
				require.NoError(t, err, env)
				assert.Equal(t, m[1], u.Hostname(), "%s is served by router %s", env, router)
				assert.True(t, published[u.Port()], "%s: port %s is published by a Traefik of this profile", env, u.Port())
			}
		})
	}
}
