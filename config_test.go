package sessioninjector

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLifetime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "5s", want: 5 * time.Second},
		{in: "1m", want: time.Minute},
		{in: " 1m30s ", want: 90 * time.Second},
		{in: "5", want: 5 * time.Second},
		{in: "1.5", want: 1500 * time.Millisecond},
		{in: "1.500000", want: 1500 * time.Millisecond},
		{in: "250ms", want: 250 * time.Millisecond},
		{in: "10m", want: 10 * time.Minute},
		{in: "", err: "tokenLifetime: must be set"},
		{in: "1µs", err: "tokenLifetime"},
		{in: "-5s", err: `tokenLifetime: "-5s" must be between`},
		{in: "-1", err: "tokenLifetime"},
		{in: "0", err: "tokenLifetime"},
		{in: "11m", err: "tokenLifetime"},
		{in: "soon", err: `tokenLifetime: "soon" is neither`},
		{in: "NaN", err: "tokenLifetime"},
	}
	for _, test := range tests {
		t.Run(test.in, func(t *testing.T) {
			d, err := parseDuration("tokenLifetime", test.in, time.Millisecond, maxLifetime)
			if test.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), test.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, test.want, d)
		})
	}
}
