package sessioninjector

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// cookieOctets are the bytes RFC 6265 allows in a cookie value.
const cookieOctets = "!#$%&'()*+-./0123456789:<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~"

// tokenChars are the bytes RFC 7230 allows in a token such as a cookie name.
const tokenChars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// maxCookieName bounds the cookie name, so that name and a full-size value stay near browsers' 4096-byte limit.
const maxCookieName = 128

// maxCookieBytes is the most that browsers keep of a cookie's name and
// value together: a longer cookie is dropped silently.
const maxCookieBytes = 4096

// cookieFits reports whether name=value is a cookie that browsers keep:
// a value that can be sent unquoted, not empty, and name and value
// together within maxCookieBytes.
func cookieFits(name, value string) bool {
	return value != "" && len(name)+1+len(value) <= maxCookieBytes && strings.Trim(value, cookieOctets) == ""
}

// validCookieName checks a cookie name: 1 to maxCookieName token characters.
func validCookieName(name string) error {
	if name == "" || len(name) > maxCookieName || strings.Trim(name, tokenChars) != "" {
		return fmt.Errorf("%q is not a valid cookie name (1 to %d token characters)", name, maxCookieName)
	}
	return nil
}

// cookieSpec writes the Set-Cookie headers of the session's cookies on
// the target. Its attributes are fixed in New: only names, values,
// carried lifetimes and, with secure "auto", the Secure flag vary per
// request.
type cookieSpec struct {
	names      []string // the session's cookies, the primary first
	primary    string
	unknownAge string // "-1 primary=": how a token's claim starts for the primary with its lifetime unknown
	// secondaryAges are "-1 name=" for each of names[1:]: how the line of
	// a secondary cookie whose lifetime is unknown starts in a claim.
	secondaryAges []string
	plainSuffix   string // attributes over HTTP, with the configured Max-Age
	secureSuffix  string // attributes over HTTPS, with the configured Max-Age
	plainBase     string // plainSuffix without Max-Age, for a carried lifetime
	secureBase    string // secureSuffix without Max-Age
}

func newCookieSpec(names []string, c CookieConfig) (*cookieSpec, error) {
	path := c.Path
	if path == "" {
		path = "/"
	}
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, ";"+unsafeURLChars) {
		return nil, fmt.Errorf("cookie.path: %q must start with / and hold no ';', spaces or control characters", c.Path)
	}
	domain := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(c.Domain), "."))
	if domain != "" {
		if err := validHostName(domain); err != nil {
			return nil, fmt.Errorf("cookie.domain: %q: %w", c.Domain, err)
		}
	}
	if c.MaxAge < 0 {
		return nil, fmt.Errorf("cookie.maxAge: %d must not be negative (0 means a session cookie)", c.MaxAge)
	}
	secure, err := parseSecure(c.Secure)
	if err != nil {
		return nil, err
	}
	sameSite, err := parseSameSite(c.SameSite)
	if err != nil {
		return nil, err
	}
	prefixed := ""
	for _, name := range names {
		if strings.HasPrefix(name, "__Host-") && (domain != "" || path != "/") {
			return nil, fmt.Errorf("cookieNames: %q: a __Host- cookie needs cookie.path \"/\" and no cookie.domain", name)
		}
		if strings.HasPrefix(name, "__Host-") || strings.HasPrefix(name, "__Secure-") {
			prefixed = name
		}
	}
	if secure == secureNever && (prefixed != "" || sameSite == "None") {
		return nil, fmt.Errorf("cookie.secure: false is not allowed with cookie name %q and sameSite %q: browsers drop such cookies", prefixed, sameSite)
	}
	if prefixed != "" || sameSite == "None" {
		secure = secureAlways
	}

	attrs := "; Path=" + path
	if domain != "" {
		attrs += "; Domain=" + domain
	}
	if c.HTTPOnly {
		attrs += "; HttpOnly"
	}
	spec := &cookieSpec{names: names, primary: names[0], unknownAge: strconv.Itoa(ageUnknown) + " " + names[0] + "="}
	for _, name := range names[1:] {
		spec.secondaryAges = append(spec.secondaryAges, strconv.Itoa(ageUnknown)+" "+name+"=")
	}
	spec.secureBase = attrs + "; Secure; SameSite=" + sameSite
	spec.plainBase = attrs + "; SameSite=" + sameSite
	if secure == secureAlways {
		spec.plainBase = spec.secureBase
	}
	if secure == secureNever {
		spec.secureBase = spec.plainBase
	}
	spec.plainSuffix, spec.secureSuffix = spec.plainBase, spec.secureBase
	if c.MaxAge > 0 {
		maxAge := "; Max-Age=" + strconv.Itoa(c.MaxAge)
		spec.plainSuffix, spec.secureSuffix = maxAge+spec.plainBase, maxAge+spec.secureBase
	}
	return spec, nil
}

