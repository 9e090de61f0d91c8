package sessioninjector

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeRedis is a scripted server on 127.0.0.1: handle runs once per
// accepted connection.
type fakeRedis struct {
	t      *testing.T
	ln     net.Listener
	handle func(c *fakeConn)

	mu       sync.Mutex
	conns    []net.Conn
	accepted int
	closed   int // connections whose handler saw the client go away
}

// fakeConn is the server side of one client connection.
type fakeConn struct {
	net.Conn
	f   *fakeRedis
	r   *bufio.Reader
	n   int // 1-based index of this connection
	raw strings.Builder
}

func newFakeRedis(t *testing.T, handle func(c *fakeConn)) *fakeRedis {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f := &fakeRedis{t: t, ln: ln, handle: handle}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.accepted++
			c := &fakeConn{Conn: nc, f: f, r: bufio.NewReader(nc), n: f.accepted}
			f.conns = append(f.conns, nc)
			f.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				f.handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			_ = c.Close()
		}
		f.mu.Unlock()
		wg.Wait()
	})
	return f
}

func (f *fakeRedis) addr() string { return f.ln.Addr().String() }

func (f *fakeRedis) acceptedCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.accepted
}

func (f *fakeRedis) closedCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

// waitClientGone blocks until the client closes the connection (or the
// test ends), then counts it.
func (c *fakeConn) waitClientGone() {
	_, _ = io.Copy(io.Discard, c.r)
	c.f.mu.Lock()
	c.f.closed++
	c.f.mu.Unlock()
}

// readCommand reads one RESP array of bulk strings, recording its raw bytes.
func (c *fakeConn) readCommand() ([]string, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	c.raw.WriteString(line)
	if !strings.HasPrefix(line, "*") || !strings.HasSuffix(line, "\r\n") {
		return nil, fmt.Errorf("fake: bad array header %q", line)
	}
	n, err := strconv.Atoi(strings.TrimSuffix(line[1:], "\r\n"))
	if err != nil {
		return nil, err
	}
	args := make([]string, 0, n)
	for i := 0; i < n; i++ {
		hdr, err := c.r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		c.raw.WriteString(hdr)
		size, err := strconv.Atoi(strings.TrimSuffix(hdr[1:], "\r\n"))
		if err != nil || hdr[0] != '$' {
			return nil, fmt.Errorf("fake: bad bulk header %q", hdr)
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return nil, err
		}
		c.raw.Write(buf)
		args = append(args, string(buf[:size]))
	}
	return args, nil
}

func (c *fakeConn) send(s string) {
	_, _ = io.WriteString(c, s)
}

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

