package harness

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// A tiny RESP2 client for tests to look into a redis-server, and the one
// RESP reader of the e2e tests (fake servers read commands with
// ReadCommand): standard library only, one connection per call, no
// pipelining.

// Limits on what ReadRESP accepts, so that a test never allocates wildly
// on a broken reply.
const (
	respMaxBulk  = 1 << 20
	respMaxArray = 1 << 16
	respMaxDepth = 8
)

// errRESPProtocol marks a reply ReadRESP cannot decode.
var errRESPProtocol = errors.New("malformed RESP reply")

// DoRESP connects to addr, runs cmds one after the other on that
// connection, and returns the reply to the last one. Every command must
// succeed: an error reply (say, to AUTH) ends the call with an error naming
// the address and the command, never its arguments (which may hold a
// password). timeout bounds the whole call.
func DoRESP(addr string, timeout time.Duration, cmds ...[]string) (any, error) {
	if len(cmds) == 0 {
		return nil, fmt.Errorf("redis %s: no command", addr)
	}
	deadline := time.Now().Add(timeout)
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, fmt.Errorf("redis %s: %w", addr, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(deadline); err != nil {
		return nil, fmt.Errorf("redis %s: %w", addr, err)
	}
	r := bufio.NewReader(conn)
	var reply any
	for _, args := range cmds {
		if len(args) == 0 {
			return nil, fmt.Errorf("redis %s: empty command", addr)
		}
		if _, err := conn.Write(EncodeRESP(args...)); err != nil {
			return nil, fmt.Errorf("redis %s: %s: %w", addr, args[0], err)
		}
		reply, err = ReadRESP(r)
		if err != nil {
			return nil, fmt.Errorf("redis %s: %s: %w", addr, args[0], err)
		}
	}
	return reply, nil
}

// EncodeRESP encodes a command as a RESP array of bulk strings.
func EncodeRESP(args ...string) []byte {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	return []byte(b.String())
}

// RESPError is an error reply from the server, such as "WRONGPASS ...".
type RESPError string

// Error returns the server's text.
func (e RESPError) Error() string { return string(e) }

// ReadRESP reads one RESP2 reply: a simple or bulk string as string, an
// integer as int64, a nil bulk string or array as nil, an array as []any,
// and an error reply as a RESPError error.
func ReadRESP(r *bufio.Reader) (any, error) {
	return readRESP(r, 0)
}

// ReadCommand reads one command as a server receives it, a RESP array of
// strings, and returns its arguments.
func ReadCommand(r *bufio.Reader) ([]string, error) {
	v, err := ReadRESP(r)
	if err != nil {
		return nil, err
	}
	items, ok := v.([]any)
	if !ok || len(items) == 0 {
		return nil, fmt.Errorf("%w: want a command, an array of strings, got %T %.40v", errRESPProtocol, v, v)
	}
	args := make([]string, len(items))
	for i, it := range items {
		if args[i], ok = it.(string); !ok {
			return nil, fmt.Errorf("%w: argument %d of a command is a %T", errRESPProtocol, i, it)
		}
	}
	return args, nil
}

// readRESP reads one reply nested in depth arrays.
func readRESP(r *bufio.Reader, depth int) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return nil, fmt.Errorf("%w: line %q", errRESPProtocol, line)
	}
	kind, rest := line[0], line[1:len(line)-2]
	switch kind {
	case '+':
		return rest, nil
	case '-':
		return nil, RESPError(rest)
	case ':':
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: integer %q", errRESPProtocol, rest)
		}
		return n, nil
	case '$':
		n, err := strconv.Atoi(rest)
		if err != nil || n < -1 || n > respMaxBulk {
			return nil, fmt.Errorf("%w: bulk length %q", errRESPProtocol, rest)
		}
		if n == -1 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("bulk string of %d bytes: %w", n, err)
		}
		if string(buf[n:]) != "\r\n" {
			return nil, fmt.Errorf("%w: bulk string not ended by CRLF", errRESPProtocol)
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(rest)
		if err != nil || n < -1 || n > respMaxArray {
			return nil, fmt.Errorf("%w: array length %q", errRESPProtocol, rest)
		}
		if n == -1 {
			return nil, nil
		}
		if depth >= respMaxDepth {
			return nil, fmt.Errorf("%w: arrays nested deeper than %d", errRESPProtocol, respMaxDepth)
		}
		items := make([]any, n)
		for i := range items {
			if items[i], err = readRESP(r, depth+1); err != nil {
				return nil, err
			}
		}
		return items, nil
	}
	return nil, fmt.Errorf("%w: unknown type %q", errRESPProtocol, kind)
}
