package sessioninjector

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// This file is a small Redis RESP2 client: just what a shared single-use
// replay store needs (SET key 1 NX PX ttl, AUTH, SELECT, PING). It is written
// for Traefik's interpreter (yaegi v0.16.1): standard library only, no
// background goroutines, no custom error types, no per-byte loops.

// Limits on what a server may send, so that a broken or lying server can
// never make the client allocate absurdly, block past the deadline or panic.
const (
	redisMaxBulkLen   int64 = 512 << 20 // Redis's own limit: a longer bulk is malformed
	redisMaxBulkRead  int64 = 64 << 10  // no reply to our commands comes near this
	redisMaxArrayLen  int64 = 1024      // elements of one array
	redisMaxDepth           = 4         // nesting of arrays
	redisMaxErrorText       = 256       // bytes of a server error kept in messages
	redisBufferSize         = 4096      // bufio size, and so the longest reply line

	redisDefaultTimeout  = 2 * time.Second
	redisDefaultPoolSize = 4
)

// Sentinels for errors.Is; messages add the address, the command and detail.
var (
	errRedisProtocol   = errors.New("malformed reply")
	errRedisServer     = errors.New("error reply")
	errRedisUnexpected = errors.New("unexpected reply")
	errRedisConfig     = errors.New("invalid redis settings")
)

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

// setNX runs SET key "1" NX PX ttl-in-ms: true when the key was set (first
// use), false when it already existed (nil reply); an error when Redis is
// unreachable, times out, or answers anything unexpected.
func (p *redisPool) setNX(key string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("redis %s: SET: %w: ttl must be positive", p.opts.address, errRedisConfig)
	}
	return redisSetNX(p, key, strconv.FormatInt(int64((ttl+time.Millisecond-1)/time.Millisecond), 10))
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
	return setNXRest(p, c, reused, deadline, cmd, line, err)
}

// setNXRest finishes a SET NX whose round trip failed or whose reply is
// not one of the two expected ones, like redisDo does for other commands.
func setNXRest(p *redisPool, c *redisConn, reused bool, deadline time.Time, cmd string, line []byte, err error) (bool, error) {
	var reply redisReply
	if err == nil {
		reply, err = lineReply(c, line, 0)
	}
	reply, err = redisRetry(p, c, err != nil && reused && len(line) == 0 && !isTimeout(err), deadline, isSetNXReply, "SET", cmd, reply, err)
	if err != nil {
		return false, err
	}
	return !reply.null, nil
}

// setNXCommand is encodeCommand("SET", key, "1", "NX", "PX", ms), written
// out: it is the one command of every redemption.
func setNXCommand(key, ms string) string {
	return "*6\r\n$3\r\nSET\r\n$" + strconv.Itoa(len(key)) + "\r\n" + key + "\r\n$1\r\n1\r\n$2\r\nNX\r\n$2\r\nPX\r\n$" +
		strconv.Itoa(len(ms)) + "\r\n" + ms + "\r\n"
}

// isSetNXReply accepts the two answers of SET NX: +OK (set) and $-1 (exists).
func isSetNXReply(r redisReply) bool {
	return (r.kind == '+' && r.str == "OK") || (r.kind == '$' && r.null)
}

// ping checks that the server answers PONG.
func (p *redisPool) ping() error {
	_, err := redisDo(p, isPong, "PING", encodeCommand("PING"))
	return err
}

// isPong accepts the answer to PING.
func isPong(r redisReply) bool {
	return r.kind == '+' && r.str == "PONG"
}

// isOK accepts the answer to AUTH and SELECT.
func isOK(r redisReply) bool {
	return r.kind == '+' && r.str == "OK"
}