func TestSetNXReplies(t *testing.T) {
	const timeout = 300 * time.Millisecond
	tests := []struct {
		name    string
		reply   string
		then    string // "hold" keeps the connection open, "close" closes it
		want    bool
		wantIs  error // sentinel, io.ErrUnexpectedEOF or io.EOF
		timeout bool
		wantMsg string
	}{
		{name: "OK sets", reply: "+OK\r\n", want: true},
		{name: "nil bulk means already set", reply: "$-1\r\n", want: false},
		{name: "ERR", reply: "-ERR syntax error\r\n", wantIs: errRedisServer, wantMsg: ": SET: error reply: ERR syntax error"},
		{name: "NOAUTH", reply: "-NOAUTH Authentication required.\r\n", wantIs: errRedisServer, wantMsg: ": SET: error reply: NOAUTH Authentication required."},
		{name: "long error text is cut", reply: "-ERR " + strings.Repeat("x", 1000) + "\r\n", wantIs: errRedisServer, wantMsg: strings.Repeat("x", 200)},
		{name: "integer", reply: ":1\r\n", wantIs: errRedisUnexpected, wantMsg: ": SET: unexpected reply: integer"},
		{name: "empty array", reply: "*0\r\n", wantIs: errRedisUnexpected, wantMsg: "array of 0"},
		{name: "nil array", reply: "*-1\r\n", wantIs: errRedisUnexpected},
		{name: "array of values", reply: "*3\r\n:1\r\n$-1\r\n*1\r\n+x\r\n", wantIs: errRedisUnexpected, wantMsg: "array of 3"},
		{name: "bulk string", reply: "$2\r\nOK\r\n", wantIs: errRedisUnexpected, wantMsg: "bulk string"},
		{name: "empty bulk string", reply: "$0\r\n\r\n", wantIs: errRedisUnexpected},
		{name: "other simple string", reply: "+QUEUED\r\n", wantIs: errRedisUnexpected},
		{name: "bulk shorter than declared, held", reply: "$10\r\nabc", then: "hold", timeout: true},
		{name: "bulk shorter than declared, closed", reply: "$10\r\nabc", then: "close", wantIs: io.ErrUnexpectedEOF},
		{name: "bulk without CRLF", reply: "$3\r\nabcXY", wantIs: errRedisProtocol},
		{name: "bulk over 512 MiB", reply: "$536870913\r\n", wantIs: errRedisProtocol, wantMsg: "bad length"},
		{name: "bulk of 1 GiB+", reply: "$9999999999999\r\n", wantIs: errRedisProtocol},
		{name: "bulk length overflow", reply: "$99999999999999999999999\r\n", wantIs: errRedisProtocol},
		{name: "bulk negative length", reply: "$-2\r\n", wantIs: errRedisProtocol},
		{name: "bulk length not a number", reply: "$abc\r\n", wantIs: errRedisProtocol},
		{name: "array too long", reply: "*100000\r\n", wantIs: errRedisProtocol},
		{name: "array negative length", reply: "*-5\r\n", wantIs: errRedisProtocol},
		{name: "arrays nested too deep", reply: "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", wantIs: errRedisProtocol, wantMsg: "nested"},
		{name: "array cut short", reply: "*3\r\n:1\r\n", then: "close", wantIs: io.ErrUnexpectedEOF},
		{name: "bad integer", reply: ":12a\r\n", wantIs: errRedisProtocol},
		{name: "missing CR", reply: "+OK\n", wantIs: errRedisProtocol, wantMsg: "CRLF"},
		{name: "bare CRLF", reply: "\r\n", wantIs: errRedisProtocol},
		{name: "garbage first byte", reply: "HTTP/1.1 400 Bad Request\r\n", wantIs: errRedisProtocol, wantMsg: "unknown reply type 'H'"},
		{name: "RESP3 null is not RESP2", reply: "_\r\n", wantIs: errRedisProtocol},
		{name: "line longer than the buffer", reply: "+" + strings.Repeat("a", 10000) + "\r\n", wantIs: errRedisProtocol, wantMsg: "line longer"},
		{name: "line without newline, held", reply: "+OK", then: "hold", timeout: true},
		{name: "line without newline, closed", reply: "+OK", then: "close", wantIs: io.ErrUnexpectedEOF},
		{name: "closed before replying", reply: "", then: "close", wantIs: io.EOF},
		{name: "never answers", reply: "", then: "hold", timeout: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan []string, 1)
			fake := newFakeRedis(t, func(c *fakeConn) {
				args, err := c.readCommand()
				if err != nil {
					return
				}
				got <- args
				c.send(tt.reply)
				if tt.then == "close" {
					return
				}
				c.waitClientGone()
			})
			p := testPool(redisOptions{address: fake.addr(), timeout: timeout})

			start := time.Now()
			ok, err := p.setNX("token-id", 90*time.Second)
			elapsed := time.Since(start)

			assert.Equal(t, []string{"SET", "token-id", "1", "NX", "PX", "90000"}, <-got)
			assert.Less(t, elapsed, timeout+200*time.Millisecond)
			if tt.wantIs == nil && !tt.timeout {
				require.NoError(t, err)
				assert.Equal(t, tt.want, ok)
				assert.Equal(t, 1, p.idleCount(), "a good connection is pooled")
				return
			}
			require.Error(t, err)
			assert.False(t, ok)
			assert.Equal(t, 0, p.idleCount(), "a failed connection is not pooled")
			assert.True(t, strings.HasPrefix(err.Error(), "redis "+fake.addr()+": SET: "), err.Error())
			assert.NotContains(t, err.Error(), "token-id")
			if tt.timeout {
				assert.True(t, isNetTimeout(err), "want a timeout, got %v", err)
				assert.GreaterOrEqual(t, elapsed, timeout-20*time.Millisecond)
			} else {
				assert.ErrorIs(t, err, tt.wantIs)
				assert.False(t, isNetTimeout(err))
			}
			if tt.wantMsg != "" {
				assert.Contains(t, err.Error(), tt.wantMsg)
			}
			assert.Less(t, len(err.Error()), 400, "error messages stay short")
		})
	}
}

