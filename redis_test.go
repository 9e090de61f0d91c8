package sessioninjector

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testPool builds a pool outside the package registry, so that a reused
// loopback port never hands a test another test's pool.
func testPool(opts redisOptions) *redisPool {
	if opts.timeout == 0 {
		opts.timeout = 300 * time.Millisecond
	}
	if opts.poolSize == 0 {
		opts.poolSize = 4
	}
	return &redisPool{opts: opts, timeout: opts.timeout, poolSize: opts.poolSize}
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestConnectFailures(t *testing.T) {
	tests := []struct {
		name    string
		opts    redisOptions
		reply   map[string]string // first argument -> reply
		wantIs  error
		wantMsg string
	}{
		{
			name:    "WRONGPASS",
			opts:    redisOptions{password: "hunter2"},
			reply:   map[string]string{"AUTH": "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
			wantIs:  errRedisServer,
			wantMsg: ": AUTH: error reply: WRONGPASS invalid username-password pair",
		},
		{
			name:    "WRONGPASS with user",
			opts:    redisOptions{username: "app", password: "hunter2"},
			reply:   map[string]string{"AUTH": "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
			wantIs:  errRedisServer,
			wantMsg: ": AUTH: error reply: WRONGPASS",
		},
		{
			name:    "AUTH answered with something else",
			opts:    redisOptions{password: "hunter2"},
			reply:   map[string]string{"AUTH": ":1\r\n"},
			wantIs:  errRedisUnexpected,
			wantMsg: ": AUTH: unexpected reply: integer",
		},
		{
			name:    "AUTH malformed",
			opts:    redisOptions{password: "hunter2"},
			reply:   map[string]string{"AUTH": "OK\r\n"},
			wantIs:  errRedisProtocol,
			wantMsg: ": AUTH: malformed reply",
		},
		{
			name:    "SELECT out of range",
			opts:    redisOptions{password: "hunter2", db: 99},
			reply:   map[string]string{"AUTH": "+OK\r\n", "SELECT": "-ERR DB index is out of range\r\n"},
			wantIs:  errRedisServer,
			wantMsg: ": SELECT: error reply: ERR DB index is out of range",
		},
		{
			name:    "SELECT closed",
			opts:    redisOptions{db: 1},
			reply:   map[string]string{},
			wantIs:  io.EOF,
			wantMsg: ": SELECT: EOF",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeRedis(t, func(c *fakeConn) {
				for {
					args, err := c.readCommand()
					if err != nil {
						return
					}
					r, ok := tt.reply[args[0]]
					if !ok {
						return // close
					}
					c.send(r)
					if strings.HasPrefix(r, "-") || args[0] == "SET" {
						c.waitClientGone()
						return
					}
				}
			})
			opts := tt.opts
			opts.address = fake.addr()
			p := testPool(opts)
			ok, err := p.setNX("the-key", time.Minute)
			require.Error(t, err)
			assert.False(t, ok)
			assert.ErrorIs(t, err, tt.wantIs)
			assert.Contains(t, err.Error(), "redis "+fake.addr()+tt.wantMsg)
			assert.NotContains(t, err.Error(), "hunter2")
			assert.NotContains(t, err.Error(), "the-key")
			assert.Equal(t, 0, p.idleCount())
		})
	}
}

func TestConnectRefusedAndBadAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	p := testPool(redisOptions{address: addr, password: "hunter2"})
	start := time.Now()
	_, err = p.setNX("k", time.Second)
	require.Error(t, err)
	assert.Less(t, time.Since(start), 300*time.Millisecond)
	assert.Contains(t, err.Error(), "redis "+addr+": connect: ")
	assert.NotContains(t, err.Error(), "hunter2")

	_, err = testPool(redisOptions{}).setNX("k", time.Second)
	assert.ErrorIs(t, err, errRedisConfig)

	_, err = testPool(redisOptions{address: "no-port", useTLS: true}).setNX("k", time.Second)
	assert.ErrorIs(t, err, errRedisConfig)
}

// With useTLS the client opens with a TLS handshake and fails (here: the
// fake speaks plain RESP) within the timeout.
func TestTLSHandshakeAttempted(t *testing.T) {
	first := make(chan byte, 1)
	fake := newFakeRedis(t, func(c *fakeConn) {
		b, err := c.r.ReadByte()
		if err != nil {
			return
		}
		first <- b
		c.send("-ERR not TLS\r\n")
	})
	p := testPool(redisOptions{address: fake.addr(), useTLS: true})
	start := time.Now()
	_, err := p.setNX("k", time.Second)
	require.Error(t, err)
	assert.Less(t, time.Since(start), 500*time.Millisecond)
	assert.Equal(t, byte(0x16), <-first, "a TLS handshake record")
	assert.Contains(t, err.Error(), "redis "+fake.addr()+": connect: ")
}

// After a failed call the connection is gone, and the next call dials anew
// and succeeds. A pooled connection found dead before any reply is retried
// once on a new connection, but never after a timeout or a partial reply.
func TestBrokenConnectionIsReplaced(t *testing.T) {
	tests := []struct {
		name string
		// second is what connection 1 does with its second command (nil:
		// close right after the first reply); later connections answer +OK.
		second       func(c *fakeConn)
		wantErr      bool
		wantAccepted int // connections after the second call
	}{
		{
			name:         "closed while idle is retried",
			second:       nil,
			wantErr:      false,
			wantAccepted: 2,
		},
		{
			name:         "closed on receiving the command is retried",
			second:       func(c *fakeConn) {},
			wantErr:      false,
			wantAccepted: 2,
		},
		{
			name:         "garbage reply",
			second:       func(c *fakeConn) { c.send("?\r\n") },
			wantErr:      true,
			wantAccepted: 1,
		},
		{
			name:         "partial reply then close is not retried",
			second:       func(c *fakeConn) { c.send("+O") },
			wantErr:      true,
			wantAccepted: 1,
		},
		{
			name:         "timeout is not retried",
			second:       func(c *fakeConn) { _, _ = io.Copy(io.Discard, c.r) },
			wantErr:      true,
			wantAccepted: 1,
		},
		{
			name:         "error reply",
			second:       func(c *fakeConn) { c.send("-ERR boom\r\n"); _, _ = io.Copy(io.Discard, c.r) },
			wantErr:      true,
			wantAccepted: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeRedis(t, func(c *fakeConn) {
				for i := 1; ; i++ {
					if _, err := c.readCommand(); err != nil {
						return
					}
					if c.n == 1 && i == 2 {
						tt.second(c)
						return
					}
					c.send("+OK\r\n")
					if c.n == 1 && tt.second == nil {
						return
					}
				}
			})
			p := testPool(redisOptions{address: fake.addr(), timeout: 200 * time.Millisecond})

			ok, err := p.setNX("a", time.Second)
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, 1, p.idleCount())

			ok, err = p.setNX("b", time.Second)
			if tt.wantErr {
				require.Error(t, err)
				assert.Equal(t, 0, p.idleCount())
			} else {
				require.NoError(t, err)
				assert.True(t, ok)
			}
			assert.Equal(t, tt.wantAccepted, fake.acceptedCount())

			ok, err = p.setNX("c", time.Second)
			require.NoError(t, err, "the next call redials")
			assert.True(t, ok)
			assert.Equal(t, 1, p.idleCount())
		})
	}
}

