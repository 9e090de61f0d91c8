package sessioninjector

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"
)

// This file is a small Redis client: just what a shared single-use replay
// store needs (SET key 1 NX PX ttl, AUTH, SELECT), its connections pooled
// per server across configuration reloads, a failed call on a stale pooled
// connection retried once. resp.go writes and reads the protocol. Standard
// library only, no background goroutines, no custom error types.

// Connection settings: the reader's buffer, and the defaults of a pool.
const (
	redisBufferSize      = 4096 // bufio size, and so the longest reply line
	redisDefaultTimeout  = 2 * time.Second
	redisDefaultPoolSize = 4
)

// errRedisConfig is the sentinel of settings no connection can be made with.
var errRedisConfig = errors.New("invalid redis settings")

// redisOptions are the connection settings of one Redis replay store.
type redisOptions struct {
	address  string        // host:port, required
	username string        // optional ACL user
	password string        // optional; AUTH password or AUTH username password
	db       int           // SELECT db when non-zero
	useTLS   bool          // crypto/tls, ServerName from the host part of address
	timeout  time.Duration // dial, read and write deadline of every call
	poolSize int           // idle connections kept
}

// redisPoolKey identifies a shared pool: the settings that change which
// server is reached and as whom.
type redisPoolKey struct {
	address  string
	username string
	password string
	db       int
	useTLS   bool
}

// redisPools holds one pool per redisPoolKey for the life of the process,
// shared by every instance of the middleware across configuration reloads.
var (
	redisPoolsMu sync.Mutex
	redisPools   = map[redisPoolKey]*redisPool{}
)

// redisPool keeps up to poolSize idle connections to one server. There is no
// cap on connections in use: a call that finds no idle one dials.
type redisPool struct {
	opts redisOptions // address, credentials, db and TLS are fixed

	mu       sync.Mutex
	idle     []*redisConn
	timeout  time.Duration // from the latest redisPoolFor call
	poolSize int           // from the latest redisPoolFor call
}

// redisPoolFor returns the package-level pool for these options, creating it
// once. Pools are keyed by address, credentials, db and TLS; the timeout and
// pool size of the latest call apply to the shared pool (a reload wins).
func redisPoolFor(opts redisOptions) *redisPool {
	if opts.timeout <= 0 {
		opts.timeout = redisDefaultTimeout
	}
	if opts.poolSize <= 0 {
		opts.poolSize = redisDefaultPoolSize
	}
	key := redisPoolKey{
		address:  opts.address,
		username: opts.username,
		password: opts.password,
		db:       opts.db,
		useTLS:   opts.useTLS,
	}

	redisPoolsMu.Lock()
	p := redisPools[key]
	if p == nil {
		p = &redisPool{opts: opts}
		redisPools[key] = p
	}
	redisPoolsMu.Unlock()

	p.mu.Lock()
	p.timeout = opts.timeout
	p.poolSize = opts.poolSize
	p.mu.Unlock()
	return p
}

// redisSetNX is setNX with the ttl in milliseconds as text, the call of
// every redemption: the expected round trip on a pooled connection (+OK or
// $-1 as the whole reply) is written out here, and anything else is
// finished by setNXRest with the general client.
func redisSetNX(p *redisPool, key, ms string) (bool, error) {
	cmd := setNXCommand(key, ms)
	c, reused, deadline, err := redisGet(p)
	if err != nil {
		return false, err
	}
	line, err := redisSend(c, deadline, cmd)
	if reply := string(line); err == nil && (reply == "+OK\r\n" || reply == "$-1\r\n") {
		redisPut(p, c)
		return reply[0] == '+', nil
	}
	return setNXRest(&redisCall{pool: p, conn: c, deadline: deadline, name: "SET", cmd: cmd, accept: isSetNXReply}, reused, line, err)
}

// setNXRest finishes a SET NX whose round trip failed or whose reply is
// not one of the two expected ones, like redisDo does for other commands.
func setNXRest(call *redisCall, reused bool, line []byte, err error) (bool, error) {
	var reply redisReply
	if err == nil {
		reply, err = lineReply(call.conn, line, 0)
	}
	reply, err = redisRetry(call, err != nil && reused && len(line) == 0 && !isTimeout(err), reply, err)
	if err != nil {
		return false, err
	}
	return !reply.null, nil
}

// redisDo runs one command (named name, encoded as cmd) on a pooled
// connection within one deadline, and returns its reply when accept takes
// it; error replies and any other reply become errors. A connection that
// fails in any way is closed, never pooled again. The expected case is
// kept apart from redisRetry, which handles the rest.
func redisDo(p *redisPool, accept func(redisReply) bool, name, cmd string) (redisReply, error) {
	c, reused, deadline, err := redisGet(p)
	if err != nil {
		return redisReply{}, err
	}
	reply, silent, err := redisRoundTrip(c, deadline, cmd)
	if err == nil && reply.kind != '-' && accept(reply) {
		redisPut(p, c)
		return reply, nil
	}
	call := &redisCall{pool: p, conn: c, deadline: deadline, name: name, cmd: cmd, accept: accept}
	return redisRetry(call, err != nil && reused && silent && !isTimeout(err), reply, err)
}

// redisCall is one command on one connection within one deadline: what a
// call that did not go as expected needs to be finished.
type redisCall struct {
	pool     *redisPool
	conn     *redisConn
	deadline time.Time
	name     string                // the command's name, for errors
	cmd      string                // the encoded command
	accept   func(redisReply) bool // the replies that mean success
}

