package compose

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSetSetting(t *testing.T) {
	cases := []struct {
		name, path string
		want       map[string]any
		err        string
	}{
		{name: "top level", path: "secret", want: map[string]any{"secret": "new", "Redis": map[string]any{"Address": "r:6379"}}},
		{name: "nested, any letter case", path: "redis.address", want: map[string]any{"secret": "s", "Redis": map[string]any{"Address": "new"}}},
		{name: "missing key", path: "redis.password", err: "no setting redis.password"},
		{name: "not a section", path: "secret.x", err: "setting secret is a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			settings := map[string]any{"secret": "s", "Redis": map[string]any{"Address": "r:6379"}}
			err := SetSetting(settings, c.path, "new")
			if c.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, settings)
		})
	}
}

func TestMiddlewareLabels(t *testing.T) {
	labels := map[string]string{
		"traefik.http.middlewares.shop.plugin.p.secret":   "a",
		"TRAEFIK.HTTP.MIDDLEWARES.SHOP.plugin.p.cleanURL": "true",
		"traefik.http.middlewares.shopping.plugin.p.x":    "b",
		"traefik.http.middlewares.shop":                   "c",
		"traefik.http.routers.shop.middlewares":           "shop",
	}
	assert.Equal(t, map[string]string{
		"traefik.http.middlewares.shop.plugin.p.secret":   "a",
		"TRAEFIK.HTTP.MIDDLEWARES.SHOP.plugin.p.cleanURL": "true",
	}, MiddlewareLabels(labels, "shop"))
}
