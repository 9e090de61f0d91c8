package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// k8sFlags reads a container's --key=value arguments, keys lower-cased
// (Traefik's flags are case-insensitive); a bare --key is "true".
func k8sFlags(args []string) map[string]string {
	flags := map[string]string{}
	for _, a := range args {
		if !strings.HasPrefix(a, "--") {
			continue
		}
		key, value, found := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !found {
			value = "true"
		}
		flags[strings.ToLower(key)] = value
	}
	return flags
}

// k8sTraefik is the demo's Traefik Deployment and its flags.
type k8sTraefik struct {
	Deployment *appsv1.Deployment
	Container  corev1.Container
	Flags      map[string]string
}

// k8sFindTraefik returns the Deployment running the traefik image.
func k8sFindTraefik(t testing.TB, m *k8sManifests) k8sTraefik {
	t.Helper()
	for _, d := range m.Deployments {
		for _, c := range d.Spec.Template.Spec.Containers {
			if strings.HasPrefix(c.Image, "traefik:") {
				return k8sTraefik{Deployment: d, Container: c, Flags: k8sFlags(c.Args)}
			}
		}
	}
	t.Fatal("demo/k8s has no Deployment of the traefik image")
	return k8sTraefik{}
}

// PluginName returns the name under which Traefik loads the plugin module.
func (tr k8sTraefik) PluginName(module string) (string, bool) {
	for key, value := range tr.Flags {
		name, ok := strings.CutPrefix(key, "experimental.plugins.")
		if ok && strings.HasSuffix(name, ".modulename") && value == module {
			return strings.TrimSuffix(name, ".modulename"), true
		}
	}
	return "", false
}

// k8sModulePath returns the module path declared in the repository's go.mod.
func k8sModulePath(t testing.TB) string {
	t.Helper()
	root, err := harness.RepoRoot()
	require.NoError(t, err)
	content, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	for _, line := range strings.Split(string(content), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	t.Fatal("go.mod has no module line")
	return ""
}

// k8sSemver matches a plugin catalog version: a strict semver tag.
var k8sSemver = regexp.MustCompile(`^v\d+\.\d+\.\d+$`)

// TestK8sTraefikDeployment checks that Traefik runs two replicas of the
// pinned minor version, with the CRD provider and this repository's plugin
// module under the name the Middlewares use.
func TestK8sTraefikDeployment(t *testing.T) {
	m := k8sLoadManifests(t)
	tr := k8sFindTraefik(t, m)
	module := k8sModulePath(t)

	require.NotNil(t, tr.Deployment.Spec.Replicas)
	assert.EqualValues(t, 2, *tr.Deployment.Spec.Replicas, "replicas")

	pinned := k8sPinnedTraefikVersion(t)
	minor := pinned[:strings.LastIndex(pinned, ".")]
	assert.Contains(t, []string{"traefik:" + minor, "traefik:" + pinned}, tr.Container.Image, "the image is the pinned Traefik %s", pinned)

	assert.Equal(t, "true", tr.Flags["providers.kubernetescrd"], "the kubernetescrd provider is enabled")
	name, ok := tr.PluginName(module)
	require.True(t, ok, "no --experimental.plugins.<name>.moduleName=%s in %q", module, tr.Container.Args)
	assert.Regexp(t, k8sSemver, tr.Flags["experimental.plugins."+name+".version"], "the plugin version is a semver tag")
	for _, mw := range m.Middlewares {
		var spec struct {
			Spec struct {
				Plugin map[string]json.RawMessage `json:"plugin"`
			} `json:"spec"`
		}
		require.NoError(t, json.Unmarshal(mw.JSON, &spec))
		assert.Contains(t, spec.Spec.Plugin, name, "%s configures the plugin under the name Traefik loads it with", mw)
	}
}