func TestPoolKeepsAtMostPoolSizeIdle(t *testing.T) {
	const callers, poolSize = 6, 2
	var mu sync.Mutex
	waiting := 0
	release := make(chan struct{})
	fake := newFakeRedis(t, func(c *fakeConn) {
		for {
			if _, err := c.readCommand(); err != nil {
				break
			}
			mu.Lock()
			waiting++
			if waiting == callers {
				close(release) // every caller holds its own connection
			}
			mu.Unlock()
			select {
			case <-release:
			case <-time.After(2 * time.Second):
			}
			c.send("+OK\r\n")
		}
		c.f.mu.Lock()
		c.f.closed++
		c.f.mu.Unlock()
	})
	p := testPool(redisOptions{address: fake.addr(), poolSize: poolSize, timeout: 3 * time.Second})

	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := p.setNX("k"+strconv.Itoa(i), time.Second)
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, callers, fake.acceptedCount())
	assert.Equal(t, poolSize, p.idleCount())
	assert.Eventually(t, func() bool { return fake.closedCount() == callers-poolSize },
		time.Second, 10*time.Millisecond, "surplus connections are closed")

	// Later calls reuse the idle connections and dial nothing.
	for i := 0; i < 5; i++ {
		_, err := p.setNX("again", time.Second)
		require.NoError(t, err)
	}
	assert.Equal(t, callers, fake.acceptedCount())
	assert.Equal(t, poolSize, p.idleCount())
}

