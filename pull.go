package sessioninjector

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The pull: a browser that opens a target's page directly (a bookmark,
// the address bar) while signed in on the source. The target (pull.paths)
// sets a state cookie holding a random nonce and sends the browser to the
// source's pull endpoint (pullPath) with the return URL and a state it
// sealed for itself; the source answers with a 303 back to the return URL
// carrying a pull answer: the session's cookies, or a "no session" mark,
// together with the state, sealed for the target and bound to the client.
// The target accepts the answer only when the state opens under its own
// key and host, is fresh, and holds the nonce of this browser's cookie: a
// pull started in another browser is refused.

const (
	// pullStateMs is how long a pull may take, from the target's 303 to
	// the answer's arrival; also the state cookie's Max-Age.
	pullStateMs = 60_000
	// maxStateChars bounds the state parameter the source echoes.
	maxStateChars = 512
	// maxNoSessionFor bounds pull.noSessionFor.
	maxNoSessionFor = 24 * time.Hour
	// noSessionMark is a pull answer's last field when the browser has no
	// session on the source (a cookie line is never "-").
	noSessionMark = "-"
	// pullNonceBytes is the size of the state cookie's random nonce.
	pullNonceBytes = 16
	// base64URLChars is the alphabet of base64url without padding: a state's.
	base64URLChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

// Pull refusals of the source's endpoint, each a 400 that says what is wrong.
var (
	pullQueryTooLarge  = fmt.Sprintf("session pull: the query is over %d bytes\n", maxQueryBytes)
	pullReturnTooLarge = fmt.Sprintf("session pull: 'return' is over %d bytes or %d parameters\n", maxTargetURLBytes, maxQueryParts)
	pullBadState       = fmt.Sprintf("session pull: exactly one 'state' parameter of 1 to %d base64url characters is required\n", maxStateChars)
)

// pullSpec is the target side of the pull, prepared in New; nil when
// pull.paths is empty (the pull is off).
type pullSpec struct {
	from     string // the source's origin, scheme://host[:port], lower case
	fromHTTP bool   // from is http://: no pull from a request over HTTPS
	// endpoint is the start of the source's pull URL: from, pullPath and "?return=".
	endpoint string
	// paths matches a request path under one of pull.paths, on a segment boundary.
	paths    *regexp.Regexp
	pathList []string
	// blocks matches a Cookie header line that holds the primary session
	// cookie, a state cookie (a pull in flight) or a memory cookie: any of
	// them and no pull starts.
	blocks *regexp.Regexp
	// noSessionFor is the memory cookie's Max-Age in seconds; 0: none is set.
	noSessionFor int
	// The cookies' names and attributes, over HTTP and over HTTPS.
	stateName, stateNameSecure   string
	stateAttrs, stateAttrsSecure string // after the value
	clearState, clearStateSecure string // whole Set-Cookie values deleting it
	memory, memorySecure         string // whole Set-Cookie values of the memory cookie
}

// Names of the target's pull cookies: __Host- over HTTPS.
const (
	stateCookie      = "si_pull"
	memoryCookie     = "si_nopull"
	hostCookiePrefix = "__Host-"
)

// newPullSpec validates pull.* (and, for the target, pullPath) and
// prepares the target side of the pull: nil when pull.paths is empty.
func newPullSpec(c *Config, pullPath, primary string) (*pullSpec, error) {
	var paths []string
	for i, raw := range c.Pull.Paths {
		p := strings.TrimSpace(raw)
		if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#"+unsafeURLChars) {
			return nil, fmt.Errorf("pull.paths[%d]: %q must be a path prefix starting with /", i, raw)
		}
		paths = append(paths, p)
	}
	noSession, err := parseDuration("pull.noSessionFor", c.Pull.NoSessionFor, 0, maxNoSessionFor)
	if err != nil {
		return nil, err
	}
	if noSession > 0 && noSession < time.Second {
		return nil, fmt.Errorf("pull.noSessionFor: %q must be 0 (do not remember) or at least 1s", c.Pull.NoSessionFor)
	}
	from, fromHTTP, err := pullOrigin(c.Pull.From, c.AllowInsecureTargets)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, nil
	}
	if from == "" {
		return nil, fmt.Errorf("pull.from: must be set when pull.paths is, to the source's origin such as https://shop.example.com")
	}
	if pullPath == "" {
		return nil, fmt.Errorf("pullPath: must be set when pull.paths is: the source's pull endpoint is built from it")
	}
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = regexp.QuoteMeta(strings.TrimRight(p, "/"))
	}
	seconds := int(noSession / time.Second)
	const attrs = "; Path=/; Max-Age=60; HttpOnly"
	const deleted = "=; Path=/; Max-Age=0; HttpOnly"
	memoryAttrs := "=1; Path=/; Max-Age=" + strconv.Itoa(seconds) + "; HttpOnly"
	return &pullSpec{
		from:             from,
		fromHTTP:         fromHTTP,
		endpoint:         from + pullPath + "?return=",
		paths:            regexp.MustCompile(`^(?:` + strings.Join(quoted, "|") + `)(?:/|$)`),
		pathList:         paths,
		blocks:           regexp.MustCompile(`(?:^|;)[ \t]*(?:` + regexp.QuoteMeta(primary) + `=[^;\s]|(?:` + hostCookiePrefix + `)?si_(?:no)?pull=)`),
		noSessionFor:     seconds,
		stateName:        stateCookie,
		stateNameSecure:  hostCookiePrefix + stateCookie,
		stateAttrs:       attrs + "; SameSite=Lax",
		stateAttrsSecure: attrs + "; Secure; SameSite=Lax",
		clearState:       stateCookie + deleted + "; SameSite=Lax",
		clearStateSecure: hostCookiePrefix + stateCookie + deleted + "; Secure; SameSite=Lax",
		memory:           memoryCookie + memoryAttrs + "; SameSite=Lax",
		memorySecure:     hostCookiePrefix + memoryCookie + memoryAttrs + "; Secure; SameSite=Lax",
	}, nil
}

