package sessioninjector

import (
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRedisStoreErrors(t *testing.T) {
	tests := []struct {
		desc string
		edit func(*Config)
		err  string
	}{
		{desc: "unknown store", edit: func(c *Config) { c.ReplayStore = "etcd" }, err: `replayStore: "etcd"`},
		{desc: "no address", edit: func(c *Config) { c.ReplayStore = "redis" }, err: "redis.address: required"},
		{desc: "no port", edit: func(c *Config) { c.ReplayStore = "redis"; c.Redis.Address = "redis" }, err: `redis.address: "redis"`},
		{desc: "negative db", edit: func(c *Config) { c.ReplayStore = "redis"; c.Redis.Address = "127.0.0.1:1"; c.Redis.DB = -1 }, err: "redis.db"},
		{desc: "zero pool", edit: func(c *Config) { c.ReplayStore = "redis"; c.Redis.Address = "127.0.0.1:1"; c.Redis.PoolSize = 0 }, err: "redis.poolSize"},
		{desc: "bad timeout", edit: func(c *Config) { c.ReplayStore = "redis"; c.Redis.Address = "127.0.0.1:1"; c.Redis.Timeout = "soon" }, err: "redis.timeout"},
		{desc: "bad onError", edit: func(c *Config) { c.ReplayStore = "redis"; c.Redis.Address = "127.0.0.1:1"; c.Redis.OnError = "ignore" }, err: `redis.onError: "ignore"`},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			cfg := CreateConfig()
			cfg.Secret = testSecret
			test.edit(cfg)
			_, err := newHandler(http.NotFoundHandler(), cfg, "mw")
			require.Error(t, err)
			assert.Contains(t, err.Error(), test.err)
		})
	}
}

// setNXServer is a fake Redis that implements SET NX over a map.
func setNXServer(t *testing.T) (*fakeRedis, *sync.Map) {
	t.Helper()
	var keys sync.Map
	f := newFakeRedis(t, func(c *fakeConn) {
		for {
			args, err := c.readCommand()
			if err != nil {
				return
			}
			if len(args) != 6 || args[0] != "SET" || args[3] != "NX" || args[4] != "PX" {
				c.send("-ERR unexpected command\r\n")
				continue
			}
			if _, loaded := keys.LoadOrStore(args[1], args[5]); loaded {
				c.send("$-1\r\n")
			} else {
				c.send("+OK\r\n")
			}
		}
	})
	return f, &keys
}

func redisReceiver(t *testing.T, address, onError string, die bool) *handler {
	t.Helper()
	dst, _ := newTestHandler(t, &recorder{}, func(c *Config) {
		c.ReplayStore = "redis"
		c.Redis.Address = address
		c.Redis.KeyPrefix = "test:" + t.Name() + ":"
		c.Redis.OnError = onError
		c.DieOnHandshakeFailure = die
	})
	return dst
}

func TestRedisReplayStore(t *testing.T) {
	f, keys := setNXServer(t)
	src, _ := newTestHandler(t, nil, sourceConfig)
	token := issueToken(t, src, client, "s1")

	first := redisReceiver(t, f.addr(), "reject", true)
	second := redisReceiver(t, f.addr(), "reject", true)
	rec := serve(first, request(http.MethodGet, checkout, "/?_hs_="+token, client, ""))
	assert.Equal(t, http.StatusSeeOther, rec.Code)
	rec = serve(second, request(http.MethodGet, checkout, "/?_hs_="+token, client, ""))
	assert.Equal(t, http.StatusForbidden, rec.Code, "a replica sharing the store refuses the replay")
	assert.Contains(t, rec.Body.String(), "session handoff refused: already used")

	count := 0
	keys.Range(func(k, v any) bool {
		count++
		assert.Contains(t, k.(string), "test:TestRedisReplayStore:")
		assert.Equal(t, "7000", v, "PX is the remaining lifetime plus the skew")
		return true
	})
	assert.Equal(t, 1, count)
}

func TestRedisReplayStoreUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	address := ln.Addr().String()
	require.NoError(t, ln.Close())

	tests := []struct {
		desc    string
		onError string
		die     bool
		status  int
		cookie  bool
	}{
		{desc: "reject", onError: "reject", die: true, status: http.StatusForbidden},
		{desc: "reject, on to the URL without the token", onError: "reject", die: false, status: http.StatusSeeOther},
		{desc: "allow", onError: "allow", die: true, status: http.StatusSeeOther, cookie: true},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			src, _ := newTestHandler(t, nil, sourceConfig)
			dst := redisReceiver(t, address, test.onError, test.die)
			rec := serve(dst, request(http.MethodGet, checkout, "/?_hs_="+issueToken(t, src, client, "s1"), client, ""))
			assert.Equal(t, test.status, rec.Code)
			assert.Equal(t, test.cookie, len(rec.Header()["Set-Cookie"]) == 1)
			if test.status == http.StatusForbidden {
				assert.Contains(t, rec.Body.String(), "session handoff refused: unavailable")
			}
		})
	}
}
