package e2e

import (
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sjson "sigs.k8s.io/json"
)

var k8sSchemaCache struct {
	sync.Once
	schemas k8sSchemas
	err     error
}

// k8sTraefikSchemas returns the validators of the pinned Traefik's CRDs.
func k8sTraefikSchemas(t testing.TB) k8sSchemas {
	t.Helper()
	dir := filepath.Join(k8sTraefikModuleDir(t), filepath.FromSlash(k8sTraefikDocs))
	k8sSchemaCache.Do(func() {
		k8sSchemaCache.schemas, k8sSchemaCache.err = k8sLoadCRDSchemas(dir)
	})
	require.NoError(t, k8sSchemaCache.err, "Traefik's CRD schemas")
	return k8sSchemaCache.schemas
}

// k8sClusterScoped are the kinds of the demo that have no namespace.
var k8sClusterScoped = map[string]bool{"Namespace": true, "ClusterRole": true, "ClusterRoleBinding": true}

// TestK8sManifestsAreValid checks every document of demo/k8s: built-in
// kinds decode strictly into their k8s.io/api types, Traefik's kinds
// validate against the CRD schemas of the pinned Traefik, every metadata is
// a valid ObjectMeta, and namespaced objects are in the demo's namespace.
func TestK8sManifestsAreValid(t *testing.T) {
	schemas := k8sTraefikSchemas(t)
	m := k8sLoadManifests(t)
	require.Len(t, m.Namespaces, 1, "the demo has one Namespace")
	namespace := m.Namespaces[0].Name

	for _, doc := range m.Docs {
		t.Run(doc.String(), func(t *testing.T) {
			if k8sIsCore(doc.APIVersion) {
				_, err := k8sDecodeStrict(doc)
				require.NoError(t, err)
			} else {
				require.NoError(t, schemas.Validate(doc.APIVersion, doc.Kind, doc.JSON))
			}
			var meta struct {
				Metadata metav1.ObjectMeta `json:"metadata"`
			}
			var all map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(doc.JSON, &all))
			header, err := json.Marshal(map[string]json.RawMessage{"metadata": all["metadata"]})
			require.NoError(t, err)
			strict, err := k8sjson.UnmarshalStrict(header, &meta, k8sjson.DisallowUnknownFields, k8sjson.DisallowDuplicateFields)
			require.NoError(t, err)
			require.Empty(t, strict, "metadata")

			if k8sClusterScoped[doc.Kind] {
				assert.Empty(t, doc.Namespace, "a cluster-scoped object has no namespace")
			} else {
				assert.Equal(t, namespace, doc.Namespace, "namespaced objects belong to the demo's namespace")
			}
		})
	}
}
