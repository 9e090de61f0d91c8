package interp

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadLikeTraefik(t *testing.T) {
	p := sessionInjector(t)
	t.Logf("installed and interpreted in %s", loadTime)
	assert.Equal(t, pluginModule, p.Manifest.Import)
	assert.Equal(t, "sessioninjector", p.Manifest.PackageName())

	h, err := p.Build(context.Background(), map[string]any{"secret": testSecret}, "smoke", http.NotFoundHandler())
	require.NoError(t, err)
	require.NotNil(t, h)
}

// TestOneConfigManyRouters: Traefik decodes a middleware's settings once
// and passes the same Config pointer to New for every router using it (and
// to nothing else on reload), so New must not change it, and the instances
// must work side by side.
func TestOneConfigManyRouters(t *testing.T) {
	p := sessionInjector(t)
	cfg, err := p.CreateConfig(source.with("targetDomains", " checkout.test , *.example.net ", "tokenParam", " _hs_ "))
	require.NoError(t, err)
	before, err := json.Marshal(cfg.Interface())
	require.NoError(t, err)

	var handlers []http.Handler
	for i := 0; i < 3; i++ {
		h, err := p.NewHandler(context.Background(), &backend{respond: redirectTo("http://checkout.test/")}, cfg, "shared")
		require.NoError(t, err)
		handlers = append(handlers, h)
	}
	after, err := json.Marshal(cfg.Interface())
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after), "New left the shared Config as decoded")

	for i, h := range handlers {
		rec := serve(t, h, navigation(shopHost, "/", clientAddr, cookieName+"=sess-shared-9f9f"))
		assert.NotEmpty(t, tokenIn(t, rec.Header().Get("Location")), "router %d", i)
	}
	markSensitive("sess-shared-9f9f")
}
