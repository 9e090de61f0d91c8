package sessioninjector

import (
	"fmt"
	"strconv"
	"strings"
)

// A session in a token: its cookies written as the token's last claim,
// and read back, each checked, on arrival.

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
