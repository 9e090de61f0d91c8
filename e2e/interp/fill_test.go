package interp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFill(t *testing.T) {
	type inner struct{ Address string }
	type config struct {
		Name    string
		Count   int
		On      bool
		Domains []string
		Redis   inner
	}
	cases := []struct {
		name   string
		raw    map[string]any
		want   config
		unused []string
		err    string
	}{
		{
			name: "strings as Traefik's labels and files give them",
			raw:  map[string]any{"name": "a", "count": "3", "on": "true", "domains": "x,y", "redis": map[string]any{"ADDRESS": "r:6379"}},
			want: config{Name: "a", Count: 3, On: true, Domains: []string{"x", "y"}, Redis: inner{Address: "r:6379"}},
		},
		{
			name: "JSON types as the CRD provider gives them",
			raw:  map[string]any{"count": float64(2), "on": false, "domains": []any{"x"}},
			want: config{Name: "default", Count: 2, Domains: []string{"x"}},
		},
		{
			name:   "misspelt keys are reported",
			raw:    map[string]any{"nmea": "a", "redis": map[string]any{"adddress": "r"}},
			want:   config{Name: "default"},
			unused: []string{"Redis.adddress", "nmea"},
		},
		{name: "a value that does not fit", raw: map[string]any{"count": "many"}, err: "'Count'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := &config{Name: "default"}
			unused, err := Fill(cfg, c.raw)
			if c.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, *cfg)
			assert.Equal(t, c.unused, unused)
		})
	}
}
