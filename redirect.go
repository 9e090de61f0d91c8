package sessioninjector

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
)

var errNoHijack = errors.New("sessioninjector: the underlying ResponseWriter cannot be hijacked")

// redirectWriter watches a navigation's response for a redirect to an
// allowed target and seals a token into its Location. It overrides
// WriteHeader only: a redirect always comes with an explicit WriteHeader.
// Header and Write are the embedded writer's own, so under the interpreter
// the backend's header and body writes never pass through interpreted code.
type redirectWriter struct {
	http.ResponseWriter
	h       *handler
	r       *http.Request
	written bool
}

// WriteHeader adds a token to a redirect to an allowed target, then writes the status.
func (w *redirectWriter) WriteHeader(code int) {
	if !w.written && code >= 300 && code < 400 {
		w.written = true
		if isRedirect(code) {
			propagate(w.h, w.ResponseWriter.Header(), w.r)
		}
	} else if code >= 200 {
		w.written = true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Flush flushes the wrapped writer when it can.
func (w *redirectWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack hands the connection over, for protocol upgrades.
func (w *redirectWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
		return hj.Hijack()
	}
	return nil, nil, errNoHijack
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *redirectWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func isRedirect(code int) bool {
	return code == http.StatusMovedPermanently || code == http.StatusFound || code == http.StatusSeeOther ||
		code == http.StatusTemporaryRedirect || code == http.StatusPermanentRedirect
}

// mayCarryToken reports whether a request can be a top-level navigation whose
// redirect may carry a token: Sec-Fetch-Mode says navigate or, from clients
// that do not send it, the request accepts HTML. Fetches, subresources,
// WebSocket upgrades, event streams and gRPC are never wrapped (under the
// interpreter a wrapper costs them http.Flusher, so they would be buffered).
func mayCarryToken(h http.Header) bool {
	accept := h["Accept"]
	if m := h["Sec-Fetch-Mode"]; len(m) != 0 {
		if m[0] != "navigate" {
			return false
		}
	} else if len(accept) == 0 || !strings.Contains(accept[0], "text/html") {
		return false
	}
	if len(h["Upgrade"]) != 0 {
		return false
	}
	if len(accept) != 0 && strings.Contains(accept[0], "text/event-stream") {
		return false
	}
	if ct := h["Content-Type"]; len(ct) != 0 && strings.HasPrefix(ct[0], "application/grpc") {
		return false
	}
	return true
}

// propagate adds a token to a redirect's Location when it points at an
// allowed target other than the request's own host and the client has a
// session. Any other Location is left byte for byte.
func propagate(h *handler, header http.Header, r *http.Request) {
	loc := header["Location"]
	if len(loc) != 1 {
		return
	}
	target, ok := targetHost(h.targets, loc[0], true)
	if !ok || target == normalizeHost(r.Host) {
		return
	}
	now := nowMs(h)
	session, state := responseSession(header, h.cookieName, now)
	if state == sessionDeleted {
		return
	}
	if state == sessionUntouched {
		session = requestSession(r, h.cookieName)
	}
	token, ok := issue(h, r, target, session, now)
	if !ok {
		return
	}
	header["Location"] = []string{withParam(loc[0], h.tokenParam, token)}
	header["Cache-Control"] = []string{"no-store"}
	header["Referrer-Policy"] = []string{"no-referrer"}
}

// withParam sets name=value in a URL's query, replacing any existing
// occurrence, keeping the other parameters in order and the fragment last.
// value must need no escaping (tokens are base64url).
func withParam(rawURL, name, value string) string {
	base, fragment := rawURL, ""
	if i := strings.IndexByte(rawURL, '#'); i >= 0 {
		base, fragment = rawURL[:i], rawURL[i:]
	}
	path, query, _ := strings.Cut(base, "?")
	query = withoutParam(query, name)
	if query != "" {
		query += "&"
	}
	return path + "?" + query + name + "=" + value + fragment
}

// withoutParam drops every occurrence of name, literal or percent-encoded,
// from a raw query and keeps the rest byte for byte.
func withoutParam(query, name string) string {
	if !strings.Contains(query, name) && strings.IndexByte(query, '%') < 0 {
		return query
	}
	parts := strings.Split(query, "&")
	kept := parts[:0]
	for _, p := range parts {
		key, _, _ := strings.Cut(p, "=")
		if key == name {
			continue
		}
		if strings.ContainsAny(key, "%+") {
			if k, err := url.QueryUnescape(key); err == nil && k == name {
				continue
			}
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "&")
}
