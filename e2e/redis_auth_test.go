package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Credentials of the Redis in TestRedisCredentialsAndDatabase.
const (
	redisAdminPass = "e2e-redis-admin-pass-0123"
	redisUser      = "injector"
	redisUserPass  = "e2e-redis-injector-pass-4567"
	redisBadPass   = "e2e-redis-not-the-pass-89"
)

// Of the plugin's single-use record: a token's key lives for what remains
// of its lifetime (the injector's 5 s here) plus the 2 s of clock skew a
// token may be dated in the future.
const (
	authTokenLifetime = 5 * time.Second
	redisKeySkew      = 2 * time.Second
)

// TestRedisCredentialsAndDatabase points one checkout middleware per case
// at a redis-server that requires a password and has a least-privilege
// ACL user: with good credentials the redemption's key lands in the
// configured database under the configured prefix, with the token's
// remaining lifetime as TTL; with bad ones (or an ACL that does not cover
// the prefix) redemptions are refused cleanly as unavailable and Traefik's
// log names what Redis answered.
func TestRedisCredentialsAndDatabase(t *testing.T) {
	redis := harness.StartRedisWith(t, harness.RedisOptions{
		Password: redisAdminPass,
		// What the plugin needs and nothing more: SET on its own keys, and
		// SELECT for a non-zero db (AUTH is always allowed).
		Users: []harness.RedisUser{{Name: redisUser, Password: redisUserPass, Rules: []string{"~e2e-acl:*", "-@all", "+set", "+select"}}},
	})
	tests := []struct {
		name   string
		host   string
		redis  map[string]any // redis.* settings besides the address
		db     int
		prefix string
		// refusedWith is "" when the redemption must work, otherwise what
		// the logged refusal must show of Redis's answer.
		refusedWith string
	}{
		{
			name: "password, db 3", host: "checkout-pw.test", db: 3, prefix: "e2e-pw:",
			redis: map[string]any{"password": redisAdminPass, "db": 3, "keyPrefix": "e2e-pw:"},
		},
		{
			name: "ACL user, db 5", host: "checkout-acl.test", db: 5, prefix: "e2e-acl:",
			redis: map[string]any{"username": redisUser, "password": redisUserPass, "db": 5, "keyPrefix": "e2e-acl:"},
		},
		{
			name: "wrong password", host: "checkout-wrongpw.test", db: 3, prefix: "e2e-wrongpw:",
			redis:       map[string]any{"password": redisBadPass, "db": 3, "keyPrefix": "e2e-wrongpw:"},
			refusedWith: "AUTH: error reply: WRONGPASS",
		},
		{
			name: "ACL user, wrong password", host: "checkout-wronguser.test", db: 5, prefix: "e2e-acl:wrong:",
			redis:       map[string]any{"username": redisUser, "password": redisBadPass, "db": 5, "keyPrefix": "e2e-acl:wrong:"},
			refusedWith: "AUTH: error reply: WRONGPASS",
		},
		{
			name: "no password", host: "checkout-nopw.test", db: 0, prefix: "e2e-nopw:",
			redis:       map[string]any{"keyPrefix": "e2e-nopw:"},
			refusedWith: "SET: error reply: NOAUTH",
		},
		{
			name: "ACL user, prefix outside its keys", host: "checkout-noperm.test", db: 5, prefix: "e2e-elsewhere:",
			redis:       map[string]any{"username": redisUser, "password": redisUserPass, "db": 5, "keyPrefix": "e2e-elsewhere:"},
			refusedWith: "SET: error reply: NOPERM",
		},
	}

	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	d := harness.Dynamic{Services: map[string]harness.Service{harness.AppService: {URL: app}}}
	var targets []string
	for _, tt := range tests {
		name := strings.TrimSuffix(tt.host, harness.TestDomain)
		targets = append(targets, tt.host)
		d.Site(name, injector(secretMain, nil, redisStore(redis.Addr, tt.redis)), tt.host)
	}
	d.Site("shop", injector(secretMain, targets, nil), shopHost)
	tr := harness.Start(t, harness.Options{Dynamic: d, AllowLog: []string{rejectLogLine}})
	e := &env{t: t, tr: tr}
	b := e.newBrowser("")
	session := b.SignIn(shopHost, "Ada")

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := b.WithT(t)
			minted := time.Now()
			loc := b.Handoff(shopHost, "http://"+tt.host+"/")
			h := b.Get(loc)
			if tt.refusedWith != "" {
				harness.AssertRefused(t, b, h, "unavailable")
				line := requireLogLine(t, tr, `"`+strings.TrimSuffix(tt.host, harness.TestDomain), "handoff refused (unavailable)", tt.refusedWith)
				assert.Contains(t, line, redis.Addr, "the log names the Redis address")
				assert.Empty(t, redis.Keys(t, tt.db, tt.prefix+"*"), "nothing recorded")
				return
			}
			require.Equal(t, http.StatusSeeOther, h.Status, "redeem on %s: %s", tt.host, h.Body)
			harness.AssertSessionCookie(t, h, session)
			keys := redis.Keys(t, tt.db, tt.prefix+"*")
			require.Len(t, keys, 1, "one key under %q in db %d", tt.prefix, tt.db)
			ttl := redis.TTL(t, tt.db, keys[0])
			elapsed := time.Since(minted)
			// The token was created after minted and redeemed before now:
			// its key expires lifetime + skew after its creation.
			assert.LessOrEqual(t, ttl, authTokenLifetime+redisKeySkew, "TTL of %s", keys[0])
			assert.GreaterOrEqual(t, ttl, authTokenLifetime+redisKeySkew-elapsed-10*time.Millisecond,
				"TTL of %s, %s after minting", keys[0], elapsed)
			again := e.newBrowser("").WithT(t)
			harness.AssertRefused(t, again, again.Get(loc), "already used")
		})
	}

	// Keys only where configured: db 0 holds none, and each database only
	// the prefixes configured for it.
	assert.Empty(t, redis.Keys(t, 0, "*"), "db 0")
	assert.ElementsMatch(t, redis.Keys(t, 3, "*"), redis.Keys(t, 3, "e2e-pw:*"), "db 3")
	assert.ElementsMatch(t, redis.Keys(t, 5, "*"), redis.Keys(t, 5, "e2e-acl:*"), "db 5")
	// Traefik's own DEBUG dump of the configuration shows every setting;
	// the plugin's lines must not.
	require.NotEmpty(t, logLine(tr, "plugin=plugin-sessioninjector", "handoff refused"), "the plugin's lines are recognised")
	for _, pass := range []string{redisAdminPass, redisUserPass, redisBadPass} {
		assert.Empty(t, logLine(tr, "plugin=plugin-sessioninjector", pass), "a Redis password in the plugin's log")
	}
}
