package k8s

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
)

// TestTraefikRBAC checks that Traefik runs under a ServiceAccount bound
// to exactly the permissions the pinned Traefik's reference RBAC grants its
// Kubernetes CRD provider.
func TestTraefikRBAC(t *testing.T) {
	m := loadManifests(t)
	tr := findTraefik(t, m)
	account := tr.Deployment.Spec.Template.Spec.ServiceAccountName
	require.NotEmpty(t, account, "Traefik needs a ServiceAccount")
	found := false
	for _, a := range m.Accounts {
		found = found || (a.Name == account && a.Namespace == tr.Deployment.Namespace)
	}
	assert.True(t, found, "ServiceAccount %s/%s is in the manifests", tr.Deployment.Namespace, account)

	var role *rbacv1.ClusterRole
	for _, b := range m.Bindings {
		for _, s := range b.Subjects {
			if s.Kind == "ServiceAccount" && s.Name == account && s.Namespace == tr.Deployment.Namespace {
				require.Equal(t, "ClusterRole", b.RoleRef.Kind, "binding %s", b.Name)
				for _, r := range m.Roles {
					if r.Name == b.RoleRef.Name {
						role = r
					}
				}
				require.NotNil(t, role, "binding %s refers to ClusterRole %s, which is not in the manifests", b.Name, b.RoleRef.Name)
			}
		}
	}
	require.NotNil(t, role, "no ClusterRoleBinding binds ServiceAccount %s", account)

	ref := referenceCRDRules(t)
	assert.Equal(t, ref, ruleSet(role.Rules), "ClusterRole %s grants what Traefik's kubernetes-crd-rbac.yml grants the CRD provider, no more, no less", role.Name)
}

// referenceCRDRules returns the permissions of the ClusterRole in the
// pinned Traefik's kubernetes-crd-rbac.yml, without those of the Ingress
// provider (extensions, networking.k8s.io) and of the OpenTelemetry pod
// attributes (pods), which the demo does not use.
func referenceCRDRules(t testing.TB) map[string]bool {
	t.Helper()
	file := filepath.Join(traefikModuleDir(t), filepath.FromSlash(TraefikDocs), "kubernetes-crd-rbac.yml")
	content, err := os.ReadFile(file)
	require.NoError(t, err)
	docs, err := SplitDocs(filepath.Base(file), content)
	require.NoError(t, err)
	for _, doc := range docs {
		if doc.Kind != "ClusterRole" {
			continue
		}
		obj, err := DecodeStrict(doc)
		require.NoError(t, err)
		var kept []rbacv1.PolicyRule
		for _, r := range obj.(*rbacv1.ClusterRole).Rules {
			ingress := false
			for _, g := range r.APIGroups {
				ingress = ingress || g == "extensions" || g == "networking.k8s.io"
			}
			if !ingress && (len(r.Resources) != 1 || r.Resources[0] != "pods") {
				kept = append(kept, r)
			}
		}
		set := ruleSet(kept)
		require.NotEmpty(t, set)
		return set
	}
	t.Fatalf("%s has no ClusterRole", file)
	return nil
}

// ruleSet flattens policy rules into "group resource verb" entries.
func ruleSet(rules []rbacv1.PolicyRule) map[string]bool {
	set := map[string]bool{}
	for _, r := range rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					set[fmt.Sprintf("%q %s %s", g, res, v)] = true
				}
			}
		}
	}
	return set
}
