package e2e

import (
	"bufio"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// composeProfile is one way to run docker-compose.yml: the app container
// it serves and the Traefik services in front of it.
type composeProfile struct {
	// Profile is the --profile that starts it, "" for the default.
	Profile string
	// App is the service whose labels configure Traefik.
	App string
	// Traefiks are the Traefik services that serve App.
	Traefiks []string
	// Expected names testdata/compose/<Expected>.{yml,toml}: the app's
	// middlewares written for the file provider.
	Expected string
}

// composeProfiles are the demo's two ways to run.
var composeProfiles = []composeProfile{
	{Profile: "", App: "app", Traefiks: []string{"traefik"}, Expected: "default"},
	{Profile: "ha", App: "app-ha", Traefiks: []string{"traefik-ha-1", "traefik-ha-2"}, Expected: "ha"},
}

// Names of the variables docker-compose.yml reads.
const (
	secretVar        = "SESSIONINJECTOR_SECRET"
	redisPasswordVar = "SESSIONINJECTOR_REDIS_PASSWORD"
)

// constraintExpr is the one form of Docker provider constraint the file uses.
var constraintExpr = regexp.MustCompile("^Label\\(\\s*`([^`]+)`\\s*,\\s*`([^`]*)`\\s*\\)$")

// hostRuleExpr reads a rule of a single Host matcher.
var hostRuleExpr = regexp.MustCompile("^Host\\(`([^`]+)`\\)$")

// envWithout returns a copy of env without the variable name.
func envWithout(env map[string]string, name string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		if k != name {
			out[k] = v
		}
	}
	return out
}

// envWith returns a copy of env with name set to value.
func envWith(env map[string]string, name, value string) map[string]string {
	out := envWithout(env, name)
	out[name] = value
	return out
}

// rawReferences returns the variable references in each service of the
// uninterpolated file, anchors and merge keys resolved.
func rawReferences(t *testing.T) map[string][]varRef {
	t.Helper()
	_, raw, err := readCompose()
	require.NoError(t, err)
	services, ok := raw["services"].(map[string]any)
	require.True(t, ok, "no services")
	out := map[string][]varRef{}
	for name, s := range services {
		_, err := mapStrings(s, name, func(_, v string) (string, error) {
			refs, err := references(v)
			out[name] = append(out[name], refs...)
			return v, err
		})
		require.NoError(t, err)
	}
	return out
}

// goModulePath returns the module path declared in <dir>/go.mod.
func goModulePath(t *testing.T, dir string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	t.Fatalf("no module line in %s/go.mod", dir)
	return ""
}

// localPlugin returns the name and moduleName of the one local plugin a
// Traefik command line enables.
func localPlugin(t *testing.T, f map[string]string) (name, module string) {
	t.Helper()
	for k, v := range f {
		rest, ok := strings.CutPrefix(k, "experimental.localplugins.")
		if !ok {
			continue
		}
		n, ok := strings.CutSuffix(rest, ".modulename")
		require.True(t, ok, "unexpected local plugin flag --%s", k)
		require.Empty(t, name, "more than one local plugin")
		name, module = n, v
	}
	require.NotEmpty(t, name, "no --experimental.localPlugins.<name>.moduleName")
	return name, module
}

// TestComposeSecretIsRequired checks that every use of the secret variable
// is ${VAR:?message}, so `docker compose up` stops with a message saying
// what to set when it is unset or empty.
func TestComposeSecretIsRequired(t *testing.T) {
	refs := rawReferences(t)
	var secretRefs []varRef
	for _, rs := range refs {
		for _, r := range rs {
			if r.Name == secretVar {
				secretRefs = append(secretRefs, r)
			}
		}
	}
	require.NotEmpty(t, secretRefs, "no service reads %s", secretVar)
	for _, r := range secretRefs {
		assert.Equal(t, ":?", r.Op, "${%s} must fail when unset or empty: ${%s:?message}", secretVar, secretVar)
		assert.Contains(t, r.Word, "32", "the message should say how long a secret must be")
	}

	for name, env := range map[string]map[string]string{
		"unset": envWithout(composeEnv, secretVar),
		"empty": envWith(composeEnv, secretVar, ""),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadCompose(env)
			require.Error(t, err, "docker compose must refuse to start with %s %s", secretVar, name)
			assert.Contains(t, err.Error(), "required variable "+secretVar+" is missing a value")
			assert.Contains(t, err.Error(), "openssl rand")
		})
	}
}

