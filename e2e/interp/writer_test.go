package interp

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var errTestHijack = errors.New("test writer: hijacked")

// fullWriter is a compiled ResponseWriter that can flush and hijack, like
// the one Traefik hands to a middleware.
type fullWriter struct {
	*httptest.ResponseRecorder
	flushed  int
	hijacked int
}

func (w *fullWriter) Flush() {
	w.flushed++
	w.ResponseRecorder.Flush()
}

func (w *fullWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.hijacked++
	return nil, nil, errTestHijack
}

// capabilities is what the backend could do with the writer it got.
type capabilities struct {
	same        bool // the very writer Traefik passed in
	flusher     bool // rw.(http.Flusher)
	hijacker    bool // rw.(http.Hijacker)
	ctrlFlush   bool // http.NewResponseController(rw).Flush() reached the writer
	ctrlHijack  bool // http.NewResponseController(rw).Hijack() reached the writer
	flushReach  bool // rw.(http.Flusher).Flush() reached the writer
	hijackReach bool // rw.(http.Hijacker).Hijack() reached the writer
}

// probe serves r through the interpreted middleware to a backend that
// inspects its writer.
func probe(t *testing.T, cfg settings, r *http.Request) capabilities {
	t.Helper()
	w := &fullWriter{ResponseRecorder: httptest.NewRecorder()}
	var c capabilities
	next := http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		c.same = rw == http.ResponseWriter(w)
		f, ok := rw.(http.Flusher)
		c.flusher = ok
		if ok {
			before := w.flushed
			f.Flush()
			c.flushReach = w.flushed > before
		}
		hj, ok := rw.(http.Hijacker)
		c.hijacker = ok
		if ok {
			before := w.hijacked
			_, _, err := hj.Hijack()
			c.hijackReach = w.hijacked > before && errors.Is(err, errTestHijack)
		}
		before := w.flushed
		c.ctrlFlush = http.NewResponseController(rw).Flush() == nil && w.flushed > before
		before = w.hijacked
		_, _, err := http.NewResponseController(rw).Hijack()
		c.ctrlHijack = errors.Is(err, errTestHijack) && w.hijacked > before
		rw.WriteHeader(http.StatusOK)
	})
	h := build(t, cfg, next)
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Fatalf("panic: %v", v)
			}
		}()
		h.ServeHTTP(w, r)
	}()
	require.Equal(t, http.StatusOK, w.Code)
	return c
}

// TestUnwrappedRequestsKeepTheWriter: requests the plugin never wraps
// (streams, upgrades, fetches, receive-only instances) reach the backend
// with Traefik's own writer, so Flusher and Hijacker survive the interpreter.
func TestUnwrappedRequestsKeepTheWriter(t *testing.T) {
	tests := []struct {
		name   string
		cfg    settings
		header map[string]string
	}{
		{"EventSource", source, map[string]string{"Sec-Fetch-Mode": "cors", "Accept": "text/event-stream"}},
		{"event stream without browser headers", source, map[string]string{"Sec-Fetch-Mode": "", "Accept": "text/event-stream, text/html"}},
		{"browser websocket", source, map[string]string{"Sec-Fetch-Mode": "websocket", "Connection": "Upgrade", "Upgrade": "websocket"}},
		{"websocket upgrade without browser headers", source, map[string]string{"Sec-Fetch-Mode": "", "Connection": "Upgrade", "Upgrade": "websocket"}},
		{"fetch cors", source, map[string]string{"Sec-Fetch-Mode": "cors"}},
		{"fetch no-cors", source, map[string]string{"Sec-Fetch-Mode": "no-cors"}},
		{"gRPC-Web from a browser", source, map[string]string{"Sec-Fetch-Mode": "cors", "Content-Type": "application/grpc-web+proto"}},
		{"gRPC without browser headers", source, map[string]string{"Sec-Fetch-Mode": "", "Content-Type": "application/grpc+proto"}},
		{"API client without browser headers", source, map[string]string{"Sec-Fetch-Mode": "", "Accept": "*/*"}},
		{"navigation on a receive-only instance", receiver, nil},
		{"navigation with propagateRedirects off", source.with("propagateRedirects", "false"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := navigation(shopHost, "/stream", clientAddr, cookieName+"=sess-stream-1111")
			for k, v := range tt.header {
				if v == "" {
					r.Header.Del(k)
					continue
				}
				r.Header.Set(k, v)
			}
			c := probe(t, tt.cfg, r)
			assert.Equal(t, capabilities{
				same: true, flusher: true, hijacker: true, flushReach: true, hijackReach: true,
				ctrlFlush: true, ctrlHijack: true,
			}, c)
		})
	}
}

// TestWrappedNavigationWriter records what survives of the writer when the
// interpreted plugin wraps a navigation's response to watch for redirects.
// The wrapper defines Flush, Hijack and Unwrap, and compiled it keeps all
// three; yaegi v0.16.1 hands compiled code a generated wrapper of the
// http.ResponseWriter interface instead, which hides Flush (yaegi#1600).
func TestWrappedNavigationWriter(t *testing.T) {
	c := probe(t, source, navigation(shopHost, "/page", clientAddr, cookieName+"=sess-nav-2222"))
	t.Logf("wrapped navigation: %+v", c)
	assert.False(t, c.same, "a navigation is wrapped")
	assert.True(t, c.hijacker, "Hijacker survives the interpreter")
	assert.True(t, c.hijackReach, "Hijack reaches Traefik's writer")
	assert.False(t, c.flusher, "yaegi v0.16.1 loses http.Flusher on the wrapper; if this fails, yaegi now keeps it")
}
