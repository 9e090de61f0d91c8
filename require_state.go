package sessioninjector

import (
	"net/http"
)

// pullMarker is the token parameter's value a source sends instead of a
// token when it runs with requireState: "this browser has a session here,
// pull it". It carries nothing, so it is worth nothing to an attacker.
const pullMarker = "pull"

// Refusal of a pushed token on a host that accepts pulls only.
var refusalPushed = newRefusal(reasonWrongBrowser, "pushed token refused: requireState accepts only a pull this browser started")

// redeemWithState serves a token parameter on a host with requireState,
// or a pull marker on any host. A marker starts a pull when this host
// pulls (pull.from; whatever pull.paths and the "no session" memory say:
// the source has just said there is a session). A pushed token, which
// could be an attacker's session sent to a victim (login CSRF), is
// refused and a pull started in its place, unless one is already in
// flight in this browser; a pull answer is finished as always.
func redeemWithState(h *handler, rw http.ResponseWriter, r *http.Request, token string) {
	if token == pullMarker {
		stripToken(h, r, token)
		if !pullAfterMarker(h, rw, r) {
			h.logf("pull marker: no pull started (pull.from unset, a method other than GET or HEAD, or an http:// source after HTTPS)")
			passStripped(h, rw, r)
		}
		return
	}
	if _, err := openToken(h.codec, token, normalizeHost(r.Host)); err != nil {
		refuseOrFinish(h, rw, r, tokenRefusal(err), token)
		return
	}
	h.logf("%s", refusalPushed.detail)
	if h.pull != nil && !pullInFlight(h, r) {
		stripToken(h, r, token)
		if pullAfterMarker(h, rw, r) {
			return
		}
		passStripped(h, rw, r)
		return
	}
	serveRefusal(h, rw, r, refusalPushed)
}

// pullAfterMarker starts a pull for a GET or HEAD request whose token
// parameter was stripped, and reports whether it did.
func pullAfterMarker(h *handler, rw http.ResponseWriter, r *http.Request) bool {
	if h.pull == nil || r.Method != http.MethodGet && r.Method != http.MethodHead || h.pull.fromHTTP && isHTTPS(r) {
		return false
	}
	return startPull(h, rw, r)
}

// pullInFlight reports whether the browser sent a state cookie: a pull it
// started is under way, and another would loop.
func pullInFlight(h *handler, r *http.Request) bool {
	name := h.pull.stateName
	if isHTTPS(r) {
		name = h.pull.stateNameSecure
	}
	_, err := r.Cookie(name)
	return err == nil
}

// passStripped passes a request stripped of its token parameter on, its
// URL kept out of caches and referrers.
func passStripped(h *handler, rw http.ResponseWriter, r *http.Request) {
	noStore(rw.Header())
	h.next.ServeHTTP(&protectedWriter{ResponseWriter: rw}, r)
}