// Compose interpolates the whole file before it selects profiles: a
// variable required only by a profile's services would stop the default
// `docker compose up` too.
func TestComposeRequiredVariablesAreNeededByDefault(t *testing.T) {
	p := mustLoadCompose(t)
	refs := rawReferences(t)
	neededByDefault := map[string]bool{}
	for name, rs := range refs {
		if len(p.service(t, name).Profiles) == 0 {
			for _, r := range rs {
				neededByDefault[r.Name] = true
			}
		}
	}
	for name, rs := range refs {
		for _, r := range rs {
			if r.Op == ":?" || r.Op == "?" {
				assert.True(t, neededByDefault[r.Name], "service %s requires %s, which the default profile does not use", name, r.Name)
			}
		}
	}
}

// TestComposeRedisPassword checks that Redis and both middlewares of the ha
// profile share one password, from the environment or the demo default.
func TestComposeRedisPassword(t *testing.T) {
	for name, c := range map[string]struct {
		env  map[string]string
		want string
	}{
		"from the environment": {composeEnv, composeEnv[redisPasswordVar]},
		"demo default":         {envWithout(composeEnv, redisPasswordVar), ""},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := loadCompose(c.env)
			require.NoError(t, err, "the default profile must start without %s", redisPasswordVar)
			redis := p.service(t, "redis")
			i := argIndex(redis.Command, "--requirepass")
			require.GreaterOrEqual(t, i, 0, "redis-server without --requirepass: %q", redis.Command)
			require.Less(t, i+1, len(redis.Command))
			password := redis.Command[i+1]
			assert.NotEmpty(t, password)
			if c.want != "" {
				assert.Equal(t, c.want, password)
			}
			app := p.service(t, "app-ha")
			for _, mw := range []string{"shop-session", "checkout-session"} {
				assert.Equal(t, password, app.Labels["traefik.http.middlewares."+mw+".plugin.sessioninjector.redis.password"], "%s's redis.password", mw)
				assert.Equal(t, "redis:6379", app.Labels["traefik.http.middlewares."+mw+".plugin.sessioninjector.redis.address"],
					"%s's redis.address: the redis service on the default port", mw)
			}
		})
	}
}

// TestComposeProfiles checks that the ha services carry `profiles: [ha]`,
// the default ones none, and that no service depends on another profile's.
func TestComposeProfiles(t *testing.T) {
	p := mustLoadCompose(t)
	var all []string
	for _, prof := range composeProfiles {
		services := append([]string{prof.App}, prof.Traefiks...)
		if prof.Profile == "ha" {
			services = append(services, "redis")
		}
		for _, name := range services {
			s := p.service(t, name)
			if prof.Profile == "" {
				assert.Empty(t, s.Profiles, "service %s belongs to the default profile", name)
			} else {
				assert.Equal(t, []string{prof.Profile}, s.Profiles, "service %s belongs to profile %s only", name, prof.Profile)
			}
			for _, dep := range s.DependsOn {
				assert.Equal(t, s.Profiles, p.service(t, dep).Profiles, "service %s depends on %s of another profile", name, dep)
			}
		}
		all = append(all, services...)
	}
	assert.ElementsMatch(t, all, p.names(func(composeService) bool { return true }), "every service belongs to a profile tested here")
}

