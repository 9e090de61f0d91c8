package k8s

import (
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
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// routes decodes the demo's IngressRoutes.
func routes(t testing.TB, m *Manifests) []*IngressRoute {
	t.Helper()
	var routes []*IngressRoute
	for _, doc := range m.Routes {
		r, err := DecodeIngressRoute(doc)
		require.NoError(t, err)
		routes = append(routes, r)
	}
	require.NotEmpty(t, routes, "demo/k8s has no IngressRoute")
	return routes
}

// routeHosts returns the host of each route's single Host rule, failing on
// a route matching anything else.
func routeHosts(t testing.TB, r *IngressRoute) []string {
	t.Helper()
	hosts, err := r.Hosts()
	require.NoError(t, err)
	return hosts
}

// varRef matches a $(VAR) reference, which Kubernetes expands in a
// container's command and arguments from its environment.
var varRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// TestWorkloadsHangTogether checks the references between the
// manifests: Deployment selectors and template labels, Services and the
// Deployments they select and their ports, Secret references in the
// environment, $(VAR) in arguments, and that the Secret holds only
// placeholders.
func TestWorkloadsHangTogether(t *testing.T) {
	m := loadManifests(t)
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
					for _, ref := range varRef.FindAllStringSubmatch(a, -1) {
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
				if d.Namespace == s.Namespace && selects(s.Spec.Selector, d.Spec.Template.Labels) {
					selected = append(selected, d)
				}
			}
			require.Len(t, selected, 1, "the Service selects exactly one Deployment")
			require.NotEmpty(t, s.Spec.Ports)
			for _, p := range s.Spec.Ports {
				assert.True(t, hasContainerPort(selected[0], p.TargetPort), "port %s: target %s is not a container port of %s", p.Name, p.TargetPort.String(), selected[0].Name)
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

// selects reports whether a Service's selector (a non-empty set of
// labels) selects a Pod with labels, as the API server matches them.
func selects(selector, podLabels map[string]string) bool {
	return len(selector) > 0 && labels.SelectorFromSet(selector).Matches(labels.Set(podLabels))
}

// hasContainerPort reports whether a port (by name or number) is a
// container port of the Deployment.
func hasContainerPort(d *appsv1.Deployment, port intstr.IntOrString) bool {
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, p := range c.Ports {
			if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
				return true
			}
		}
	}
	return false
}

// hasServicePort reports whether a port (by name or number) is a port of
// the Service.
func hasServicePort(s *corev1.Service, port intstr.IntOrString) bool {
	for _, p := range s.Spec.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.Port == port.IntVal) {
			return true
		}
	}
	return false
}

// TestIngressRoutesResolve checks that every IngressRoute uses entry
// points Traefik defines, Middlewares of the manifests, and Services of the
// manifests by name and port, and that the demo app's URLs are the routes'
// hosts.
func TestIngressRoutesResolve(t *testing.T) {
	m := loadManifests(t)
	tr := findTraefik(t, m)
	middlewares := map[string]bool{}
	for _, mw := range m.Middlewares {
		middlewares[mw.Namespace+"/"+mw.Name] = true
	}

	var hosts []string
	for _, r := range routes(t, m) {
		t.Run(r.Metadata.Name, func(t *testing.T) {
			require.NotEmpty(t, r.Spec.EntryPoints)
			for _, ep := range r.Spec.EntryPoints {
				require.Contains(t, tr.Flags.EntryPoints, ep, "entry point %s is defined by Traefik's arguments", ep)
				assert.NotEmpty(t, tr.Flags.EntryPoints[ep].Address, "entry point %s has an address", ep)
			}
			for _, route := range r.Spec.Routes {
				require.NotEmpty(t, route.Middlewares, "route %s uses the session injector", route.Match)
				for _, mw := range route.Middlewares {
					ns := or(mw.Namespace, r.Metadata.Namespace)
					assert.True(t, middlewares[ns+"/"+mw.Name], "Middleware %s/%s is in the manifests", ns, mw.Name)
				}
				require.NotEmpty(t, route.Services)
				for _, svc := range route.Services {
					require.Contains(t, []string{"", "Service"}, svc.Kind)
					ns := or(svc.Namespace, r.Metadata.Namespace)
					s := m.Service(ns, svc.Name)
					require.NotNil(t, s, "Service %s/%s is in the manifests", ns, svc.Name)
					assert.True(t, hasServicePort(s, svc.Port), "Service %s has port %s", svc.Name, svc.Port.String())
				}
			}
			hosts = append(hosts, routeHosts(t, r)...)
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
		host := urlHost(t, env[v.env])
		// The demo app serves the site whose name starts the Host.
		assert.True(t, strings.HasPrefix(host, v.prefix), "%s=%s: the host must start with %s", v.env, env[v.env], v.prefix)
		appHosts = append(appHosts, host)
	}
	assert.ElementsMatch(t, hosts, appHosts, "the IngressRoutes serve the demo app's public hosts")

	_, port, err := net.SplitHostPort(env["DEMO_LISTEN"])
	require.NoError(t, err, "DEMO_LISTEN")
	number, err := strconv.Atoi(port)
	require.NoError(t, err, "DEMO_LISTEN port")
	assert.True(t, hasContainerPort(app, intstr.FromInt32(int32(number))), "the demo app listens on a declared container port")
}

// urlHost returns the host name of an absolute http(s) URL.
func urlHost(t testing.TB, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err, raw)
	require.Contains(t, []string{"http", "https"}, u.Scheme, raw)
	require.NotEmpty(t, u.Hostname(), raw)
	return u.Hostname()
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
