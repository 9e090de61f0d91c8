package compose

import (
	"slices"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSecretIsRequired checks that every service reading the secret
// variable requires it, and that Compose then refuses to start any profile
// when it is unset or empty (so ${VAR:?message}, not ${VAR?message}), with
// the file's message saying what to set and how long.
func TestSecretIsRequired(t *testing.T) {
	vars, err := ServiceVariables()
	require.NoError(t, err)
	var readers []string
	for service, vs := range vars {
		if v, ok := vs[SecretVar]; ok {
			readers = append(readers, service)
			assert.True(t, v.Required, "service %s: ${%s} must fail when unset or empty: ${%s:?message}", service, SecretVar, SecretVar)
			assert.Empty(t, v.DefaultValue, "service %s: the secret has no default", service)
		}
	}
	require.NotEmpty(t, readers, "no service reads %s", SecretVar)

	for name, env := range map[string]map[string]string{
		"unset": envWithout(testEnv, SecretVar),
		"empty": envWith(testEnv, SecretVar, ""),
	} {
		for _, prof := range Profiles {
			t.Run(name+"/"+prof.Expected, func(t *testing.T) {
				_, err := Load(env, prof.Selects()...)
				require.Error(t, err, "docker compose must refuse to start with %s %s", SecretVar, name)
				assert.Contains(t, err.Error(), "required variable "+SecretVar+" is missing a value")
				assert.Contains(t, err.Error(), "openssl rand")
				assert.Contains(t, err.Error(), "32", "the message should say how long a secret must be")
			})
		}
	}
}

// TestRequiredVariablesAreNeededByDefault checks that every required
// variable is read by a service of the default profile: Compose
// interpolates the whole file before it selects profiles, so a variable
// required only by a profile's services would stop the default
// `docker compose up` too, as it does here.
func TestRequiredVariablesAreNeededByDefault(t *testing.T) {
	p := mustLoad(t)
	vars, err := ServiceVariables()
	require.NoError(t, err)
	neededByDefault := map[string]bool{}
	for service, vs := range vars {
		if len(mustService(t, p, service).Profiles) == 0 {
			for name := range vs {
				neededByDefault[name] = true
			}
		}
	}
	required := 0
	for service, vs := range vars {
		for name, v := range vs {
			if !v.Required {
				continue
			}
			required++
			assert.True(t, neededByDefault[name], "service %s requires %s, which the default profile does not use", service, name)
			_, err := Load(envWithout(testEnv, name))
			assert.Error(t, err, "the default profile starts without %s, which service %s requires", name, service)
		}
	}
	assert.NotZero(t, required, "the secret at least is required")
}

// TestRedisPassword checks that Redis and both middlewares of the ha
// profile share one password, from the environment or the demo default.
func TestRedisPassword(t *testing.T) {
	for name, c := range map[string]struct {
		env  map[string]string
		want string
	}{
		"from the environment": {testEnv, testEnv[RedisPasswordVar]},
		"demo default":         {envWithout(testEnv, RedisPasswordVar), ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Load(c.env)
			require.NoError(t, err, "the default profile must start without %s", RedisPasswordVar)
			p, err := Load(c.env, "ha")
			require.NoError(t, err, "the ha profile must start without %s", RedisPasswordVar)
			password := redisPassword(t, p)
			assert.NotEmpty(t, password)
			if c.want != "" {
				assert.Equal(t, c.want, password)
			}
			app := mustService(t, p, "app-ha")
			for _, mw := range []string{"shop-session", "checkout-session"} {
				assert.Equal(t, password, app.Labels["traefik.http.middlewares."+mw+".plugin.sessioninjector.redis.password"], "%s's redis.password", mw)
				assert.Equal(t, "redis:6379", app.Labels["traefik.http.middlewares."+mw+".plugin.sessioninjector.redis.address"],
					"%s's redis.address: the redis service on the default port", mw)
			}
		})
	}
}

// redisPassword returns the argument of the redis service's --requirepass.
func redisPassword(t *testing.T, p *types.Project) string {
	t.Helper()
	command := mustService(t, p, "redis").Command
	i := slices.Index(command, "--requirepass")
	require.GreaterOrEqual(t, i, 0, "redis-server without --requirepass: %q", command)
	require.Less(t, i+1, len(command), "--requirepass without a password: %q", command)
	return command[i+1]
}

// TestProfiles checks that the ha services carry `profiles: [ha]`, the
// default ones none, that no service depends on another profile's, and
// that Compose starts exactly those services for each profile.
func TestProfiles(t *testing.T) {
	p := mustLoad(t)
	var all, defaults []string
	for _, prof := range Profiles {
		services := append([]string{prof.App}, prof.Traefiks...)
		if prof.Name == "ha" {
			services = append(services, "redis")
		}
		for _, name := range services {
			s := mustService(t, p, name)
			if prof.Name == "" {
				assert.Empty(t, s.Profiles, "service %s belongs to the default profile", name)
			} else {
				assert.Equal(t, []string{prof.Name}, s.Profiles, "service %s belongs to profile %s only", name, prof.Name)
			}
			for dep := range s.DependsOn {
				assert.Equal(t, s.Profiles, mustService(t, p, dep).Profiles, "service %s depends on %s of another profile", name, dep)
			}
		}
		all = append(all, services...)
		if prof.Name == "" {
			defaults = services
		}

		started, err := Load(testEnv, prof.Selects()...)
		require.NoError(t, err, "profile %q", prof.Name)
		want := append(append([]string{}, defaults...), services...)
		assert.ElementsMatch(t, slices.Compact(sortedCopy(want)), started.ServiceNames(), "the services `docker compose --profile %s up` starts", prof.Name)
	}
	assert.ElementsMatch(t, all, Names(p, func(types.ServiceConfig) bool { return true }), "every service belongs to a profile tested here")
}

// sortedCopy returns a sorted copy of list.
func sortedCopy(list []string) []string {
	out := slices.Clone(list)
	slices.Sort(out)
	return out
}