const (
	secureAuto = iota
	secureAlways
	secureNever
)

func parseSecure(s string) (int, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return secureAuto, nil
	case "true", "1", "yes", "on":
		return secureAlways, nil
	case "false", "0", "no", "off":
		return secureNever, nil
	}
	return 0, fmt.Errorf("cookie.secure: %q must be auto, true or false", s)
}

func parseSameSite(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "lax":
		return "Lax", nil
	case "strict":
		return "Strict", nil
	case "none":
		return "None", nil
	}
	return "", fmt.Errorf("cookie.sameSite: %q must be lax, strict or none", s)
}

// setCookie returns the Set-Cookie value of a carried cookie: with the
// lifetime it carries, or the configured one when the source did not see it.
func setCookie(s *cookieSpec, c *sessionCookie, secure bool) string {
	if c.age >= 0 {
		return setCookieAge(s, c, secure)
	}
	suffix := s.plainSuffix
	if secure {
		suffix = s.secureSuffix
	}
	return c.name + "=" + c.value + suffix
}

// setCookieAge is setCookie for a cookie that carries its lifetime.
func setCookieAge(s *cookieSpec, c *sessionCookie, secure bool) string {
	base := s.plainBase
	if secure {
		base = s.secureBase
	}
	if c.age == 0 {
		return c.name + "=" + c.value + base
	}
	return c.name + "=" + c.value + "; Max-Age=" + strconv.Itoa(c.age) + base
}

// expireCookie returns the Set-Cookie value that deletes a cookie set with the spec's attributes.
func expireCookie(s *cookieSpec, name string, secure bool) string {
	if secure {
		return name + "=; Max-Age=0" + s.secureBase
	}
	return name + "=; Max-Age=0" + s.plainBase
}

// injectCookie makes name=value the only cookie of that name in the request,
// keeping the other cookies in order, in one Cookie header.
func injectCookie(h http.Header, name, value string) {
	lines := h["Cookie"]
	if len(lines) == 0 {
		h["Cookie"] = []string{name + "=" + value}
		return
	}
	if len(lines) == 1 && !strings.Contains(lines[0], name) {
		h["Cookie"] = []string{name + "=" + value + "; " + lines[0]}
		return
	}
	replaceCookie(h, name, value)
}

// tooManyCookies reports whether a request carries so many cookies that
// replaceCookie's loop over them would cost too much.
func tooManyCookies(h http.Header) bool {
	lines := h["Cookie"]
	return len(lines) >= maxQueryParts || strings.Count(strings.Join(lines, ";"), ";") >= maxQueryParts
}

// replaceCookie is injectCookie for a request that may already carry the
// cookie; with an empty value it only removes the cookie.
func replaceCookie(h http.Header, name, value string) {
	prefix := name + "="
	var parts []string
	if value != "" {
		parts = append(parts, prefix+value)
	}
	for _, line := range h["Cookie"] {
		for _, c := range strings.Split(line, ";") {
			c = strings.TrimSpace(c)
			if c == "" || c == name || strings.HasPrefix(c, prefix) {
				continue
			}
			parts = append(parts, c)
		}
	}
	if len(parts) == 0 {
		delete(h, "Cookie")
		return
	}
	h["Cookie"] = []string{strings.Join(parts, "; ")}
}

// legacyDates are the other Expires formats browsers read: RFC 850 (with
// a two-digit year), asctime and RFC 1123 with a two-digit year.
var legacyDates = []string{time.RFC850, time.ANSIC, "Mon, 02 Jan 06 15:04:05 MST", "Mon, 02-Jan-06 15:04:05 MST"}

// expiresMs reads a cookie's Expires in Unix milliseconds, in net/http's
// format or any other a browser reads; false when no browser reads it.
func expiresMs(c *http.Cookie) (int64, bool) {
	if !c.Expires.IsZero() {
		return c.Expires.UnixMilli(), true
	}
	for _, layout := range legacyDates {
		if t, err := time.Parse(layout, c.RawExpires); err == nil {
			return t.UnixMilli(), true
		}
	}
	return 0, false
}

// clearsCookies reports whether a response's Clear-Site-Data removes cookies.
func clearsCookies(header http.Header) bool {
	for _, v := range header["Clear-Site-Data"] {
		v = strings.ToLower(v)
		if strings.Contains(v, `"cookies"`) || strings.Contains(v, `"*"`) {
			return true
		}
	}
	return false
}
