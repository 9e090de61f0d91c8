package sessioninjector

import "sync"

// defaultReplayCacheSize is how many redeemed tokens one Traefik process
// remembers at once by default (about 100 bytes each).
const defaultReplayCacheSize = 100000

// fullSweepEveryMs bounds how often a full cache is swept end to end.
const fullSweepEveryMs = 1000

// replayCache remembers redeemed token ids until their tokens expire.
// Entries are swept lazily in insertion order on each redemption, so the
// cost stays flat as the cache fills; past its capacity new redemptions are
// refused rather than live entries evicted.
type replayCache struct {
	mu            sync.Mutex
	expiries      map[string]int64 // token id -> expiry, Unix ms
	order         []replayEntry    // insertion order, from head on
	head          int
	nextFullSweep int64
}

type replayEntry struct {
	id      string
	expires int64
}

// sharedReplayCache is shared by every instance of the middleware in this
// process, so a configuration reload (which calls New again) forgets nothing.
var sharedReplayCache = newReplayCache()

func newReplayCache() *replayCache {
	return &replayCache{expiries: map[string]int64{}}
}

// Outcomes of a redemption.
const (
	redeemed = iota
	alreadyRedeemed
	cacheFull
)

// redeem records id as used until expires; it fails when id is already
// recorded or when capacity live entries are held.
func redeemID(c *replayCache, id string, expires, now int64, capacity int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.head < len(c.order) && c.order[c.head].expires <= now {
		sweep(c, now)
	}
	if c.expiries[id] > now {
		return alreadyRedeemed
	}
	if len(c.expiries) >= capacity && !makeRoom(c, now, capacity) {
		return cacheFull
	}
	c.expiries[id] = expires
	c.order = append(c.order, replayEntry{id: id, expires: expires})
	return redeemed
}

// makeRoom sweeps a full cache end to end, at most once a second, and
// reports whether it has room then.
func makeRoom(c *replayCache, now int64, capacity int) bool {
	if now >= c.nextFullSweep {
		c.sweepAll(now)
	}
	return len(c.expiries) < capacity
}

// sweep drops expired entries from the head of the insertion order.
func sweep(c *replayCache, now int64) {
	for c.head < len(c.order) {
		e := c.order[c.head]
		if e.expires > now {
			break
		}
		if c.expiries[e.id] == e.expires {
			delete(c.expiries, e.id)
		}
		c.order[c.head] = replayEntry{}
		c.head++
	}
	if c.head > 0 && c.head*2 >= len(c.order) {
		n := copy(c.order, c.order[c.head:])
		c.order = c.order[:n]
		c.head = 0
	}
}

// sweepAll drops every expired entry, for when entries of mixed lifetimes
// left expired ones behind a live head. It runs at most once a second.
func (c *replayCache) sweepAll(now int64) {
	c.nextFullSweep = now + fullSweepEveryMs
	live := c.order[:0]
	for _, e := range c.order[c.head:] {
		if e.expires > now {
			live = append(live, e)
		} else if c.expiries[e.id] == e.expires {
			delete(c.expiries, e.id)
		}
	}
	for i := len(live); i < len(c.order); i++ {
		c.order[i] = replayEntry{}
	}
	c.order = live
	c.head = 0
}

// size returns how many redeemed ids are held.
func (c *replayCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.expiries)
}
