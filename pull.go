package sessioninjector

import (
	"crypto/rand"
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
// pull.from is unset. Without pull.paths it only pulls after a source's
// pull marker (requireState).
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
// prepares the target side of the pull: nil when pull.from is unset.
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
	if from == "" {
		if len(paths) != 0 {
			return nil, fmt.Errorf("pull.from: must be set when pull.paths is, to the source's origin such as https://shop.example.com")
		}
		return nil, nil
	}
	if pullPath == "" {
		return nil, fmt.Errorf("pullPath: must be set when pull.from is: the source's pull endpoint is built from it")
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
		paths:            pathsPattern(quoted),
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

// pathsPattern matches a path under one of the quoted prefixes; nil for none.
func pathsPattern(quoted []string) *regexp.Regexp {
	if len(quoted) == 0 {
		return nil
	}
	return regexp.MustCompile(`^(?:` + strings.Join(quoted, "|") + `)(?:/|$)`)
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
// the handler. New returns it only when pull.paths is set, so that where
// no page wants a pull no request pays for it.
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
	state := sealAs(h.codec, pullState, normalizeHost(r.Host), strconv.FormatInt(nowMs(h), 10)+"\n"+nonce)
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
