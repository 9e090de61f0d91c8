package interp

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// The plugin's replay store against a real redis-server, interpreted and
// seen only through its HTTP answers and its log: what the fake server of
// fakeredis_test.go cannot show (a real server's expiry, AUTH, SELECT and
// ACL answers, a process killed, restarted or frozen).

// Of the plugin's single-use record: a key lives for what remains of the
// token's lifetime (receiver's default, 5 s) plus 2 s of clock skew.
const realKeyLifetime = 7 * time.Second

// realRedisReceiver redeems tokens with the redis-server at addr as its
// replay store, under keyPrefix; kv are more redis.* settings. A refused
// token is answered 403 (dieOnHandshakeFailure), which shows the reason.
func realRedisReceiver(addr, keyPrefix string, kv ...any) settings {
	redis := settings{"address": addr, "keyPrefix": keyPrefix, "timeout": "1s"}
	return dying(receiver).with("replayStore", "redis", "redis", redis.with(kv...))
}

// assertRedeemed checks a redemption's answer: the 303 of a first use.
func assertRedeemed(t *testing.T, code int, body, what string) {
	t.Helper()
	assert.Equal(t, http.StatusSeeOther, code, "%s: %s", what, body)
}

// assertRefusedAs checks a redemption's answer: the 403 refusal page a
// navigation gets for reason.
func assertRefusedAs(t *testing.T, code int, body, reason, what string) {
	t.Helper()
	assert.Equal(t, http.StatusForbidden, code, "%s: %s", what, body)
	assert.Contains(t, body, "<!doctype html>", what)
	assert.Contains(t, body, "session handoff refused: "+reason+"<", what)
}

// TestRealRedisSingleUse: SET NX PX against a real server. A token is
// redeemed once; its key carries the token's remaining lifetime plus the
// skew as TTL; a replay is refused while the key lives; tokens are
// independent; and once the key has expired the same token passes again
// (the real server sets an expired key anew, which the plugin reads as a
// first use).
func TestRealRedisSingleUse(t *testing.T) {
	redis := harness.StartRedis(t)
	h := build(t, realRedisReceiver(redis.Addr, "si-real:"), &backend{})
	redeem := func(token string) (int, string) {
		t.Helper()
		rec := serve(t, h, arrival(token, clientAddr, ""))
		return rec.Code, rec.Body.String()
	}
	a := issue(t, source, clientAddr, "sess-real-a")
	b := issue(t, source, clientAddr, "sess-real-b")

	code, body := redeem(a)
	assertRedeemed(t, code, body, "a, first use")
	keys := redis.Keys(t, 0, "si-real:*")
	require.Len(t, keys, 1, "one key for one redemption")
	keyA := keys[0]
	assert.Regexp(t, `^si-real:[0-9a-f]{24}$`, keyA)
	ttl := redis.TTL(t, 0, keyA)
	assert.True(t, ttl > realKeyLifetime-2*time.Second && ttl <= realKeyLifetime, "TTL of %s: %s", keyA, ttl)

	code, body = redeem(a)
	assertRefusedAs(t, code, body, "already used", "a replayed")
	code, body = redeem(b)
	assertRedeemed(t, code, body, "b, another token")
	assert.Len(t, redis.Keys(t, 0, "si-real:*"), 2, "one key per token")
	code, body = redeem(a)
	assertRefusedAs(t, code, body, "already used", "a replayed after b")

	_, err := redis.Do(0, "PEXPIRE", keyA, "1")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return redis.TTL(t, 0, keyA) == -2 }, time.Second, 5*time.Millisecond, "the key expires")
	code, body = redeem(a)
	assertRedeemed(t, code, body, "a after its key expired")
	code, body = redeem(a)
	assertRefusedAs(t, code, body, "already used", "a replayed again")
	code, body = redeem(b)
	assertRefusedAs(t, code, body, "already used", "b replayed")

	// By default a replay leads on to the URL without the token.
	led := build(t, realRedisReceiver(redis.Addr, "si-real:").with("dieOnHandshakeFailure", false), &backend{})
	assertRefusalRedirect(t, serve(t, led, arrival(b, clientAddr, "")), "http://checkout.test/welcome?a=1")
}

