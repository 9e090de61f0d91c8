package sessioninjector

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplayCache(t *testing.T) {
	c := newReplayCache()
	assert.Equal(t, redeemed, redeemID(c, "a", "c1", 100, 0, 10, 0))
	assert.Equal(t, alreadyRedeemed, redeemID(c, "a", "c1", 100, 50, 10, 0))
	assert.Equal(t, alreadyRedeemed, redeemID(c, "a", "c1", 100, 99, 10, 0))
	assert.Equal(t, redeemed, redeemID(c, "a", "c1", 300, 100, 10, 0), "expired entries are forgotten")
	assert.Equal(t, 1, c.size())
}

func TestReplayCacheCapacity(t *testing.T) {
	c := newReplayCache()
	for i := 0; i < 3; i++ {
		assert.Equal(t, redeemed, redeemID(c, fmt.Sprint(i), "c1", 100, 0, 3, 0))
	}
	assert.Equal(t, cacheFull, redeemID(c, "x", "c1", 100, 10, 3, 0), "past the cap new redemptions are refused")
	assert.Equal(t, alreadyRedeemed, redeemID(c, "1", "c1", 100, 10, 3, 0), "live entries are never evicted")
	assert.Equal(t, 3, c.size())
	assert.Equal(t, redeemed, redeemID(c, "x", "c1", 200, 100, 3, 0), "room again once entries expire")
	assert.Equal(t, 1, c.size())
}

func TestReplayCacheMixedLifetimes(t *testing.T) {
	c := newReplayCache()
	assert.Equal(t, redeemed, redeemID(c, "long", "c1", 10_000, 0, 3, 0))
	assert.Equal(t, redeemed, redeemID(c, "short1", "c1", 100, 0, 3, 0))
	assert.Equal(t, redeemed, redeemID(c, "short2", "c1", 100, 0, 3, 0))
	// The long-lived head blocks the lazy sweep; the full sweep frees the short ones.
	assert.Equal(t, redeemed, redeemID(c, "new", "c1", 5_000, 2_000, 3, 0))
	assert.Equal(t, 2, c.size())
	assert.Equal(t, alreadyRedeemed, redeemID(c, "long", "c1", 10_000, 2_000, 3, 0))
}

func TestReplayCacheCompacts(t *testing.T) {
	c := newReplayCache()
	for i := 0; i < 10_000; i++ {
		redeemID(c, fmt.Sprint(i), "c1", int64(i+10), int64(i), 100, 0)
	}
	assert.LessOrEqual(t, c.size(), 11)
	assert.Less(t, len(c.order)-c.head, 100)
	assert.Less(t, cap(c.order), 1000, "the order slice does not grow without bound")
}

func TestReplayCacheConcurrentRedemption(t *testing.T) {
	c := newReplayCache()
	var wins atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if redeemID(c, "same", "c1", 1000, 0, 10, 0) == redeemed {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(1), wins.Load())
}

// BenchmarkReplayCacheFull measures a redemption once the cache holds many
// live entries: its cost must stay flat as the cache fills.
func BenchmarkReplayCacheFull(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			c := newReplayCache()
			for i := 0; i < n; i++ {
				redeemID(c, fmt.Sprint("seed", i), "c1", 1<<40, 0, 1<<30, 0)
			}
			ids := make([]string, b.N)
			for i := range ids {
				ids[i] = fmt.Sprint("id", i)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				redeemID(c, ids[i], "c1", 1<<40, 1, 1<<30, 0)
			}
		})
	}
}

func TestReplayCacheClientShare(t *testing.T) {
	c := newReplayCache()
	for i := 0; i < 3; i++ {
		require.Equal(t, redeemed, redeemID(c, fmt.Sprint("a", i), "192.0.2.1", 100, 0, 10, 3))
	}
	assert.Equal(t, clientFull, redeemID(c, "a3", "192.0.2.1", 100, 0, 10, 3), "past its share a client is refused")
	assert.Equal(t, redeemed, redeemID(c, "b0", "192.0.2.2", 100, 0, 10, 3), "another client is not")
	assert.Equal(t, alreadyRedeemed, redeemID(c, "a0", "192.0.2.1", 100, 0, 10, 3), "a replay is still told apart")
	assert.Equal(t, redeemed, redeemID(c, "a4", "192.0.2.1", 200, 100, 10, 3), "the share frees as entries expire")
	assert.Equal(t, map[string]int{"192.0.2.1": 1}, c.clients, "expired entries no longer count")
	assert.Equal(t, redeemed, redeemID(c, "a5", "192.0.2.1", 200, 100, 10, 0), "0: no share")
}

func TestReplayCacheClientShareAfterFullSweep(t *testing.T) {
	c := newReplayCache()
	require.Equal(t, redeemed, redeemID(c, "long", "x", 10_000, 0, 2, 1))
	require.Equal(t, redeemed, redeemID(c, "short", "y", 100, 0, 2, 1))
	assert.Equal(t, clientFull, redeemID(c, "again", "y", 300, 50, 2, 1))
	assert.Equal(t, clientFull, redeemID(c, "again", "y", 300, 200, 2, 1), "a full sweep runs at most once a second")
	assert.Equal(t, redeemed, redeemID(c, "again", "y", 5000, 50+fullSweepEveryMs, 2, 1), "the full sweep freed y's share and the cache")
	assert.Equal(t, map[string]int{"x": 1, "y": 1}, c.clients)
}

func TestReplayClient(t *testing.T) {
	h, _ := newTestHandler(t, nil, nil)
	tests := []struct {
		bound, remote, want string
	}{
		{bound: "192.0.2.10", remote: "192.0.2.10:1", want: "192.0.2.10"},
		{bound: "2001:db8:1:2:3::4", remote: "[2001:db8:1:2:3::4]:1", want: "2001:db8:1:2::/64"},
		{bound: "2001:db8:1:2:ffff::9", remote: "[2001:db8:1:2:ffff::9]:1", want: "2001:db8:1:2::/64"},
		{bound: "::ffff:192.0.2.10", remote: "[::ffff:192.0.2.10]:1", want: "192.0.2.10"},
		{bound: "", remote: "198.51.100.7:1", want: "198.51.100.7"},
		{bound: "", remote: "[2001:db8::7]:1", want: "2001:db8::/64"},
	}
	for _, test := range tests {
		r := request(http.MethodGet, checkout, "/", test.remote, "")
		assert.Equal(t, test.want, replayClient(h, r, &claims{clientIP: test.bound}), test.bound)
	}
}

func TestReplayClientKeepsNoPlaintextAlive(t *testing.T) {
	h, _ := newTestHandler(t, nil, nil)
	plain := "1800000000000005000\n192.0.2.10\n" + strings.Repeat("s", 3000)
	cl := &claims{clientIP: plain[20:30]}
	require.Equal(t, "192.0.2.10", cl.clientIP)
	key := replayClient(h, request(http.MethodGet, checkout, "/", client, ""), cl)
	assert.Equal(t, "192.0.2.10", key)
	start := uintptr(unsafe.Pointer(unsafe.StringData(plain)))
	at := uintptr(unsafe.Pointer(unsafe.StringData(key)))
	assert.False(t, at >= start && at < start+uintptr(len(plain)), "the cache's key points into the token's plaintext")
}
