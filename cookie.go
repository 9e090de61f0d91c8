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

// validCookieValue reports whether v can be sent as a cookie value unquoted.
func validCookieValue(v string) bool {
	return v != "" && len(v) <= maxCookieBytes && strings.Trim(v, cookieOctets) == ""
}

// cookieFits reports whether name=value is a cookie that browsers keep.
func cookieFits(name, value string) bool {
	return validCookieValue(value) && len(name)+1+len(value) <= maxCookieBytes
}

// cookieSpec writes the session cookie's Set-Cookie header on the target.
// Its attributes are fixed in New: only the value and, with secure "auto",
// the Secure flag vary per request.
type cookieSpec struct {
	name         string
	prefix       string // name=
	plainSuffix  string // attributes over HTTP
	secureSuffix string // attributes over HTTPS
}

func newCookieSpec(name string, c CookieConfig) (*cookieSpec, error) {
	if name == "" || len(name) > maxCookieName || strings.Trim(name, tokenChars) != "" {
		return nil, fmt.Errorf("cookieName: %q is not a valid cookie name (1 to %d token characters)", name, maxCookieName)
	}
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
	prefixed := strings.HasPrefix(name, "__Host-") || strings.HasPrefix(name, "__Secure-")
	if strings.HasPrefix(name, "__Host-") && (domain != "" || path != "/") {
		return nil, fmt.Errorf("cookieName: %q: a __Host- cookie needs cookie.path \"/\" and no cookie.domain", name)
	}
	if secure == secureNever && (prefixed || sameSite == "None") {
		return nil, fmt.Errorf("cookie.secure: false is not allowed with cookie name %q and sameSite %q: browsers drop such cookies", name, sameSite)
	}
	if prefixed || sameSite == "None" {
		secure = secureAlways
	}

	attrs := "; Path=" + path
	if domain != "" {
		attrs += "; Domain=" + domain
	}
	if c.MaxAge > 0 {
		attrs += "; Max-Age=" + strconv.Itoa(c.MaxAge)
	}
	if c.HTTPOnly {
		attrs += "; HttpOnly"
	}
	sameSiteAttr := "; SameSite=" + sameSite
	spec := &cookieSpec{name: name, prefix: name + "="}
	spec.secureSuffix = attrs + "; Secure" + sameSiteAttr
	spec.plainSuffix = attrs + sameSiteAttr
	if secure == secureAlways {
		spec.plainSuffix = spec.secureSuffix
	}
	if secure == secureNever {
		spec.secureSuffix = spec.plainSuffix
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

// header returns the Set-Cookie value for a session value.
func setCookie(s *cookieSpec, value string, secure bool) string {
	if secure {
		return s.prefix + value + s.secureSuffix
	}
	return s.prefix + value + s.plainSuffix
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

// replaceCookie is injectCookie for a request that may already carry the cookie.
func replaceCookie(h http.Header, name, value string) {
	prefix := name + "="
	parts := []string{prefix + value}
	for _, line := range h["Cookie"] {
		for _, c := range strings.Split(line, ";") {
			c = strings.TrimSpace(c)
			if c == "" || c == name || strings.HasPrefix(c, prefix) {
				continue
			}
			parts = append(parts, c)
		}
	}
	h["Cookie"] = []string{strings.Join(parts, "; ")}
}

// Session states found in a response's Set-Cookie headers.
const (
	sessionUntouched = iota
	sessionSet
	sessionDeleted
)

// responseSession looks for the session cookie in a response's Set-Cookie
// headers: the last one for the name wins; an empty value, Max-Age <= 0,
// an expiry in the past, or one that no browser date format reads, deletes
// it (a sign-out is never mistaken for a session).
func responseSession(h http.Header, name string, nowMs int64) (string, int) {
	lines := h["Set-Cookie"]
	if len(lines) == 0 {
		return "", sessionUntouched
	}
	prefix := name + "="
	found := false
	for _, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), prefix) {
			found = true
			break
		}
	}
	if !found {
		return "", sessionUntouched
	}
	resp := http.Response{Header: http.Header{"Set-Cookie": lines}}
	value, state := "", sessionUntouched
	for _, c := range resp.Cookies() {
		if c.Name != name {
			continue
		}
		value, state = c.Value, sessionSet
		if c.Value == "" || c.MaxAge < 0 || expired(c, nowMs) {
			value, state = "", sessionDeleted
		}
	}
	return value, state
}

// legacyDates are the other Expires formats browsers read: RFC 850 (with
// a two-digit year), asctime and RFC 1123 with a two-digit year.
var legacyDates = []string{time.RFC850, time.ANSIC, "Mon, 02 Jan 06 15:04:05 MST", "Mon, 02-Jan-06 15:04:05 MST"}

// expired reports whether a cookie's Expires is past or, when net/http
// could not read it, in no format a browser reads either.
func expired(c *http.Cookie, nowMs int64) bool {
	if !c.Expires.IsZero() || c.RawExpires == "" {
		return !c.Expires.IsZero() && c.Expires.UnixMilli() <= nowMs
	}
	for _, layout := range legacyDates {
		if t, err := time.Parse(layout, c.RawExpires); err == nil {
			return t.UnixMilli() <= nowMs
		}
	}
	return true
}

// redirectSession is the session a redirect hands over: none when the
// response ends it (a Set-Cookie deleting it, or Clear-Site-Data with
// cookies), the one it sets (a sign-in), or else the request's.
func redirectSession(header http.Header, r *http.Request, name string, nowMs int64) string {
	if clearsCookies(header) {
		return ""
	}
	session, state := responseSession(header, name, nowMs)
	if state == sessionUntouched {
		return requestSession(r, name)
	}
	return session
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

// requestSession returns the first session cookie of the request.
func requestSession(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}
