package interp

import (
	"context"
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
