package k8s

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIngressRouteHosts(t *testing.T) {
	cases := []struct {
		name  string
		match string
		want  []string
		err   string
	}{
		{name: "one host", match: "Host(`shop.example`)", want: []string{"shop.example"}},
		{name: "two hosts", match: "Host(`a`) || Host(`b`)", err: "IngressRoute r: match \"Host(`a`) || Host(`b`)\" is not a single Host rule"},
		{name: "a path", match: "PathPrefix(`/`)", err: "PathPrefix"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			match, err := json.Marshal(c.match)
			require.NoError(t, err)
			doc := Doc{File: "f.yaml", JSON: []byte(`{"metadata":{"name":"r"},"spec":{"routes":[{"match":` + string(match) + `}]}}`)}
			r, err := DecodeIngressRoute(doc)
			require.NoError(t, err)
			hosts, err := r.Hosts()
			if c.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, hosts)
		})
	}
}

func TestDecodeIngressRouteRefusesWrongTypes(t *testing.T) {
	_, err := DecodeIngressRoute(Doc{File: "f.yaml", Kind: "IngressRoute", Name: "r", JSON: []byte(`{"spec":{"routes":"all"}}`)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "f.yaml#0 (IngressRoute r)")
}
