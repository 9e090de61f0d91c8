package sessioninjector

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The sign-out endpoint: one hop of a sign-out chain (see signout.go).

// signOutClaims are what a sign-out token holds.
type signOutClaims struct {
	createdMs, lifetimeMs int64
	clientIP              string
	final                 string   // where the chain ends
	done, todo            []string // origins signed out, and still to do
}

// Sign-out refusals of a link that is not one this chain made.
var (
	refusalSignOutClaims = newRefusal(reasonInvalid, "malformed sign-out token claims")
	signOutNoToken       = "session sign-out: exactly one '%s' parameter is required\n"
)

// serveSignOut answers GET|HEAD {signOutPath}?{tokenParam}=<sign-out
// token>. A token that does not open for this host (forged, cut, made
// for another host) clears nothing and redirects nowhere: a page says so.
// One that opens but is expired, of another client or already used
// clears nothing and ends the chain at its Location. A valid one expires
// the session's cookies and the record here, and passes the chain on.
// The backend never sees these requests.
func serveSignOut(h *handler, rw http.ResponseWriter, r *http.Request) {
	header := rw.Header()
	noStore(header)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		header["Allow"] = []string{"GET, HEAD"}
		plainError(rw, http.StatusMethodNotAllowed, "session sign-out: method not allowed\n")
		return
	}
	if !navigation(r.Header) {
		plainError(rw, http.StatusBadRequest, "session sign-out: only a top-level navigation is answered\n")
		return
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	tokens := query[h.tokenParam]
	if len(r.URL.RawQuery) > maxQueryBytes || err != nil || len(tokens) != 1 {
		plainError(rw, http.StatusBadRequest, fmt.Sprintf(signOutNoToken, h.tokenParam))
		return
	}
	https := isHTTPS(r)
	cl, id, why := openSignOut(h, tokens[0], normalizeHost(r.Host))
	if why != nil {
		h.logf("sign-out link refused (%s): %s; nothing cleared", why.category, why.detail)
		signOutPage(rw, ownOrigin(r, https)+"/")
		return
	}
	if why := checkSignOut(h, r, cl, id); why != nil {
		h.logf("sign-out link refused (%s): %s; nothing cleared, the chain ends", why.category, why.detail)
		header["Location"] = []string{cl.final}
		rw.WriteHeader(http.StatusSeeOther)
		return
	}
	for _, name := range h.cookie.names {
		header["Set-Cookie"] = append(header["Set-Cookie"], expireCookie(h.cookie, name, https))
	}
	cl.done = append(cl.done, ownOrigin(r, https))
	done := cl.done
	todo := cl.todo
	if h.signOut != nil {
		current, deleted := recordOf(h.signOut, r, https)
		if current != "" {
			header["Set-Cookie"] = append(header["Set-Cookie"], deleted)
			todo = append(todo, newOrigins(splitPeers(peerList(h.codec, normalizeHost(r.Host), current)), done, todo)...)
		}
	}
	next := nextHop(h, r, cl.final, done, todo, https)
	if next == "" {
		next = cl.final
	}
	h.logf("sign-out: the session's cookies expired here; %d host(s) to go", len(todo))
	header["Location"] = []string{next}
	rw.WriteHeader(http.StatusSeeOther)
}

// newOrigins is peers without those in done or todo.
func newOrigins(peers, done, todo []string) []string {
	var out []string
	for _, p := range peers {
		if !contains(done, p) && !contains(todo, p) && !contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// openSignOut opens a sign-out token for host and reads its claims.
func openSignOut(h *handler, token, host string) (*signOutClaims, string, *refusal) {
	plain, id, err := openAs(h.codec, signOutHop, token, host)
	if err != nil {
		return nil, "", tokenRefusal(err)
	}
	f := strings.Split(plain, "\n")
	if len(f) != 5 || f[2] == "" {
		return nil, "", refusalSignOutClaims
	}
	times, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || times%lifetimeScale <= 0 {
		return nil, "", refusalSignOutClaims
	}
	cl := &signOutClaims{createdMs: times / lifetimeScale, lifetimeMs: times % lifetimeScale, clientIP: f[1], final: f[2]}
	cl.done = strings.Fields(f[3])
	cl.todo = strings.Fields(f[4])
	if len(cl.done)+len(cl.todo) > maxChainHosts {
		return nil, "", refusalSignOutClaims
	}
	return cl, id, nil
}

// checkSignOut checks a sign-out token's age and client and, last of
// all, spends it. A replay store that cannot answer does not stop a
// sign-out: signing out is never worth refusing.
func checkSignOut(h *handler, r *http.Request, cl *signOutClaims, id string) *refusal {
	now := nowMs(h)
	age := now - cl.createdMs
	if age < -maxFutureSkewMs || age >= cl.lifetimeMs {
		return ageRefusal(age)
	}
	if h.bindClientIP {
		if why := checkClient(h, r, cl.clientIP); why != nil {
			return why
		}
	}
	if !h.singleUse {
		return nil
	}
	why := recordRedemption(h, r, &claims{createdMs: cl.createdMs, lifetimeMs: cl.lifetimeMs, clientIP: cl.clientIP, id: id},
		cl.createdMs+cl.lifetimeMs+maxFutureSkewMs, now)
	if why != nil && why.category == reasonUnavailable {
		h.logf("sign-out: single use not recorded (%s): signing out anyway", why.detail)
		return nil
	}
	return why
}

// signOutPageFormat is the page a sign-out link that is not valid gets.
const signOutPageFormat = pageHead + `<title>Sign-out link not valid</title>` + pageStyle + `<h1>This sign-out link is not valid</h1>
<p>It was changed, cut short, or made for another site. Nothing was changed: you are still signed in wherever you were.</p>
<p><a href="%s">Go to the home page</a></p>
</body></html>
`

// signOutPage answers 400 with signOutPageFormat, linking to home.
func signOutPage(rw http.ResponseWriter, home string) {
	writePage(rw, http.StatusBadRequest, fmt.Sprintf(signOutPageFormat, html.EscapeString(home)))
}