func TestRedisPoolFor(t *testing.T) {
	base := redisOptions{address: "127.0.0.1:1", username: "u", password: "p", db: 2, timeout: time.Second, poolSize: 3}
	p := redisPoolFor(base)
	require.NotNil(t, p)
	assert.Same(t, p, redisPoolFor(base))

	changed := []struct {
		name string
		edit func(o *redisOptions)
	}{
		{"address", func(o *redisOptions) { o.address = "127.0.0.1:2" }},
		{"username", func(o *redisOptions) { o.username = "v" }},
		{"password", func(o *redisOptions) { o.password = "q" }},
		{"db", func(o *redisOptions) { o.db = 3 }},
		{"tls", func(o *redisOptions) { o.useTLS = true }},
	}
	for _, tt := range changed {
		t.Run(tt.name, func(t *testing.T) {
			o := base
			tt.edit(&o)
			q := redisPoolFor(o)
			assert.NotSame(t, p, q)
			assert.Same(t, q, redisPoolFor(o))
		})
	}

	// Timeout and pool size do not pick another pool: the latest call's apply.
	o := base
	o.timeout = 5 * time.Second
	o.poolSize = 9
	assert.Same(t, p, redisPoolFor(o))
	assert.Equal(t, 5*time.Second, p.timeout)
	assert.Equal(t, 9, p.poolSize)

	// Zero values get defaults.
	d := redisPoolFor(redisOptions{address: "127.0.0.1:3"})
	assert.Equal(t, redisDefaultTimeout, d.timeout)
	assert.Equal(t, redisDefaultPoolSize, d.poolSize)

	// Concurrent first calls agree on one pool.
	var wg sync.WaitGroup
	got := make([]*redisPool, 16)
	for i := range got {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got[i] = redisPoolFor(redisOptions{address: "127.0.0.1:4"})
		}(i)
	}
	wg.Wait()
	for _, q := range got {
		assert.Same(t, got[0], q)
	}
}

// A fake that implements SET NX (without expiry) for many connections.
func TestConcurrentSetNX(t *testing.T) {
	var mu sync.Mutex
	keys := map[string]bool{}
	fake := newFakeRedis(t, func(c *fakeConn) {
		for {
			args, err := c.readCommand()
			if err != nil {
				return
			}
			mu.Lock()
			exists := keys[args[1]]
			keys[args[1]] = true
			mu.Unlock()
			if exists {
				c.send("$-1\r\n")
			} else {
				c.send("+OK\r\n")
			}
		}
	})
	p := testPool(redisOptions{address: fake.addr(), poolSize: 3, timeout: 2 * time.Second})

	const workers, perWorker, distinct = 8, 50, 40
	var wg sync.WaitGroup
	var firstMu sync.Mutex
	firsts := map[string]int{}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				key := "k" + strconv.Itoa((w*perWorker+i)%distinct)
				ok, err := p.setNX(key, time.Minute)
				if !assert.NoError(t, err) {
					return
				}
				if ok {
					firstMu.Lock()
					firsts[key]++
					firstMu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	assert.Len(t, firsts, distinct)
	for k, n := range firsts {
		assert.Equal(t, 1, n, "key %s set once", k)
	}
	assert.LessOrEqual(t, p.idleCount(), 3)
}

// Methods of the pool used only by tests.

// setNX runs SET key "1" NX PX ttl-in-ms: true when the key was set (first
// use), false when it already existed (nil reply); an error when Redis is
// unreachable, times out, or answers anything unexpected.
func (p *redisPool) setNX(key string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("redis %s: SET: %w: ttl must be positive", p.opts.address, errRedisConfig)
	}
	return redisSetNX(p, key, strconv.FormatInt(int64((ttl+time.Millisecond-1)/time.Millisecond), 10))
}

// ping checks that the server answers PONG.
func (p *redisPool) ping() error {
	_, err := redisDo(p, isPong, "PING", encodeCommand("PING"))
	return err
}

// idleCount is the number of pooled idle connections.
func (p *redisPool) idleCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}
