package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestScanLog(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		allow []string
		bad   bool
	}{
		{"debug noise", `2026-01-01T00:00:00Z DBG pkg/server/service/service.go:382 > Creating load-balancer routerName=app@file`, nil, false},
		{"plugins loaded", `2026-01-01T00:00:00Z INF cmd/traefik/traefik.go:254 > Plugins loaded. plugins=["noop"]`, nil, false},
		{"plugins disabled", `2026-01-01T00:00:00Z ERR cmd/traefik/traefik.go:252 > Plugins are disabled because an error has occurred.`, nil, true},
		{"import failure", `2026-01-01T00:00:00Z ERR > Command error error="plugin: failed to create plugin builder: failed to import plugin code"`, nil, true},
		{"middleware error", `2026-01-01T00:00:00Z ERR pkg/server/router/router.go:1 > error="plugin: bad secret" middlewareName=si@file`, nil, true},
		{"allowed middleware error", `2026-01-01T00:00:00Z ERR pkg/server/router/router.go:1 > error="plugin: bad secret" middlewareName=si@file`, []string{"bad secret"}, false},
		{"router error", `2026-01-01T00:00:00Z ERR pkg/server/router/router.go:261 > error="bad" entryPointName=web routerName=r@file`, nil, true},
		{"unrelated error", `2026-01-01T00:00:00Z ERR pkg/proxy/httputil/proxy.go:1 > 502 Bad Gateway error="dial tcp: connection refused"`, nil, false},
		{"panic", `2026-01-01T00:00:00Z ERR pkg/middlewares/recovery/recovery.go:1 > Recovered from panic in HTTP handler`, nil, true},
		{"go panic", `panic: runtime error: index out of range`, nil, true},
		{"interpreter", `2026-01-01T00:00:00Z WRN > yaegi: something`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ScanLog("first line\n"+tt.line+"\n", tt.allow)
			if tt.bad {
				assert.Equal(t, []string{tt.line}, got)
			} else {
				assert.Empty(t, got)
			}
		})
	}
}
