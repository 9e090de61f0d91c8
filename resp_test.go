package sessioninjector

// The one fake RESP server of the unit tests, and the tests of the RESP
// codec against it: replies of every kind, well-formed or not, and the
// bytes of the commands the client sends. What only a real redis-server
// can show is tested end to end, against one, in the e2e module.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
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

func TestSetNXCommandIsTheEncodedCommand(t *testing.T) {
	for _, key := range []string{"k", "sessioninjector:0a5e82089ef9ed8950cdae7f", strings.Repeat("x", 300)} {
		for _, ms := range []string{"1", "7000", "600000"} {
			assert.Equal(t, encodeCommand("SET", key, "1", "NX", "PX", ms), setNXCommand(key, ms))
		}
	}
	assert.Equal(t, "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n", encodeCommand("AUTH", "pw"))
}
