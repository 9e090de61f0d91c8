package sessioninjector

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
)

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

// WriteHeader adds a token to a redirect to an allowed target, or starts
// a sign-out chain, then writes the status. The first final status is the
// one that counts; informational ones pass. The common 200 takes the
// fewest steps: a sign-out is seen in a redirect only.
func (w *redirectWriter) WriteHeader(code int) {
	if code >= 300 && !w.written {
		finalStatus(w, code)
		return
	}
	if code >= 200 {
		w.written = true
	}
	w.ResponseWriter.WriteHeader(code)
}

// finalStatus writes a final status of 300 or more: for a redirect that
// ends the session of a browser with a record, the chain's first 303;
// for another redirect, the session propagated through it.
func finalStatus(w *redirectWriter, code int) {
	w.written = true
	if redirectCodes[code] {
		header := w.ResponseWriter.Header()
		if w.h.signOut != nil && (len(header["Set-Cookie"]) != 0 || len(header["Clear-Site-Data"]) != 0) &&
			signOutStarts(w.h, header, w.r, header["Location"]) {
			code = http.StatusSeeOther
		} else if w.h.propagate {
			propagate(w.h, header, w.r, code)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

// Flush flushes the wrapped writer when it can.
func (w *redirectWriter) Flush() { flush(w.ResponseWriter) }

// Hijack hands the connection over, for protocol upgrades.
func (w *redirectWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return hijack(w.ResponseWriter)
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *redirectWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// redirectCodes are the statuses whose Location a browser follows.
var redirectCodes = map[int]bool{
	http.StatusMovedPermanently: true, http.StatusFound: true, http.StatusSeeOther: true,
	http.StatusTemporaryRedirect: true, http.StatusPermanentRedirect: true,
}

// navigation reports whether a request can be a top-level navigation whose
// redirect may carry a token: Sec-Fetch-Mode says navigate or, from clients
// that do not send it, the request accepts HTML. Fetches, subresources,
// WebSocket upgrades, event streams and gRPC are never wrapped (under the
// interpreter a wrapper costs them http.Flusher, so they would be buffered):
// browsers send those with another Sec-Fetch-Mode (websocket, cors), so only
// requests without it are looked at further. Subresources, the most common
// case, are answered in the fewest steps.
func navigation(h http.Header) bool {
	if m := h["Sec-Fetch-Mode"]; len(m) != 0 {
		return m[0] == "navigate"
	}
	return acceptsHTML(h)
}

// acceptsHTML reports that a request without Sec-Fetch-Mode accepts HTML
// and is no stream.
func acceptsHTML(h http.Header) bool {
	accept := h["Accept"]
	return len(accept) != 0 && strings.Contains(accept[0], "text/html") && notStream(h)
}

// notStream reports that a request is no protocol upgrade, event stream or gRPC call.
func notStream(h http.Header) bool {
	if len(h["Upgrade"]) != 0 {
		return false
	}
	if accept := h["Accept"]; len(accept) != 0 && strings.Contains(accept[0], "text/event-stream") {
		return false
	}
	ct := h["Content-Type"]
	return len(ct) == 0 || !strings.HasPrefix(ct[0], "application/grpc")
}

// propagate adds a token to a redirect's Location when it points at an
// allowed target other than the request's own host and the client has a
// session: the cookies the browser holds once it has the response (see
// redirectCookies). It also forbids caching the redirect
// and sending its URL as a referrer. When it adds no token it removes any
// token parameter it did not mint from such a Location; any other Location
// is left byte for byte.
func propagate(h *handler, header http.Header, r *http.Request, code int) {
	loc := header["Location"]
	if len(loc) != 1 {
		return
	}
	if tooLarge(loc[0], maxTargetURLBytes) {
		h.logf("no token issued: the Location is over %d bytes or %d parameters", maxTargetURLBytes, maxQueryParts)
		return
	}
	target, scheme, ok := targetHost(h.targets, loc[0], true)
	if !ok || len(r.Host) >= len(target) && isOwnHost(r.Host, target) {
		return
	}
	if token, ok := redirectToken(h, header, r, target, scheme, code); ok {
		recordPeer(h, header, r, urlOrigin(loc[0], isHTTPS(r)), isHTTPS(r))
		header["Location"] = []string{withParam(loc[0], h.tokenParam, token)}
		noStore(header)
	} else {
		header["Location"] = []string{withoutURLParam(loc[0], h.tokenParam)}
	}
}

// redirectToken seals a token for a redirect to target, unless a 307 or
// 308 would replay a request body to it or the token would travel in
// clear text.
func redirectToken(h *handler, header http.Header, r *http.Request, target string, scheme, code int) (string, bool) {
	if code >= http.StatusTemporaryRedirect && r.Method != http.MethodGet && r.Method != http.MethodHead {
		return noToken(h, fmt.Sprintf("a %d answer to a %s would replay its body to the target", code, r.Method))
	}
	if scheme != schemeHTTPS {
		if why := cleartextRefusal(h, target, scheme, isHTTPS(r)); why != "" {
			return noToken(h, why)
		}
	}
	if len(header["Set-Cookie"]) == 0 && len(header["Clear-Site-Data"]) == 0 {
		return issueRequest(h, r, target)
	}
	return issueResponse(h, header, r, target)
}

// issueResponse is redirectToken for a response with Set-Cookie or
// Clear-Site-Data headers: one that sets none of the session's cookies and
// clears none (a flash or CSRF cookie on a redirect) hands over the
// request's session as issueRequest reads it, as redirectCookies would.
func issueResponse(h *handler, header http.Header, r *http.Request, target string) (string, bool) {
	if len(header["Clear-Site-Data"]) == 0 && !setsAny(header["Set-Cookie"], h.cookie.names) {
		return issueRequest(h, r, target)
	}
	return issue(h, r, target, redirectCookies(header, r, h.cookie.names, nowMs(h)))
}