// A declared length just under the protocol limit must fail without
// allocating the declared size.
func TestHugeBulkDoesNotAllocate(t *testing.T) {
	for _, n := range []string{"536870912", "100000000", "65537"} {
		t.Run(n, func(t *testing.T) {
			fake := newFakeRedis(t, func(c *fakeConn) {
				if _, err := c.readCommand(); err != nil {
					return
				}
				c.send("$" + n + "\r\nabc")
				_, _ = io.Copy(io.Discard, c.r)
			})
			p := testPool(redisOptions{address: fake.addr()})
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := p.setNX("k", time.Second)
			runtime.ReadMemStats(&after)
			require.ErrorIs(t, err, errRedisProtocol)
			assert.Contains(t, err.Error(), "too long")
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20))
		})
	}
}

func TestConnectSendsAuthAndSelect(t *testing.T) {
	const set = "*6\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n$2\r\nNX\r\n$2\r\nPX\r\n$4\r\n1500\r\n"
	tests := []struct {
		name string
		opts redisOptions
		want string
	}{
		{name: "nothing", opts: redisOptions{}, want: set},
		{
			name: "password",
			opts: redisOptions{password: "s3cret"},
			want: "*2\r\n$4\r\nAUTH\r\n$6\r\ns3cret\r\n" + set,
		},
		{
			name: "username and password",
			opts: redisOptions{username: "app", password: "p w\r\n"},
			want: "*3\r\n$4\r\nAUTH\r\n$3\r\napp\r\n$5\r\np w\r\n\r\n" + set,
		},
		{
			name: "username alone still authenticates",
			opts: redisOptions{username: "app"},
			want: "*3\r\n$4\r\nAUTH\r\n$3\r\napp\r\n$0\r\n\r\n" + set,
		},
		{
			name: "select",
			opts: redisOptions{db: 3},
			want: "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n" + set,
		},
		{
			name: "auth then select",
			opts: redisOptions{password: "pw", db: 12},
			want: "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n" + set,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := make(chan string, 1)
			fake := newFakeRedis(t, func(c *fakeConn) {
				for {
					args, err := c.readCommand()
					if err != nil {
						return
					}
					c.send("+OK\r\n")
					if args[0] == "SET" {
						raw <- c.raw.String()
					}
				}
			})
			opts := tt.opts
			opts.address = fake.addr()
			ok, err := testPool(opts).setNX("k", 1500*time.Millisecond)
			require.NoError(t, err)
			assert.True(t, ok)
			assert.Equal(t, tt.want, <-raw)
		})
	}
}

