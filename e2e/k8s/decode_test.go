package k8s

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

func TestIsCore(t *testing.T) {
	for apiVersion, want := range map[string]bool{
		"v1":                           true,
		"apps/v1":                      true,
		"rbac.authorization.k8s.io/v1": true,
		"traefik.io/v1alpha1":          false,
		"example.com/v1":               false,
	} {
		assert.Equal(t, want, IsCore(apiVersion), apiVersion)
	}
}

func TestDecodeStrict(t *testing.T) {
	cases := []struct {
		name, yaml, err string
	}{
		{name: "a known kind", yaml: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  k: v\n"},
		{name: "duplicate key", yaml: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  name: t\n", err: `"name"`},
		{name: "a kind the demo does not use", yaml: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n", err: "Pod"},
		{name: "a known kind in another version", yaml: "apiVersion: apps/v1beta1\nkind: Deployment\nmetadata:\n  name: d\n", err: "v1beta1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obj, err := DecodeStrict(Doc{File: "f.yaml", YAML: []byte(c.yaml)})
			if c.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.err)
				assert.Contains(t, err.Error(), "f.yaml#0", "the error names the document")
				return
			}
			require.NoError(t, err)
			s, ok := obj.(*corev1.Secret)
			require.True(t, ok, "%T", obj)
			assert.Equal(t, "v", s.StringData["k"])
		})
	}
}
