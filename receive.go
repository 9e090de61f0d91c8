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

// Refusals with a fixed detail, built once.
var (
	refusedMalformedQuery = refuse(reasonInvalid, "malformed query")
	refusedFuture         = refuse(reasonInvalid, "token dated in the future")
	refusedExpired        = refuse(reasonExpired, "token expired")
	refusedSession        = refuse(reasonInvalid, "session value is not a valid cookie value")
	refusedUnbound        = refuse(reasonWrongClient, "token not bound to a client, but bindClientIP is on")
	refusedNoClient       = refuse(reasonWrongClient, "client address not found")
	refusedOtherClient    = refuse(reasonWrongClient, "token issued to another client address")
	refusedReplayed       = refuse(reasonReplayed, "token already redeemed")
	refusedCacheFull      = refuse(reasonUnavailable, "replay cache full (replayCacheSize)")
)

// receive handles a request whose query may carry a token, and reports
// false when it holds no token parameter after all.
//
// Under Traefik's interpreter every expression of a function costs an
// allocation on every call, whichever branch runs: the redemption path is
// written in few expressions, with the rare cases in functions of their own.
func receive(h *handler, rw http.ResponseWriter, r *http.Request) bool {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if tokens := query[h.tokenParam]; len(tokens) == 1 && err == nil {
		if cl, why := verify(h, r, tokens[0]); why == nil {
			serveRedeemed(h, rw, r, cl, tokens[0])
		} else {
			refused(h, rw, r, why)
		}
		return true
	}
	return receiveMalformed(h, rw, r, len(query[h.tokenParam]), err)
}

// receiveMalformed refuses a query with several token parameters or one
// that does not parse but mentions the parameter, and reports false for a
// query without any.
func receiveMalformed(h *handler, rw http.ResponseWriter, r *http.Request, tokens int, err error) bool {
	switch {
	case tokens > 1:
		refused(h, rw, r, refuse(reasonInvalid, fmt.Sprintf("%d token parameters, want exactly one", tokens)))
	case tokens == 1 || err != nil && strings.Contains(r.URL.RawQuery, h.tokenParam):
		refused(h, rw, r, refusedMalformedQuery)
	default:
		return false
	}
	return true
}

// refused answers 403 to a refused token or, without dieOnHandshakeFailure,
// strips it and goes on without a session.
func refused(h *handler, rw http.ResponseWriter, r *http.Request, why *refusal) {
	h.logf("handoff refused (%s): %s", why.category, why.detail)
	if h.dieOnFailure {
		rw.Header()["Cache-Control"] = []string{"no-store"}
		rw.Header()["Referrer-Policy"] = []string{"no-referrer"}
		plainError(rw, http.StatusForbidden, "session handoff refused: "+why.category+"\n")
		return
	}
	stripToken(h, r, "")
	h.next.ServeHTTP(rw, r)
}

// serveRedeemed sets the session cookie on this host and either answers a
// GET or HEAD with a 303 to the URL without the token (cleanURL) or passes
// the request on, stripped of the token and carrying the session.
func serveRedeemed(h *handler, rw http.ResponseWriter, r *http.Request, cl *claims, token string) {
	header := rw.Header()
	https := isHTTPS(r)
	header["Set-Cookie"] = append(header["Set-Cookie"], setCookie(h.cookie, cl.session, https))
	header["Cache-Control"] = []string{"no-store"}
	header["Referrer-Policy"] = []string{"no-referrer"}
	if h.cleanURL && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		header["Location"] = []string{cleanLocation(r, withoutToken(r.URL.RawQuery, h.tokenParam, token), https)}
		rw.WriteHeader(http.StatusSeeOther)
		return
	}
	stripToken(h, r, token)
	injectCookie(r.Header, h.cookieName, cl.session)
	h.next.ServeHTTP(rw, r)
}

// verify checks a token and, last of all, redeems it.
func verify(h *handler, r *http.Request, token string) (*claims, *refusal) {
	cl, err := openToken(h.codec, token, normalizeHost(r.Host))
	if err != nil {
		return nil, refusedToken(err)
	}
	now := nowMs(h)
	if age := now - cl.createdMs; age < -maxFutureSkewMs || age >= cl.lifetimeMs || age >= h.lifetimeMs {
		return nil, refusedTime(age)
	}
	if h.bindClientIP && !sameRemote(h, r, cl.clientIP) {
		if why := checkClient(h, r, cl.clientIP); why != nil {
			return nil, why
		}
	}
	if !validCookieValue(cl.session) {
		return nil, refusedSession
	}
	// The record is kept for the token's own lifetime, never shorter than
	// the time it can be accepted in.
	if h.singleUse {
		if why := redeem(h, cl, cl.createdMs+cl.lifetimeMs+maxFutureSkewMs, now); why != nil {
			return nil, why
		}
	}
	return cl, nil
}

func refusedToken(err error) *refusal {
	return refuse(reasonInvalid, err.Error())
}

// refusedTime refuses a token dated age ms ago: in the future or expired.
func refusedTime(age int64) *refusal {
	if age < 0 {
		return refusedFuture
	}
	return refusedExpired
}

// sameRemote settles the common case of client binding without parsing:
// the token is bound to the IPv4 address RemoteAddr starts with.
func sameRemote(h *handler, r *http.Request, bound string) bool {
	return bound != "" && !h.clients.forwarded && strings.HasPrefix(r.RemoteAddr, bound+":")
}

// checkClient compares the token's client address with the request's, by prefix.
func checkClient(h *handler, r *http.Request, bound string) *refusal {
	if bound == "" {
		return refusedUnbound
	}
	current, ok := clientAddr(h.clients, r)
	if !ok {
		return refusedNoClient
	}
	if bound != current && !samePrefix(h.clients, bound, current) {
		return refusedOtherClient
	}
	return nil
}

// withoutToken is withoutParam for a query known to hold the parameter
// exactly once (a redeemed token's): when it ends with the literal
// name=token, as the queries this middleware writes do, that suffix is
// simply cut.
func withoutToken(query, name, token string) string {
	param := name + "=" + token
	if query == param {
		return ""
	}
	if strings.HasSuffix(query, "&"+param) {
		return query[:len(query)-len(param)-1]
	}
	return withoutParam(query, name)
}

// stripToken removes the token parameter from the request's URL and
// RequestURI. token is the redeemed token, the query's only one; empty
// for a refused query, which may hold the parameter any number of times.
func stripToken(h *handler, r *http.Request, token string) {
	if token == "" {
		r.URL.RawQuery = withoutParam(r.URL.RawQuery, h.tokenParam)
	} else {
		r.URL.RawQuery = withoutToken(r.URL.RawQuery, h.tokenParam, token)
	}
	if r.RequestURI != "" {
		path, _, _ := strings.Cut(r.RequestURI, "?")
		if r.URL.RawQuery != "" {
			path += "?" + r.URL.RawQuery
		}
		r.RequestURI = path
	}
}

// cleanLocation is the absolute URL of the request, on its own host, with
// the query stripped of its token: absolute, so that a path like
// //evil.example can never turn the 303 into an open redirect.
func cleanLocation(r *http.Request, query string, https bool) string {
	scheme := "http://"
	if https {
		scheme = "https://"
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	if query != "" {
		return scheme + r.Host + path + "?" + query
	}
	return scheme + r.Host + path
}

// isHTTPS reports whether the client reached Traefik over TLS.
func isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	p := r.Header["X-Forwarded-Proto"]
	return len(p) != 0 && strings.EqualFold(p[0], "https")
}
