package harness

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pluginConfig returns the session injector's settings in mw.
func pluginConfig(t *testing.T, mw Middleware) map[string]any {
	t.Helper()
	plugin, ok := mw["plugin"].(map[string]any)
	require.True(t, ok, "not a plugin middleware: %v", mw)
	c, ok := plugin[PluginName].(map[string]any)
	require.True(t, ok, "not the session injector: %v", mw)
	return c
}

func TestShopCheckout(t *testing.T) {
	const app = "http://127.0.0.1:1"
	tests := []struct {
		name string
		opts ShopCheckoutOptions
		// want maps a middleware to the settings it must hold; absent
		// names map to nil, for settings it must not hold.
		want    map[string]map[string]any
		routers []string
	}{
		{
			name: "defaults",
			opts: ShopCheckoutOptions{App: app},
			want: map[string]map[string]any{
				"shop":     {"secret": SecretMain, "targetDomains": []string{CheckoutHost}, "tokenLifetime": "5s", "replayStore": nil},
				"checkout": {"secret": SecretMain, "targetDomains": nil, "previousSecrets": nil},
			},
			routers: []string{"checkout", "shop"},
		},
		{
			name: "targets, secrets and settings",
			opts: ShopCheckoutOptions{
				App: app, Secret: SecretRotated, PreviousSecrets: []string{SecretMain},
				ShopTargets: []string{"a.test", "b.test"}, CheckoutTargets: []string{ShopHost},
				Settings: map[string]any{"tokenLifetime": "30s"},
			},
			want: map[string]map[string]any{
				"shop":     {"secret": SecretRotated, "targetDomains": []string{"a.test", "b.test"}, "previousSecrets": []string{SecretMain}, "tokenLifetime": "30s"},
				"checkout": {"secret": SecretRotated, "targetDomains": []string{ShopHost}, "previousSecrets": []string{SecretMain}, "tokenLifetime": "30s"},
			},
			routers: []string{"checkout", "shop"},
		},
		{
			name: "redis everywhere, shop-other without previous secrets",
			opts: ShopCheckoutOptions{
				App: app, PreviousSecrets: []string{SecretRotated}, ShopOther: true,
				Redis: "127.0.0.1:2", RedisSettings: map[string]any{"keyPrefix": "p:"},
			},
			want: map[string]map[string]any{
				"shop":       {"replayStore": "redis", "redis": map[string]any{"address": "127.0.0.1:2", "keyPrefix": "p:"}},
				"checkout":   {"replayStore": "redis", "redis": map[string]any{"address": "127.0.0.1:2", "keyPrefix": "p:"}},
				"shop-other": {"secret": SecretOther, "targetDomains": []string{CheckoutHost}, "replayStore": "redis", "previousSecrets": nil},
			},
			routers: []string{"checkout", "shop", "shop-other"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ShopCheckout(tt.opts)
			var routers []string
			for name, r := range d.Routers {
				routers = append(routers, name)
				assert.Equal(t, []string{name}, r.Middlewares, "router %s", name)
				assert.Equal(t, AppService, r.Service, "router %s", name)
			}
			assert.ElementsMatch(t, tt.routers, routers)
			assert.Equal(t, HostRule(ShopHost), d.Routers["shop"].Rule)
			assert.Equal(t, HostRule(CheckoutHost), d.Routers["checkout"].Rule)
			assert.Equal(t, map[string]Service{AppService: {URL: app}}, d.Services)
			for mw, want := range tt.want {
				c := pluginConfig(t, d.Middlewares[mw])
				for k, v := range want {
					assert.Equal(t, v, c[k], "%s: %s", mw, k)
				}
			}
			_, err := d.render(1)
			assert.NoError(t, err, "the file provider document")
		})
	}
}

func TestSite(t *testing.T) {
	var d Dynamic
	d.Site("plain", nil, "a.test", "b.test")
	d.Site("guarded", Injector(SecretMain, nil, nil), "c.test")
	assert.Equal(t, map[string]Router{
		"plain":   {Rule: "Host(`a.test`) || Host(`b.test`)", Service: AppService},
		"guarded": {Rule: "Host(`c.test`)", Middlewares: []string{"guarded"}, Service: AppService},
	}, d.Routers)
	assert.Len(t, d.Middlewares, 1, "a site without middleware adds none")

	d.Site("guarded", Injector(SecretOther, nil, nil), "d.test")
	assert.Equal(t, "Host(`d.test`)", d.Routers["guarded"].Rule, "a site replaces its namesake")
	assert.Equal(t, SecretOther, pluginConfig(t, d.Middlewares["guarded"])["secret"])
}

func TestInjectorSetsTheContractAndMergesExtra(t *testing.T) {
	c := pluginConfig(t, Injector(SecretMain, []string{CheckoutHost}, map[string]any{"tokenLifetime": "1m", "cleanURL": false}))
	for _, k := range []string{"cookieName", "secret", "tokenParam", "tokenLifetime", "dieOnHandshakeFailure",
		"propagateRedirects", "handoffPath", "cleanURL", "singleUse", "bindClientIP", "cookie", "targetDomains"} {
		assert.Contains(t, c, k)
	}
	assert.Equal(t, "1m", c["tokenLifetime"], "extra wins")
	assert.Equal(t, false, c["cleanURL"], "extra wins")
	assert.NotContains(t, pluginConfig(t, Injector(SecretMain, nil, nil)), "targetDomains", "no targets, no targetDomains")
}

func TestMergedAndRedisStore(t *testing.T) {
	a := map[string]any{"x": 1, "y": 2}
	m := Merged(a, map[string]any{"y": 3}, nil)
	assert.Equal(t, map[string]any{"x": 1, "y": 3}, m)
	assert.Equal(t, map[string]any{"x": 1, "y": 2}, a, "inputs untouched")

	got, err := json.Marshal(RedisStore("127.0.0.1:6379", map[string]any{"db": 3}))
	require.NoError(t, err)
	assert.JSONEq(t, `{"replayStore":"redis","redis":{"address":"127.0.0.1:6379","db":3}}`, string(got))
}
