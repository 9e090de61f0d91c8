package k8s

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPinnedTraefikVersion(t *testing.T) {
	cases := []struct {
		name, script, want, err string
	}{
		{name: "the default of TRAEFIK_VERSION", script: "version=\"${TRAEFIK_VERSION:-v3.6.12}\"\n", want: "v3.6.12"},
		{name: "no default", script: "version=\"$TRAEFIK_VERSION\"\n", err: "no ${TRAEFIK_VERSION:-vX.Y.Z} default version"},
		{name: "not a full version", script: "version=\"${TRAEFIK_VERSION:-v3.6}\"\n", err: "traefik.sh"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			require.NoError(t, os.MkdirAll(filepath.Join(root, "scripts"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(root, "scripts", "traefik.sh"), []byte(c.script), 0o644))
			got, err := PinnedTraefikVersion(root)
			if c.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}
