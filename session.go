package sessioninjector

import (
	"net/http"
	"strings"
)

// sessionCookie is one cookie of a carried session.
type sessionCookie struct {
	name  string
	value string
	// age is the seconds the cookie has left: 0 until the browser closes,
	// ageUnknown when the source did not see it (cookie.maxAge applies).
	age int
}

const (
	ageUnknown = -1
	// maxCookieAge is the longest lifetime browsers keep: 400 days.
	maxCookieAge = 400 * 24 * 3600
)

// requestCookies returns the session's cookies a request carries, the
// primary first, or none without the primary.
func requestCookies(r *http.Request, names []string) []sessionCookie {
	c, err := r.Cookie(names[0])
	if err != nil || c.Value == "" {
		return nil
	}
	cookies := []sessionCookie{{name: c.Name, value: c.Value, age: ageUnknown}}
	if len(names) > 1 {
		return appendRequestCookies(r, names[1:], cookies)
	}
	return cookies
}

// appendRequestCookies appends the secondary cookies a request carries:
// kept apart from requestCookies, whose one-name case does not pay for
// the loop.
func appendRequestCookies(r *http.Request, names []string, cookies []sessionCookie) []sessionCookie {
	for _, name := range names {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			cookies = append(cookies, sessionCookie{name: name, value: c.Value, age: ageUnknown})
		}
	}
	return cookies
}

// redirectCookies is the session a redirect hands over: none when the
// response ends it (a Set-Cookie deleting the primary, or Clear-Site-Data
// with cookies); else the cookies the browser holds once it has the
// response: those the response sets, with the lifetimes it gives them,
// and the request's others.
func redirectCookies(header http.Header, r *http.Request, names []string, nowMs int64) []sessionCookie {
	if clearsCookies(header) {
		return nil
	}
	set := responseCookies(header["Set-Cookie"], names)
	if set == nil {
		return requestCookies(r, names)
	}
	var cookies []sessionCookie
	for i, name := range names {
		if set[i] == nil {
			if c, err := r.Cookie(name); err == nil && c.Value != "" {
				cookies = append(cookies, sessionCookie{name: name, value: c.Value, age: ageUnknown})
			}
		} else if age, alive := cookieAge(set[i], nowMs); alive {
			// Browsers trim blanks around the value too; Go's parser does not.
			cookies = append(cookies, sessionCookie{name: name, value: strings.Trim(set[i].Value, " \t"), age: age})
		}
		if len(cookies) == 0 {
			return nil // no primary
		}
	}
	return cookies
}

// responseCookies returns, by position in names, the last Set-Cookie of a
// response for each of the session's cookies (nil for one it does not
// set), or nil when it sets none of them.
func responseCookies(lines, names []string) []*http.Cookie {
	if !setsAny(lines, names) {
		return nil
	}
	found := make([]*http.Cookie, len(names))
	resp := http.Response{Header: http.Header{"Set-Cookie": lines}}
	for _, c := range resp.Cookies() {
		for i, name := range names {
			if c.Name == name {
				found[i] = c
			}
		}
	}
	return found
}

// setsAny reports whether a Set-Cookie line names one of the session's
// cookies. Browsers trim blanks around the name, so "name =; Max-Age=0"
// deletes it too.
func setsAny(lines, names []string) bool {
	for _, line := range lines {
		line = strings.TrimSpace(line)
		for _, name := range names {
			if strings.HasPrefix(line, name) && strings.HasPrefix(strings.TrimLeft(line[len(name):], " \t"), "=") {
				return true
			}
		}
	}
	return false
}

// cookieAge reads a Set-Cookie's lifetime: the seconds it gives the
// cookie (0 until the browser closes), or not alive when it deletes it:
// an empty value, Max-Age <= 0, an expiry in the past or in no date format
// a browser reads (a sign-out is never mistaken for a session).
func cookieAge(c *http.Cookie, nowMs int64) (int, bool) {
	if strings.Trim(c.Value, " \t") == "" || c.MaxAge < 0 {
		return 0, false
	}
	if c.MaxAge > 0 {
		return capAge(int64(c.MaxAge)), true
	}
	if c.RawExpires == "" {
		return 0, true
	}
	at, ok := expiresMs(c)
	if !ok || at <= nowMs {
		return 0, false
	}
	return capAge((at - nowMs + 999) / 1000), true
}

// capAge bounds a lifetime in seconds to what browsers keep.
func capAge(seconds int64) int {
	if seconds > maxCookieAge {
		return maxCookieAge
	}
	return int(seconds)
}

// hasCookie reports whether a request carries a non-empty cookie of that name.
func hasCookie(r *http.Request, name string) bool {
	c, err := r.Cookie(name)
	return err == nil && c.Value != ""
}

// setRedeemed adds the Set-Cookie headers of a redeemed session to an
// answer, unless the host keeps its own session (onExistingSession keep),
// and those deleting the session's other cookies the request still
// carries (a stale secondary cookie must not outlive the session that
// replaced it); it returns the cookies to inject and the stale ones to
// remove.
func setRedeemed(h *handler, header http.Header, r *http.Request, cookies []sessionCookie, https bool) ([]sessionCookie, []string) {
	if h.keepExisting && hasCookie(r, h.cookie.primary) {
		h.logf("token redeemed, this host's own session kept (onExistingSession keep)")
		return nil, nil
	}
	s := h.cookie
	lines := header["Set-Cookie"]
	for i := range cookies {
		lines = append(lines, setCookie(s, &cookies[i], https))
	}
	var stale []string
	if len(s.names) > len(cookies) && len(r.Header["Cookie"]) != 0 {
		stale = staleCookies(s.names, cookies, r)
		for _, name := range stale {
			lines = append(lines, expireCookie(s, name, https))
		}
	}
	header["Set-Cookie"] = lines
	return cookies, stale
}

// staleCookies are the session's cookies that a request carries and a redeemed session does not.
func staleCookies(names []string, cookies []sessionCookie, r *http.Request) []string {
	var stale []string
	for _, name := range names {
		carried := false
		for _, c := range cookies {
			carried = carried || c.name == name
		}
		if !carried && hasCookie(r, name) {
			stale = append(stale, name)
		}
	}
	return stale
}

// injectSession makes a redeemed session's cookies the request's, and
// removes the stale ones.
func injectSession(h http.Header, cookies []sessionCookie, stale []string) {
	for _, c := range cookies {
		injectCookie(h, c.name, c.value)
	}
	for _, name := range stale {
		replaceCookie(h, name, "")
	}
}
