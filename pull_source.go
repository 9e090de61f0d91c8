package sessioninjector

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The source side of the pull: its endpoint and the answer it seals.

// servePull answers GET|HEAD {pullPath}?return=<absolute URL>&state=<state>,
// the source's pull endpoint, with a 303 to return carrying a pull answer:
// sealed for return's host, bound to the client, holding state and the
// session's cookies or, without a session, the "no session" mark. return
// is checked by exactly the rules of the handoff's `to`. The backend never
// sees these requests; only a navigation is answered.
func servePull(h *handler, rw http.ResponseWriter, r *http.Request) {
	noStore(rw.Header())
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rw.Header()["Allow"] = []string{"GET, HEAD"}
		plainError(rw, http.StatusMethodNotAllowed, "session pull: method not allowed\n")
		return
	}
	if !navigation(r.Header) {
		plainError(rw, http.StatusBadRequest, "session pull: only a top-level navigation is answered\n")
		return
	}
	if len(r.URL.RawQuery) > maxQueryBytes {
		plainError(rw, http.StatusBadRequest, pullQueryTooLarge)
		return
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	back, state := query["return"], query["state"]
	if err != nil || len(back) != 1 || back[0] == "" {
		plainError(rw, http.StatusBadRequest, "session pull: exactly one 'return' parameter is required\n")
		return
	}
	if len(state) != 1 || state[0] == "" || len(state[0]) > maxStateChars || strings.Trim(state[0], base64URLChars) != "" {
		plainError(rw, http.StatusBadRequest, pullBadState)
		return
	}
	if tooLarge(back[0], maxTargetURLBytes) {
		plainError(rw, http.StatusBadRequest, pullReturnTooLarge)
		return
	}
	target, scheme, ok := targetHost(h.targets, back[0], false)
	if !ok {
		plainError(rw, http.StatusBadRequest, "session pull: 'return' must be an absolute http(s) URL to an allowed host\n")
		return
	}
	if why := cleartextRefusal(h, target, scheme, isHTTPS(r)); why != "" {
		h.logf("pull for %s refused: %s", target, why)
		plainError(rw, http.StatusBadRequest, "session pull: 'return' must be an https:// URL: "+why+"\n")
		return
	}
	location := withoutURLParam(back[0], h.tokenParam)
	if answer, ok := pullAnswerFor(h, r, target, state[0]); ok {
		location = withParam(location, h.tokenParam, answer)
		if hasCookie(r, h.cookie.primary) {
			recordPeer(h, rw.Header(), r, urlOrigin(back[0], isHTTPS(r)), isHTTPS(r))
		}
	}
	rw.Header()["Location"] = []string{location}
	rw.WriteHeader(http.StatusSeeOther)
}

// pullAnswerFor seals the pull answer for target: the request's session,
// or the "no session" mark when it carries no primary cookie. It seals
// nothing, and says why, when the session's cookies cannot be handed
// over (then the target serves its page without a session) or there is no
// client address.
func pullAnswerFor(h *handler, r *http.Request, target, state string) (string, bool) {
	client := ""
	if h.bindClientIP {
		var ok bool
		if client, ok = clientAddr(h.clients, r); !ok {
			return noToken(h, "client address not found")
		}
	}
	// Each assigned on its own: under yaegi v0.16.1 the parallel
	// assignments this was written with lost the session (e2e/interp).
	session := noSessionMark
	count := 0
	if cookies := requestCookies(r, h.cookie.names); cookies != nil {
		claim, why := encodeChecked(h.cookie.primary, cookies)
		if why != "" {
			return noToken(h, why)
		}
		session = claim
		count = len(cookies)
	}
	plain := strconv.FormatInt(nowMs(h)*lifetimeScale+h.lifetimeMs, 10) + "\n" + client + "\n" + state + "\n" + issuerOf(h, r) + "\n" + session
	answer := sealAs(h.codec, pullAnswer, target, plain)
	if answer == "" {
		return noToken(h, overBudget(count, len(plain)))
	}
	if count == 0 {
		h.logf("pull for %s answered: no session", target)
	} else {
		h.logf("pull for %s answered with the session's %d cookies", target, count)
	}
	return answer, true
}
