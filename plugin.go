// Package sessioninjector is a Traefik middleware plugin that carries a
// signed-in user's session cookie from one domain to another with a
// short-lived, encrypted, client-bound token in the URL, without
// third-party cookies and without widening cookie domains.
package sessioninjector

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Config is the middleware's configuration, as Traefik decodes it from the
// file provider, Docker labels or a Kubernetes Middleware.
type Config struct {
	// CookieName is the session cookie to carry.
	CookieName string
	// Secret is the key material (at least 32 bytes) that seals new tokens.
	// Empty means a random key per process: several Traefik instances need a shared secret.
	Secret string
	// PreviousSecrets are older secrets still accepted for opening tokens, during a rotation.
	PreviousSecrets []string
	// TokenParam is the URL query parameter that carries the token.
	TokenParam string
	// TokenLifetime is the longest age of a token this instance accepts, and
	// the lifetime it writes into the tokens it issues: "5s", "1m" or a number of seconds.
	TokenLifetime string
	// DieOnHandshakeFailure answers 403 to an invalid token when true, and
	// strips it and goes on without a session when false.
	DieOnHandshakeFailure bool
	// TargetDomains are the hosts this instance may hand sessions to: exact
	// names or `*.example.com`. Empty means receive only.
	TargetDomains []string
	// AllowInsecureTargets lets tokens travel to http:// targets other than
	// loopback hosts, for plain-HTTP development. Never after a request over HTTPS.
	AllowInsecureTargets bool
	// PropagateRedirects adds a token to redirects to an allowed target.
	PropagateRedirects bool
	// HandoffPath is the endpoint that redirects to ?to=<URL> with a token; empty disables it.
	HandoffPath string
	// CleanURL answers a redeemed GET or HEAD with a 303 to the URL without the token.
	CleanURL bool
	// SingleUse redeems a token at most once.
	SingleUse bool
	// BindClientIP requires the redeeming client's address to match the issuing one.
	BindClientIP bool
	// IPv4Prefix is how many leading bits of an IPv4 client address must match.
	IPv4Prefix int
	// IPv6Prefix is how many leading bits of an IPv6 client address must match.
	IPv6Prefix int
	// IPStrategy says where the client address comes from, as Traefik's own ipStrategy.
	IPStrategy IPStrategy
	// Cookie holds the attributes of the cookie set on the target domain.
	Cookie CookieConfig
	// ReplayCacheSize is how many redeemed tokens the process remembers at
	// once; past it new redemptions are refused.
	ReplayCacheSize int
	// ReplayPerClient is how many of those one client address (an IPv6
	// /64) may hold at once, so that one client cannot fill the cache for
	// everyone; 0 means no share.
	ReplayPerClient int
	// ReplayStore is where single use is recorded: "memory" (per process) or "redis" (shared by replicas).
	ReplayStore string
	// Redis configures the Redis replay store.
	Redis RedisConfig
}

// RedisConfig configures the Redis replay store.
type RedisConfig struct {
	// Address is host:port.
	Address string
	// Username is the ACL user, if any.
	Username string
	// Password authenticates with AUTH, if set.
	Password string
	// DB is selected after connecting.
	DB int
	// TLS connects with TLS.
	TLS bool
	// KeyPrefix is prepended to every key written.
	KeyPrefix string
	// Timeout is the dial, read and write deadline of every call ("250ms").
	Timeout string
	// PoolSize is how many idle connections are kept.
	PoolSize int
	// OnError is "reject" (a redemption fails while Redis is unreachable) or "allow" (it succeeds without the single-use guarantee).
	OnError string
}

// IPStrategy selects the client address like Traefik's ipStrategy: the
// depth-th X-Forwarded-For entry from the right, or the rightmost one not
// in ExcludedIPs; RemoteAddr when neither is set.
type IPStrategy struct {
	// Depth is the position in X-Forwarded-For, counted from the right, starting at 1.
	Depth int
	// ExcludedIPs are addresses or CIDR ranges of proxies to skip in X-Forwarded-For.
	ExcludedIPs []string
}

// CookieConfig holds the attributes of the session cookie set on the target.
type CookieConfig struct {
	// Path of the cookie; "/" by default.
	Path string
	// Domain of the cookie; empty (host-only) by default and strongly advised.
	Domain string
	// Secure is "auto" (over HTTPS only), "true" or "false".
	Secure string
	// HTTPOnly hides the cookie from scripts.
	HTTPOnly bool
	// SameSite is "lax", "strict" or "none".
	SameSite string
	// MaxAge in seconds; 0 makes a session cookie.
	MaxAge int
}

// CreateConfig returns the default configuration.
func CreateConfig() *Config {
	return &Config{
		CookieName:            "_session_id",
		TokenParam:            "_hs_",
		TokenLifetime:         "5s",
		DieOnHandshakeFailure: true,
		PropagateRedirects:    true,
		HandoffPath:           "/_session/handoff",
		CleanURL:              true,
		SingleUse:             true,
		BindClientIP:          true,
		IPv4Prefix:            32,
		IPv6Prefix:            64,
		ReplayCacheSize:       defaultReplayCacheSize,
		ReplayPerClient:       defaultReplayPerClient,
		ReplayStore:           storeMemory,
		Redis: RedisConfig{
			KeyPrefix: "sessioninjector:",
			Timeout:   "250ms",
			PoolSize:  8,
			OnError:   "reject",
		},
		Cookie: CookieConfig{
			Path:     "/",
			Secure:   "auto",
			HTTPOnly: true,
			SameSite: "lax",
		},
	}
}

