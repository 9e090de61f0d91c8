package harness

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStatCPU(t *testing.T) {
	tail := " S 1 2 3 4 5 6 7 8 9 10 250 75 0 0 20 0 9 0 100 200 300"
	tests := map[string]struct {
		stat    string
		want    time.Duration
		wantErr bool
	}{
		"plain name":                  {stat: "42 (traefik)" + tail, want: 3250 * time.Millisecond},
		"name with spaces and parens": {stat: "42 (a) b (c)" + tail, want: 3250 * time.Millisecond},
		"no parenthesis":              {stat: "42 traefik" + tail, wantErr: true},
		"too few fields":              {stat: "42 (traefik) S 1 2 3", wantErr: true},
		"negative ticks":              {stat: "42 (traefik) S 1 2 3 4 5 6 7 8 9 10 -1 75", wantErr: true},
		"not a number":                {stat: "42 (traefik) S 1 2 3 4 5 6 7 8 9 10 x 75", wantErr: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseStatCPU(tt.stat)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseStatCPUOfThisProcess(t *testing.T) {
	stat, err := os.ReadFile("/proc/self/stat")
	require.NoError(t, err)
	_, err = parseStatCPU(string(stat))
	assert.NoError(t, err)
}