func TestTTLRounding(t *testing.T) {
	tests := []struct {
		ttl  time.Duration
		want string
	}{
		{time.Nanosecond, "1"},
		{time.Millisecond, "1"},
		{1500 * time.Microsecond, "2"},
		{time.Hour, "3600000"},
	}
	for _, tt := range tests {
		t.Run(tt.ttl.String(), func(t *testing.T) {
			got := make(chan string, 1)
			fake := newFakeRedis(t, func(c *fakeConn) {
				args, err := c.readCommand()
				if err != nil {
					return
				}
				got <- args[len(args)-1]
				c.send("+OK\r\n")
			})
			_, err := testPool(redisOptions{address: fake.addr()}).setNX("k", tt.ttl)
			require.NoError(t, err)
			assert.Equal(t, tt.want, <-got)
		})
	}
	_, err := testPool(redisOptions{address: "127.0.0.1:1"}).setNX("k", 0)
	assert.ErrorIs(t, err, errRedisConfig)
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

func TestPing(t *testing.T) {
	tests := []struct {
		reply  string
		wantIs error
	}{
		{"+PONG\r\n", nil},
		{"+OK\r\n", errRedisUnexpected},
		{"-LOADING Redis is loading\r\n", errRedisServer},
	}
	for _, tt := range tests {
		t.Run(tt.reply, func(t *testing.T) {
			fake := newFakeRedis(t, func(c *fakeConn) {
				if _, err := c.readCommand(); err != nil {
					return
				}
				c.send(tt.reply)
				_, _ = io.Copy(io.Discard, c.r)
			})
			err := testPool(redisOptions{address: fake.addr()}).ping()
			if tt.wantIs == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.wantIs)
				assert.Contains(t, err.Error(), ": PING: ")
			}
		})
	}
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

// ---- against a real redis-server ----

// realRedis runs redis-server on a fixed loopback port that survives restarts.
type realRedis struct {
	t    *testing.T
	bin  string
	port int
	args []string
	dir  string
	cmd  *exec.Cmd
}

func redisServerBin(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not on PATH (CI=true): install the Debian package redis-server")
		}
		t.Skip("redis-server is not on PATH")
	}
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}

func startRealRedis(t *testing.T, extra ...string) *realRedis {
	t.Helper()
	r := &realRedis{t: t, bin: redisServerBin(t), port: freePort(t), args: extra, dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *realRedis) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

func (r *realRedis) start() {
	r.t.Helper()
	args := append([]string{
		"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir,
	}, r.args...)
	r.cmd = exec.Command(r.bin, args...)
	require.NoError(r.t, r.cmd.Start())
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", r.addr(), 100*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server did not listen on %s: %v", r.addr(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *realRedis) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
	}
}

func TestRealRedisSetNX(t *testing.T) {
	srv := startRealRedis(t)
	p := testPool(redisOptions{address: srv.addr(), timeout: time.Second})
	require.NoError(t, p.ping())

	steps := []struct {
		key   string
		ttl   time.Duration
		sleep time.Duration // before the call
		want  bool
	}{
		{"a", 300 * time.Millisecond, 0, true},
		{"a", 300 * time.Millisecond, 0, false},
		{"b", time.Minute, 0, true},
		{"a", time.Minute, 0, false},
		{"a", time.Minute, 400 * time.Millisecond, true}, // expired
		{"a", time.Minute, 0, false},
		{"b", time.Minute, 0, false},
	}
	for i, s := range steps {
		time.Sleep(s.sleep)
		ok, err := p.setNX(s.key, s.ttl)
		require.NoError(t, err, "step %d", i)
		assert.Equal(t, s.want, ok, "step %d: SET %s", i, s.key)
	}
}

