package sessioninjector

import (
	"bufio"
	"errors"
	"net"
	"net/http"
)

var errNoHijack = errors.New("sessioninjector: the underlying ResponseWriter cannot be hijacked")

// protectedWriter serves a response at a URL that carried a token: when
// the backend writes its header, Cache-Control: no-store and
// Referrer-Policy: no-referrer replace whatever it set, so the tokened URL
// is neither cached nor sent on as a referrer. It is used on the rare
// paths that pass such a request on, never on the common ones.
type protectedWriter struct {
	http.ResponseWriter
	written bool
}

// WriteHeader sets the protective headers before the first final status.
func (w *protectedWriter) WriteHeader(code int) {
	if !w.written {
		noStore(w.ResponseWriter.Header())
		w.written = code >= 200
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write writes the header first when the backend did not.
func (w *protectedWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Flush flushes the wrapped writer when it can.
func (w *protectedWriter) Flush() { flush(w.ResponseWriter) }

// Hijack hands the connection over, for protocol upgrades.
func (w *protectedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return hijack(w.ResponseWriter)
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *protectedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func flush(rw http.ResponseWriter) {
	if f, ok := rw.(http.Flusher); ok {
		f.Flush()
	}
}

func hijack(rw http.ResponseWriter) (net.Conn, *bufio.ReadWriter, error) {
	if hj, ok := rw.(http.Hijacker); ok {
		return hj.Hijack()
	}
	return nil, nil, errNoHijack
}