// TestRealRedisAuthAndSelect: a real server that requires a password.
// Good credentials (alone, or with the user "default") redeem, in the
// configured database; bad ones, none, or a database out of range refuse
// the redemption as unavailable, and the log names the address, the
// command and the server's answer, never the password.
func TestRealRedisAuthAndSelect(t *testing.T) {
	const password, wrong = "real-redis-pass-4242", "real-redis-wrong-pw-17"
	markSensitive(password, wrong)
	redis := harness.StartRedisWith(t, harness.RedisOptions{Password: password})
	p := sessionInjector(t)
	tests := []struct {
		name string
		kv   []any // redis.* settings
		// refusedWith is "" when the redemption works, otherwise what the
		// logged refusal shows after the address.
		refusedWith string
	}{
		{"password", []any{"password", password}, ""},
		{"default user", []any{"username", "default", "password", password}, ""},
		{"password and db 3", []any{"password", password, "db", "3"}, ""},
		{"wrong password", []any{"password", wrong}, ": AUTH: error reply: WRONGPASS"},
		{"wrong user", []any{"username", "nobody", "password", password}, ": AUTH: error reply: WRONGPASS"},
		{"no password", nil, ": SET: error reply: NOAUTH"},
		{"db out of range", []any{"password", password, "db", "99"}, ": SELECT: error reply: ERR DB index is out of range"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := "auth-" + strconv.Itoa(i) + ":"
			h := build(t, realRedisReceiver(redis.Addr, prefix, tt.kv...), &backend{})
			before := len(p.Stdout.String())
			rec := serve(t, h, arrival(issue(t, source, clientAddr, "sess-real-auth"), clientAddr, ""))
			logged := p.Stdout.String()[before:]
			if tt.refusedWith == "" {
				assertRedeemed(t, rec.Code, rec.Body.String(), tt.name)
				return
			}
			assertRefusedAs(t, rec.Code, rec.Body.String(), "unavailable", tt.name)
			assert.Contains(t, logged, "handoff refused (unavailable): replay store unavailable: redis "+redis.Addr+tt.refusedWith)
			assert.NotContains(t, logged, password)
			assert.NotContains(t, logged, wrong)
		})
	}

	// SELECT took effect: each key is in its configured database only.
	assert.Len(t, redis.Keys(t, 3, "auth-2:*"), 1, "db 3")
	assert.Equal(t, redis.Keys(t, 3, "*"), redis.Keys(t, 3, "auth-2:*"), "db 3 holds the key of db 3 only")
	assert.Len(t, redis.Keys(t, 0, "auth-*"), 2, "db 0 holds the two keys of db 0")
	assert.Empty(t, redis.Keys(t, 0, "auth-2:*"), "db 0")

	// And through the plugin: a token used in db 3 is new to db 0.
	db3 := build(t, realRedisReceiver(redis.Addr, "select:", "password", password, "db", "3"), &backend{})
	db0 := build(t, realRedisReceiver(redis.Addr, "select:", "password", password), &backend{})
	token := issue(t, source, clientAddr, "sess-real-select")
	rec := serve(t, db3, arrival(token, clientAddr, ""))
	assertRedeemed(t, rec.Code, rec.Body.String(), "db 3")
	rec = serve(t, db3, arrival(token, clientAddr, ""))
	assertRefusedAs(t, rec.Code, rec.Body.String(), "already used", "db 3 again")
	rec = serve(t, db0, arrival(token, clientAddr, ""))
	assertRedeemed(t, rec.Code, rec.Body.String(), "db 0: not set there")
}

