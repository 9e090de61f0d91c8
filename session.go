package sessioninjector

import (
	"fmt"
	"net/http"
	"strconv"
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

// encodeCookies writes a session's cookies as a token's last claim: one
// "age name=value" line each, the primary first. Names and values hold no
// space or newline.
func encodeCookies(cookies []sessionCookie) string {
	claim, _ := encodeChecked("", cookies)
	return claim
}

// encodeChecked is encodeCookies for cookies that may not be handed over:
// it says why not (no primary, or a cookie no browser keeps), checking
// each cookie in the loop that writes it.
func encodeChecked(primary string, cookies []sessionCookie) (string, string) {
	if len(cookies) == 0 {
		return "", "no session cookie " + primary
	}
	lines := make([]string, len(cookies))
	for i := range cookies {
		c := &cookies[i]
		if !cookieFits(c.name, c.value) {
			return "", cookieProblem(c)
		}
		lines[i] = strconv.Itoa(c.age) + " " + c.name + "=" + c.value
	}
	return strings.Join(lines, "\n"), ""
}

// decodeSession is decodeCookies for the names of s, with the common case
// of cookies whose lifetimes are unknown, in the order of names (what
// issueRequest writes), read by prefix matches: the primary alone by one.
func decodeSession(s *cookieSpec, claim string, elapsedMs int64) ([]sessionCookie, *refusal) {
	if value, ok := strings.CutPrefix(claim, s.unknownAge); ok {
		if cookieFits(s.primary, value) {
			return []sessionCookie{{name: s.primary, value: value, age: ageUnknown}}, nil
		}
		if cookies := decodeUnknownAges(s, value); cookies != nil {
			return cookies, nil
		}
	}
	return decodeCookies(claim, s.names, elapsedMs)
}

// decodeUnknownAges reads what follows the primary's "-1 name=" in a
// claim of several cookies whose lifetimes are unknown, in the order of
// names; nil for any other claim, which decodeCookies then reads (the
// cookies it returns are those decodeCookies would).
func decodeUnknownAges(s *cookieSpec, rest string) []sessionCookie {
	lines := strings.Split(rest, "\n")
	if len(lines) > len(s.names) || !cookieFits(s.primary, lines[0]) {
		return nil // with one name: a second line, or the value the caller refused
	}
	cookies := make([]sessionCookie, len(lines))
	cookies[0] = sessionCookie{name: s.primary, value: lines[0], age: ageUnknown}
	next := 0
	for i := 1; i < len(lines); i++ {
		for next < len(s.secondaryAges) && !strings.HasPrefix(lines[i], s.secondaryAges[next]) {
			next++
		}
		if next == len(s.secondaryAges) {
			return nil
		}
		name, value := s.names[next+1], lines[i][len(s.secondaryAges[next]):]
		if !cookieFits(name, value) {
			return nil
		}
		cookies[i] = sessionCookie{name: name, value: value, age: ageUnknown}
		next++
	}
	return cookies
}

// decodeCookies reads a token's cookies back, each checked: one of names,
// the primary first, none twice, a value browsers keep, a lifetime in
// range, less the seconds the token took to arrive.
func decodeCookies(s string, names []string, elapsedMs int64) ([]sessionCookie, *refusal) {
	if !strings.Contains(s, "\n") {
		var c sessionCookie
		if why := readCookie(&c, s, elapsedMs); why == nil && c.name == names[0] {
			return []sessionCookie{c}, nil
		}
	}
	return decodeSeveral(s, names, elapsedMs)
}

// decodeSeveral is decodeCookies for any number of cookies, and for one
// that is refused (then read a second time, to say why).
func decodeSeveral(s string, names []string, elapsedMs int64) ([]sessionCookie, *refusal) {
	lines := strings.SplitN(s, "\n", len(names)+1)
	if len(lines) > len(names) {
		return nil, overNames(len(names))
	}
	cookies := make([]sessionCookie, len(lines))
	for i, line := range lines {
		why := readCookie(&cookies[i], line, elapsedMs)
		if why == nil {
			why = placeCookie(cookies[i].name, names, cookies[:i])
		}
		if why != nil {
			return nil, why
		}
	}
	return cookies, nil
}

// readCookie reads one "age name=value" line into c.
func readCookie(c *sessionCookie, line string, elapsedMs int64) *refusal {
	ageText, pair, _ := strings.Cut(line, " ")
	name, value, _ := strings.Cut(pair, "=")
	age, err := strconv.Atoi(ageText)
	if err != nil || age < ageUnknown || age > maxCookieAge || !cookieFits(name, value) {
		return refusalSession
	}
	if age > 0 && elapsedMs >= 1000 {
		if age -= int(elapsedMs / 1000); age < 1 {
			age = 1
		}
	}
	c.name, c.value, c.age = name, value, age
	return nil
}

// placeCookie checks that a decoded cookie's name is the primary when it
// comes first, one of names otherwise, and not one already read.
func placeCookie(name string, names []string, before []sessionCookie) *refusal {
	if len(before) == 0 {
		if name != names[0] {
			return notPrimary(name, names[0])
		}
		return nil
	}
	for i := range before {
		if before[i].name == name {
			return carriedTwice(name)
		}
	}
	for _, n := range names[1:] {
		if n == name {
			return nil
		}
	}
	return notConfigured(name)
}

// The refusals of placeCookie and decodeSeveral, kept out of their frames.

func overNames(names int) *refusal {
	return newRefusal(reasonInvalid, fmt.Sprintf("token carries more than the %d cookies of cookieNames", names))
}

func notPrimary(name, primary string) *refusal {
	return newRefusal(reasonInvalid, fmt.Sprintf("token's first cookie %q is not the primary %q (cookieNames differ between the instances)", name, primary))
}

func carriedTwice(name string) *refusal {
	return newRefusal(reasonInvalid, fmt.Sprintf("token carries cookie %q twice", name))
}

func notConfigured(name string) *refusal {
	return newRefusal(reasonInvalid, fmt.Sprintf("token carries cookie %q, which is not one of cookieNames", name))
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
