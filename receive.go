package sessioninjector

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxFutureSkewMs is how far in the future a token may be dated (clock skew between instances).
const maxFutureSkewMs = 2000

// receive handles a request whose query may carry a token, and reports
// false when it holds no token parameter after all. The common case, one
// token in a well-formed query within the caps on a navigation (a large
// session makes a long token, so a long query is common too), goes
// straight to redeem; everything else is sorted out by receiveChecked.
func receive(h *handler, rw http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path == h.signOutPath {
		serveSignOut(h, rw, r)
		return true
	}
	if len(r.URL.RawQuery) > maxQueryBytes {
		return receiveOversized(h, rw, r)
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	tokens := query[h.tokenParam]
	if len(tokens) == 1 && err == nil && (len(r.URL.RawQuery) < maxQueryParts || strings.Count(r.URL.RawQuery, "&") < maxQueryParts) && navigation(r.Header) {
		redeem(h, rw, r, tokens[0])
		return true
	}
	return receiveChecked(h, rw, r, tokens, err)
}

// receiveChecked is receive for a query that is long, malformed, holds
// the token parameter other than once, or comes with a request that is no
// navigation; and for a request to the pull endpoint, which ServeHTTP
// sends here (the return URL a target writes is percent-encoded, which
// tokenQuery matches) so that no other request pays for it.
func receiveChecked(h *handler, rw http.ResponseWriter, r *http.Request, tokens []string, err error) bool {
	if r.URL.Path == h.pullPath {
		servePull(h, rw, r)
		return true
	}
	why, present := queryRefusal(h, r.URL.RawQuery, len(tokens), err)
	if !present {
		return false
	}
	if why == nil && !navigation(r.Header) {
		why = refusalNotNavigation
	}
	if why != nil {
		serveRefusal(h, rw, r, why)
		return true
	}
	redeem(h, rw, r, tokens[0])
	return true
}

// receiveOversized refuses a query over maxQueryBytes that holds the token
// parameter, without parsing it, and reports false for one that does not;
// the pull endpoint refuses it too.
func receiveOversized(h *handler, rw http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path == h.pullPath {
		servePull(h, rw, r)
		return true
	}
	if !h.tokenKey.MatchString(r.URL.RawQuery) {
		return false
	}
	serveRefusal(h, rw, r, refusalTooLarge)
	return true
}

// queryRefusal reports whether a query holds the token parameter and, if
// it does, why it is refused: over the caps, the parameter more than once,
// or a pair whose key is, or decodes to, the parameter that does not
// parse. A malformed pair of another key refuses nothing.
func queryRefusal(h *handler, query string, tokens int, err error) (*refusal, bool) {
	if tokens == 0 && (err == nil || !h.tokenKey.MatchString(query)) {
		return nil, false
	}
	switch {
	case tooLarge(query, maxQueryBytes):
		return refusalTooLarge, true
	case tokens > 1:
		return newRefusal(reasonInvalid, fmt.Sprintf("%d token parameters, want exactly one", tokens)), true
	case tokens == 0 || err != nil && len(h.tokenKey.FindAllStringIndex(query, 2)) > 1:
		return refusalMalformedQuery, true
	}
	return nil, true
}

// redeem verifies a token and serves the request with its session, or
// refuses it. A pull marker starts a pull; with requireState a pushed
// token is never redeemed (see redeemWithState).
func redeem(h *handler, rw http.ResponseWriter, r *http.Request, token string) {
	if h.requireState || token == pullMarker {
		redeemWithState(h, rw, r, token)
		return
	}
	cookies, issuer, why := verify(h, r, token)
	if why == nil {
		serveRedeemed(h, rw, r, cookies, issuer, token)
	} else {
		refuseOrFinish(h, rw, r, why, token)
	}
}

// serveRedeemed sets the session's cookies on this host (unless it keeps
// its own, onExistingSession keep) and answers with a 303 to the URL
// without the token (cleanURL; always for a method other than GET or
// HEAD, so that no request body reaches the backend with an injected
// session; and for a Cookie header too long to rewrite), or passes the
// request on, stripped of the token and carrying the session.
// issuer is the origin that handed the session over when it signs out
// everywhere: recorded here, so that a sign-out here reaches it.
func serveRedeemed(h *handler, rw http.ResponseWriter, r *http.Request, cookies []sessionCookie, issuer, token string) {
	header := rw.Header()
	https := isHTTPS(r)
	if issuer != "" {
		recordPeer(h, header, r, issuer, https)
	}
	var stale []string
	if h.oneCookie {
		header["Set-Cookie"] = append(header["Set-Cookie"], setCookie(h.cookie, &cookies[0], https))
	} else {
		cookies, stale = setRedeemed(h, header, r, cookies, https)
	}
	noStore(header)
	if h.cleanURL || r.Method != http.MethodGet && r.Method != http.MethodHead || tooManyCookies(r.Header) {
		header["Location"] = []string{cleanLocation(r, withoutToken(r.URL.RawQuery, h.tokenParam, token), https)}
		rw.WriteHeader(http.StatusSeeOther)
		return
	}
	stripToken(h, r, token)
	injectSession(r.Header, cookies, stale)
	h.next.ServeHTTP(&protectedWriter{ResponseWriter: rw}, r)
}

// verify checks a token and, last of all, redeems it; it returns the
// session's cookies and the issuer the token names.
func verify(h *handler, r *http.Request, token string) ([]sessionCookie, string, *refusal) {
	cl, err := openToken(h.codec, token, normalizeHost(r.Host))
	if err != nil {
		return nil, "", tokenRefusal(err)
	}
	cookies, why := verifyClaims(h, r, cl)
	return cookies, cl.issuer, why
}

// verifyClaims checks an opened token's claims and, last of all, redeems it.
func verifyClaims(h *handler, r *http.Request, cl *claims) ([]sessionCookie, *refusal) {
	now := nowMs(h)
	age := now - cl.createdMs
	if age < -maxFutureSkewMs || age >= cl.lifetimeMs || age >= h.lifetimeMs {
		return nil, ageRefusal(age)
	}
	if h.bindClientIP && !sameRemote(h, r, cl.clientIP) {
		if why := checkClient(h, r, cl.clientIP); why != nil {
			return nil, why
		}
	}
	cookies, why := decodeSession(h.cookie, cl.session, age)
	if why != nil {
		return nil, why
	}
	// The record is kept for the token's own lifetime, never shorter than
	// the time it can be accepted in.
	if h.singleUse {
		if why := recordRedemption(h, r, cl, cl.createdMs+cl.lifetimeMs+maxFutureSkewMs, now); why != nil {
			return nil, why
		}
	}
	return cookies, nil
}

// sameRemote settles the common case of client binding without parsing:
// the token is bound to the IPv4 address RemoteAddr starts with.
func sameRemote(h *handler, r *http.Request, bound string) bool {
	return bound != "" && !h.clients.forwarded && strings.HasPrefix(r.RemoteAddr, bound+":")
}

// checkClient compares the token's client address with the request's, by prefix.
func checkClient(h *handler, r *http.Request, bound string) *refusal {
	if bound == "" {
		return refusalUnbound
	}
	current, ok := clientAddr(h.clients, r)
	if !ok {
		return refusalNoClient
	}
	if bound != current && !samePrefix(h.clients, bound, current) {
		return refusalOtherClient
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