func TestRealRedisAuthAndSelect(t *testing.T) {
	srv := startRealRedis(t, "--requirepass", "hunter2")
	addr := srv.addr()

	tests := []struct {
		name    string
		opts    redisOptions
		wantIs  error
		wantMsg string
	}{
		{name: "password", opts: redisOptions{password: "hunter2"}},
		{name: "default user", opts: redisOptions{username: "default", password: "hunter2"}},
		{name: "password and db 3", opts: redisOptions{password: "hunter2", db: 3}},
		{name: "wrong password", opts: redisOptions{password: "wrong-pw"}, wantIs: errRedisServer, wantMsg: "redis " + addr + ": AUTH: error reply: WRONGPASS"},
		{name: "wrong user", opts: redisOptions{username: "nobody", password: "hunter2"}, wantIs: errRedisServer, wantMsg: "redis " + addr + ": AUTH: error reply: WRONGPASS"},
		{name: "no password", opts: redisOptions{}, wantIs: errRedisServer, wantMsg: "redis " + addr + ": SET: error reply: NOAUTH"},
		{name: "db out of range", opts: redisOptions{password: "hunter2", db: 99}, wantIs: errRedisServer, wantMsg: "redis " + addr + ": SELECT: error reply: ERR DB index is out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.address = addr
			ok, err := testPool(opts).setNX("key-"+tt.name, time.Minute)
			if tt.wantIs == nil {
				require.NoError(t, err)
				assert.True(t, ok)
				return
			}
			require.ErrorIs(t, err, tt.wantIs)
			assert.Contains(t, err.Error(), tt.wantMsg)
			assert.NotContains(t, err.Error(), "hunter2")
			assert.NotContains(t, err.Error(), "wrong-pw")
		})
	}

	// SELECT took effect: the key set in db 3 exists there only.
	db3 := testPool(redisOptions{address: addr, password: "hunter2", db: 3})
	db0 := testPool(redisOptions{address: addr, password: "hunter2"})
	ok, err := db3.setNX("key-password and db 3", time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "already set in db 3")
	ok, err = db0.setNX("key-password and db 3", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "not set in db 0")
}

func TestRealRedisOutage(t *testing.T) {
	srv := startRealRedis(t)
	const timeout = 500 * time.Millisecond
	p := testPool(redisOptions{address: srv.addr(), timeout: timeout, poolSize: 4})

	// Fill the pool with a few idle connections.
	fill := func() {
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				assert.NoError(t, p.ping())
			}()
		}
		wg.Wait()
		require.Positive(t, p.idleCount())
	}
	fill()
	ok, err := p.setNX("first", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = p.setNX("first", time.Minute)
	require.NoError(t, err)
	require.False(t, ok)

	// Killed: every call errors promptly, well within the timeout.
	srv.stop()
	for i := 0; i < 6; i++ {
		start := time.Now()
		_, err := p.setNX("during-outage", time.Minute)
		require.Error(t, err, "call %d", i)
		assert.Less(t, time.Since(start), timeout, "call %d", i)
		assert.Contains(t, err.Error(), "redis "+srv.addr()+": ")
	}

	// Back on the same port: the next call works, no restart of anything.
	srv.start()
	ok, err = p.setNX("after-restart", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)

	// Restarted between two calls with a full pool of stale connections:
	// the next call still works.
	fill()
	srv.stop()
	srv.start()
	ok, err = p.setNX("after-quick-restart", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)

	// Frozen server (SIGSTOP): the call times out within the deadline; once
	// it runs again the next call works.
	require.NoError(t, srv.cmd.Process.Signal(syscall.SIGSTOP))
	start := time.Now()
	_, err = p.setNX("frozen", time.Minute)
	elapsed := time.Since(start)
	require.Error(t, err)
	assert.True(t, isNetTimeout(err), "%v", err)
	assert.GreaterOrEqual(t, elapsed, timeout-20*time.Millisecond)
	assert.Less(t, elapsed, timeout+300*time.Millisecond)
	require.NoError(t, srv.cmd.Process.Signal(syscall.SIGCONT))
	ok, err = p.setNX("thawed", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestSetNXCommandIsTheEncodedCommand(t *testing.T) {
	for _, key := range []string{"k", "sessioninjector:0a5e82089ef9ed8950cdae7f", strings.Repeat("x", 300)} {
		for _, ms := range []string{"1", "7000", "600000"} {
			assert.Equal(t, encodeCommand("SET", key, "1", "NX", "PX", ms), setNXCommand(key, ms))
		}
	}
	assert.Equal(t, "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n", encodeCommand("AUTH", "pw"))
}
