package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
)

// TestK8sTraefikRBAC checks that Traefik runs under a ServiceAccount bound
// to exactly the permissions the pinned Traefik's reference RBAC grants its
// Kubernetes CRD provider.
func TestK8sTraefikRBAC(t *testing.T) {
	m := k8sLoadManifests(t)
	tr := k8sFindTraefik(t, m)
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

	ref := k8sReferenceCRDRules(t)
	assert.Equal(t, ref, k8sRuleSet(role.Rules), "ClusterRole %s grants what Traefik's kubernetes-crd-rbac.yml grants the CRD provider, no more, no less", role.Name)
}

// k8sReferenceCRDRules returns the permissions of the ClusterRole in the
// pinned Traefik's kubernetes-crd-rbac.yml, without those of the Ingress
// provider (extensions, networking.k8s.io) and of the OpenTelemetry pod
// attributes (pods), which the demo does not use.
func k8sReferenceCRDRules(t testing.TB) map[string]bool {
	t.Helper()
	file := filepath.Join(k8sTraefikModuleDir(t), filepath.FromSlash(k8sTraefikDocs), "kubernetes-crd-rbac.yml")
	content, err := os.ReadFile(file)
	require.NoError(t, err)
	docs, err := k8sSplitDocs(filepath.Base(file), content)
	require.NoError(t, err)
	for _, doc := range docs {
		if doc.Kind != "ClusterRole" {
			continue
		}
		obj, err := k8sDecodeStrict(doc)
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
		set := k8sRuleSet(kept)
		require.NotEmpty(t, set)
		return set
	}
	t.Fatalf("%s has no ClusterRole", file)
	return nil
}

// k8sRuleSet flattens policy rules into "group resource verb" entries.
func k8sRuleSet(rules []rbacv1.PolicyRule) map[string]bool {
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
