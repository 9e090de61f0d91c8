package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// k8sIngressRoute is the part of a traefik.io/v1alpha1 IngressRoute this
// test follows (the CRD schema checks the rest).
type k8sIngressRoute struct {
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		EntryPoints []string `json:"entryPoints"`
		Routes      []struct {
			Match       string `json:"match"`
			Middlewares []struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"middlewares"`
			Services []struct {
				Name      string             `json:"name"`
				Namespace string             `json:"namespace"`
				Kind      string             `json:"kind"`
				Port      intstr.IntOrString `json:"port"`
			} `json:"services"`
		} `json:"routes"`
	} `json:"spec"`
}

// k8sHostRule matches a match rule of exactly one Host(`...`).
var k8sHostRule = regexp.MustCompile("^Host\\(`([^`]+)`\\)$")

// k8sRoutes decodes the demo's IngressRoutes.
func k8sRoutes(t testing.TB, m *k8sManifests) []k8sIngressRoute {
	t.Helper()
	var routes []k8sIngressRoute
	for _, doc := range m.Routes {
		var r k8sIngressRoute
		require.NoError(t, json.Unmarshal(doc.JSON, &r), doc.String())
		routes = append(routes, r)
	}
	require.NotEmpty(t, routes, "demo/k8s has no IngressRoute")
	return routes
}

// k8sRouteHosts returns the host of each route's single Host rule,
// failing on a route matching anything else.
func k8sRouteHosts(t testing.TB, r k8sIngressRoute) []string {
	t.Helper()
	var hosts []string
	for _, route := range r.Spec.Routes {
		m := k8sHostRule.FindStringSubmatch(route.Match)
		require.NotNil(t, m, "IngressRoute %s: match %q is not a single Host rule", r.Metadata.Name, route.Match)
		hosts = append(hosts, m[1])
	}
	return hosts
}

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
			if !ingress && !(len(r.Resources) == 1 && r.Resources[0] == "pods") {
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

// TestK8sWorkloadsHangTogether checks the references between the
// manifests: Deployment selectors and template labels, Services and the
// Deployments they select and their ports, Secret references in the
// environment, $(VAR) in arguments, and that the Secret holds only
// placeholders.
func TestK8sWorkloadsHangTogether(t *testing.T) {
	m := k8sLoadManifests(t)
	secrets := m.SecretData()

	for _, d := range m.Deployments {
		t.Run("Deployment "+d.Name, func(t *testing.T) {
			sel := d.Spec.Selector
			require.NotNil(t, sel)
			require.NotEmpty(t, sel.MatchLabels, "selector")
			assert.Empty(t, sel.MatchExpressions, "this test follows matchLabels only")
			for k, v := range sel.MatchLabels {
				assert.Equal(t, v, d.Spec.Template.Labels[k], "template label %s matches the selector", k)
			}
			for _, c := range d.Spec.Template.Spec.Containers {
				assert.NotEmpty(t, c.Name)
				assert.NotEmpty(t, c.Image)
				declared := map[string]bool{}
				for _, e := range c.Env {
					declared[e.Name] = true
					if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
						ref := e.ValueFrom.SecretKeyRef
						_, ok := secrets[ref.Name][ref.Key]
						assert.True(t, ok, "container %s, env %s: Secret %s has no key %s", c.Name, e.Name, ref.Name, ref.Key)
					}
				}
				for _, a := range append(append([]string{}, c.Command...), c.Args...) {
					for _, ref := range regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`).FindAllStringSubmatch(a, -1) {
						assert.True(t, declared[ref[1]], "container %s: argument %q refers to $(%s), which is not in its env", c.Name, a, ref[1])
					}
				}
			}
		})
	}

	for _, s := range m.Services {
		t.Run("Service "+s.Name, func(t *testing.T) {
			require.NotEmpty(t, s.Spec.Selector, "selector")
			var selected []*appsv1.Deployment
			for _, d := range m.Deployments {
				if d.Namespace == s.Namespace && k8sSelects(s.Spec.Selector, d.Spec.Template.Labels) {
					selected = append(selected, d)
				}
			}
			require.Len(t, selected, 1, "the Service selects exactly one Deployment")
			require.NotEmpty(t, s.Spec.Ports)
			for _, p := range s.Spec.Ports {
				assert.True(t, k8sHasContainerPort(selected[0], p.TargetPort), "port %s: target %s is not a container port of %s", p.Name, p.TargetPort.String(), selected[0].Name)
			}
		})
	}

	t.Run("Secret placeholders", func(t *testing.T) {
		require.NotEmpty(t, secrets)
		for name, data := range secrets {
			require.NotEmpty(t, data, "Secret %s", name)
			for key, value := range data {
				assert.True(t, strings.HasPrefix(string(value), "REPLACE-ME"), "Secret %s, key %s: the shipped value must be a marked placeholder", name, key)
			}
		}
	})
}

// k8sSelects reports whether every selector label is among labels.
func k8sSelects(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return len(selector) > 0
}

// k8sHasContainerPort reports whether a port (by name or number) is a
// container port of the Deployment.
func k8sHasContainerPort(d *appsv1.Deployment, port intstr.IntOrString) bool {
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, p := range c.Ports {
			if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
				return true
			}
		}
	}
	return false
}

// k8sHasServicePort reports whether a port (by name or number) is a port of
// the Service.
func k8sHasServicePort(s *corev1.Service, port intstr.IntOrString) bool {
	for _, p := range s.Spec.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.Port == port.IntVal) {
			return true
		}
	}
	return false
}

// TestK8sIngressRoutesResolve checks that every IngressRoute uses entry
// points Traefik defines, Middlewares of the manifests, and Services of the
// manifests by name and port, and that the demo app's URLs are the routes'
// hosts.
func TestK8sIngressRoutesResolve(t *testing.T) {
	m := k8sLoadManifests(t)
	tr := k8sFindTraefik(t, m)
	middlewares := map[string]bool{}
	for _, mw := range m.Middlewares {
		middlewares[mw.Namespace+"/"+mw.Name] = true
	}

	var hosts []string
	for _, r := range k8sRoutes(t, m) {
		t.Run(r.Metadata.Name, func(t *testing.T) {
			require.NotEmpty(t, r.Spec.EntryPoints)
			for _, ep := range r.Spec.EntryPoints {
				assert.NotEmpty(t, tr.Flags["entrypoints."+strings.ToLower(ep)+".address"], "entry point %s is defined by Traefik's arguments", ep)
			}
			for _, route := range r.Spec.Routes {
				require.NotEmpty(t, route.Middlewares, "route %s uses the session injector", route.Match)
				for _, mw := range route.Middlewares {
					ns := k8sOr(mw.Namespace, r.Metadata.Namespace)
					assert.True(t, middlewares[ns+"/"+mw.Name], "Middleware %s/%s is in the manifests", ns, mw.Name)
				}
				require.NotEmpty(t, route.Services)
				for _, svc := range route.Services {
					require.Contains(t, []string{"", "Service"}, svc.Kind)
					ns := k8sOr(svc.Namespace, r.Metadata.Namespace)
					s := m.Service(ns, svc.Name)
					require.NotNil(t, s, "Service %s/%s is in the manifests", ns, svc.Name)
					assert.True(t, k8sHasServicePort(s, svc.Port), "Service %s has port %s", svc.Name, svc.Port.String())
				}
			}
			hosts = append(hosts, k8sRouteHosts(t, r)...)
		})
	}

	app := m.Deployment("demo-app")
	require.NotNil(t, app, "the demo app's Deployment")
	env := map[string]string{}
	for _, e := range app.Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	var appHosts []string
	for _, v := range []struct{ env, prefix string }{{"DEMO_SHOP_URL", "shop"}, {"DEMO_CHECKOUT_URL", "checkout"}} {
		host := k8sURLHost(t, env[v.env])
		// The demo app serves the site whose name starts the Host.
		assert.True(t, strings.HasPrefix(host, v.prefix), "%s=%s: the host must start with %s", v.env, env[v.env], v.prefix)
		appHosts = append(appHosts, host)
	}
	assert.ElementsMatch(t, hosts, appHosts, "the IngressRoutes serve the demo app's public hosts")

	_, port, err := net.SplitHostPort(env["DEMO_LISTEN"])
	require.NoError(t, err, "DEMO_LISTEN")
	number, err := strconv.Atoi(port)
	require.NoError(t, err, "DEMO_LISTEN port")
	assert.True(t, k8sHasContainerPort(app, intstr.FromInt32(int32(number))), "the demo app listens on a declared container port")
}

// k8sURLHost returns the host name of an absolute http(s) URL.
func k8sURLHost(t testing.TB, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err, raw)
	require.Contains(t, []string{"http", "https"}, u.Scheme, raw)
	require.NotEmpty(t, u.Hostname(), raw)
	return u.Hostname()
}

func k8sOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
