package sessioninjector

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// This file writes Redis commands and reads RESP2 replies, with every
// length checked before it is read.

// Limits on what a server may send, so that a broken or lying server can
// never make the client allocate absurdly, block past the deadline or panic.
const (
	redisMaxBulkLen   int64 = 512 << 20 // Redis's own limit: a longer bulk is malformed
	redisMaxBulkRead  int64 = 64 << 10  // no reply to our commands comes near this
	redisMaxArrayLen  int64 = 1024      // elements of one array
	redisMaxDepth           = 4         // nesting of arrays
	redisMaxErrorText       = 256       // bytes of a server error kept in messages
)

// Sentinels for errors.Is; messages add the address, the command and detail.
var (
	errRedisProtocol   = errors.New("malformed reply")
	errRedisServer     = errors.New("error reply")
	errRedisUnexpected = errors.New("unexpected reply")
)

// encodeCommand writes args as a RESP array of bulk strings.
func encodeCommand(args ...string) string {
	cmd := "*" + strconv.Itoa(len(args)) + "\r\n"
	for _, a := range args {
		cmd += "$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n"
	}
	return cmd
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

// isPong accepts the answer to PING.
func isPong(r redisReply) bool {
	return r.kind == '+' && r.str == "PONG"
}

// isOK accepts the answer to AUTH and SELECT.
func isOK(r redisReply) bool {
	return r.kind == '+' && r.str == "OK"
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
