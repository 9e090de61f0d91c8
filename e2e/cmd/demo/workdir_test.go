package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDemoConfigAddresses reads the addresses the demo starts with from
// the repository's demo/traefik, as prepare does.
func TestDemoConfigAddresses(t *testing.T) {
	addr, err := entryPoint(filepath.Join("..", "..", "..", "demo", "traefik", "traefik.yml"))
	require.NoError(t, err)
	assert.Equal(t, ":8080", addr)
	addr, err = serviceAddr(filepath.Join("..", "..", "..", "demo", "traefik", "dynamic.yml"))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8081", addr)
}

func TestConfigAddressErrors(t *testing.T) {
	cases := []struct {
		name, yaml, want string
		read             func(string) (string, error)
	}{
		{"no web entry point", "entryPoints:\n  other:\n    address: \":80\"\n", "no entryPoints.web.address", entryPoint},
		{"not YAML", "entryPoints: [", "static.yml", entryPoint},
		{"no demo-app service", "http:\n  services: {}\n", "found 0", serviceAddr},
		{"two servers", "http:\n  services:\n    demo-app:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:1\n          - url: http://127.0.0.1:2\n", "found 2", serviceAddr},
		{"no port", "http:\n  services:\n    demo-app:\n      loadBalancer:\n        servers:\n          - url: http://app\n", `"http://app"`, serviceAddr},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "static.yml")
			require.NoError(t, os.WriteFile(path, []byte(c.yaml), 0o644))
			_, err := c.read(path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TestPrepare lays out a working directory as Traefik reads it in the demo.
func TestPrepare(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo app")
	}
	work := t.TempDir()
	d, err := prepare(work)
	require.NoError(t, err)
	assert.Equal(t, demo{
		appBin: filepath.Join(work, "demo-app"), webAddr: ":8080", appAddr: "127.0.0.1:8081",
		shopURL: "http://shop.localhost:8080", checkoutURL: "http://checkout.localhost:8080",
	}, d)
	info, err := os.Stat(d.appBin)
	require.NoError(t, err)
	assert.NotZero(t, info.Mode()&0o100, "the demo app is executable")
	for _, name := range []string{"traefik.yml", "dynamic.yml"} {
		want, err := os.ReadFile(filepath.Join("..", "..", "..", "demo", "traefik", name))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(work, name))
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), name)
	}
	for _, name := range []string{".traefik.yml", "go.mod", "plugin.go"} {
		assert.FileExists(t, filepath.Join(work, "plugins-local", "src", "github.com", "session-injector", "sessioninjector", name))
	}
}
