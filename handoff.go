package sessioninjector

import (
	"fmt"
	"net/http"
	"net/url"
)

// Handoff refusals, each a 400 that says what is wrong with the request.
var (
	handoffQueryTooLarge = fmt.Sprintf("session handoff: the query is over %d bytes\n", maxQueryBytes)
	handoffToTooLarge    = fmt.Sprintf("session handoff: 'to' is over %d bytes or %d parameters\n", maxTargetURLBytes, maxQueryParts)
)

// serveHandoff answers GET|HEAD {handoffPath}?to=<absolute URL> with a 303
// to that URL, carrying a token when the request is a navigation and the
// client has a session. The backend never sees these requests. Every size
// is checked before any loop, no token parameter of `to` is passed on, and
// no token goes to an http:// URL after a request over HTTPS (nor, without
// allowInsecureTargets, to one that is not a loopback host).
func serveHandoff(h *handler, rw http.ResponseWriter, r *http.Request) {
	noStore(rw.Header())
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rw.Header()["Allow"] = []string{"GET, HEAD"}
		plainError(rw, http.StatusMethodNotAllowed, "session handoff: method not allowed\n")
		return
	}
	if len(r.URL.RawQuery) > maxQueryBytes {
		plainError(rw, http.StatusBadRequest, handoffQueryTooLarge)
		return
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	to := query["to"]
	if err != nil || len(to) != 1 || to[0] == "" {
		plainError(rw, http.StatusBadRequest, "session handoff: exactly one 'to' parameter is required\n")
		return
	}
	if tooLarge(to[0], maxTargetURLBytes) {
		plainError(rw, http.StatusBadRequest, handoffToTooLarge)
		return
	}
	target, scheme, ok := targetHost(h.targets, to[0], false)
	if !ok {
		plainError(rw, http.StatusBadRequest, "session handoff: 'to' must be an absolute http(s) URL to an allowed host\n")
		return
	}
	if why := cleartextRefusal(h, target, scheme, isHTTPS(r)); why != "" {
		h.logf("handoff to %s refused: %s", target, why)
		plainError(rw, http.StatusBadRequest, "session handoff: 'to' must be an https:// URL: "+why+"\n")
		return
	}
	location := withoutURLParam(to[0], h.tokenParam)
	if token, ok := handoffToken(h, r, target); ok {
		location = withParam(location, h.tokenParam, token)
		recordPeer(h, rw.Header(), r, urlOrigin(to[0], isHTTPS(r)), isHTTPS(r))
	}
	rw.Header()["Location"] = []string{location}
	rw.WriteHeader(http.StatusSeeOther)
}

// handoffToken seals a token for target when the request is a top-level
// navigation to another host: a script, image or fetch pointed at the
// endpoint gets none.
func handoffToken(h *handler, r *http.Request, target string) (string, bool) {
	if !navigation(r.Header) {
		return noToken(h, "the handoff request is not a top-level navigation")
	}
	if isOwnHost(r.Host, target) {
		return "", false
	}
	return issueRequest(h, r, target)
}
