package browser

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

func TestHostResolverRules(t *testing.T) {
	tests := []struct {
		addr, want, err string
	}{
		{addr: "127.0.0.1:8080", want: "MAP *.test 127.0.0.1:8080"},
		{addr: "127.0.0.2:65535", want: "MAP *.test 127.0.0.2:65535"},
		{addr: "[::1]:443", want: "MAP *.test [::1]:443"},
		{addr: "127.0.0.1", err: `"127.0.0.1"`},
		{addr: "localhost:8080", err: "want a loopback IP address"},
		{addr: "10.0.0.1:8080", err: "want a loopback IP address"},
		{addr: "127.0.0.1:0", err: "bad port"},
		{addr: "127.0.0.1:http", err: "bad port"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got, err := HostResolverRules(tt.addr)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				assert.Contains(t, err.Error(), tt.addr, "the error names the address")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// commandLine returns the arguments of process pid (Linux).
func commandLine(t *testing.T, pid int) []string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	require.NoError(t, err)
	return strings.Split(string(bytes.TrimRight(data, "\x00")), "\x00")
}

// TestStartRunsChromiumWithTheTestFlags checks the command line of the
// running browsers: every flag, a fresh profile each, and the
// test hosts mapped to the web entry point.
func TestStartRunsChromiumWithTheTestFlags(t *testing.T) {
	harness.Chromium(t)           // skip early (or fail under CI) without it
	const webAddr = "127.0.0.1:9" // nothing is loaded from it
	profiles := map[string]bool{}
	for i := 0; i < 2; i++ {
		ctx := Start(t, webAddr)
		args := commandLine(t, chromedp.FromContext(ctx).Browser.Process().Pid)
		for _, f := range Flags {
			assert.Contains(t, args, "--"+f)
		}
		assert.Contains(t, args, "--host-resolver-rules=MAP *.test "+webAddr)
		assert.Contains(t, args, "--disable-features=HttpsUpgrades")
		assert.Contains(t, args, fmt.Sprintf("--window-size=%d,%d", ViewportWidth, ViewportHeight))
		var profile string
		for _, a := range args {
			if p, ok := strings.CutPrefix(a, "--user-data-dir="); ok {
				require.Empty(t, profile, "one profile: %q", args)
				profile = p
			}
		}
		require.NotEmpty(t, profile, "a profile of its own: %q", args)
		assert.DirExists(t, profile)
		assert.False(t, profiles[profile], "a fresh profile: %s used twice", profile)
		profiles[profile] = true
	}
}
