package sessioninjector

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// handler is one configured instance of the middleware. Everything it
// needs per request is computed once in New.
type handler struct {
	next         http.Handler
	name         string
	tokenParam   string
	tokenQuery   *regexp.Regexp // matches a raw query that may hold tokenParam, literal or percent-encoded
	tokenKey     *regexp.Regexp // finds tokenParam as a query key (paramKey)
	lifetimeMs   int64
	dieOnFailure bool
	// keepExisting leaves the host's own session when a token arrives (onExistingSession keep).
	keepExisting bool
	// oneCookie: one cookie name and onExistingSession replace, so a
	// redeemed session is one Set-Cookie and nothing else to decide.
	oneCookie bool
	targets   *hostMatcher // nil: receive only
	// allowInsecure lets tokens travel to http:// targets that are not loopback hosts.
	allowInsecure bool
	// wrap watches navigations' redirects: to a target (propagate,
	// propagateRedirects), or ending the session (signOut).
	wrap      bool
	propagate bool
	// handoffPath is the handoff endpoint's path or, when it is inactive,
	// noRoute, which no request path equals: ServeHTTP tests one field.
	handoffPath string
	// pullPath is the pull endpoint's path or, inactive, noRoute. Its
	// requests reach receive through tokenQuery: the return URL a target
	// writes is percent-encoded.
	pullPath string
	// pull is the target side of the pull; nil: off. New returns the
	// handler itself unless pull.paths is set, so that no request pays
	// for the pull where it is not wanted.
	pull *pullSpec
	// requireState accepts a session only from a pull this host started
	// and, as a source, sends pullMarker instead of a token.
	requireState bool
	// signOut is sign out everywhere; nil: off. signOutPath is its
	// endpoint's path or, when it is off, noRoute.
	signOut      *signOutSpec
	signOutPath  string
	cleanURL     bool
	singleUse    bool
	bindClientIP bool
	clients      *clientIPs
	cookie       *cookieSpec
	codec        *codec
	replay       *replayCache
	replayCap    int
	// replayPerClient is a client's share of replayCap; 0: none.
	replayPerClient int
	redis           *redisStore      // nil: the in-memory replay cache
	now             func() time.Time // nil: time.Now (tests set a clock)
	debugf          func(format string, args ...interface{})
}

