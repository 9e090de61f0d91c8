package sessioninjector

import (
	"fmt"
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
)

// refusal says why a token was refused: a public category and a detail for the log.
type refusal struct {
	category string
	detail   string
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

// serveRefusal answers 403 to a refused token or, without dieOnHandshakeFailure,
// strips it and goes on without a session, the tokened URL still kept out
// of caches and referrers. A query over the caps is always answered 403:
// stripping it would loop over its parameters.
func serveRefusal(h *handler, rw http.ResponseWriter, r *http.Request, why *refusal) {
	h.logf("handoff refused (%s): %s", why.category, why.detail)
	if h.dieOnFailure || why == refusalTooLarge {
		noStore(rw.Header())
		plainError(rw, http.StatusForbidden, "session handoff refused: "+why.category+"\n")
		return
	}
	stripToken(h, r, "")
	h.next.ServeHTTP(&protectedWriter{ResponseWriter: rw}, r)
}

// tokenRefusal is the refusal of a token that did not open.
func tokenRefusal(err error) *refusal {
	return newRefusal(reasonInvalid, err.Error())
}

// ageRefusal is the refusal of a token dated age ms ago: in the future or expired.
func ageRefusal(age int64) *refusal {
	if age < 0 {
		return refusalFuture
	}
	return refusalExpired
}