// connectedClients is redis-server's count of client connections, the
// one asking included.
func connectedClients(t *testing.T, redis *harness.Redis) int {
	t.Helper()
	reply, err := redis.Do(0, "INFO", "clients")
	require.NoError(t, err)
	info, ok := reply.(string)
	require.True(t, ok, "INFO clients: %#v", reply)
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "connected_clients:"); ok {
			n, err := strconv.Atoi(v)
			require.NoError(t, err, "INFO clients: %q", line)
			return n
		}
	}
	require.Failf(t, "no connected_clients", "INFO clients: %q", info)
	return 0
}

// TestRealRedisOutage: a real server killed, restarted and frozen under
// a plugin whose pool holds idle connections. Killed, every redemption is
// refused as unavailable well within redis.timeout and the log names the
// address; back on the same port, the next redemption works, even with a
// pool full of connections to the old process; frozen, a redemption is
// refused after redis.timeout (an i/o timeout), and once thawed the next
// one works.
func TestRealRedisOutage(t *testing.T) {
	const timeout = 500 * time.Millisecond
	redis := harness.StartRedis(t)
	p := sessionInjector(t)
	h := build(t, realRedisReceiver(redis.Addr, "outage:", "timeout", timeout.String(), "poolSize", "4"), &backend{})
	redeem := func() (code int, body string, took time.Duration) {
		t.Helper()
		token := issue(t, source, clientAddr, "sess-real-outage")
		start := time.Now()
		rec := serve(t, h, arrival(token, clientAddr, ""))
		return rec.Code, rec.Body.String(), time.Since(start)
	}
	// fill pools a few idle connections: one redemption dials, then four
	// at once (no more than poolSize, so none is closed for overflow).
	fill := func() {
		t.Helper()
		code, body, _ := redeem()
		assertRedeemed(t, code, body, "fill")
		tokens := make([]string, 4)
		for i := range tokens {
			tokens[i] = issue(t, source, clientAddr, "sess-real-fill")
		}
		var wg sync.WaitGroup
		codes := make([]int, len(tokens))
		for i := range tokens {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				codes[i] = serveFromGoroutine(t, h, arrival(tokens[i], clientAddr, ""))
			}(i)
		}
		wg.Wait()
		for i, code := range codes {
			assert.Equal(t, http.StatusSeeOther, code, "concurrent redemption %d", i)
		}
		require.GreaterOrEqual(t, connectedClients(t, redis), 2, "the pool keeps idle connections")
	}

	fill()
	token := issue(t, source, clientAddr, "sess-real-first")
	rec := serve(t, h, arrival(token, clientAddr, ""))
	assertRedeemed(t, rec.Code, rec.Body.String(), "first")
	rec = serve(t, h, arrival(token, clientAddr, ""))
	assertRefusedAs(t, rec.Code, rec.Body.String(), "already used", "first replayed")

	redis.Kill()
	for i := range 6 {
		before := len(p.Stdout.String())
		code, body, took := redeem()
		assertRefusedAs(t, code, body, "unavailable", "killed, call "+strconv.Itoa(i))
		assert.Less(t, took, timeout, "killed, call %d", i)
		assert.Contains(t, p.Stdout.String()[before:], "replay store unavailable: redis "+redis.Addr+": ", "call %d", i)
	}

	redis.Restart(t)
	code, body, _ := redeem()
	assertRedeemed(t, code, body, "after the restart, on the same port")

	fill()
	redis.Restart(t)
	code, body, _ = redeem()
	assertRedeemed(t, code, body, "after a quick restart with a pool of stale connections")

	redis.Freeze(t)
	thawed := false
	defer func() {
		if !thawed {
			redis.Thaw(t)
		}
	}()
	before := len(p.Stdout.String())
	code, body, took := redeem()
	assertRefusedAs(t, code, body, "unavailable", "frozen")
	assert.GreaterOrEqual(t, took, timeout-20*time.Millisecond, "refused before the timeout: the server is hung, not down")
	assert.Less(t, took, timeout+300*time.Millisecond, "a hung server costs a redemption about redis.timeout")
	assert.Contains(t, p.Stdout.String()[before:], "i/o timeout")
	redis.Thaw(t)
	thawed = true
	code, body, _ = redeem()
	assertRedeemed(t, code, body, "thawed")
}
