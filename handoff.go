package sessioninjector

import (
	"net/http"
	"net/url"
)

// serveHandoff answers GET|HEAD {handoffPath}?to=<absolute URL> with a 303
// to that URL, carrying a token when the client has a session. The backend
// never sees these requests.
func serveHandoff(h *handler, rw http.ResponseWriter, r *http.Request) {
	header := rw.Header()
	header["Cache-Control"] = []string{"no-store"}
	header["Referrer-Policy"] = []string{"no-referrer"}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		header["Allow"] = []string{"GET, HEAD"}
		plainError(rw, http.StatusMethodNotAllowed, "session handoff: method not allowed\n")
		return
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	to := query["to"]
	if err != nil || len(to) != 1 || to[0] == "" {
		plainError(rw, http.StatusBadRequest, "session handoff: exactly one 'to' parameter is required\n")
		return
	}
	target, ok := targetHost(h.targets, to[0], false)
	if !ok {
		plainError(rw, http.StatusBadRequest, "session handoff: 'to' must be an absolute http(s) URL to an allowed host\n")
		return
	}
	location := to[0]
	if !isOwnHost(r.Host, target) {
		if token, ok := issue(h, r, target, requestSession(r, h.cookieName)); ok {
			location = withParam(location, h.tokenParam, token)
		}
	}
	header["Location"] = []string{location}
	rw.WriteHeader(http.StatusSeeOther)
}

// plainError answers with a short plain-text message.
func plainError(rw http.ResponseWriter, code int, msg string) {
	header := rw.Header()
	header["Content-Type"] = []string{"text/plain; charset=utf-8"}
	header["X-Content-Type-Options"] = []string{"nosniff"}
	rw.WriteHeader(code)
	_, _ = rw.Write([]byte(msg))
}
