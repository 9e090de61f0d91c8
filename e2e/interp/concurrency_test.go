package interp

import (
	"net/http"
	"net/http/httptest"
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
			cookies := make([]int, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					rec := httptest.NewRecorder()
					defer func() {
						if v := recover(); v != nil {
							t.Errorf("panic: %v", v)
						}
					}()
					h.ServeHTTP(rec, arrival(token, clientAddr, ""))
					codes[i] = rec.Code
					cookies[i] = len(rec.Header().Values("Set-Cookie"))
				}(i)
			}
			close(start)
			wg.Wait()

			count := map[int]int{}
			sessions := 0
			for i := range codes {
				count[codes[i]]++
				sessions += cookies[i]
			}
			success := http.StatusSeeOther
			if cleanURL == "false" {
				success = http.StatusOK
			}
			require.Equal(t, map[int]int{success: 1, http.StatusForbidden: n - 1}, count)
			assert.Equal(t, 1, sessions, "exactly one session cookie handed out")
			if cleanURL == "false" {
				assert.Equal(t, 1, b.calls())
			} else {
				assert.Zero(t, b.calls())
			}
		})
	}
}
