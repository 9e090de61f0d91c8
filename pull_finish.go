package sessioninjector

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
)

// The target side of the pull's end: a pull answer checked against this
// browser's state, and redeemed, remembered or refused.

// Pull answer refusals with a fixed detail.
var (
	refusalPullClaims = newRefusal(reasonInvalid, "malformed pull answer claims")
	refusalNoState    = newRefusal(reasonWrongBrowser, "pull answer without this browser's pull state cookie")
	refusalBadState   = newRefusal(reasonWrongBrowser, "pull state does not open for this host")
	refusalOtherState = newRefusal(reasonWrongBrowser, "pull state of another browser: its nonce is not this browser's cookie")
	refusalStaleState = newRefusal(reasonExpired, "pull state older than 60 s")
)

// refuseOrFinish serves a token that did not open as a handoff token as a
// pull answer when this host pulls, and refuses any other. Every token
// that does not open goes to finishPull, whose refusals never answer with
// a 303 to the same URL: an answer sealed under a key this host does not
// know (a misconfiguration) must not bounce a browser that keeps no
// cookies between the two hosts for ever.
func refuseOrFinish(h *handler, rw http.ResponseWriter, r *http.Request, why *refusal, token string) {
	if why.unopened && h.pull != nil {
		finishPull(h, rw, r, token)
		return
	}
	serveRefusal(h, rw, r, why)
}

// finishPull serves a pull answer: clearing the state cookie whenever the
// browser sent it (so a handoff token refused here sets none); with
// a session, redeemed as a handoff token is; with "no session", setting
// the memory cookie; refused, served without a session and never sent
// round again (a browser that keeps no cookies would otherwise loop).
func finishPull(h *handler, rw http.ResponseWriter, r *http.Request, token string) {
	https := isHTTPS(r)
	header := rw.Header()
	if https {
		if _, err := r.Cookie(h.pull.stateNameSecure); err == nil {
			header["Set-Cookie"] = append(header["Set-Cookie"], h.pull.clearStateSecure)
		}
	} else if _, err := r.Cookie(h.pull.stateName); err == nil {
		header["Set-Cookie"] = append(header["Set-Cookie"], h.pull.clearState)
	}
	cookies, issuer, why := verifyPull(h, r, token, https)
	switch {
	case why != nil:
		refusePull(h, rw, r, why, token)
	case cookies == nil:
		pullNoSession(h, rw, r, token, https)
	default:
		h.logf("pull answer redeemed")
		serveRedeemed(h, rw, r, cookies, issuer, token)
	}
}

// pullNoSession serves a "no session" answer: the memory cookie and a 303
// to the URL without the token or, when nothing is remembered
// (pull.noSessionFor 0), the page itself, stripped of the token: a 303
// would start the pull again.
func pullNoSession(h *handler, rw http.ResponseWriter, r *http.Request, token string, https bool) {
	h.logf("pull answer: no session on the source")
	header := rw.Header()
	noStore(header)
	if h.pull.noSessionFor == 0 {
		stripToken(h, r, token)
		h.next.ServeHTTP(&protectedWriter{ResponseWriter: rw}, r)
		return
	}
	if https {
		header["Set-Cookie"] = append(header["Set-Cookie"], h.pull.memorySecure)
	} else {
		header["Set-Cookie"] = append(header["Set-Cookie"], h.pull.memory)
	}
	header["Location"] = []string{cleanLocation(r, withoutToken(r.URL.RawQuery, h.tokenParam, token), https)}
	rw.WriteHeader(http.StatusSeeOther)
}

// refusePull answers a refused pull answer without a 303 to the same
// URL, which would start the pull again in a browser that keeps no
// cookies: with dieOnHandshakeFailure, the refusal page (or a plain 403);
// without it, the page itself, stripped of the token, without a session.
func refusePull(h *handler, rw http.ResponseWriter, r *http.Request, why *refusal, token string) {
	h.logf("pull answer refused (%s): %s", why.category, why.detail)
	noStore(rw.Header())
	if !h.dieOnFailure {
		stripToken(h, r, token)
		h.next.ServeHTTP(&protectedWriter{ResponseWriter: rw}, r)
		return
	}
	if navigation(r.Header) {
		refusalPage(rw, why, refusedURL(h, r, why))
		return
	}
	plainError(rw, http.StatusForbidden, "session handoff refused: "+why.category+"\n")
}

// verifyPull checks a pull answer as verify checks a handoff token, and
// its state against this browser's state cookie; it returns the session's
// cookies, or none for a "no session" answer, and the issuer the answer
// names. It is recorded as used last of all.
func verifyPull(h *handler, r *http.Request, token string, https bool) ([]sessionCookie, string, *refusal) {
	host := normalizeHost(r.Host)
	plain, id, err := openAs(h.codec, pullAnswer, token, host)
	if err != nil {
		return nil, "", tokenRefusal(err)
	}
	f := strings.SplitN(plain, "\n", 5)
	if len(f) != 5 {
		return nil, "", refusalPullClaims
	}
	times, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || times%lifetimeScale <= 0 {
		return nil, "", refusalPullClaims
	}
	cookies, why := verifyAnswer(h, r, host, f, times, id, https)
	return cookies, f[3], why
}

// verifyAnswer checks an opened pull answer's fields (times, client,
// state, issuer, session) and, last of all, records it as used.
func verifyAnswer(h *handler, r *http.Request, host string, f []string, times int64, id string, https bool) ([]sessionCookie, *refusal) {
	cl := &claims{createdMs: times / lifetimeScale, lifetimeMs: times % lifetimeScale, target: host, clientIP: f[1], id: id}
	now := nowMs(h)
	age := now - cl.createdMs
	if age < -maxFutureSkewMs || age >= cl.lifetimeMs || age >= h.lifetimeMs {
		return nil, ageRefusal(age)
	}
	if why := checkState(h, r, host, f[2], https, now); why != nil {
		return nil, why
	}
	if h.bindClientIP {
		if why := checkClient(h, r, cl.clientIP); why != nil {
			return nil, why
		}
	}
	var cookies []sessionCookie
	if f[4] != noSessionMark {
		var why *refusal
		if cookies, why = decodeSession(h.cookie, f[4], age); why != nil {
			return nil, why
		}
	}
	if h.singleUse {
		if why := recordRedemption(h, r, cl, cl.createdMs+cl.lifetimeMs+maxFutureSkewMs, now); why != nil {
			return nil, why
		}
	}
	return cookies, nil
}

// checkState checks an answer's state: sealed by this host for itself,
// younger than pullStateMs, and holding the nonce of this browser's state
// cookie (compared in constant time).
func checkState(h *handler, r *http.Request, host, state string, https bool, now int64) *refusal {
	name := h.pull.stateName
	if https {
		name = h.pull.stateNameSecure
	}
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" {
		return refusalNoState
	}
	plain, _, err := openAs(h.codec, pullState, state, host)
	if err != nil {
		return refusalBadState
	}
	created, nonce, ok := strings.Cut(plain, "\n")
	ms, err := strconv.ParseInt(created, 10, 64)
	if !ok || err != nil {
		return refusalBadState
	}
	if age := now - ms; age < -maxFutureSkewMs || age >= pullStateMs {
		return refusalStaleState
	}
	if subtle.ConstantTimeCompare([]byte(nonce), []byte(c.Value)) != 1 {
		return refusalOtherState
	}
	return nil
}
