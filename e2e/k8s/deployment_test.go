package k8s

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// semverTag matches a plugin catalog version: a strict semver tag.
var semverTag = regexp.MustCompile(`^v\d+\.\d+\.\d+$`)

// TestTraefikDeployment checks that Traefik runs two replicas of the
// pinned minor version, with the CRD provider and this repository's plugin
// module under the name the Middlewares use.
func TestTraefikDeployment(t *testing.T) {
	m := loadManifests(t)
	tr := findTraefik(t, m)
	module := modulePath(t)

	require.NotNil(t, tr.Deployment.Spec.Replicas)
	assert.EqualValues(t, 2, *tr.Deployment.Spec.Replicas, "replicas")

	pinned := pinnedTraefikVersion(t)
	minor := pinned[:strings.LastIndex(pinned, ".")]
	assert.Contains(t, []string{"traefik:" + minor, "traefik:" + pinned}, tr.Container.Image, "the image is the pinned Traefik %s", pinned)

	require.NotNil(t, tr.Flags.Providers, "no --providers flags")
	assert.NotNil(t, tr.Flags.Providers.KubernetesCRD, "the kubernetescrd provider is enabled")
	name, ok := tr.PluginName(module)
	require.True(t, ok, "no --experimental.plugins.<name>.moduleName=%s in %q", module, tr.Container.Args)
	assert.Regexp(t, semverTag, tr.PluginVersion(name), "the plugin version is a semver tag")
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
