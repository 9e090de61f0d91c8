package k8s

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/intstr"

	sessioninjector "github.com/session-injector/sessioninjector"
	"github.com/session-injector/sessioninjector/e2e/gopath"
	"github.com/session-injector/sessioninjector/e2e/harness"
	"github.com/session-injector/sessioninjector/e2e/interp"
)

// compiledConfig fills the compiled plugin's default configuration from
// settings as Traefik does (see interp.Fill), and checks that Traefik
// would use every setting.
func compiledConfig(t testing.TB, settings map[string]any) *sessioninjector.Config {
	t.Helper()
	cfg := sessioninjector.CreateConfig()
	unused, err := interp.Fill(cfg, settings)
	require.NoError(t, err)
	assert.Empty(t, unused, "settings Traefik would drop silently")
	return cfg
}

// middlewareSettings is one demo Middleware as Traefik hands it to the
// plugin: its plugin name and its settings, Secret references resolved
// from the Secret manifests.
type middlewareSettings struct {
	Doc      Doc
	Plugin   string
	Settings map[string]any
}

// resolveMiddlewares decodes every demo Middleware as Traefik's CRD
// provider does.
func resolveMiddlewares(t testing.TB, m *Manifests) []middlewareSettings {
	t.Helper()
	require.NotEmpty(t, m.Middlewares, "demo/k8s has no Middleware")
	var out []middlewareSettings
	for _, doc := range m.Middlewares {
		name, settings, err := interp.FromMiddlewareResource(doc.JSON, m.SecretData())
		require.NoError(t, err, doc.String())
		out = append(out, middlewareSettings{Doc: doc, Plugin: name, Settings: settings})
	}
	return out
}

// redisPassword returns the password the Redis Deployment requires: the
// Secret value behind its REDIS_PASSWORD, passed to --requirepass.
func redisPassword(t testing.TB, m *Manifests) string {
	t.Helper()
	for _, d := range m.Deployments {
		for _, c := range d.Spec.Template.Spec.Containers {
			if !strings.HasPrefix(c.Image, "redis:") {
				continue
			}
			args := strings.Join(c.Args, " ")
			require.Contains(t, args, "--requirepass $(REDIS_PASSWORD)", "Redis requires the password from its environment")
			for _, e := range c.Env {
				if e.Name == "REDIS_PASSWORD" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					ref := e.ValueFrom.SecretKeyRef
					value, ok := m.SecretData()[ref.Name][ref.Key]
					require.True(t, ok, "Secret %s has no key %s", ref.Name, ref.Key)
					return string(value)
				}
			}
		}
	}
	t.Fatal("no redis Deployment with REDIS_PASSWORD from a Secret")
	return ""
}

// serviceFor resolves a host:port as a Pod resolves it in namespace
// (name, name.ns, name.ns.svc, name.ns.svc.cluster.local) to a Service of
// the manifests and checks the port is one of its ports.
func serviceFor(t testing.TB, m *Manifests, namespace, address string) string {
	t.Helper()
	host, port, err := net.SplitHostPort(address)
	require.NoError(t, err, address)
	labels := strings.Split(strings.TrimSuffix(strings.TrimSuffix(host, ".cluster.local"), "."), ".")
	ns := namespace
	switch {
	case len(labels) == 1:
	case len(labels) == 2 || (len(labels) == 3 && labels[2] == "svc"):
		ns = labels[1]
	default:
		t.Fatalf("%s: not a Service name", address)
	}
	svc := m.Service(ns, labels[0])
	require.NotNil(t, svc, "%s: no Service %s/%s in the manifests", address, ns, labels[0])
	number, err := strconv.Atoi(port)
	require.NoError(t, err, address)
	require.True(t, hasServicePort(svc, intstr.FromInt32(int32(number))), "%s: Service %s has no port %d", address, svc.Name, number)
	var deployment string
	for _, d := range m.Deployments {
		if d.Namespace == svc.Namespace && selects(svc.Spec.Selector, d.Spec.Template.Labels) {
			deployment = d.Name
		}
	}
	return deployment
}