func newHandler(next http.Handler, c *Config, name string) (*handler, error) {
	lifetime, err := parseDuration("tokenLifetime", c.TokenLifetime, time.Millisecond, maxLifetime)
	if err != nil {
		return nil, err
	}
	tokenParam := strings.TrimSpace(c.TokenParam)
	if tokenParam == "" || strings.Trim(tokenParam, paramChars) != "" {
		return nil, fmt.Errorf("tokenParam: %q must be a non-empty name of letters, digits, '-', '_', '.' or '~'", c.TokenParam)
	}
	secrets, err := secretList(c.Secret, c.PreviousSecrets, name)
	if err != nil {
		return nil, err
	}
	cdc, err := newCodec(secrets)
	if err != nil {
		return nil, err
	}
	targets, err := newHostMatcher(c.TargetDomains)
	if err != nil {
		return nil, err
	}
	handoffPath, err := endpointPath("handoffPath", c.HandoffPath)
	if err != nil {
		return nil, err
	}
	pullPath, err := endpointPath("pullPath", c.PullPath)
	if err != nil {
		return nil, err
	}
	if pullPath != "" && pullPath == handoffPath {
		return nil, fmt.Errorf("pullPath: %q is handoffPath too; give each endpoint its own path", c.PullPath)
	}
	signOutPath, err := signOutEndpoint(c, handoffPath, pullPath)
	if err != nil {
		return nil, err
	}
	clients, err := newClientIPs(c.IPStrategy, c.IPv4Prefix, c.IPv6Prefix)
	if err != nil {
		return nil, err
	}
	names, err := cookieNameList(c.CookieName, c.CookieNames)
	if err != nil {
		return nil, err
	}
	cookie, err := newCookieSpec(names, c.Cookie)
	if err != nil {
		return nil, err
	}
	keepExisting, err := parseExisting(c.OnExistingSession)
	if err != nil {
		return nil, err
	}
	pull, err := newPullSpec(c, pullPath, names[0])
	if err != nil {
		return nil, err
	}
	if c.RequireState && (pull == nil || pull.from == "") && targets == nil {
		return nil, fmt.Errorf("requireState: a host that only receives needs pull.from: it accepts a session from a pull only")
	}
	if c.ReplayCacheSize <= 0 {
		return nil, fmt.Errorf("replayCacheSize: %d must be positive", c.ReplayCacheSize)
	}
	if c.ReplayPerClient < 0 {
		return nil, fmt.Errorf("replayPerClient: %d must not be negative (0 means no share)", c.ReplayPerClient)
	}
	var redis *redisStore
	switch strings.ToLower(strings.TrimSpace(c.ReplayStore)) {
	case "", storeMemory:
	case storeRedis:
		if redis, err = newRedisStore(c.Redis); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("replayStore: %q must be memory or redis", c.ReplayStore)
	}
	return &handler{
		next:            next,
		name:            name,
		tokenParam:      tokenParam,
		tokenQuery:      regexp.MustCompile(regexp.QuoteMeta(tokenParam) + "|%"),
		tokenKey:        paramKey(tokenParam),
		lifetimeMs:      lifetime.Milliseconds(),
		dieOnFailure:    c.DieOnHandshakeFailure,
		keepExisting:    keepExisting,
		oneCookie:       len(names) == 1 && !keepExisting,
		targets:         targets,
		allowInsecure:   c.AllowInsecureTargets,
		wrap:            targets != nil && c.PropagateRedirects || c.SignOutEverywhere,
		propagate:       targets != nil && c.PropagateRedirects,
		handoffPath:     endpointRoute(targets != nil, handoffPath),
		pullPath:        endpointRoute(targets != nil, pullPath),
		pull:            pull,
		requireState:    c.RequireState,
		signOut:         newSignOutSpec(c.SignOutEverywhere),
		signOutPath:     endpointRoute(c.SignOutEverywhere, signOutPath),
		cleanURL:        c.CleanURL,
		singleUse:       c.SingleUse,
		bindClientIP:    c.BindClientIP,
		clients:         clients,
		cookie:          cookie,
		codec:           cdc,
		replay:          sharedReplayCache,
		replayCap:       c.ReplayCacheSize,
		replayPerClient: c.ReplayPerClient,
		redis:           redis,
		debugf:          debugf,
	}, nil
}

// endpointPath validates an endpoint's path, the value of key: "" (none)
// or a path starting with /, without a query or fragment.
func endpointPath(key, value string) (string, error) {
	p := strings.TrimSpace(value)
	if p != "" && (!strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#"+unsafeURLChars)) {
		return "", fmt.Errorf("%s: %q must be a path starting with /", key, value)
	}
	return p, nil
}

// signOutEndpoint validates signOutPath: a path of its own, required when
// signOutEverywhere is on.
func signOutEndpoint(c *Config, handoffPath, pullPath string) (string, error) {
	p, err := endpointPath("signOutPath", c.SignOutPath)
	if err != nil {
		return "", err
	}
	if p == "" && c.SignOutEverywhere {
		return "", fmt.Errorf("signOutPath: must be set when signOutEverywhere is on (default /_session/signout)")
	}
	if p != "" && (p == handoffPath || p == pullPath) {
		return "", fmt.Errorf("signOutPath: %q is handoffPath or pullPath too; give each endpoint its own path", c.SignOutPath)
	}
	return p, nil
}

// nowMs is the handler's clock in Unix milliseconds.
func nowMs(h *handler) int64 {
	if h.now != nil {
		return h.now().UnixMilli()
	}
	return time.Now().UnixMilli()
}

// issueRequest seals a token handing the session a request carries to
// target: issue for requestCookies, with the common case, cookies that
// fit and whose lifetimes the request does not tell, read and encoded
// without building a list; the primary alone in one concatenation.
func issueRequest(h *handler, r *http.Request, target string) (string, bool) {
	c, err := r.Cookie(h.cookie.primary)
	if err != nil {
		return noToken(h, "no session cookie "+h.cookie.primary)
	}
	if !cookieFits(h.cookie.primary, c.Value) {
		return issue(h, r, target, requestCookies(r, h.cookie.names))
	}
	if len(h.cookie.names) != 1 {
		return issueSecondaries(h, r, target, h.cookie.unknownAge+c.Value)
	}
	return sealSession(h, r, target, h.cookie.unknownAge+c.Value, 1)
}