// pullOrigin validates pull.from, an origin scheme://host[:port], and
// returns it in lower case ("" when unset) and whether it is http://.
func pullOrigin(raw string, allowInsecure bool) (string, bool, error) {
	from := strings.TrimSuffix(strings.TrimSpace(raw), "/")
	if from == "" {
		return "", false, nil
	}
	bad := fmt.Errorf("pull.from: %q must be an origin, http(s)://host[:port], with no path, query or fragment", raw)
	u, err := url.Parse(from)
	if err != nil || strings.ContainsAny(from, "?#%@\\"+unsafeURLChars) || u.Scheme != "https" && u.Scheme != "http" ||
		u.Opaque != "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Hostname() == "" {
		return "", false, bad
	}
	host := strings.ToLower(u.Hostname())
	if _, err := netip.ParseAddr(host); err != nil && validHostName(host) != nil {
		return "", false, bad
	}
	if strings.HasSuffix(u.Host, ":") {
		return "", false, bad
	}
	if u.Scheme == "http" && !allowInsecure && !loopbackHost(host) {
		return "", false, fmt.Errorf("pull.from: %q is http:// but not a loopback host (allowInsecureTargets is off)", raw)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), u.Scheme == "http", nil
}

// puller is the middleware of a target with the pull on: it starts a
// pull for a navigation that wants one, and hands every other request to
// the handler. New returns it only when pull.paths is set, so that with
// the pull off no request pays for it.
type puller struct {
	h *handler
}

// ServeHTTP starts a pull or serves the request as the handler does.
func (p *puller) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	h := p.h
	if h.pull.paths.MatchString(r.URL.Path) && pullWanted(h, h.pull, r) && startPull(h, rw, r) {
		return
	}
	h.ServeHTTP(rw, r)
}

