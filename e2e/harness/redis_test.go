package harness

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRedisHarness checks the redis-server launcher the Redis tests rely
// on, against a real redis-server: the password and ACL users hold, the
// RESP helpers read keys and TTLs per database, and Kill then Restart
// bring the same server back on the same address with the same options
// and no data.
func TestRedisHarness(t *testing.T) {
	const admin, userPass = "e2e-harness-admin-pw", "e2e-harness-user-pw"
	redis := StartRedisWith(t, RedisOptions{
		Password: admin,
		Users:    []RedisUser{{Name: "limited", Password: userPass, Rules: []string{"~ok:*", "-@all", "+set"}}},
	})
	as := func(cmds ...[]string) (any, error) {
		return DoRESP(redis.Addr, time.Second, cmds...)
	}

	checks := func(t *testing.T) {
		tests := []struct {
			name    string
			cmds    [][]string
			want    any
			wantErr string // prefix of the server's error reply
		}{
			{"no password", [][]string{{"SET", "k", "1"}}, nil, "NOAUTH"},
			{"wrong password", [][]string{{"AUTH", "nope"}}, nil, "WRONGPASS"},
			{"default user", [][]string{{"AUTH", admin}, {"PING"}}, "PONG", ""},
			{"ACL user, allowed key", [][]string{{"AUTH", "limited", userPass}, {"SET", "ok:1", "1"}}, "OK", ""},
			{"ACL user, other key", [][]string{{"AUTH", "limited", userPass}, {"SET", "other", "1"}}, nil, "NOPERM"},
			{"ACL user, other command", [][]string{{"AUTH", "limited", userPass}, {"GET", "ok:1"}}, nil, "NOPERM"},
		}
		for _, tt := range tests {
			got, err := as(tt.cmds...)
			if tt.wantErr == "" {
				assert.NoError(t, err, tt.name)
				assert.Equal(t, tt.want, got, tt.name)
				continue
			}
			var re RESPError
			if assert.True(t, errors.As(err, &re), "%s: want a %s error reply, got %v, %v", tt.name, tt.wantErr, got, err) {
				assert.Regexp(t, "^"+tt.wantErr, string(re), tt.name)
			}
		}

		_, err := redis.Do(3, "SET", "db3:k", "v", "PX", "60000")
		require.NoError(t, err)
		assert.Equal(t, []string{"db3:k"}, redis.Keys(t, 3, "db3:*"))
		assert.Empty(t, redis.Keys(t, 0, "db3:*"), "databases are distinct")
		ttl := redis.TTL(t, 3, "db3:k")
		assert.True(t, ttl > 59*time.Second && ttl <= time.Minute, "TTL %s", ttl)
		assert.Equal(t, time.Duration(-2), redis.TTL(t, 3, "missing"), "no such key")
	}

	t.Run("started", checks)
	addr := redis.Addr
	redis.Kill()
	_, err := redis.Do(0, "PING")
	require.Error(t, err, "killed")
	redis.Restart(t)
	assert.Equal(t, addr, redis.Addr)
	assert.Empty(t, redis.Keys(t, 3, "*"), "nothing persisted across a restart")
	t.Run("restarted", checks)
}