// redisRetry finishes a call whose round trip failed or brought an
// unexpected reply.
//
// A reused idle connection that failed before anything came back and
// without timing out (typically because Redis restarted since it was
// pooled) is retried once on a fresh connection, so the first call after an
// outage works. Redis cannot have run the command on a connection it had
// already closed; if it ever did, the retried SET NX answers "already set",
// which errs on the safe side for a replay store.
func redisRetry(call *redisCall, retry bool, reply redisReply, err error) (redisReply, error) {
	c := call.conn
	if retry {
		c.close()
		if c, err = call.pool.dial(call.deadline); err != nil {
			return redisReply{}, err
		}
		reply, _, err = redisRoundTrip(c, call.deadline, call.cmd)
	}
	if err == nil {
		err = reply.check(call.accept)
	}
	if err != nil {
		c.close()
		return redisReply{}, fmt.Errorf("redis %s: %s: %w", call.pool.opts.address, call.name, err)
	}
	redisPut(call.pool, c)
	return reply, nil
}

// redisGet takes the most recently pooled idle connection, or dials a new
// one, and sets the call's deadline. reused reports which.
func redisGet(p *redisPool) (c *redisConn, reused bool, deadline time.Time, err error) {
	p.mu.Lock()
	deadline = time.Now().Add(p.timeout)
	if n := len(p.idle); n > 0 {
		c = p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
	}
	p.mu.Unlock()
	if c != nil {
		return c, true, deadline, nil
	}
	c, err = p.dial(deadline)
	return c, false, deadline, err
}

// redisPut pools a healthy connection, or closes it when poolSize are idle already.
func redisPut(p *redisPool, c *redisConn) {
	p.mu.Lock()
	if len(p.idle) < p.poolSize {
		p.idle = append(p.idle, c)
		c = nil
	}
	p.mu.Unlock()
	if c != nil {
		c.close()
	}
}

// dial connects (with TLS when asked), then sends AUTH and SELECT as set.
// Errors name the step that failed and never the password.
func (p *redisPool) dial(deadline time.Time) (*redisConn, error) {
	opts := p.opts
	if opts.address == "" {
		return nil, fmt.Errorf("redis: %w: empty address", errRedisConfig)
	}
	dialer := &net.Dialer{Deadline: deadline}
	var nc net.Conn
	var err error
	if opts.useTLS {
		host, _, splitErr := net.SplitHostPort(opts.address)
		if splitErr != nil {
			return nil, fmt.Errorf("redis %s: %w: %w", opts.address, errRedisConfig, splitErr)
		}
		cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		nc, err = tls.DialWithDialer(dialer, "tcp", opts.address, cfg)
	} else {
		nc, err = dialer.Dial("tcp", opts.address)
	}
	if err != nil {
		return nil, fmt.Errorf("redis %s: connect: %w", opts.address, err)
	}
	c := &redisConn{conn: nc, r: bufio.NewReaderSize(nc, redisBufferSize)}

	auth := ""
	if opts.username != "" {
		auth = encodeCommand("AUTH", opts.username, opts.password)
	} else if opts.password != "" {
		auth = encodeCommand("AUTH", opts.password)
	}
	if auth != "" {
		if err := c.expectOK(deadline, auth); err != nil {
			c.close()
			return nil, fmt.Errorf("redis %s: AUTH: %w", opts.address, err)
		}
	}
	if opts.db != 0 {
		if err := c.expectOK(deadline, encodeCommand("SELECT", strconv.Itoa(opts.db))); err != nil {
			c.close()
			return nil, fmt.Errorf("redis %s: SELECT: %w", opts.address, err)
		}
	}
	return c, nil
}

// isTimeout reports whether err is a deadline error from the network.
func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// redisConn is one connection with its buffered reader. It is used by one
// call at a time: taken from the pool, then put back or closed.
type redisConn struct {
	conn net.Conn
	r    *bufio.Reader
}

// close closes the underlying connection.
func (c *redisConn) close() {
	_ = c.conn.Close()
}

// expectOK runs an encoded command whose only good answer is +OK.
func (c *redisConn) expectOK(deadline time.Time, cmd string) error {
	reply, _, err := redisRoundTrip(c, deadline, cmd)
	if err != nil {
		return err
	}
	return reply.check(isOK)
}

// redisRoundTrip sets the deadline, writes one encoded command and reads
// its reply. silent reports that nothing at all came back before the error.
func redisRoundTrip(c *redisConn, deadline time.Time, cmd string) (reply redisReply, silent bool, err error) {
	line, err := redisSend(c, deadline, cmd)
	if err != nil {
		return reply, len(line) == 0, err
	}
	reply, err = lineReply(c, line, 0)
	return reply, false, err
}

// redisSend sets the deadline, writes one encoded command and reads the
// first line of its reply, CRLF included. On an error, line holds what
// came back before it, if anything.
func redisSend(c *redisConn, deadline time.Time, cmd string) (line []byte, err error) {
	if err = c.conn.SetDeadline(deadline); err != nil {
		return nil, err
	}
	if _, err = c.conn.Write([]byte(cmd)); err != nil {
		return nil, err
	}
	if line, err = c.r.ReadSlice('\n'); err != nil && len(line) != 0 {
		return line, lineError(err)
	}
	return line, err // io.EOF: closed before replying
}
