package sessioninjector

import (
	"net/http"
	"strings"
	"sync"
)

// defaultReplayCacheSize is how many redeemed tokens one Traefik process
// remembers at once by default (about 1 KiB each).
const defaultReplayCacheSize = 100000

// defaultReplayPerClient is how many of those one client may hold at once.
const defaultReplayPerClient = 64

// fullSweepEveryMs bounds how often a full cache is swept end to end.
const fullSweepEveryMs = 1000

// replayCache remembers redeemed token ids until their tokens expire.
// Entries are swept lazily in insertion order on each redemption, so the
// cost stays flat as the cache fills; past its capacity, or past a
// client's share of it, new redemptions are refused rather than live
// entries evicted.
type replayCache struct {
	mu            sync.Mutex
	records       map[string]replayEntry // token id -> its entry
	clients       map[string]int         // client key -> live entries
	order         []replayEntry          // insertion order, from head on
	head          int
	nextFullSweep int64
}

type replayEntry struct {
	id      string
	client  string
	expires int64 // Unix ms
}

// sharedReplayCache is shared by every instance of the middleware in this
// process, so a configuration reload (which calls New again) forgets nothing.
var sharedReplayCache = newReplayCache()

func newReplayCache() *replayCache {
	return &replayCache{records: map[string]replayEntry{}, clients: map[string]int{}}
}

// Outcomes of a redemption.
const (
	redeemed = iota
	alreadyRedeemed
	cacheFull
	clientFull
)

// recordRedemption records the token's id until it expires, in memory or
// in Redis, and refuses a replay; in memory it also refuses a client that
// holds its whole share of the cache. With Redis unreachable it refuses
// or, with onError allow, accepts without the single-use guarantee.
func recordRedemption(h *handler, r *http.Request, cl *claims, expires, now int64) *refusal {
	if h.redis == nil {
		switch redeemID(h.replay, cl.id, replayClient(h, r, cl), expires, now, h.replayCap, h.replayPerClient) {
		case alreadyRedeemed:
			return refusalReplayed
		case cacheFull:
			return refusalCacheFull
		case clientFull:
			return refusalClientFull
		}
		return nil
	}
	return redeemRedis(h, cl, expires, now)
}

// replayClient is the key a redemption counts against in the replay
// cache: the client address the token is bound to or, unbound, the
// request's; an IPv6 address by its /64, which one subscriber holds whole.
// It is a copy: the token's address is a substring of its whole plaintext,
// session included, which the cache would otherwise keep alive.
func replayClient(h *handler, r *http.Request, cl *claims) string {
	client := cl.clientIP
	if client == "" {
		client, _ = clientAddr(h.clients, r)
	}
	if strings.IndexByte(client, ':') < 0 {
		return strings.Clone(client)
	}
	return ipv6Network(client)
}

// redeemID records id as used by client until expires; it fails when id is
// already recorded, when capacity live entries are held, or when client
// holds perClient of them (0: no share).
func redeemID(c *replayCache, id, client string, expires, now int64, capacity, perClient int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.head < len(c.order) && c.order[c.head].expires <= now {
		sweep(c, now)
	}
	old, seen := c.records[id]
	if seen && old.expires > now {
		return alreadyRedeemed
	}
	if perClient > 0 && c.clients[client] >= perClient {
		sweepIfDue(c, now)
		if c.clients[client] >= perClient {
			return clientFull
		}
	}
	if len(c.records) >= capacity {
		sweepIfDue(c, now)
		if len(c.records) >= capacity {
			return cacheFull
		}
	}
	if seen {
		forget(c, old)
	}
	e := replayEntry{id: id, client: client, expires: expires}
	c.records[id] = e
	c.clients[client]++
	c.order = append(c.order, e)
	return redeemed
}

// forget drops an entry's record, when it is still the current one for its
// id, and its count against its client.
func forget(c *replayCache, e replayEntry) {
	if cur, ok := c.records[e.id]; !ok || cur.expires != e.expires {
		return
	}
	delete(c.records, e.id)
	if n := c.clients[e.client]; n > 1 {
		c.clients[e.client] = n - 1
	} else {
		delete(c.clients, e.client)
	}
}

// sweepIfDue sweeps a cache that is full, or full for one client, end to
// end, at most once a second.
func sweepIfDue(c *replayCache, now int64) {
	if now >= c.nextFullSweep {
		c.sweepAll(now)
	}
}

// sweep drops expired entries from the head of the insertion order.
func sweep(c *replayCache, now int64) {
	for c.head < len(c.order) {
		e := c.order[c.head]
		if e.expires > now {
			break
		}
		forget(c, e)
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
		} else {
			forget(c, e)
		}
	}
	for i := len(live); i < len(c.order); i++ {
		c.order[i] = replayEntry{}
	}
	c.order = live
	c.head = 0
}
