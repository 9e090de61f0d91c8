package harness

import (
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RedisOptions configures StartRedisWith.
type RedisOptions struct {
	// Password is requirepass: the password of Redis's default user. Empty
	// leaves the default user without a password.
	Password string
	// Users are ACL users created at start (and again at each Restart).
	Users []RedisUser
}

// RedisUser is one ACL user.
type RedisUser struct {
	// Name and Password of the user.
	Name, Password string
	// Rules are ACL rules such as "~prefix:*", "-@all", "+set"; empty
	// grants every key and command ("~*", "+@all").
	Rules []string
}

// Redis is a redis-server process on loopback.
type Redis struct {
	// Addr is "127.0.0.1:port"; it stays the same across Restart.
	Addr string
	// Password is the default user's password (RedisOptions.Password), used
	// by Do and the helpers built on it.
	Password string

	bin  string
	args []string

	mu   sync.Mutex
	proc *Process
}

// StartRedis runs redis-server without a password; see StartRedisWith.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	return StartRedisWith(t, RedisOptions{})
}

// StartRedisWith runs redis-server ($REDIS_SERVER_BIN, or redis-server in
// PATH; skipped without it, failed under CI) on a free 127.0.0.1 port,
// without persistence, with opts' password and ACL users, waits until it
// answers PING, and stops it at cleanup.
func StartRedisWith(t testing.TB, opts RedisOptions) *Redis {
	t.Helper()
	bin := Tool(t, "REDIS_SERVER_BIN", "redis-server")
	addr := FreeAddr(t, "127.0.0.1")
	_, port, _ := net.SplitHostPort(addr)
	args := []string{"--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--dir", t.TempDir()}
	if opts.Password != "" {
		args = append(args, "--requirepass", opts.Password)
	}
	for _, u := range opts.Users {
		if u.Name == "" || u.Name == "default" || strings.ContainsAny(u.Name+u.Password, " \t\r\n") {
			t.Fatalf("redis ACL user %q: want a name other than default, and no whitespace in name or password", u.Name)
		}
		rules := u.Rules
		if len(rules) == 0 {
			rules = []string{"~*", "+@all"}
		}
		args = append(append(args, "--user", u.Name, "on", ">"+u.Password), rules...)
	}
	r := &Redis{Addr: addr, Password: opts.Password, bin: bin, args: args}
	t.Cleanup(r.Stop)
	r.start(t)
	return r
}

// start runs redis-server with r's arguments and waits until it answers
// PING; failures end t.
func (r *Redis) start(t testing.TB) {
	t.Helper()
	p, err := RunProcess("redis-server on "+r.Addr, exec.Command(r.bin, r.args...))
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	r.proc = p
	r.mu.Unlock()
	p.WaitReady(t, func() error {
		reply, err := r.Do(0, "PING")
		if err == nil && reply != "PONG" {
			err = fmt.Errorf("PING answered %v", reply)
		}
		return err
	})
}

// Stop ends redis-server (SIGTERM, then SIGKILL after StopTimeout). It is
// safe to call more than once.
func (r *Redis) Stop() {
	r.end(syscall.SIGTERM)
}

// Kill ends redis-server at once with SIGKILL, as a crash would: no
// shutdown, connections reset by the kernel. It is safe to call more than
// once.
func (r *Redis) Kill() {
	r.end(syscall.SIGKILL)
}

// end ends the running redis-server with sig (Process.End).
func (r *Redis) end(sig syscall.Signal) {
	r.mu.Lock()
	p := r.proc
	r.mu.Unlock()
	if p != nil {
		p.End(sig)
	}
}

// Freeze suspends redis-server (SIGSTOP): connections stay open and
// commands get no answer, as with a hung server, until Thaw.
func (r *Redis) Freeze(t testing.TB) {
	t.Helper()
	r.signal(t, syscall.SIGSTOP)
}

// Thaw resumes a frozen redis-server (SIGCONT).
func (r *Redis) Thaw(t testing.TB) {
	t.Helper()
	r.signal(t, syscall.SIGCONT)
}

// signal sends sig to the running redis-server; failures end t.
func (r *Redis) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	r.mu.Lock()
	p := r.proc
	r.mu.Unlock()
	if err := p.Signal(sig); err != nil {
		t.Fatalf("redis-server on %s: %s: %v", r.Addr, sig, err)
	}
}

// Restart stops redis-server if it runs, then starts it again on the same
// address with the same options (and no data: nothing is persisted), and
// waits until it answers PING; failures are reported to t (the test or
// subtest calling it).
func (r *Redis) Restart(t testing.TB) {
	t.Helper()
	r.Stop()
	r.start(t)
}

// Keys returns the keys of database db matching pattern (KEYS), failing
// the test on error.
func (r *Redis) Keys(t testing.TB, db int, pattern string) []string {
	t.Helper()
	reply, err := r.Do(db, "KEYS", pattern)
	if err != nil {
		t.Fatal(err)
	}
	items, ok := reply.([]any)
	if !ok {
		t.Fatalf("redis %s: KEYS %q: want an array, got %#v", r.Addr, pattern, reply)
	}
	keys := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			t.Fatalf("redis %s: KEYS %q: want strings, got %#v", r.Addr, pattern, it)
		}
		keys = append(keys, s)
	}
	return keys
}

// TTL returns the time to live of key in database db (PTTL, in
// milliseconds); negative values are Redis's: -1 for no expiry, -2 for no
// such key. Errors fail the test.
func (r *Redis) TTL(t testing.TB, db int, key string) time.Duration {
	t.Helper()
	reply, err := r.Do(db, "PTTL", key)
	if err != nil {
		t.Fatal(err)
	}
	ms, ok := reply.(int64)
	if !ok {
		t.Fatalf("redis %s: PTTL %q: want an integer, got %#v", r.Addr, key, reply)
	}
	if ms < 0 {
		return time.Duration(ms)
	}
	return time.Duration(ms) * time.Millisecond
}

// Do runs one command in database db on a new connection, authenticated
// as the default user with r.Password, and returns its reply (see
// ReadRESP). A server error reply is returned as an error naming the
// address and the command.
func (r *Redis) Do(db int, args ...string) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("redis %s: no command", r.Addr)
	}
	var setup [][]string
	if r.Password != "" {
		setup = append(setup, []string{"AUTH", r.Password})
	}
	if db != 0 {
		setup = append(setup, []string{"SELECT", fmt.Sprint(db)})
	}
	return DoRESP(r.Addr, 2*time.Second, append(setup, args)...)
}