// handler is one configured instance of the middleware. Everything it
// needs per request is computed once in New.
type handler struct {
	next         http.Handler
	name         string
	cookieName   string
	tokenParam   string
	tokenQuery   *regexp.Regexp // matches a raw query that may hold tokenParam, literal or percent-encoded
	tokenKey     *regexp.Regexp // finds tokenParam as a query key (paramKey)
	lifetimeMs   int64
	dieOnFailure bool
	targets      *hostMatcher // nil: receive only
	// allowInsecure lets tokens travel to http:// targets that are not loopback hosts.
	allowInsecure bool
	wrap          bool // watch redirects of navigations
	// handoffPath is the handoff endpoint's path or, when it is inactive,
	// noRoute, which no request path equals: ServeHTTP tests one field.
	handoffPath  string
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

// New builds the middleware from a validated configuration.
func New(ctx context.Context, next http.Handler, config *Config, name string) (http.Handler, error) {
	if config == nil {
		return nil, errors.New("sessioninjector: missing configuration")
	}
	h, err := newHandler(next, config, name)
	if err != nil {
		return nil, fmt.Errorf("sessioninjector %q: %w", name, err)
	}
	return h, nil
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
	handoffPath := strings.TrimSpace(c.HandoffPath)
	if handoffPath != "" && (!strings.HasPrefix(handoffPath, "/") || strings.ContainsAny(handoffPath, "?#"+unsafeURLChars)) {
		return nil, fmt.Errorf("handoffPath: %q must be a path starting with /", c.HandoffPath)
	}
	clients, err := newClientIPs(c.IPStrategy, c.IPv4Prefix, c.IPv6Prefix)
	if err != nil {
		return nil, err
	}
	cookieName := strings.TrimSpace(c.CookieName)
	cookie, err := newCookieSpec(cookieName, c.Cookie)
	if err != nil {
		return nil, err
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
		cookieName:      cookieName,
		tokenParam:      tokenParam,
		tokenQuery:      regexp.MustCompile(regexp.QuoteMeta(tokenParam) + "|%"),
		tokenKey:        paramKey(tokenParam),
		lifetimeMs:      lifetime.Milliseconds(),
		dieOnFailure:    c.DieOnHandshakeFailure,
		targets:         targets,
		allowInsecure:   c.AllowInsecureTargets,
		wrap:            targets != nil && c.PropagateRedirects,
		handoffPath:     handoffRoute(targets != nil, handoffPath),
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

// ServeHTTP passes every request through, except one to the handoff
// endpoint, one that carries a token (verified and redeemed; the query is
// parsed only when it holds the parameter's name or a percent-encoding
// that could spell it), and the redirects of navigations (watched for a
// cross-domain Location).
//
// The helpers of the request path are plain functions, not methods: under
// Traefik's interpreter a method call costs several times a function call.
func (h *handler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	u := r.URL
	if u.Path == h.handoffPath {
		serveHandoff(h, rw, r)
		return
	}
	if u.RawQuery != "" && h.tokenQuery.MatchString(u.RawQuery) && receive(h, rw, r) {
		return
	}
	if h.wrap && navigation(r.Header) {
		watchRedirect(h, rw, r)
		return
	}
	h.next.ServeHTTP(rw, r)
}

// noRoute is a path that no request path equals: those are empty, "*" or start with /.
const noRoute = "(none)"

// handoffRoute is the path the handoff endpoint answers on: noRoute when
// there are no targets to hand off to or no handoffPath.
func handoffRoute(hasTargets bool, path string) string {
	if !hasTargets || path == "" {
		return noRoute
	}
	return path
}

// watchRedirect serves a navigation through a writer that seals a token
// into a redirect to an allowed target.
func watchRedirect(h *handler, rw http.ResponseWriter, r *http.Request) {
	h.next.ServeHTTP(&redirectWriter{ResponseWriter: rw, h: h, r: r}, r)
}

// nowMs is the handler's clock in Unix milliseconds.
func nowMs(h *handler) int64 {
	if h.now != nil {
		return h.now().UnixMilli()
	}
	return time.Now().UnixMilli()
}

// issue seals a token handing session to target for this request's
// client. It issues nothing, and says why at debug level, when there is no
// session, when its value cannot be a cookie a browser keeps, or when
// there is no client address.
func issue(h *handler, r *http.Request, target, session string) (string, bool) {
	if !cookieFits(h.cookieName, session) {
		return noToken(h, sessionProblem(h, session))
	}
	client := ""
	if h.bindClientIP {
		var ok bool
		if client, ok = clientAddr(h.clients, r); !ok {
			return noToken(h, "client address not found")
		}
	}
	return seal(h.codec, &claims{createdMs: nowMs(h), lifetimeMs: h.lifetimeMs, target: target, clientIP: client, session: session}), true
}

// sessionProblem says, without the value, why a session cannot be handed over.
func sessionProblem(h *handler, session string) string {
	switch {
	case session == "":
		return "no session cookie " + h.cookieName
	case len(h.cookieName)+1+len(session) > maxCookieBytes:
		return fmt.Sprintf("cookie %s is %d bytes with its name, over the %d browsers keep", h.cookieName, len(h.cookieName)+1+len(session), maxCookieBytes)
	}
	return "cookie " + h.cookieName + " holds bytes a cookie value cannot"
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