// TestMiddlewaresBuildThePlugin decodes each demo Middleware as
// Traefik's CRD provider does (Secret references resolved from the Secret
// manifest), builds the compiled plugin and the interpreted one (yaegi, as
// Traefik runs it) from it, and checks the settings against the other
// manifests: the Redis Service and the password Redis requires, one secret
// shared by every Middleware, and target domains that are the other
// IngressRoutes' hosts.
func TestMiddlewaresBuildThePlugin(t *testing.T) {
	m := loadManifests(t)
	tr := findTraefik(t, m)
	pluginName, ok := tr.PluginName(modulePath(t))
	require.True(t, ok, "Traefik loads the plugin")
	redisPassword := redisPassword(t, m)

	// The host each Middleware serves, from the IngressRoutes using it.
	servedBy := map[string][]string{}
	var allHosts []string
	for _, r := range routes(t, m) {
		hosts := routeHosts(t, r)
		allHosts = append(allHosts, hosts...)
		for i, route := range r.Spec.Routes {
			for _, mw := range route.Middlewares {
				key := or(mw.Namespace, r.Metadata.Namespace) + "/" + mw.Name
				servedBy[key] = append(servedBy[key], hosts[i])
			}
		}
	}

	root := repoRoot(t)
	goPath := t.TempDir()
	require.NoError(t, gopath.Install(root, goPath, harness.PluginModule))
	interpreted, err := interp.Load(goPath, harness.PluginModule)
	require.NoError(t, err)

	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	secrets := map[string]bool{}
	for _, mw := range resolveMiddlewares(t, m) {
		t.Run(mw.Doc.Name, func(t *testing.T) {
			require.Equal(t, pluginName, mw.Plugin)
			cfg := compiledConfig(t, mw.Settings)
			_, err := sessioninjector.New(context.Background(), next, cfg, mw.Doc.Name)
			require.NoError(t, err, "compiled New")

			assert.Equal(t, "redis", cfg.ReplayStore, "two replicas need the shared replay store")
			assert.True(t, cfg.SingleUse)
			assert.Equal(t, "redis", serviceFor(t, m, mw.Doc.Namespace, cfg.Redis.Address), "redis.address reaches the Redis Deployment")
			assert.Equal(t, redisPassword, cfg.Redis.Password, "redis.password is the one Redis requires")
			assert.NotContains(t, cfg.Secret, "urn:k8s:secret:", "the secret is resolved")
			assert.GreaterOrEqual(t, len(cfg.Secret), 32)
			secrets[cfg.Secret] = true

			own := servedBy[mw.Doc.Namespace+"/"+mw.Doc.Name]
			require.NotEmpty(t, own, "an IngressRoute uses %s", mw.Doc.Name)
			var others []string
			for _, h := range allHosts {
				if !slices.Contains(own, h) {
					others = append(others, h)
				}
			}
			assert.ElementsMatch(t, others, cfg.TargetDomains, "hands sessions to the other domains")

			icfg, err := interpreted.CreateConfig(mw.Settings)
			require.NoError(t, err)
			_, err = interpreted.NewHandler(context.Background(), next, icfg, mw.Doc.Name)
			require.NoError(t, err, "interpreted New")
			v := icfg.Elem()
			assert.Equal(t, cfg.Redis.Address, v.FieldByName("Redis").FieldByName("Address").String())
			assert.Equal(t, cfg.Redis.Password, v.FieldByName("Redis").FieldByName("Password").String())
			assert.Equal(t, cfg.Secret, v.FieldByName("Secret").String())
			assert.Equal(t, cfg.TargetDomains, v.FieldByName("TargetDomains").Interface())
			assert.Equal(t, reflect.ValueOf(*cfg).NumField(), v.NumField(), "same Config type")
		})
	}
	assert.Len(t, secrets, 1, "every Middleware has the same secret")
}

// TestHandshakeBetweenTheMiddlewares runs the demo's journey through
// the two Middlewares exactly as configured, with a redis-server requiring
// the password of the Redis manifest in place of the Redis Service: the
// shop's redirect to the checkout gets a token, the checkout redeems it
// once (recorded in Redis) and refuses the replay.
func TestHandshakeBetweenTheMiddlewares(t *testing.T) {
	m := loadManifests(t)
	redis := harness.StartRedisWith(t, harness.RedisOptions{Password: redisPassword(t, m)})

	app := m.Deployment("demo-app")
	require.NotNil(t, app)
	env := map[string]string{}
	for _, e := range app.Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	shopURL, checkoutURL := env["DEMO_SHOP_URL"], env["DEMO_CHECKOUT_URL"]

	handlers := map[string]http.Handler{}
	for _, mw := range resolveMiddlewares(t, m) {
		settings := copySettings(t, mw.Settings)
		settings["redis"].(map[string]any)["address"] = redis.Addr
		cfg := compiledConfig(t, settings)
		backend := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/pay" {
				http.Redirect(rw, r, checkoutURL+"/?from=pay", http.StatusFound)
				return
			}
			_, _ = rw.Write([]byte("page"))
		})
		h, err := sessioninjector.New(context.Background(), backend, cfg, mw.Doc.Name)
		require.NoError(t, err)
		handlers[mw.Doc.Name] = h
	}
	shop, checkout := handlers["shop-session"], handlers["checkout-session"]
	require.NotNil(t, shop, "Middleware shop-session")
	require.NotNil(t, checkout, "Middleware checkout-session")

	const client = "192.0.2.10:40000"
	pay := httptest.NewRequest(http.MethodGet, shopURL+"/pay", nil)
	pay.RemoteAddr = client
	pay.Header.Set("Sec-Fetch-Mode", "navigate")
	pay.AddCookie(&http.Cookie{Name: "_session_id", Value: "s-k8s-demo"})
	rec := httptest.NewRecorder()
	shop.ServeHTTP(rec, pay)
	require.Equal(t, http.StatusFound, rec.Code)
	location, err := url.Parse(rec.Header().Get("Location"))
	require.NoError(t, err)
	require.NotEmpty(t, location.Query().Get("_hs_"), "the redirect to the checkout carries a token: %s", location)

	redeem := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, location.String(), nil)
		req.RemoteAddr = client
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		rec := httptest.NewRecorder()
		checkout.ServeHTTP(rec, req)
		return rec
	}
	first := redeem()
	require.Equal(t, http.StatusSeeOther, first.Code, first.Body.String())
	assert.Contains(t, strings.Join(first.Header().Values("Set-Cookie"), "\n"), "_session_id=s-k8s-demo")
	assert.Len(t, redis.Keys(t, 0, "sessioninjector:*"), 1, "the redemption is recorded in Redis")

	// The manifests leave dieOnHandshakeFailure at its default: a replay
	// leads on to the clean URL, signed out.
	replay := redeem()
	assert.Equal(t, http.StatusSeeOther, replay.Code)
	assert.Equal(t, checkoutURL+"/?from=pay", replay.Header().Get("Location"), "the URL without the token")
	assert.Empty(t, replay.Header().Values("Set-Cookie"), "no session on a replay")
}

// copySettings deep-copies plugin settings through JSON.
func copySettings(t testing.TB, settings map[string]any) map[string]any {
	t.Helper()
	data, err := json.Marshal(settings)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(data, &out))
	return out
}