// pullWanted reports whether a request under pull.paths starts a pull: a
// GET or HEAD navigation, not to this host's own endpoints, that carries no token, none of the primary
// session cookie, no state cookie (a pull in flight: at most one bounce)
// and no memory cookie (no session on the source, remembered), and not
// over HTTPS when the source is http://.
func pullWanted(h *handler, p *pullSpec, r *http.Request) bool {
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || !navigation(r.Header) {
		return false
	}
	if r.URL.Path == h.handoffPath || r.URL.Path == h.pullPath {
		return false // this host's own endpoints, when it is a source too
	}
	if (p.fromHTTP && isHTTPS(r)) || (r.URL.RawQuery != "" && h.tokenKey.MatchString(r.URL.RawQuery)) {
		return false
	}
	lines := r.Header["Cookie"]
	if len(lines) > maxQueryParts {
		return false
	}
	for _, line := range lines {
		if p.blocks.MatchString(line) {
			return false
		}
	}
	return true
}

// startPull sets the state cookie and answers 303 to the source's pull
// endpoint with this request's URL to return to and a state sealed for
// this host. It starts nothing, and says why at debug level, when the URL
// could not be carried back (over the caps, or bytes the source refuses).
func startPull(h *handler, rw http.ResponseWriter, r *http.Request) bool {
	https := isHTTPS(r)
	back := cleanLocation(r, r.URL.RawQuery, https)
	if tooLarge(back, maxTargetURLBytes) || strings.ContainsAny(back, unsafeURLChars) {
		h.logf("no pull started: the URL is over %d bytes or %d parameters, or holds bytes a return URL cannot", maxTargetURLBytes, maxQueryParts)
		return false
	}
	nonce := pullNonce()
	state := sealPull(h.codec, pullState, normalizeHost(r.Host), strconv.FormatInt(nowMs(h), 10)+"\n"+nonce)
	p := h.pull
	header := rw.Header()
	if https {
		header["Set-Cookie"] = append(header["Set-Cookie"], p.stateNameSecure+"="+nonce+p.stateAttrsSecure)
	} else {
		header["Set-Cookie"] = append(header["Set-Cookie"], p.stateName+"="+nonce+p.stateAttrs)
	}
	noStore(header)
	header["Location"] = []string{p.endpoint + url.QueryEscape(back) + "&state=" + state}
	rw.WriteHeader(http.StatusSeeOther)
	h.logf("pull started from %s", p.from)
	return true
}

// pullNonce is a fresh random nonce in base64url.
func pullNonce() string {
	var b [pullNonceBytes]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

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
	plain := strconv.FormatInt(nowMs(h)*lifetimeScale+h.lifetimeMs, 10) + "\n" + client + "\n" + state + "\n" + session
	answer := sealPull(h.codec, pullAnswer, target, plain)
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
	cookies, why := verifyPull(h, r, token, https)
	switch {
	case why != nil:
		refusePull(h, rw, r, why, token)
	case cookies == nil:
		pullNoSession(h, rw, r, token, https)
	default:
		h.logf("pull answer redeemed")
		serveRedeemed(h, rw, r, cookies, token)
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
// cookies, or none for a "no session" answer. It is recorded as used
// last of all.
func verifyPull(h *handler, r *http.Request, token string, https bool) ([]sessionCookie, *refusal) {
	host := normalizeHost(r.Host)
	plain, id, err := openPull(h.codec, pullAnswer, token, host)
	if err != nil {
		return nil, tokenRefusal(err)
	}
	f := strings.SplitN(plain, "\n", 4)
	if len(f) != 4 {
		return nil, refusalPullClaims
	}
	times, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || times%lifetimeScale <= 0 {
		return nil, refusalPullClaims
	}
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
	if f[3] != noSessionMark {
		var why *refusal
		if cookies, why = decodeSession(h.cookie, f[3], age); why != nil {
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
	plain, _, err := openPull(h.codec, pullState, state, host)
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
