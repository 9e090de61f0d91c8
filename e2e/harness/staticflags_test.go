package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeStaticFlags(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		check func(t *testing.T, f *StaticFlags)
		err   string
	}{
		{
			name: "docker provider and a local plugin",
			args: []string{
				"--entryPoints.web.address=:80",
				"--providers.docker=true",
				"--providers.docker.exposedByDefault=false",
				"--providers.docker.constraints=Label(`a`,`b`)",
				"--experimental.localPlugins.p.moduleName=example.com/p",
				"--experimental.abortOnPluginFailure=true",
				"--global.checkNewVersion=false",
				"--log.level=INFO",
			},
			check: func(t *testing.T, f *StaticFlags) {
				require.NotNil(t, f.Providers)
				require.NotNil(t, f.Providers.Docker)
				assert.Nil(t, f.Providers.KubernetesCRD)
				assert.False(t, f.Providers.Docker.ExposedByDefault)
				assert.Equal(t, "Label(`a`,`b`)", f.Providers.Docker.Constraints)
				require.Contains(t, f.EntryPoints, "web")
				assert.Equal(t, ":80", f.EntryPoints["web"].Address)
				assert.Equal(t, StaticLocalPlugin{ModuleName: "example.com/p"}, f.Experimental.LocalPlugins["p"])
				assert.True(t, f.Experimental.AbortOnPluginFailure)
				assert.Equal(t, "INFO", f.Log.Level)
				assert.Nil(t, f.Ping)
			},
		},
		{
			name: "names in any case, bare booleans, catalog plugin",
			args: []string{
				"--PROVIDERS.KUBERNETESCRD",
				"--providers.kubernetescrd.namespaces=a,b",
				"--ping",
				"--experimental.plugins.p.moduleName=example.com/p",
				"--experimental.plugins.p.version=v1.2.3",
			},
			check: func(t *testing.T, f *StaticFlags) {
				require.NotNil(t, f.Providers.KubernetesCRD)
				assert.Equal(t, []string{"a", "b"}, f.Providers.KubernetesCRD.Namespaces)
				assert.NotNil(t, f.Ping)
				assert.Equal(t, StaticPlugin{ModuleName: "example.com/p", Version: "v1.2.3"}, f.Experimental.Plugins["p"])
			},
		},
		{
			name: "the Docker provider's default",
			args: []string{"--providers.docker"},
			check: func(t *testing.T, f *StaticFlags) {
				require.NotNil(t, f.Providers.Docker)
				assert.True(t, f.Providers.Docker.ExposedByDefault, "Traefik exposes every container unless told otherwise")
			},
		},
		{name: "unknown flag", args: []string{"--provider.docker=true"}, err: "provider"},
		{name: "unknown field", args: []string{"--providers.docker.exposedByDefaults=false"}, err: "exposedByDefaults"},
		{name: "not a boolean", args: []string{"--global.checkNewVersion=maybe"}, err: "maybe"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := DecodeStaticFlags(c.args)
			if c.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			c.check(t, f)
		})
	}
}
