package k8s

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// repoRoot returns the repository's root folder.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := harness.RepoRoot()
	require.NoError(t, err)
	return root
}

// demoDir returns demo/k8s.
func demoDir(t testing.TB) string {
	t.Helper()
	dir, err := DemoDir()
	require.NoError(t, err)
	return dir
}

// manifestFiles lists the manifest files of demo/k8s.
func manifestFiles(t testing.TB) []string {
	t.Helper()
	files, err := ManifestFiles(demoDir(t))
	require.NoError(t, err)
	return files
}

// loadDocs reads every document of demo/k8s.
func loadDocs(t testing.TB) []Doc {
	t.Helper()
	docs, err := LoadDocs(demoDir(t))
	require.NoError(t, err)
	return docs
}

// loadManifests decodes every document of demo/k8s.
func loadManifests(t testing.TB) *Manifests {
	t.Helper()
	m, err := LoadManifests(demoDir(t))
	require.NoError(t, err)
	return m
}

// pinnedTraefikVersion returns the Traefik version scripts/traefik.sh pins.
func pinnedTraefikVersion(t testing.TB) string {
	t.Helper()
	v, err := PinnedTraefikVersion(repoRoot(t))
	require.NoError(t, err)
	return v
}

var moduleDir struct {
	sync.Once
	dir string
	err error
}

// traefikModuleDir returns the directory of the pinned Traefik module's
// sources in the Go module cache, downloading it if needed. Without it the
// test is skipped, or fails under CI.
func traefikModuleDir(t testing.TB) string {
	t.Helper()
	version := pinnedTraefikVersion(t)
	moduleDir.Do(func() {
		moduleDir.dir, moduleDir.err = DownloadModule(TraefikModule + "@" + version)
	})
	if moduleDir.err != nil {
		if harness.InCI() {
			t.Fatalf("Traefik's module source: %v", moduleDir.err)
		}
		t.Skipf("Traefik's module source: %v", moduleDir.err)
	}
	return moduleDir.dir
}

var schemaCache struct {
	sync.Once
	schemas Schemas
	err     error
}

// traefikSchemas returns the validators of the pinned Traefik's CRDs.
func traefikSchemas(t testing.TB) Schemas {
	t.Helper()
	dir := filepath.Join(traefikModuleDir(t), filepath.FromSlash(TraefikDocs))
	schemaCache.Do(func() {
		schemaCache.schemas, schemaCache.err = LoadCRDSchemas(dir)
	})
	require.NoError(t, schemaCache.err, "Traefik's CRD schemas")
	return schemaCache.schemas
}

// findDoc returns the demo document of that kind and name.
func findDoc(t testing.TB, kind, name string) Doc {
	t.Helper()
	for _, doc := range loadDocs(t) {
		if doc.Kind == kind && doc.Name == name {
			return doc
		}
	}
	t.Fatalf("demo/k8s has no %s %s", kind, name)
	return Doc{}
}

// mutate returns doc with its JSON changed by change.
func mutate(t testing.TB, doc Doc, change func(obj map[string]any)) Doc {
	t.Helper()
	var obj map[string]any
	require.NoError(t, json.Unmarshal(doc.JSON, &obj))
	change(obj)
	data, err := json.Marshal(obj)
	require.NoError(t, err)
	doc.JSON, doc.YAML = data, data // JSON is YAML
	return doc
}

// at returns the object at a path of keys and list indexes.
func at(obj map[string]any, path ...any) map[string]any {
	var cur any = obj
	for _, p := range path {
		switch p := p.(type) {
		case string:
			cur = cur.(map[string]any)[p]
		case int:
			cur = cur.([]any)[p]
		}
	}
	return cur.(map[string]any)
}

// traefikDeployment is the demo's Traefik Deployment and its flags.
type traefikDeployment struct {
	Deployment *appsv1.Deployment
	Container  corev1.Container
	Flags      *harness.StaticFlags
}

// findTraefik returns the Deployment running the traefik image, its
// arguments decoded as Traefik decodes its flags.
func findTraefik(t testing.TB, m *Manifests) traefikDeployment {
	t.Helper()
	for _, d := range m.Deployments {
		for _, c := range d.Spec.Template.Spec.Containers {
			if strings.HasPrefix(c.Image, "traefik:") {
				f, err := harness.DecodeStaticFlags(c.Args)
				require.NoError(t, err, "Deployment %s, container %s", d.Name, c.Name)
				return traefikDeployment{Deployment: d, Container: c, Flags: f}
			}
		}
	}
	t.Fatal("demo/k8s has no Deployment of the traefik image")
	return traefikDeployment{}
}

// PluginName returns the name under which Traefik loads the plugin module
// from the plugin catalog.
func (tr traefikDeployment) PluginName(module string) (string, bool) {
	if tr.Flags.Experimental == nil {
		return "", false
	}
	for name, p := range tr.Flags.Experimental.Plugins {
		if p.ModuleName == module {
			return name, true
		}
	}
	return "", false
}

// PluginVersion returns the catalog version of plugin name, or "".
func (tr traefikDeployment) PluginVersion(name string) string {
	if tr.Flags.Experimental == nil {
		return ""
	}
	return tr.Flags.Experimental.Plugins[name].Version
}

// modulePath returns the module path declared in the repository's go.mod.
func modulePath(t testing.TB) string {
	t.Helper()
	content, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
	require.NoError(t, err)
	module := modfile.ModulePath(content)
	require.NotEmpty(t, module, "go.mod has no module line")
	return module
}
