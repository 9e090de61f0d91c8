package sessioninjector

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"
)

const (
	ldhChars    = "abcdefghijklmnopqrstuvwxyz0123456789-."
	maxHostName = 253
	maxLabel    = 63
)

// normalizeHost lower-cases a Host header or URL authority and drops its
// port and one trailing dot. IPv6 literals keep their brackets. A plain
// name, the common case, takes two standard-library calls.
func normalizeHost(hostport string) string {
	if strings.IndexByte(hostport, ':') < 0 && !strings.HasSuffix(hostport, ".") {
		return strings.ToLower(hostport)
	}
	return normalizeHostPort(hostport)
}

// normalizeHostPort is normalizeHost for an authority with a port, an IPv6
// literal or a trailing dot.
func normalizeHostPort(hostport string) string {
	host := hostport
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		if host[0] != '[' {
			host = host[:i]
		} else if j := strings.IndexByte(host, ']'); j > 0 {
			host = host[:j+1]
		}
	}
	if n := len(host); n > 0 && host[n-1] == '.' {
		host = host[:n-1]
	}
	return strings.ToLower(host)
}

// hostMatcher answers whether a normalized host is an allowed target:
// an exact name, or a strict subdomain of a `*.` pattern.
type hostMatcher struct {
	exact    map[string]bool
	suffixes []string
	// url matches a whole absolute or protocol-relative http(s) URL whose
	// authority is an allowed host and an optional numeric port, and which
	// holds none of unsafeURLChars; its first group is the host. Matching
	// a Location is then one call, which is what the interpreter needs.
	url *regexp.Regexp
}

// newHostMatcher validates the targetDomains patterns: ASCII host names
// (punycode for internationalized names), optionally starting with `*.`.
func newHostMatcher(patterns []string) (*hostMatcher, error) {
	m := &hostMatcher{exact: map[string]bool{}}
	for _, raw := range patterns {
		p := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(raw), "."))
		if p == "" {
			continue
		}
		name, wildcard := strings.CutPrefix(p, "*.")
		if err := validHostName(name); err != nil {
			return nil, fmt.Errorf("targetDomains: %q: %w", raw, err)
		}
		if wildcard {
			m.suffixes = append(m.suffixes, "."+name)
		} else {
			m.exact[name] = true
		}
	}
	if len(m.exact) == 0 && len(m.suffixes) == 0 {
		return nil, nil
	}
	var hosts []string
	for name := range m.exact {
		hosts = append(hosts, anyCase(name))
	}
	sort.Strings(hosts)
	for _, suffix := range m.suffixes {
		hosts = append(hosts, "(?:[a-zA-Z0-9-]+\\.)+"+anyCase(suffix[1:]))
	}
	m.url = regexp.MustCompile(`^(?:[hH][tT][tT][pP][sS]?:)?//(` + strings.Join(hosts, "|") + `)\.?(?::[0-9]*)?(?:[/?#][^\\\x00-\x20\x7f]*)?$`)
	return m, nil
}

// anyCase writes a validated host name as a regular expression matching it
// in any ASCII case: (?i) would also fold non-ASCII look-alikes such as the
// Kelvin sign into k.
func anyCase(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteString("[" + string(c) + string(c-'a'+'A') + "]")
		case c == '.':
			b.WriteString(`\.`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// validHostName checks a lower-case DNS name made of letters, digits and hyphens.
func validHostName(name string) error {
	if name == "" || len(name) > maxHostName {
		return fmt.Errorf("must be a host name of 1 to %d characters", maxHostName)
	}
	if strings.Trim(name, ldhChars) != "" {
		return fmt.Errorf("must hold only letters, digits, hyphens and dots (use punycode for non-ASCII names, no port, no wildcard but a leading *.)")
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > maxLabel || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("label %q must be 1 to %d characters, not starting or ending with a hyphen", label, maxLabel)
		}
	}
	return nil
}

// How a matched URL names its scheme: targetHost reports where the host
// starts, which tells them apart.
const (
	schemeRelative = len("//")
	schemeHTTP     = len("http://")
	schemeHTTPS    = len("https://")
)

// targetHost extracts the host of an absolute http(s) URL (or, with
// relativeScheme, a protocol-relative `//host` one), reports whether it is
// an allowed target and how the URL names its scheme (schemeHTTP,
// schemeHTTPS or schemeRelative). The authority must be a plain host name
// and an optional numeric port: userinfo, percent-encoding or non-ASCII
// bytes in the authority, and backslashes, whitespace or control characters
// anywhere in the URL make it unmatched, so browsers and this check agree
// on the host.
func targetHost(m *hostMatcher, rawURL string, relativeScheme bool) (string, int, bool) {
	if m == nil {
		return "", 0, false
	}
	at := m.url.FindStringSubmatchIndex(rawURL)
	if at == nil || (at[2] == schemeRelative && !relativeScheme) {
		return "", 0, false
	}
	return strings.ToLower(rawURL[at[2]:at[3]]), at[2], true
}

// cleartextRefusal says why no token may travel to a target URL in clear
// text, or "" when it may: after a request over HTTPS never to http:// (a
// protocol-relative URL keeps the request's scheme); over HTTP only to
// loopback hosts, unless allowInsecureTargets.
func cleartextRefusal(h *handler, host string, scheme int, https bool) string {
	if scheme == schemeHTTPS || scheme == schemeRelative && https {
		return ""
	}
	if https {
		return "an http:// target after a request over HTTPS"
	}
	if h.allowInsecure || loopbackHost(host) {
		return ""
	}
	return "an http:// target that is not a loopback host (allowInsecureTargets is off)"
}

// loopbackHost reports whether a normalized host is localhost, a name
// under .localhost or a loopback address: the hosts whose plain-HTTP
// traffic never leaves the machine.
func loopbackHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.IsLoopback()
}

// unsafeURLChars are bytes that browsers strip, fold or reinterpret in a URL.
const unsafeURLChars = "\\ \x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f" +
	"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f"

// isOwnHost reports whether a Host header names target, a normalized host:
// cheaply false unless the header starts with it.
func isOwnHost(host, target string) bool {
	return len(host) >= len(target) && strings.EqualFold(host[:len(target)], target) && normalizeHost(host) == target
}
