package k8s

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sigsyaml "sigs.k8s.io/yaml"
)

// TestKustomizationListsEveryManifest checks that kustomization.yaml
// lists each manifest file of demo/k8s once, and nothing else.
func TestKustomizationListsEveryManifest(t *testing.T) {
	content, err := os.ReadFile(filepath.Join(demoDir(t), KustomizationFile))
	require.NoError(t, err)
	var k struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Resources  []string `json:"resources"`
	}
	require.NoError(t, sigsyaml.Unmarshal(content, &k))
	assert.Equal(t, "kustomize.config.k8s.io/v1beta1", k.APIVersion)
	assert.Equal(t, "Kustomization", k.Kind)

	seen := map[string]bool{}
	for _, r := range k.Resources {
		assert.False(t, seen[r], "%s is listed twice", r)
		seen[r] = true
		assert.Equal(t, path.Base(r), r, "%s: resources are the files of this folder", r)
	}
	assert.ElementsMatch(t, manifestFiles(t), k.Resources, "resources are exactly the manifest files")
}

// helmValues is the part of Traefik's chart values the demo sets.
type helmValues struct {
	Image struct {
		Tag string `json:"tag"`
	} `json:"image"`
	Deployment struct {
		Replicas int `json:"replicas"`
	} `json:"deployment"`
	Experimental struct {
		Plugins map[string]struct {
			ModuleName string `json:"moduleName"`
			Version    string `json:"version"`
		} `json:"plugins"`
	} `json:"experimental"`
	Providers struct {
		KubernetesCRD struct {
			Enabled bool `json:"enabled"`
		} `json:"kubernetesCRD"`
	} `json:"providers"`
}

// TestHelmValuesMatchTheManifests checks that helm-values.yaml parses as
// YAML and asks Traefik's chart for what traefik.yaml runs: the same
// image, two replicas, the CRD provider, and the plugin under the same
// name, module and version.
func TestHelmValuesMatchTheManifests(t *testing.T) {
	content, err := os.ReadFile(filepath.Join(demoDir(t), HelmValuesFile))
	require.NoError(t, err)
	_, err = sigsyaml.YAMLToJSONStrict(content)
	require.NoError(t, err, "helm-values.yaml is YAML without duplicate keys")
	var v helmValues
	require.NoError(t, sigsyaml.Unmarshal(content, &v))

	m := loadManifests(t)
	tr := findTraefik(t, m)
	module := modulePath(t)
	name, ok := tr.PluginName(module)
	require.True(t, ok, "traefik.yaml loads the plugin")

	assert.Equal(t, "traefik:"+v.Image.Tag, tr.Container.Image, "image.tag")
	assert.Equal(t, 2, v.Deployment.Replicas, "deployment.replicas")
	assert.True(t, v.Providers.KubernetesCRD.Enabled, "providers.kubernetesCRD.enabled")
	require.Contains(t, v.Experimental.Plugins, name, "experimental.plugins.%s", name)
	plugin := v.Experimental.Plugins[name]
	assert.Equal(t, module, plugin.ModuleName, "experimental.plugins.%s.moduleName", name)
	assert.Equal(t, tr.PluginVersion(name), plugin.Version, "experimental.plugins.%s.version", name)
}

// crdLink matches the CRD file the demo README tells to apply.
var crdLink = regexp.MustCompile(`https://raw\.githubusercontent\.com/traefik/traefik/(v[0-9.]+)/(docs/\S+\.yml)`)

// TestReadmeInstallsThePinnedCRDs checks that demo/k8s/README.md
// installs the CRDs of the pinned Traefik, and that they are the ones the
// manifests are validated against.
func TestReadmeInstallsThePinnedCRDs(t *testing.T) {
	content, err := os.ReadFile(filepath.Join(demoDir(t), "README.md"))
	require.NoError(t, err)
	link := crdLink.FindStringSubmatch(string(content))
	require.NotNil(t, link, "README.md has no raw.githubusercontent.com link to Traefik's CRDs")
	assert.Equal(t, pinnedTraefikVersion(t), link[1], "the CRDs of the pinned Traefik")

	dir := traefikModuleDir(t)
	installed, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(link[2])))
	require.NoError(t, err, "the linked file is in the pinned module")
	docs, err := SplitDocs(path.Base(link[2]), installed)
	require.NoError(t, err)

	validated := map[string]any{}
	files, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(TraefikDocs), "traefik.io_*.yaml"))
	require.NoError(t, err)
	for _, f := range files {
		c, err := os.ReadFile(f)
		require.NoError(t, err)
		var crd map[string]any
		require.NoError(t, sigsyaml.Unmarshal(c, &crd))
		validated[crd["metadata"].(map[string]any)["name"].(string)] = crd["spec"]
	}
	require.NotEmpty(t, validated)

	got := map[string]any{}
	for _, doc := range docs {
		require.Equal(t, "CustomResourceDefinition", doc.Kind, doc.String())
		var crd map[string]any
		require.NoError(t, sigsyaml.Unmarshal(doc.JSON, &crd))
		if strings.HasSuffix(doc.Name, ".traefik.io") {
			got[doc.Name] = crd["spec"]
		}
	}
	assert.Equal(t, validated, got, "the installed traefik.io CRDs are those validated against")
}
