package e2e

import (
	"encoding/json"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
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

// k8sVarRef matches a $(VAR) reference, which Kubernetes expands in a
// container's command and arguments from its environment.
var k8sVarRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

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
					for _, ref := range k8sVarRef.FindAllStringSubmatch(a, -1) {
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
