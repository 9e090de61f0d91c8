package interp

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// fakeRedis is a compiled RESP2 server on loopback with just the commands
// the plugin's replay store sends (AUTH, SELECT, PING, SET key v NX PX ms),
// and switches to misbehave.
type fakeRedis struct {
	ln       net.Listener
	username string
	password string

	mu       sync.Mutex
	keys     map[string]time.Time // key -> expiry
	commands [][]string
	conns    []net.Conn
	open     int    // connections being served
	mode     string // "" normal, "silent" never answers, "garbage" answers nonsense
}

// startFakeRedis listens on a free loopback port until the test ends.
func startFakeRedis(t *testing.T, username, password string) *fakeRedis {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeRedis{ln: ln, username: username, password: password, keys: map[string]time.Time{}}
	go s.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		s.dropConnections()
	})
	return s
}

func (s *fakeRedis) addr() string { return s.ln.Addr().String() }

func (s *fakeRedis) setMode(mode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = mode
}

// dropConnections closes every open connection, as a Redis restart does.
func (s *fakeRedis) dropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.conns = nil
}

// sets returns the SET commands received.
func (s *fakeRedis) sets() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]string
	for _, c := range s.commands {
		if strings.EqualFold(c[0], "SET") {
			out = append(out, c)
		}
	}
	return out
}

// received returns the names of the commands received, in order.
func (s *fakeRedis) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.commands {
		out = append(out, strings.ToUpper(c[0]))
	}
	return out
}

func (s *fakeRedis) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		go s.handle(c)
	}
}

// openConnections is the number of client connections still open.
func (s *fakeRedis) openConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open
}

func (s *fakeRedis) handle(c net.Conn) {
	s.mu.Lock()
	s.open++
	s.mu.Unlock()
	defer func() {
		_ = c.Close()
		s.mu.Lock()
		s.open--
		s.mu.Unlock()
	}()
	r := bufio.NewReader(c)
	authed := s.password == ""
	for {
		args, err := harness.ReadCommand(r)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.commands = append(s.commands, args)
		mode := s.mode
		s.mu.Unlock()
		var reply string
		switch {
		case mode == "silent":
			continue
		case mode == "garbage":
			reply = "$99999999999999\r\n"
		case strings.EqualFold(args[0], "AUTH"):
			user, pass := "default", args[len(args)-1]
			if len(args) == 3 {
				user = args[1]
			}
			authed = (user == s.username || (s.username == "" && user == "default")) && pass == s.password
			reply = "+OK\r\n"
			if !authed {
				reply = "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
			}
		case !authed:
			reply = "-NOAUTH Authentication required.\r\n"
		case strings.EqualFold(args[0], "PING"):
			reply = "+PONG\r\n"
		case strings.EqualFold(args[0], "SELECT"):
			reply = "+OK\r\n"
		case strings.EqualFold(args[0], "SET") && len(args) == 6:
			reply = s.setNX(args[1], args[5])
		default:
			reply = "-ERR unknown command\r\n"
		}
		if _, err := io.WriteString(c, reply); err != nil {
			return
		}
	}
}

func (s *fakeRedis) setNX(key, px string) string {
	ms, err := strconv.Atoi(px)
	if err != nil || ms <= 0 {
		return "-ERR invalid expire time\r\n"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if exp, ok := s.keys[key]; ok && time.Now().Before(exp) {
		return "$-1\r\n"
	}
	s.keys[key] = time.Now().Add(time.Duration(ms) * time.Millisecond)
	return "+OK\r\n"
}
