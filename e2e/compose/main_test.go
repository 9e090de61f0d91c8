package compose

import (
	"os"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// demoApp is the demo app binary, built once by TestMain.
var demoApp string

func TestMain(m *testing.M) {
	os.Exit(harness.RunWithDemoApp(m, &demoApp))
}

// testEnv are the test's values of the variables docker-compose.yml reads.
var testEnv = map[string]string{
	SecretVar:        "compose-test-secret-0123456789abcdef0123456789",
	RedisPasswordVar: "compose-test-redis-password",
}

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

// mustLoad is Load with testEnv, failing the test on error.
func mustLoad(t *testing.T, profiles ...string) *types.Project {
	t.Helper()
	p, err := Load(testEnv, profiles...)
	require.NoError(t, err)
	return p
}
