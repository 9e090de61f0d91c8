package k8s

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sjson "sigs.k8s.io/json"
)

// clusterScoped are the kinds of the demo that have no namespace.
var clusterScoped = map[string]bool{"Namespace": true, "ClusterRole": true, "ClusterRoleBinding": true}

// TestManifestsAreValid checks every document of demo/k8s: built-in
// kinds decode strictly into their k8s.io/api types, Traefik's kinds
// validate against the CRD schemas of the pinned Traefik, every metadata is
// a valid ObjectMeta, and namespaced objects are in the demo's namespace.
func TestManifestsAreValid(t *testing.T) {
	schemas := traefikSchemas(t)
	m := loadManifests(t)
	require.Len(t, m.Namespaces, 1, "the demo has one Namespace")
	namespace := m.Namespaces[0].Name

	for _, doc := range m.Docs {
		t.Run(doc.String(), func(t *testing.T) {
			if IsCore(doc.APIVersion) {
				_, err := DecodeStrict(doc)
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

			if clusterScoped[doc.Kind] {
				assert.Empty(t, doc.Namespace, "a cluster-scoped object has no namespace")
			} else {
				assert.Equal(t, namespace, doc.Namespace, "namespaced objects belong to the demo's namespace")
			}
		})
	}
}
