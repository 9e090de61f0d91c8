package interp

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentRedemption: one valid token redeemed by 50 concurrent
// requests through the interpreted handler wins exactly once.
//
// Under -race, yaegi v0.16.1 itself reports a data race the first time an
// interpreted code path runs on several goroutines at once: itype.refType
// caches the reflect type it builds (type.go:2073) without a lock. That is
// the interpreter's, not the plugin's, so the paths are warmed up serially
// first; the redemption race under test is the plugin's replay cache.
func TestConcurrentRedemption(t *testing.T) {
	const n = 50
	for _, cleanURL := range []string{"true", "false"} {
		warm := issue(t, source, clientAddr, "sess-warm-0c0c")
		h := build(t, receiver.with("cleanURL", cleanURL), &backend{})
		serve(t, h, arrival(warm, clientAddr, ""))
		serve(t, h, arrival(warm, clientAddr, ""))
	}
	for _, cleanURL := range []string{"true", "false"} {
		t.Run("cleanURL="+cleanURL, func(t *testing.T) {
			token := issue(t, source, clientAddr, "sess-race-7c7c")
			b := &backend{}
			h := build(t, receiver.with("cleanURL", cleanURL, "dieOnHandshakeFailure", "true"), b)

			codes := make([]int, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					codes[i] = serveFromGoroutine(t, h, arrival(token, clientAddr, ""))
				}(i)
			}
			close(start)
			wg.Wait()

			count := map[int]int{}
			for _, code := range codes {
				count[code]++
			}
			success := http.StatusSeeOther
			if cleanURL == "false" {
				success = http.StatusOK
			}
			require.Equal(t, map[int]int{success: 1, http.StatusForbidden: n - 1}, count)
			if cleanURL == "false" {
				assert.Equal(t, 1, b.calls())
			} else {
				assert.Zero(t, b.calls())
			}
		})
	}
}
