package sessioninjector

import (
	"encoding/hex"
	"fmt"
	"log"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Replay stores.
const (
	storeMemory = "memory"
	storeRedis  = "redis"
)

// redisStore records redemptions in Redis, shared by every Traefik replica:
// one SET <prefix><token id> 1 NX PX <ttl> per redemption.
type redisStore struct {
	pool         *redisPool
	prefix       string
	allowOnError bool
}

// newRedisStore validates the redis.* settings and returns the shared pool's store.
func newRedisStore(c RedisConfig) (*redisStore, error) {
	address := strings.TrimSpace(c.Address)
	if address == "" {
		return nil, fmt.Errorf("redis.address: required with replayStore %q (host:port)", storeRedis)
	}
	if !strings.Contains(address, ":") {
		return nil, fmt.Errorf("redis.address: %q must be host:port", c.Address)
	}
	if c.DB < 0 {
		return nil, fmt.Errorf("redis.db: %d must not be negative", c.DB)
	}
	if c.PoolSize <= 0 {
		return nil, fmt.Errorf("redis.poolSize: %d must be positive", c.PoolSize)
	}
	timeout, err := parseDuration("redis.timeout", c.Timeout, time.Millisecond, time.Minute)
	if err != nil {
		return nil, err
	}
	var allow bool
	switch strings.ToLower(strings.TrimSpace(c.OnError)) {
	case "", "reject":
	case "allow":
		allow = true
	default:
		return nil, fmt.Errorf("redis.onError: %q must be reject or allow", c.OnError)
	}
	pool := redisPoolFor(redisOptions{
		address:  address,
		username: c.Username,
		password: c.Password,
		db:       c.DB,
		useTLS:   c.TLS,
		timeout:  timeout,
		poolSize: c.PoolSize,
	})
	return &redisStore{pool: pool, prefix: c.KeyPrefix, allowOnError: allow}, nil
}

// redeemRedis records the token's id in Redis.
// The key is the prefix and the token id in hex.
func redeemRedis(h *handler, cl *claims, expires, now int64) *refusal {
	first, err := redisSetNX(h.redis.pool, h.redis.prefix+hex.EncodeToString([]byte(cl.id)), strconv.FormatInt(expires-now, 10))
	if err != nil {
		if h.redis.allowOnError {
			log.Printf("sessioninjector %q: replay store unavailable, token accepted without the single-use guarantee (onError allow): %v", h.name, err)
			return nil
		}
		logStoreError(h, now, err)
		return newRefusal(reasonUnavailable, "replay store unavailable: "+err.Error())
	}
	if !first {
		return refusalReplayed
	}
	return nil
}

// storeErrorEveryMs is how often, at most, a failing Redis is reported at
// error level while onError reject refuses redemptions (each refusal is
// also logged at debug level).
const storeErrorEveryMs = 10000

// lastStoreError is when a failing Redis was last reported, in Unix ms.
var lastStoreError atomic.Int64

func logStoreError(h *handler, now int64, err error) {
	last := lastStoreError.Load()
	if now-last < storeErrorEveryMs || !lastStoreError.CompareAndSwap(last, now) {
		return
	}
	log.Printf("sessioninjector %q: replay store unavailable, redemptions refused (onError reject): %v", h.name, err)
}
