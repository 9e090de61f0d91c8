package sessioninjector

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxFutureSkewMs is how far in the future a token may be dated (clock skew between instances).
const maxFutureSkewMs = 2000

// Public refusal categories: all a client learns of why its token failed.
const (
	reasonInvalid     = "invalid"
	reasonExpired     = "expired"
	reasonReplayed    = "already used"
	reasonWrongClient = "wrong client"
	reasonUnavailable = "unavailable"
)

// refusal says why a token was refused: a public category and a detail for the log.
type refusal struct {
	category string
	detail   string
}

func refuse(category, detail string) *refusal {
	return &refusal{category: category, detail: detail}
}

// receive handles a request whose query may carry a token, and reports
// false when it holds no token parameter after all.
func receive(h *handler, rw http.ResponseWriter, r *http.Request) bool {
	query, err := url.ParseQuery(r.URL.RawQuery)
	tokens := query[h.tokenParam]
	if len(tokens) == 0 && (err == nil || !strings.Contains(r.URL.RawQuery, h.tokenParam)) {
		return false // no token; a malformed query that mentions one is refused below
	}
	cl, why := verify(h, r, tokens, err)
	if why != nil {
		h.logf("handoff refused (%s): %s", why.category, why.detail)
		if h.dieOnFailure {
			rw.Header()["Cache-Control"] = []string{"no-store"}
			rw.Header()["Referrer-Policy"] = []string{"no-referrer"}
			plainError(rw, http.StatusForbidden, "session handoff refused: "+why.category+"\n")
			return true
		}
		stripToken(h, r)
		h.next.ServeHTTP(rw, r)
		return true
	}

	stripToken(h, r)
	injectCookie(r.Header, h.cookieName, cl.session)
	header := rw.Header()
	header["Set-Cookie"] = append(header["Set-Cookie"], setCookie(h.cookie, cl.session, isHTTPS(r)))
	header["Cache-Control"] = []string{"no-store"}
	header["Referrer-Policy"] = []string{"no-referrer"}
	if h.cleanURL && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		header["Location"] = []string{cleanLocation(r)}
		rw.WriteHeader(http.StatusSeeOther)
		return true
	}
	h.next.ServeHTTP(rw, r)
	return true
}

// verify checks the request's token parameters and, last of all, redeems the token.
func verify(h *handler, r *http.Request, tokens []string, queryErr error) (*claims, *refusal) {
	if queryErr != nil {
		return nil, refuse(reasonInvalid, "malformed query")
	}
	if len(tokens) != 1 {
		return nil, refuse(reasonInvalid, fmt.Sprintf("%d token parameters, want exactly one", len(tokens)))
	}
	host := normalizeHost(r.Host)
	cl, err := openToken(h.codec, tokens[0], host)
	if err != nil {
		return nil, refuse(reasonInvalid, err.Error())
	}
	now := nowMs(h)
	if cl.createdMs > now+maxFutureSkewMs {
		return nil, refuse(reasonInvalid, "token dated in the future")
	}
	lifetime := h.lifetimeMs
	if cl.lifetimeMs < lifetime {
		lifetime = cl.lifetimeMs
	}
	if now-cl.createdMs >= lifetime {
		return nil, refuse(reasonExpired, "token expired")
	}
	if h.bindClientIP {
		if why := checkClient(h, r, cl); why != nil {
			return nil, why
		}
	}
	if !validCookieValue(cl.session) {
		return nil, refuse(reasonInvalid, "session value is not a valid cookie value")
	}
	if h.singleUse {
		if why := redeem(h, cl, cl.createdMs+lifetime+maxFutureSkewMs, now); why != nil {
			return nil, why
		}
	}
	return cl, nil
}

func checkClient(h *handler, r *http.Request, cl *claims) *refusal {
	if cl.clientIP == "" {
		return refuse(reasonWrongClient, "token not bound to a client, but bindClientIP is on")
	}
	current, ok := clientAddr(h.clients, r)
	if !ok {
		return refuse(reasonWrongClient, "client address not found")
	}
	if !sameClientAddr(h.clients, cl.clientIP, current) {
		return refuse(reasonWrongClient, "token issued to another client address")
	}
	return nil
}

// stripToken removes the token parameter from the request's URL and RequestURI.
func stripToken(h *handler, r *http.Request) {
	r.URL.RawQuery = withoutParam(r.URL.RawQuery, h.tokenParam)
	if r.RequestURI != "" {
		path, _, _ := strings.Cut(r.RequestURI, "?")
		if r.URL.RawQuery != "" {
			path += "?" + r.URL.RawQuery
		}
		r.RequestURI = path
	}
}

// cleanLocation is the absolute URL of the request, on its own host, once
// its token is stripped: absolute, so that a path like //evil.example can
// never turn the 303 into an open redirect.
func cleanLocation(r *http.Request) string {
	scheme := "http://"
	if isHTTPS(r) {
		scheme = "https://"
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	loc := scheme + r.Host + path
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	return loc
}

// isHTTPS reports whether the client reached Traefik over TLS.
func isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	p := r.Header["X-Forwarded-Proto"]
	return len(p) != 0 && strings.EqualFold(p[0], "https")
}