// redisDo runs one command (named name, encoded as cmd) on a pooled
// connection within one deadline, and returns its reply when accept takes
// it; error replies and any other reply become errors. A connection that
// fails in any way is closed, never pooled again. Under the interpreter,
// every call allocates all of its function's locals: the expected case
// is kept apart from redisRetry, which handles the rest.
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
	return redisRetry(p, c, err != nil && reused && silent && !isTimeout(err), deadline, accept, name, cmd, reply, err)
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
func redisRetry(p *redisPool, c *redisConn, retry bool, deadline time.Time, accept func(redisReply) bool, name, cmd string, reply redisReply, err error) (redisReply, error) {
	if retry {
		c.close()
		if c, err = p.dial(deadline); err != nil {
			return redisReply{}, err
		}
		reply, _, err = redisRoundTrip(c, deadline, cmd)
	}
	if err == nil {
		err = reply.check(accept)
	}
	if err != nil {
		c.close()
		return redisReply{}, fmt.Errorf("redis %s: %s: %w", p.opts.address, name, err)
	}
	redisPut(p, c)
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

// idleCount is the number of pooled idle connections.
func (p *redisPool) idleCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
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

// encodeCommand writes args as a RESP array of bulk strings.
func encodeCommand(args ...string) string {
	cmd := "*" + strconv.Itoa(len(args)) + "\r\n"
	for _, a := range args {
		cmd += "$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n"
	}
	return cmd
}

// redisReply is one decoded RESP2 reply. Array elements are read and
// checked but not kept: no command this client sends answers with one.
type redisReply struct {
	kind byte   // '+', '-', ':', '$' or '*'
	str  string // simple string, error text or bulk string
	num  int64  // integer, or the length of an array
	null bool   // $-1 or *-1
}

// check returns nil when accept takes the reply, otherwise an error: the
// server's text (shortened) for an error reply, the reply's kind otherwise.
func (r redisReply) check(accept func(redisReply) bool) error {
	if r.kind == '-' {
		text := r.str
		if len(text) > redisMaxErrorText {
			text = text[:redisMaxErrorText] + "..."
		}
		return fmt.Errorf("%w: %s", errRedisServer, text)
	}
	if !accept(r) {
		return fmt.Errorf("%w: %s", errRedisUnexpected, r.describe())
	}
	return nil
}

// describe names a reply for an error message without its contents, which
// could echo data.
func (r redisReply) describe() string {
	switch {
	case r.null:
		return "nil " + string(r.kind)
	case r.kind == ':':
		return "integer"
	case r.kind == '$':
		return "bulk string"
	case r.kind == '*':
		return "array of " + strconv.FormatInt(r.num, 10)
	case r.kind == '+':
		return "simple string"
	}
	return "reply " + strconv.Quote(string(r.kind))
}

// lineText returns a line read up to its LF without the CRLF.
func lineText(line []byte) (string, error) {
	n := len(line)
	if n < 3 || line[n-2] != '\r' {
		return "", errBadLine
	}
	return string(line[:n-2]), nil
}

var errBadLine = fmt.Errorf("%w: empty line or line not ended by CRLF", errRedisProtocol)

// lineError is the error of a line that could not be read.
func lineError(err error) error {
	if errors.Is(err, bufio.ErrBufferFull) {
		return fmt.Errorf("%w: line longer than %d bytes", errRedisProtocol, redisBufferSize)
	}
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readLength parses the length of a bulk string or array: -1 (nil) up to limit.
func readLength(s string, limit int64) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < -1 || n > limit {
		return 0, fmt.Errorf("%w: bad length %.20q", errRedisProtocol, s)
	}
	return n, nil
}

// redisRead reads one reply; depth counts the arrays it is nested in.
func redisRead(c *redisConn, depth int) (redisReply, error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return redisReply{}, lineError(err)
	}
	return lineReply(c, line, depth)
}

// lineReply decodes a reply from its first line, read up to its LF,
// reading what follows it. The answers of SET NX are recognised before any
// parsing.
func lineReply(c *redisConn, raw []byte, depth int) (redisReply, error) {
	line, err := lineText(raw)
	if err != nil {
		return redisReply{}, err
	}
	if line == "+OK" {
		return redisReply{kind: '+', str: "OK"}, nil
	}
	if line == "$-1" {
		return redisReply{kind: '$', null: true}, nil
	}
	return parseReply(c, line, depth)
}

// parseReply decodes a reply from its first line, reading what follows it.
func parseReply(c *redisConn, line string, depth int) (redisReply, error) {
	var err error
	reply := redisReply{kind: line[0]}
	rest := line[1:]
	switch reply.kind {
	case '+', '-':
		reply.str = rest
	case ':':
		reply.num, err = strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return redisReply{}, fmt.Errorf("%w: bad integer %.20q", errRedisProtocol, rest)
		}
	case '$':
		n, err := readLength(rest, redisMaxBulkLen)
		if err != nil {
			return redisReply{}, err
		}
		if n == -1 {
			reply.null = true
			return reply, nil
		}
		if n > redisMaxBulkRead {
			return redisReply{}, fmt.Errorf("%w: bulk string of %d bytes is too long", errRedisProtocol, n)
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return redisReply{}, err
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return redisReply{}, fmt.Errorf("%w: bulk string not ended by CRLF", errRedisProtocol)
		}
		reply.str = string(buf[:n])
	case '*':
		n, err := readLength(rest, redisMaxArrayLen)
		if err != nil {
			return redisReply{}, err
		}
		reply.num = n
		if n == -1 {
			reply.null = true
			return reply, nil
		}
		if n > 0 && depth >= redisMaxDepth {
			return redisReply{}, fmt.Errorf("%w: arrays nested too deep", errRedisProtocol)
		}
		for i := int64(0); i < n; i++ {
			if _, err := redisRead(c, depth+1); err != nil {
				return redisReply{}, err
			}
		}
	default:
		return redisReply{}, fmt.Errorf("%w: unknown reply type %q", errRedisProtocol, line[0])
	}
	return reply, nil
}
