package e2e

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// event is one server-sent event and when it arrived after the request.
type event struct {
	data string
	at   time.Duration
}

// readEvents opens the demo app's event stream on host with the given
// request headers and returns the response's status and headers and every
// event with its arrival time.
func readEvents(t *testing.T, b *harness.Navigator, host string, header http.Header) (int, http.Header, []event) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+host+"/_debug/sse?n=4&interval=150ms", nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	start := time.Now()
	resp, err := b.Client().Do(req)
	require.NoError(t, err, "GET %s", req.URL)
	defer resp.Body.Close()
	var events []event
	var data []string
	s := bufio.NewScanner(resp.Body)
	for s.Scan() {
		line := s.Text()
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			data = append(data, d)
		}
		if line == "" && len(data) > 0 {
			events = append(events, event{data: strings.Join(data, "\n"), at: time.Since(start)})
			data = nil
		}
	}
	require.NoError(t, s.Err())
	return resp.StatusCode, resp.Header, events
}

func TestStreaming(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser("")
	session := b.SignIn(shopHost, "Kim")
	for _, h := range []string{checkoutHost, checkoutShrt, checkoutPlain} {
		b.SetCookie(h, session)
	}
	// Hosts with the middleware watching redirects, with a receive-only
	// middleware (no targetDomains: nothing to watch), and the baseline.
	hosts := []string{shopHost, checkoutHost, checkoutShrt, checkoutPlain}

	clients := []struct {
		name   string
		header http.Header
	}{
		{"EventSource", http.Header{"Accept": {"text/event-stream"}, "Sec-Fetch-Mode": {"cors"}, "Sec-Fetch-Dest": {"empty"}}},
		{"fetch stream", http.Header{"Accept": {"*/*"}, "Sec-Fetch-Mode": {"cors"}, "Sec-Fetch-Dest": {"empty"}}},
		{"client without browser headers", http.Header{}},
	}
	for _, c := range clients {
		for _, host := range hosts {
			t.Run("SSE/"+c.name+"/"+host, func(t *testing.T) {
				t.Parallel()
				status, header, events := readEvents(t, b.WithT(t), host, c.header)
				assert.Equal(t, http.StatusOK, status)
				assert.Equal(t, "text/event-stream", header.Get("Content-Type"))
				require.Len(t, events, 4)
				for i, ev := range events {
					assert.Equal(t, "event "+string(rune('1'+i)), ev.data)
				}
				// Sent 150ms apart: buffering would deliver them together at the end.
				assert.Greater(t, events[3].at-events[0].at, 250*time.Millisecond,
					"events arrived at %v: buffered, not streamed", []time.Duration{events[0].at, events[1].at, events[2].at, events[3].at})
			})
		}
	}

	messages := []struct {
		kind int
		data []byte
	}{
		{websocket.TextMessage, []byte("hello")},
		{websocket.BinaryMessage, []byte{0, 1, 2, 0xFF}},
		{websocket.TextMessage, bytes.Repeat([]byte("x"), 300)},   // 16-bit length
		{websocket.BinaryMessage, bytes.Repeat([]byte{7}, 70000)}, // 64-bit length
	}
	wsClients := []struct {
		name   string
		header http.Header
	}{
		{"browser", http.Header{"Sec-Fetch-Mode": {"websocket"}, "Sec-Fetch-Dest": {"websocket"}, "Origin": {"http://" + shopHost}}},
		{"client without browser headers", http.Header{}},
	}
	for _, c := range wsClients {
		for _, host := range hosts {
			t.Run("WebSocket/"+c.name+"/"+host, func(t *testing.T) {
				t.Parallel()
				d := websocket.Dialer{NetDialContext: e.tr.DialContext(""), HandshakeTimeout: 5 * time.Second, Jar: b.Client().Jar}
				conn, resp, err := d.Dial("ws://"+host+"/_debug/ws", c.header) //nolint:bodyclose // gorilla/websocket: a handshake response's body need not be closed
				require.NoError(t, err, "dial %s", host)
				defer conn.Close()
				assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
				assert.Empty(t, harness.SessionCookies(harness.Hop{Header: resp.Header}), "no cookie on an upgrade")
				require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
				for _, m := range messages {
					require.NoError(t, conn.WriteMessage(m.kind, m.data))
					kind, data, err := conn.ReadMessage()
					require.NoError(t, err)
					assert.Equal(t, m.kind, kind)
					assert.Equal(t, m.data, data)
				}
				require.NoError(t, conn.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second)))
				_, _, err = conn.ReadMessage()
				var ce *websocket.CloseError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, websocket.CloseNormalClosure, ce.Code)
			})
		}
	}
}
