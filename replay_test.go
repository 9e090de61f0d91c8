package sessioninjector

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReplayCache(t *testing.T) {
	c := newReplayCache()
	assert.Equal(t, redeemed, redeemID(c, "a", 100, 0, 10))
	assert.Equal(t, alreadyRedeemed, redeemID(c, "a", 100, 50, 10))
	assert.Equal(t, alreadyRedeemed, redeemID(c, "a", 100, 99, 10))
	assert.Equal(t, redeemed, redeemID(c, "a", 300, 100, 10), "expired entries are forgotten")
	assert.Equal(t, 1, c.size())
}

func TestReplayCacheCapacity(t *testing.T) {
	c := newReplayCache()
	for i := 0; i < 3; i++ {
		assert.Equal(t, redeemed, redeemID(c, fmt.Sprint(i), 100, 0, 3))
	}
	assert.Equal(t, cacheFull, redeemID(c, "x", 100, 10, 3), "past the cap new redemptions are refused")
	assert.Equal(t, alreadyRedeemed, redeemID(c, "1", 100, 10, 3), "live entries are never evicted")
	assert.Equal(t, 3, c.size())
	assert.Equal(t, redeemed, redeemID(c, "x", 200, 100, 3), "room again once entries expire")
	assert.Equal(t, 1, c.size())
}

func TestReplayCacheMixedLifetimes(t *testing.T) {
	c := newReplayCache()
	assert.Equal(t, redeemed, redeemID(c, "long", 10_000, 0, 3))
	assert.Equal(t, redeemed, redeemID(c, "short1", 100, 0, 3))
	assert.Equal(t, redeemed, redeemID(c, "short2", 100, 0, 3))
	// The long-lived head blocks the lazy sweep; the full sweep frees the short ones.
	assert.Equal(t, redeemed, redeemID(c, "new", 5_000, 2_000, 3))
	assert.Equal(t, 2, c.size())
	assert.Equal(t, alreadyRedeemed, redeemID(c, "long", 10_000, 2_000, 3))
}

func TestReplayCacheCompacts(t *testing.T) {
	c := newReplayCache()
	for i := 0; i < 10_000; i++ {
		redeemID(c, fmt.Sprint(i), int64(i+10), int64(i), 100)
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
			if redeemID(c, "same", 1000, 0, 10) == redeemed {
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
				redeemID(c, fmt.Sprint("seed", i), 1<<40, 0, 1<<30)
			}
			ids := make([]string, b.N)
			for i := range ids {
				ids[i] = fmt.Sprint("id", i)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				redeemID(c, ids[i], 1<<40, 1, 1<<30)
			}
		})
	}
}
