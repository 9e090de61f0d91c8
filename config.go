package sessioninjector

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config is the middleware's configuration, as Traefik decodes it from the
// file provider, Docker labels or a Kubernetes Middleware.
type Config struct {
	// CookieName is a shorthand for CookieNames with one name.
	CookieName string
	// CookieNames are the cookies that together form the session, the
	// primary first: a hand-off needs the primary; the others travel when
	// present. Empty means [_session_id].
	CookieNames []string
	// OnExistingSession says what a redeemed token does when this host
	// already has the primary cookie: "replace" (the source's session wins)
	// or "keep" (the token is still verified and spent, the host's own
	// cookies stay).
	OnExistingSession string
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
	// DieOnHandshakeFailure answers a refused token with 403 (a short page
	// for navigations) when true; when false, a navigation is sent on to
	// the URL without the token, and any other request has the token
	// stripped and goes on, in both cases without a session.
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
	// PullPath is the source's pull endpoint, which answers a target's
	// ?return=<URL>&state=<state> with the session or a "no session"
	// mark; empty disables it. A target builds the source's URL with it.
	PullPath string
	// Pull lets this host, as a target, ask the source for the session
	// of a browser that arrives directly on one of its paths.
	Pull PullConfig
	// RequireState makes this host accept a session only from a pull it
	// started in this browser (a pull answer bound to its state): a pushed
	// token is refused and a pull started instead, so that nobody can
	// sign a browser in to their own session (login CSRF). As a source it
	// sends a marker that starts the pull instead of a token.
	RequireState bool
	// SignOutEverywhere sends a browser whose session ends on this host
	// (a Set-Cookie deleting the primary cookie, or Clear-Site-Data with
	// cookies) through the sign-out endpoint of every host it handed the
	// session to, or received it from, before the response's own Location.
	SignOutEverywhere bool
	// SignOutPath is the sign-out endpoint, which clears the session's
	// cookies on a valid sign-out token and passes the chain on. Every
	// participating host uses the same path.
	SignOutPath string
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

// PullConfig configures the pull: a target asking the source for the
// session of a browser that opened one of Paths directly.
type PullConfig struct {
	// From is the source's origin, scheme://host[:port].
	From string
	// Paths are the path prefixes (on a segment boundary) where a session
	// is wanted; none means the pull is off.
	Paths []string
	// NoSessionFor is how long this host remembers that a browser has no
	// session on the source: "10m", "0" (do not remember), at most 24h.
	NoSessionFor string
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
	// MaxAge in seconds of a carried cookie whose lifetime the source did
	// not see (the lifetime its Set-Cookie gave is carried otherwise); 0
	// makes a session cookie.
	MaxAge int
}

// CreateConfig returns the default configuration.
func CreateConfig() *Config {
	return &Config{
		OnExistingSession:  existingReplace,
		TokenParam:         "_hs_",
		TokenLifetime:      "5s",
		PropagateRedirects: true,
		HandoffPath:        "/_session/handoff",
		PullPath:           "/_session/pull",
		Pull:               PullConfig{NoSessionFor: "10m"},
		SignOutEverywhere:  true,
		SignOutPath:        "/_session/signout",
		CleanURL:           true,
		SingleUse:          true,
		BindClientIP:       true,
		IPv4Prefix:         32,
		IPv6Prefix:         64,
		ReplayCacheSize:    defaultReplayCacheSize,
		ReplayPerClient:    defaultReplayPerClient,
		ReplayStore:        storeMemory,
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

// defaultCookieName is the session cookie carried when neither cookieName
// nor cookieNames is set (Rails' default).
const defaultCookieName = "_session_id"

// maxSessionCookies bounds cookieNames: every hand-off loops over them.
const maxSessionCookies = 16

// onExistingSession values.
const (
	existingReplace = "replace"
	existingKeep    = "keep"
)

// cookieNameList resolves cookieName and cookieNames into the session's
// cookie names, the primary first, each checked and none twice.
func cookieNameList(name string, names []string) ([]string, error) {
	name = strings.TrimSpace(name)
	if len(names) == 0 {
		if name == "" {
			name = defaultCookieName
		}
		names = []string{name}
	}
	if len(names) > maxSessionCookies {
		return nil, fmt.Errorf("cookieNames: %d names, at most %d", len(names), maxSessionCookies)
	}
	out := make([]string, 0, len(names))
	for i, n := range names {
		n = strings.TrimSpace(n)
		if err := validCookieName(n); err != nil {
			return nil, fmt.Errorf("cookieNames[%d]: %w", i, err)
		}
		for _, seen := range out {
			if seen == n {
				return nil, fmt.Errorf("cookieNames[%d]: %q is listed twice", i, n)
			}
		}
		out = append(out, n)
	}
	if name != "" && name != out[0] {
		return nil, fmt.Errorf("cookieName: %q differs from cookieNames[0] %q: cookieName is a shorthand for a one-name cookieNames, set only one of them", name, out[0])
	}
	return out, nil
}

// parseExisting reads onExistingSession and reports whether it keeps the host's own session.
func parseExisting(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", existingReplace:
		return false, nil
	case existingKeep:
		return true, nil
	}
	return false, fmt.Errorf("onExistingSession: %q must be replace or keep", s)
}

// paramChars are the URL-unreserved characters allowed in tokenParam.
const paramChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~"

// maxLifetime bounds tokenLifetime: a handoff token is meant to live seconds.
const maxLifetime = 10 * time.Minute

// parseDuration reads the duration key: "5s", "1m30s", or a bare number of
// seconds ("5", "1.5"), as strings and numbers arrive from every provider.
func parseDuration(key, s string, least, most time.Duration) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("%s: must be set, for example \"5s\"", key)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		seconds, errNum := strconv.ParseFloat(s, 64)
		if errNum != nil {
			return 0, fmt.Errorf("%s: %q is neither a duration like \"5s\" nor a number of seconds", key, s)
		}
		d = time.Duration(seconds * float64(time.Second))
	}
	if d < least || d > most {
		return 0, fmt.Errorf("%s: %q must be between %s and %s", key, s, least, most)
	}
	return d, nil
}

// secretList returns the sealing secret followed by the previous ones, each checked.
func secretList(secret string, previous []string, name string) ([]string, error) {
	secret = strings.TrimSpace(secret)
	if secret == "" {
		log.Printf("sessioninjector %q: no secret configured: using a random key for this process only; several Traefik instances need a shared secret", name)
		var err error
		if secret, err = processSecret(); err != nil {
			return nil, err
		}
	}
	if len(secret) < minSecretBytes {
		return nil, fmt.Errorf("secret: %d bytes is too short, at least %d are required", len(secret), minSecretBytes)
	}
	secrets := []string{secret}
	for i, s := range previous {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if len(s) < minSecretBytes {
			return nil, fmt.Errorf("previousSecrets[%d]: %d bytes is too short, at least %d are required", i, len(s), minSecretBytes)
		}
		secrets = append(secrets, s)
	}
	return secrets, nil
}

var (
	processSecretMu    sync.Mutex
	processSecretValue string
)

// processSecret is a random secret shared by every instance in this process,
// so that routers and configuration reloads agree on it.
func processSecret() (string, error) {
	processSecretMu.Lock()
	defer processSecretMu.Unlock()
	if processSecretValue == "" {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("secret: generating a random key: %w", err)
		}
		processSecretValue = hex.EncodeToString(b[:])
	}
	return processSecretValue, nil
}
