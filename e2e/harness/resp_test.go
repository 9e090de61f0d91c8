package harness

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadRESP(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    any
		wantErr error  // errors.Is target
		errText string // substring of the error
	}{
		{name: "simple string", in: "+PONG\r\n", want: "PONG"},
		{name: "integer", in: ":-42\r\n", want: int64(-42)},
		{name: "bulk string", in: "$5\r\nab\r\nc\r\n", want: "ab\r\nc"},
		{name: "empty bulk string", in: "$0\r\n\r\n", want: ""},
		{name: "nil bulk string", in: "$-1\r\n", want: nil},
		{name: "nil array", in: "*-1\r\n", want: nil},
		{name: "nested array", in: "*2\r\n$1\r\na\r\n*1\r\n:1\r\n", want: []any{"a", []any{int64(1)}}},
		{name: "error reply", in: "-WRONGPASS nope\r\n", wantErr: RESPError("WRONGPASS nope")},
		{name: "no CRLF", in: "+OK\n", wantErr: errRESPProtocol, errText: "line"},
		{name: "bad integer", in: ":1x\r\n", wantErr: errRESPProtocol, errText: "integer"},
		{name: "bulk too long", in: "$99999999\r\n", wantErr: errRESPProtocol, errText: "bulk length"},
		{name: "bulk not ended by CRLF", in: "$1\r\nabc", wantErr: errRESPProtocol, errText: "CRLF"},
		{name: "array too long", in: "*99999999\r\n", wantErr: errRESPProtocol, errText: "array length"},
		{name: "nested too deep", in: strings.Repeat("*1\r\n", respMaxDepth+1) + ":1\r\n", wantErr: errRESPProtocol, errText: "nested"},
		{name: "unknown type", in: "_\r\n", wantErr: errRESPProtocol, errText: "unknown type"},
		{name: "cut short", in: "*2\r\n:1\r\n", wantErr: io.ErrUnexpectedEOF},
		{name: "bulk cut short", in: "$4\r\nab", wantErr: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadRESP(bufio.NewReader(strings.NewReader(tt.in)))
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			assert.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, errText(err), tt.errText)
		})
	}
}

// errText is err's message, or "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestReadCommand(t *testing.T) {
	r := bufio.NewReader(strings.NewReader(string(EncodeRESP("SET", "k", "", "NX", "PX", "7000")) + string(EncodeRESP("PING"))))
	args, err := ReadCommand(r)
	require.NoError(t, err)
	assert.Equal(t, []string{"SET", "k", "", "NX", "PX", "7000"}, args)
	args, err = ReadCommand(r)
	require.NoError(t, err)
	assert.Equal(t, []string{"PING"}, args)
	_, err = ReadCommand(r)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "nothing left")

	for _, bad := range []string{"+PING\r\n", "*0\r\n", "*1\r\n:1\r\n", "*-1\r\n"} {
		_, err := ReadCommand(bufio.NewReader(strings.NewReader(bad)))
		assert.True(t, errors.Is(err, errRESPProtocol), "%q: %v", bad, err)
	}
}

func TestEncodeRESP(t *testing.T) {
	assert.Equal(t, "*2\r\n$4\r\nAUTH\r\n$5\r\np w\r\n\r\n", string(EncodeRESP("AUTH", "p w\r\n")))
	assert.Equal(t, "*0\r\n", string(EncodeRESP()))
}
