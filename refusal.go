package sessioninjector

import (
	"fmt"
	"html"
	"io"
	"net/http"
)

// Public refusal categories: all a client learns of why its token failed.
const (
	reasonInvalid       = "invalid"
	reasonExpired       = "expired"
	reasonReplayed      = "already used"
	reasonWrongClient   = "wrong client"
	reasonUnavailable   = "unavailable"
	reasonNotNavigation = "not a navigation"
	reasonTooLarge      = "query too large"
	reasonWrongBrowser  = "wrong browser"
)

// refusal says why a token was refused: a public category and a detail for the log.
type refusal struct {
	category string
	detail   string
	// unopened: the token did not open as a handoff token (malformed, of
	// another version, under an unknown key, or not authenticating).
	unopened bool
}

// newRefusal returns a refusal of a category with a detail for the log.
func newRefusal(category, detail string) *refusal {
	return &refusal{category: category, detail: detail}
}

// Refusals with a fixed detail, built once.
var (
	refusalMalformedQuery = newRefusal(reasonInvalid, "malformed query")
	refusalFuture         = newRefusal(reasonInvalid, "token dated in the future")
	refusalExpired        = newRefusal(reasonExpired, "token expired")
	refusalSession        = newRefusal(reasonInvalid, "session value is not a cookie value browsers keep")
	refusalUnbound        = newRefusal(reasonWrongClient, "token not bound to a client, but bindClientIP is on")
	refusalNoClient       = newRefusal(reasonWrongClient, "client address not found")
	refusalOtherClient    = newRefusal(reasonWrongClient, "token issued to another client address")
	refusalReplayed       = newRefusal(reasonReplayed, "token already redeemed")
	refusalCacheFull      = newRefusal(reasonUnavailable, "replay cache full (replayCacheSize)")
	refusalClientFull     = newRefusal(reasonUnavailable, "this client's share of the replay cache is full (replayPerClient)")
	refusalNotNavigation  = newRefusal(reasonNotNavigation, "token on a request that is not a top-level navigation")
	refusalTooLarge       = newRefusal(reasonTooLarge, fmt.Sprintf("query over %d bytes or %d parameters", maxQueryBytes, maxQueryParts))
)

// serveRefusal answers a refused token. With dieOnHandshakeFailure, a
// navigation gets a short page saying why, with a link to the URL without
// the token, and any other request a plain-text 403. Without it, a GET or
// HEAD navigation gets a 303 to the URL without the token, and any other
// request goes on stripped of it; in both cases without a session and
// with the tokened URL kept out of caches and referrers. A query over the
// caps is never stripped (that would loop over its parameters): its URL
// without the token is the path alone, and a request that cannot be sent
// there is refused.
func serveRefusal(h *handler, rw http.ResponseWriter, r *http.Request, why *refusal) {
	h.logf("handoff refused (%s): %s", why.category, why.detail)
	nav := navigation(r.Header)
	header := rw.Header()
	switch {
	case !h.dieOnFailure && nav && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		noStore(header)
		header["Location"] = []string{refusedURL(h, r, why)}
		rw.WriteHeader(http.StatusSeeOther)
	case !h.dieOnFailure && why != refusalTooLarge:
		stripToken(h, r, "")
		h.next.ServeHTTP(&protectedWriter{ResponseWriter: rw}, r)
	case nav:
		noStore(header)
		refusalPage(rw, why, refusedURL(h, r, why))
	default:
		noStore(header)
		plainError(rw, http.StatusForbidden, "session handoff refused: "+why.category+"\n")
	}
}

// refusedURL is the absolute URL of a refused request without its token:
// without any query when the query is over the caps or still names the
// parameter after stripping (a pair no backend would read the same way),
// so that following it never brings the refusal back.
func refusedURL(h *handler, r *http.Request, why *refusal) string {
	query := ""
	if why != refusalTooLarge {
		if query = withoutParam(r.URL.RawQuery, h.tokenParam); h.tokenKey.MatchString(query) {
			query = ""
		}
	}
	return cleanLocation(r, query, isHTTPS(r))
}

// refusalWords say in plain words what each refusal category means to the person who followed the link.
var refusalWords = map[string]string{
	reasonInvalid:       "The sign-in link is not valid: it was changed, cut short, or made for another site.",
	reasonExpired:       "The sign-in link has expired: it works for a few seconds only.",
	reasonReplayed:      "The sign-in link has already been used: each one works once.",
	reasonWrongClient:   "The sign-in link was made for another device or network.",
	reasonUnavailable:   "Sign-in cannot be carried over right now. Please try again in a moment.",
	reasonNotNavigation: "The sign-in link was not opened as a page.",
	reasonTooLarge:      "The address is too long to carry a sign-in.",
	reasonWrongBrowser:  "The sign-in was asked for by another browser, or this browser did not keep the cookie that proves it asked.",
}

// pageHead and pageStyle open the plugin's own pages, around their title:
// self-contained, nothing loaded, no script.
const (
	pageHead = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
`
	pageStyle = `
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2328}h1{font-size:1.35rem}a{color:#0969da}small{color:#59636e}</style>
</head><body>
`
)

// writePage answers code with one of the plugin's own pages, which no
// browser may sniff, frame or let load anything.
func writePage(rw http.ResponseWriter, code int, page string) {
	header := rw.Header()
	header["Content-Type"] = []string{"text/html; charset=utf-8"}
	header["X-Content-Type-Options"] = []string{"nosniff"}
	header["Content-Security-Policy"] = []string{"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"}
	rw.WriteHeader(code)
	_, _ = io.WriteString(rw, page)
}

// refusalPageFormat is the self-contained page a navigation gets for a
// refused token: what happened, and the way on.
const refusalPageFormat = pageHead + `<title>Sign-in not carried over</title>` + pageStyle + `<h1>Your sign-in could not be carried over</h1>
<p>%s</p>
<p><a href="%s">Continue to the page</a>; you may need to sign in there.</p>
<p><small>session handoff refused: %s</small></p>
</body></html>
`

// refusalPage answers 403 with refusalPageFormat for why, linking to next.
func refusalPage(rw http.ResponseWriter, why *refusal, next string) {
	writePage(rw, http.StatusForbidden, fmt.Sprintf(refusalPageFormat, refusalWords[why.category], html.EscapeString(next), why.category))
}

// tokenRefusal is the refusal of a token that did not open: on a host
// that pulls, it may be a pull answer (refuseOrFinish).
func tokenRefusal(err error) *refusal {
	return &refusal{category: reasonInvalid, detail: err.Error(), unopened: true}
}

// ageRefusal is the refusal of a token dated age ms ago: in the future or expired.
func ageRefusal(age int64) *refusal {
	if age < 0 {
		return refusalFuture
	}
	return refusalExpired
}