// issueSecondaries is issueRequest for a session of several cookie names:
// the secondary cookies the request carries appended to the primary's
// claim, each checked as issue checks it.
func issueSecondaries(h *handler, r *http.Request, target, claim string) (string, bool) {
	count := 1
	for i, name := range h.cookie.names[1:] {
		c, err := r.Cookie(name)
		if err != nil || c.Value == "" {
			continue
		}
		if !cookieFits(name, c.Value) {
			return noToken(h, cookieProblem(&sessionCookie{name: name, value: c.Value}))
		}
		claim += "\n" + h.cookie.secondaryAges[i] + c.Value
		count++
	}
	return sealSession(h, r, target, claim, count)
}

// issue seals a token handing a session's cookies to target for this
// request's client. It issues nothing, and says why at debug level, when
// there is no session, when a cookie cannot be one a browser keeps, when
// the token would be too long, or when there is no client address.
func issue(h *handler, r *http.Request, target string, cookies []sessionCookie) (string, bool) {
	claim, why := encodeChecked(h.cookie.primary, cookies)
	if why != "" {
		return noToken(h, why)
	}
	return sealSession(h, r, target, claim, len(cookies))
}

// sealSession seals a token carrying a session's encoded cookies (count
// of them) to target for this request's client.
func sealSession(h *handler, r *http.Request, target, session string, count int) (string, bool) {
	client := ""
	if h.bindClientIP {
		var ok bool
		if client, ok = clientAddr(h.clients, r); !ok {
			return noToken(h, "client address not found")
		}
	}
	if h.requireState {
		return pullMarker, true
	}
	token, plain := seal(h.codec, &claims{createdMs: nowMs(h), lifetimeMs: h.lifetimeMs, target: target, clientIP: client, issuer: issuerOf(h, r), session: session})
	if token == "" {
		return noToken(h, overBudget(count, plain))
	}
	return token, true
}

// overBudget says why a session's claims make no token.
func overBudget(cookies, plain int) string {
	return fmt.Sprintf("the session's %d cookies make %d bytes of claims, over the %d a token of %d characters holds", cookies, plain, maxPlainBytes, maxTokenChars)
}

// cookieProblem says, without the value, why a cookie cannot be handed over.
func cookieProblem(c *sessionCookie) string {
	if n := len(c.name) + 1 + len(c.value); n > maxCookieBytes {
		return fmt.Sprintf("cookie %s is %d bytes with its name, over the %d browsers keep", c.name, n, maxCookieBytes)
	}
	return "cookie " + c.name + " holds bytes a cookie value cannot"
}

func noToken(h *handler, why string) (string, bool) {
	h.logf("no token issued: %s", why)
	return "", false
}

// logf writes a debug line naming the middleware. Tokens and cookie values are never logged.
func (h *handler) logf(format string, args ...interface{}) {
	h.debugf("sessioninjector %q: "+format+"\n", append([]interface{}{h.name}, args...)...)
}

// debugf prints to standard output, which Traefik logs at DEBUG level for plugins.
func debugf(format string, args ...interface{}) {
	fmt.Printf(format, args...)
}

// plainError answers with a short plain-text message.
func plainError(rw http.ResponseWriter, code int, msg string) {
	header := rw.Header()
	header["Content-Type"] = []string{"text/plain; charset=utf-8"}
	header["X-Content-Type-Options"] = []string{"nosniff"}
	rw.WriteHeader(code)
	_, _ = rw.Write([]byte(msg))
}

// noStore forbids caching a response and sending its URL as a referrer:
// every answer that carries or consumes a token gets it.
func noStore(header http.Header) {
	header["Cache-Control"] = []string{"no-store"}
	header["Referrer-Policy"] = []string{"no-referrer"}
}

// isHTTPS reports whether the client reached Traefik over TLS.
func isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	p := r.Header["X-Forwarded-Proto"]
	return len(p) != 0 && strings.EqualFold(p[0], "https")
}