// TestComposeTraefikServices checks each Traefik service: the official
// image, the repository mounted read-only where Traefik looks for the local
// plugin named on the command line with go.mod's module path, the Docker
// provider (read-only socket, exposedByDefault off, a constraint that
// selects this profile's app container and no other), and the web entry
// point published on loopback.
func TestComposeTraefikServices(t *testing.T) {
	p := mustLoadCompose(t)
	module := goModulePath(t, p.Dir)
	var tested []string
	for _, prof := range composeProfiles {
		for _, name := range prof.Traefiks {
			tested = append(tested, name)
			t.Run(name, func(t *testing.T) {
				s := p.service(t, name)
				assert.Equal(t, "traefik:v3.6", s.Image)
				f, err := commandFlags(s.Command)
				require.NoError(t, err)

				plugin, mod := localPlugin(t, f)
				assert.Equal(t, "sessioninjector", plugin)
				assert.Equal(t, module, mod, "moduleName is the module path in go.mod")
				assert.Equal(t, "true", f["experimental.abortonpluginfailure"])

				require.Equal(t, "/", s.WorkingDir, "Traefik reads ./plugins-local under its working directory")
				pluginDir := path.Join(s.WorkingDir, "plugins-local", "src", mod)
				var pluginMounts, socketMounts int
				for _, v := range s.Volumes {
					m, err := parseVolume(v)
					require.NoError(t, err)
					switch m.Target {
					case pluginDir:
						pluginMounts++
						assert.Equal(t, "ro", m.Mode, "the plugin is mounted read-only")
						assert.Equal(t, p.Dir, filepath.Clean(filepath.Join(p.Dir, m.Source)), "the repository is the plugin")
					case "/var/run/docker.sock":
						socketMounts++
						assert.Equal(t, "/var/run/docker.sock", m.Source)
						assert.Equal(t, "ro", m.Mode, "the Docker socket is mounted read-only")
					default:
						t.Errorf("unexpected volume %q", v)
					}
				}
				assert.Equal(t, 1, pluginMounts, "the repository mounted at %s", pluginDir)
				assert.Equal(t, 1, socketMounts, "the Docker socket mounted")

				assert.Equal(t, "true", f["providers.docker"])
				assert.Equal(t, "false", f["providers.docker.exposedbydefault"])
				_, webPort, err := net.SplitHostPort(f["entrypoints.web.address"])
				require.NoError(t, err, "entry point web")
				require.NotEmpty(t, s.Ports)
				for _, spec := range s.Ports {
					port, err := parsePublishedPort(spec)
					require.NoError(t, err)
					assert.Equal(t, webPort, port.Container, "port %q publishes the web entry point", spec)
					assert.Equal(t, "127.0.0.1", port.IP, "port %q is published on loopback only", spec)
				}

				m := constraintExpr.FindStringSubmatch(f["providers.docker.constraints"])
				require.NotNil(t, m, "constraint %q", f["providers.docker.constraints"])
				seen := p.names(func(c composeService) bool {
					return c.Labels["traefik.enable"] == "true" && c.Labels[m[1]] == m[2]
				})
				assert.Equal(t, []string{prof.App}, seen, "the containers this Traefik serves")
				assert.Equal(t, p.service(t, prof.App).Profiles, s.Profiles)
			})
		}
	}
	images := p.names(func(s composeService) bool { return strings.HasPrefix(s.Image, "traefik") })
	assert.ElementsMatch(t, tested, images, "every Traefik service is tested")

	ha1, ha2 := p.service(t, "traefik-ha-1"), p.service(t, "traefik-ha-2")
	assert.Equal(t, ha1.Command, ha2.Command, "the replicas run the same configuration")
	assert.NotEqual(t, ha1.Ports, ha2.Ports)
}

// TestComposeAppServices checks each app service: built from demo/app,
// listening on the port its labels give Traefik, its public URLs served by
// its routers and published by its profile's Traefik services.
func TestComposeAppServices(t *testing.T) {
	p := mustLoadCompose(t)
	for _, prof := range composeProfiles {
		t.Run(prof.App, func(t *testing.T) {
			app := p.service(t, prof.App)
			require.NotEmpty(t, app.Build)
			_, err := os.Stat(filepath.Join(p.Dir, app.Build, "Dockerfile"))
			require.NoError(t, err, "build context %s", app.Build)

			h, err := decodeRoutingLabels(app.Labels)
			require.NoError(t, err)
			_, listenPort, err := net.SplitHostPort(app.Environment["DEMO_LISTEN"])
			require.NoError(t, err, "DEMO_LISTEN")
			require.NotEmpty(t, h.Services)
			for name, svc := range h.Services {
				require.NotNil(t, svc.LoadBalancer, "service %s", name)
				require.Len(t, svc.LoadBalancer.Servers, 1, "service %s", name)
				assert.Equal(t, listenPort, svc.LoadBalancer.Servers[0].Port, "service %s: the port the app listens on", name)
			}

			published := map[string]bool{}
			for _, name := range prof.Traefiks {
				for _, spec := range p.service(t, name).Ports {
					port, err := parsePublishedPort(spec)
					require.NoError(t, err)
					published[port.Host] = true
				}
			}
			for router, env := range map[string]string{"shop": "DEMO_SHOP_URL", "checkout": "DEMO_CHECKOUT_URL"} {
				r := h.Routers[router]
				require.NotNil(t, r, "router %s", router)
				assert.Equal(t, []string{"web"}, r.EntryPoints, "router %s", router)
				assert.Contains(t, h.Services, r.Service, "router %s", router)
				m := hostRuleExpr.FindStringSubmatch(r.Rule)
				require.NotNil(t, m, "router %s: rule %q", router, r.Rule)
				u, err := url.Parse(app.Environment[env])
				require.NoError(t, err, env)
				assert.Equal(t, m[1], u.Hostname(), "%s is served by router %s", env, router)
				assert.True(t, published[u.Port()], "%s: port %s is published by a Traefik of this profile", env, u.Port())
			}
		})
	}
}

// argIndex returns the index of s in list, or -1.
func argIndex(list []string, s string) int {
	for i, e := range list {
		if e == s {
			return i
		}
	}
	return -1
}
